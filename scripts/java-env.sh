# Sourced by ./berth and ./run-tests: exports JAVA_HOME pointing at a JDK >= 21, or exits with a clear line.
java_version() { # the major version of the java binary given, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1
}
berth_find_java() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for d in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-*-jdk* /usr/lib/jvm/java-2[1-9]-* /usr/lib/jvm/jdk-2[1-9]* \
           /usr/lib/jvm/* /opt/java/openjdk /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] && candidates+=("$d/bin/java")
  done
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  local j v
  for j in "${candidates[@]}"; do
    v="$(java_version "$j" || true)"
    if [ -n "$v" ] && [ "${v%%.*}" -ge 21 ] 2>/dev/null; then echo "$j"; return 0; fi
  done
  return 1
}
if ! BERTH_JAVA="$(berth_find_java)"; then
  echo "berth: no JDK 21 or newer found; install one (e.g. Temurin 25) or set JAVA_HOME" >&2
  exit 1
fi
export JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$BERTH_JAVA")")")"

# Berth's JVM options when BERTH_JAVA_OPTS is unset (./berth, ./bench/run): the serial collector (no GC
# threads competing for a small machine's cores), a heap that starts at 64 MiB and grows as needed up to
# 512 MiB (a registry's live data is tens of MiB; without -Xms the JVM sizes the first heap from the
# machine's memory and touches far more than it needs), and a clean exit rather than limping on after OOM.
BERTH_DEFAULT_JAVA_OPTS="-XX:+UseSerialGC -Xms64m -Xmx512m -XX:+ExitOnOutOfMemoryError"
