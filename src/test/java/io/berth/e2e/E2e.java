package io.berth.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.Tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One end-to-end test's private world: a temporary directory holding its own Berth data directory,
 * its own podman/buildah storage and its tools' temporary files, plus helpers to run the real clients
 * against the Berth under test.
 */
final class E2e implements AutoCloseable {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final long TIMEOUT_SECONDS = 180;

    final Path dir;
    final TestServer server;
    final Http http;
    private final Map<String, String> env = new HashMap<>();

    private E2e(Path dir, TestServer server) {
        this.dir = dir;
        this.server = server;
        this.http = server.http();
        Path tmp = mkdirs(dir.resolve("tmp"));
        env.put("TMPDIR", tmp.toString());
        // Every client reads its credentials from this test's own auth file (as written by podman login).
        env.put("REGISTRY_AUTH_FILE", authFile().toString());
        writeAdminCredentials();
    }

    /** The containers-auth.json file the clients use (REGISTRY_AUTH_FILE). */
    Path authFile() {
        return dir.resolve("auth.json");
    }

    /** Stores the test server's admin credentials for this registry in {@link #authFile()}. */
    void writeAdminCredentials() {
        writeCredentials("admin", TestServer.ADMIN_PASSWORD);
    }

    /** Makes every client log in as {@code user} from now on. */
    void writeCredentials(String user, String password) {
        String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        write(authFile(), ("{\"auths\":{\"" + host() + "\":{\"auth\":\"" + basic + "\"}}}").getBytes(StandardCharsets.UTF_8));
    }

    /** A plain-HTTP Berth with its data under {@code dir}. */
    static E2e start(Path dir) {
        return start(dir, Map.of());
    }

    static E2e start(Path dir, Map<String, String> settings) {
        return new E2e(dir, TestServer.start(mkdirs(dir.resolve("berth-data")), settings));
    }

    /** host:port of the registry, as clients name it. */
    String host() {
        return server.host();
    }

    /** docker://host:port/repository:tag (or @digest) */
    String ref(String repositoryAndReference) {
        return "docker://" + host() + "/" + repositoryAndReference;
    }

    @Override
    public void close() {
        server.close();
    }

    // --- running the clients -----------------------------------------------------------------

    Tools.Result run(String... command) {
        long began = System.nanoTime();
        Tools.Result r = Tools.run(dir, env, TIMEOUT_SECONDS, command);
        System.out.printf("[e2e] %5.2fs exit %d: %s%n", (System.nanoTime() - began) / 1e9, r.exitCode(), summary(command));
        return r;
    }

    /** The command as a log line: private storage arguments left out, the test directory shortened. */
    private String summary(String... command) {
        String line = String.join(" ", command)
                .replaceAll(" --storage-driver vfs --root \\S+ --runroot \\S+", "")
                .replaceAll(" --tmpdir \\S+ --events-backend none --cgroup-manager cgroupfs", "")
                .replace(dir.toString(), "$T");
        return line.length() > 200 ? line.substring(0, 200) + " …" : line;
    }

    /** curl as admin (Basic), never through a proxy from the environment: the registry is on loopback. */
    Tools.Result curl(String... args) {
        return run(concat(List.of("curl", "--noproxy", "*", "-u", "admin:" + TestServer.ADMIN_PASSWORD), args));
    }

    Tools.Result skopeo(String... args) {
        return run(concat(List.of("skopeo"), args));
    }

    /** buildah with this test's private vfs storage. */
    Tools.Result buildah(String... args) {
        List<String> cmd = new ArrayList<>(List.of("buildah"));
        cmd.addAll(Tools.containerStorage(dir.resolve("containers")));
        return run(concat(cmd, args));
    }

    /** podman with this test's private vfs storage and state. */
    Tools.Result podman(String... args) {
        List<String> cmd = new ArrayList<>(List.of("podman"));
        cmd.addAll(Tools.containerStorage(dir.resolve("containers")));
        cmd.addAll(List.of("--tmpdir", mkdirs(dir.resolve("podman-tmp")).toString(),
                "--events-backend", "none", "--cgroup-manager", "cgroupfs"));
        return run(concat(cmd, args));
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }

    // --- building images with buildah ---------------------------------------------------------

    /**
     * Writes the sample application's build context (a Dockerfile with FROM scratch, COPY, ENV, WORKDIR,
     * EXPOSE, LABEL, USER, CMD and ENTRYPOINT) with a {@code payloadBytes} incompressible file, builds it
     * with {@code buildah bud} as {@code tag}, and returns the image ID (its config digest).
     */
    String buildSampleApp(String tag, int payloadBytes) {
        Path ctx = mkdirs(dir.resolve("ctx-" + Integer.toHexString(tag.hashCode())));
        write(ctx.resolve("hello.txt"), "hello berth\n".getBytes(StandardCharsets.UTF_8));
        mkdirs(ctx.resolve("bin"));
        write(ctx.resolve("bin/app"), "#!/bin/sh\necho \"$GREETING from $PWD\"\n".getBytes(StandardCharsets.UTF_8));
        write(ctx.resolve("payload.bin"), randomBytes(payloadBytes, tag.hashCode()));
        write(ctx.resolve("Dockerfile"), """
                FROM scratch
                COPY hello.txt /app/hello.txt
                COPY bin/app /app/bin/app
                COPY payload.bin /app/payload.bin
                ENV GREETING=hello APP_MODE=e2e
                WORKDIR /app
                EXPOSE 8080/tcp 9090/udp
                LABEL org.example.team="berth" org.example.purpose="end-to-end test"
                USER 1000:1000
                ENTRYPOINT ["/app/bin/app"]
                CMD ["--serve"]
                """.getBytes(StandardCharsets.UTF_8));
        Path iid = dir.resolve("iid-" + Integer.toHexString(tag.hashCode()));
        buildah("bud", "--isolation", "chroot", "--iidfile", iid.toString(), "-t", tag, ctx.toString()).orFail();
        return readString(iid).trim();
    }

    /** Builds a tiny FROM scratch image for one architecture whose only file, /arch.txt, names it. */
    String buildForArch(String tag, String arch) {
        Path ctx = mkdirs(dir.resolve("ctx-" + arch));
        write(ctx.resolve(arch + ".txt"), ("built for " + arch + "\n").getBytes(StandardCharsets.UTF_8));
        write(ctx.resolve("Dockerfile"), """
                FROM scratch
                ARG ARCH
                COPY ${ARCH}.txt /arch.txt
                LABEL org.example.arch=${ARCH}
                CMD ["/arch.txt"]
                """.getBytes(StandardCharsets.UTF_8));
        Path iid = dir.resolve("iid-" + arch);
        buildah("bud", "--isolation", "chroot", "--arch", arch, "--os", "linux", "--build-arg", "ARCH=" + arch,
                "--iidfile", iid.toString(), "-t", tag, ctx.toString()).orFail();
        return readString(iid).trim();
    }

    // --- OCI layouts (what skopeo copy ... oci:DIR writes) -------------------------------------

    /** An OCI image layout directory; {@link #manifest()} follows its only index entry. */
    record OciLayout(Path root) {
        JsonNode index() {
            return json(root.resolve("index.json"));
        }

        String manifestDigest() {
            JsonNode manifests = index().path("manifests");
            assertThat(manifests.size()).as("entries in %s/index.json", root).isEqualTo(1);
            return manifests.get(0).path("digest").asText();
        }

        Path blob(String digest) {
            String[] parts = digest.split(":", 2);
            return root.resolve("blobs").resolve(parts[0]).resolve(parts[1]);
        }

        byte[] blobBytes(String digest) {
            return readBytes(blob(digest));
        }

        JsonNode manifest() {
            return parse(blobBytes(manifestDigest()));
        }

        JsonNode config() {
            return parse(blobBytes(manifest().path("config").path("digest").asText()));
        }
    }

    // --- registry views ----------------------------------------------------------------------

    /** GETs a manifest with the given Accept header, asserting a 200. */
    HttpResponse<byte[]> getManifest(String repository, String reference, String accept) {
        HttpResponse<byte[]> r = http.get("/v2/" + repository + "/manifests/" + reference, "Accept", accept);
        assertThat(r.statusCode()).as("GET manifest %s:%s: %s", repository, reference, new String(r.body(), StandardCharsets.UTF_8))
                .isEqualTo(200);
        return r;
    }

    /** Current value of one Prometheus sample, matched by name and a subset of its labels (0 when absent). */
    double metric(String name, Map<String, String> labels) {
        HttpResponse<byte[]> r = http.get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(?:\\{(.*)})?\\s+(\\S+)$");
        Pattern label = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");
        double sum = 0;
        for (String l : new String(r.body(), StandardCharsets.UTF_8).split("\n")) {
            Matcher m = line.matcher(l.trim());
            if (!m.matches()) {
                continue;
            }
            Map<String, String> have = new HashMap<>();
            if (m.group(1) != null) {
                Matcher lm = label.matcher(m.group(1));
                while (lm.find()) {
                    have.put(lm.group(1), lm.group(2));
                }
            }
            if (have.entrySet().containsAll(labels.entrySet())) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    // --- small utilities ---------------------------------------------------------------------

    static JsonNode parse(byte[] json) {
        try {
            return Http.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static JsonNode json(Path file) {
        return parse(readBytes(file));
    }

    /** sha256 of a gunzipped stream: a layer's diff ID. */
    static String gunzipSha256(Path gz) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Unpacks a (possibly gzipped) layer tar with tar(1) into a new directory and returns it. */
    Path unpackLayer(Path layer, String name) {
        Path out = mkdirs(dir.resolve("unpacked-" + name));
        run("tar", "-xf", layer.toString(), "-C", out.toString()).orFail();
        return out;
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Path mkdirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, byte[] data) {
        try {
            Files.write(p, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] readBytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String readString(Path p) {
        return new String(readBytes(p), StandardCharsets.UTF_8);
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
