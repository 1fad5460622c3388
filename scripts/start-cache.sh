# Sourced by ./berth and ./bench/run after scripts/java-env.sh. Defines berth_start_cache JAR OPTS...:
# prints the JVM option that makes Berth start from a cache of its loaded and linked classes (and, on
# JDK >= 25, their profiles), creating the cache first when it is missing or older than the jar. The
# cache is recorded at the exit of a training run (`serve --exit-after-start` on a loopback port in a
# temporary directory) with the same JVM options as the real run, as the JVM requires.
# JDK >= 25: AOT cache (JEP 483/514/515), target/berth-<key>.aot. JDK 21-24: dynamic CDS archive, target/berth-<key>.jsa.
# BERTH_START_CACHE=0 turns it off. Any failure just means no cache: Berth starts without one.
berth_start_cache() {
  local jar="$1"; shift
  [ "${BERTH_START_CACHE:-1}" = 0 ] && return 0
  local major cache make use key
  major="$(java_version "$BERTH_JAVA")"; major="${major%%.*}"
  # one cache per JVM and set of options: a cache recorded with other options would be silently ignored
  key="$(printf '%s ' "$BERTH_JAVA" "$@" | cksum | cut -d' ' -f1)"
  if [ "${major:-0}" -ge 25 ] 2>/dev/null; then
    cache="${jar%.jar}-$key.aot"; make="-XX:AOTCacheOutput=$cache"; use="-XX:AOTCache=$cache"
  else
    cache="${jar%.jar}-$key.jsa"; make="-XX:ArchiveClassesAtExit=$cache"; use="-XX:SharedArchiveFile=$cache"
  fi
  if [ ! -f "$cache" ] || [ "$jar" -nt "$cache" ]; then
    echo "berth: recording the start-up cache $cache (once per build) ..." >&2
    local tmp; tmp="$(mktemp -d)"
    rm -f "$cache"
    # A clean environment: the training run must never see the caller's REGISTRY_*/BERTH_* settings
    # (a real database, bucket or address); it runs on its own loopback port and temporary directory.
    env -i PATH="$PATH" HOME="$tmp" \
      REGISTRY_HTTP_ADDR=127.0.0.1:0 REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY="$tmp/data" REGISTRY_LOG_LEVEL=error \
      REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_ENABLED=false \
      "$BERTH_JAVA" "$@" "$make" --enable-native-access=ALL-UNNAMED -jar "$jar" serve --exit-after-start >"$tmp/train.log" 2>&1 \
      || { echo "berth: could not record the start-up cache (see below); starting without it" >&2; tail -n 5 "$tmp/train.log" >&2; rm -f "$cache"; }
    rm -rf "$tmp"
  fi
  [ -f "$cache" ] && echo "$use"
  return 0
}
