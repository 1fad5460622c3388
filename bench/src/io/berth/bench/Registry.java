package io.berth.bench;

import static io.berth.bench.Conn.pathOf;
import static io.berth.bench.Conn.withQuery;
import static io.berth.oci.MediaTypes.DOCKER_MANIFEST;
import static io.berth.oci.MediaTypes.OCI_MANIFEST;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The registry operations the workloads are made of — blob pushes (monolithic and chunked), manifest PUTs,
 * cross-repository mounts, the catalog walk — and the content they send: distinct random blobs, manifests.
 */
final class Registry {
    private Registry() {
    }

    static final class Blob {
        final ByteBuffer data;
        final String digest;

        Blob(ByteBuffer data, String digest) {
            this.data = data;
            this.digest = digest;
        }

        static Blob of(ByteBuffer data) {
            return new Blob(data, sha256(data));
        }

        static Blob of(byte[] data) {
            return of(ByteBuffer.allocateDirect(data.length).put(data).flip());
        }
    }

    static String sha256(ByteBuffer data) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer d = data.duplicate();
            byte[] chunk = new byte[1 << 16];
            while (d.hasRemaining()) {
                int n = Math.min(chunk.length, d.remaining());
                d.get(chunk, 0, n);
                md.update(chunk, 0, n);
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fills a buffer with bytes no other call with another seed gives (splitmix64). */
    static ByteBuffer random(long size, long seed) {
        ByteBuffer b = ByteBuffer.allocateDirect((int) size);
        long x = seed * 0x9E3779B97F4A7C15L;
        int i = 0;
        for (; i + 8 <= size; i += 8) {
            x += 0x9E3779B97F4A7C15L;
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            b.putLong(i, z ^ (z >>> 31));
        }
        for (; i < size; i++) {
            b.put(i, (byte) i);
        }
        return b;
    }

    /** Distinct blobs, generated and hashed on both cores before any timing starts. */
    static List<Blob> blobs(int count, long size, long seed) throws InterruptedException {
        Blob[] out = new Blob[count];
        AtomicInteger next = new AtomicInteger();
        Thread[] ts = new Thread[Math.min(count, Runtime.getRuntime().availableProcessors())];
        for (int t = 0; t < ts.length; t++) {
            ts[t] = Thread.ofPlatform().start(() -> {
                for (int i; (i = next.getAndIncrement()) < count; ) {
                    out[i] = Blob.of(random(size, seed * 1_000_003L + i));
                }
            });
        }
        for (Thread t : ts) {
            t.join();
        }
        return List.of(out);
    }

    static void expect(int status, int wanted, String what) throws IOException {
        if (status != wanted) {
            throw new IOException(what + ": status " + status + ", expected " + wanted);
        }
    }

    /** POST a session, then PUT the whole body with ?digest= (what docker does for a layer). */
    static void pushMonolithic(Conn c, Server s, String repo, Blob b) throws IOException {
        expect(c.exchange(Conn.request("POST", "/v2/" + repo + "/blobs/uploads/", s, 0), null, false, false), 202, "POST upload");
        String target = withQuery(pathOf(c.location), "digest=" + b.digest);
        expect(c.exchange(Conn.request("PUT", target, s, b.data.remaining(), "Content-Type: application/octet-stream"),
                b.data, false, false), 201, "PUT upload");
    }

    /** POST a session, PATCH the body in chunks (with Content-Range), then PUT ?digest= with no body. */
    static void pushChunked(Conn c, Server s, String repo, Blob b, int chunk) throws IOException {
        expect(c.exchange(Conn.request("POST", "/v2/" + repo + "/blobs/uploads/", s, 0), null, false, false), 202, "POST upload");
        String loc = pathOf(c.location);
        int size = b.data.remaining();
        for (int off = 0; off < size; off += chunk) {
            int len = Math.min(chunk, size - off);
            ByteBuffer part = b.data.duplicate().position(off).limit(off + len).slice();
            expect(c.exchange(Conn.request("PATCH", loc, s, len, "Content-Type: application/octet-stream",
                    "Content-Range: " + off + "-" + (off + len - 1)), part, false, false), 202, "PATCH upload");
            loc = pathOf(c.location);
        }
        expect(c.exchange(Conn.request("PUT", withQuery(loc, "digest=" + b.digest), s, 0), null, false, false), 201, "PUT upload");
    }

    static void putManifest(Conn c, Server s, String repo, String ref, ByteBuffer json, String mediaType) throws IOException {
        expect(c.exchange(Conn.request("PUT", "/v2/" + repo + "/manifests/" + ref, s, json.remaining(), "Content-Type: " + mediaType),
                json, false, false), 201, "PUT manifest " + repo + ":" + ref);
    }

    static void mount(Conn c, Server s, String repo, String from, String digest) throws IOException {
        expect(c.exchange(Conn.request("POST", "/v2/" + repo + "/blobs/uploads/?mount=" + digest + "&from=" + from, s, 0),
                null, false, false), 201, "mount into " + repo);
    }

    /**
     * An image manifest of one config and one layer. The manifest media types are Berth's names
     * (MediaTypes); the config's and layer's are written here, as Berth has no name for them (it does not
     * read them).
     */
    static ByteBuffer manifestJson(boolean oci, Blob config, Blob layer, String note) {
        String configType = oci ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json";
        String layerType = oci ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.docker.image.rootfs.diff.tar.gzip";
        String json = "{\"schemaVersion\":2,\"mediaType\":\"" + (oci ? OCI_MANIFEST : DOCKER_MANIFEST) + "\","
                + "\"config\":{\"mediaType\":\"" + configType + "\",\"digest\":\"" + config.digest + "\",\"size\":" + config.data.remaining() + "},"
                + "\"layers\":[{\"mediaType\":\"" + layerType + "\",\"digest\":\"" + layer.digest + "\",\"size\":" + layer.data.remaining() + "}]"
                + (note == null ? "" : ",\"annotations\":{\"org.example.bench\":\"" + note + "\"}") + "}";
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    static int count(byte[] body, String needle) {
        String s = new String(body, StandardCharsets.UTF_8);
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** Every repository in the catalog, following Link headers (n=1000 pages; bounded in pages and time). */
    static List<String> walk(Server s) throws IOException {
        List<String> names = new ArrayList<>();
        String next = "/v2/_catalog?n=1000";
        long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try (Conn c = new Conn(s.address)) {
            for (int pages = 0; next != null && pages < 10_000 && System.nanoTime() < limit; pages++) {
                expect(c.exchange(Conn.request("GET", next, s, -1), null, false, true), 200, "catalog");
                String body = new String(c.body, StandardCharsets.UTF_8);
                int open = body.indexOf('[');
                int close = body.lastIndexOf(']');
                for (String part : body.substring(open + 1, close).split(",")) {
                    String t = part.trim();
                    if (t.length() >= 2) {
                        names.add(t.substring(1, t.length() - 1));
                    }
                }
                next = c.link == null ? null : pathOf(c.link.substring(c.link.indexOf('<') + 1, c.link.indexOf('>')));
            }
        }
        return names;
    }
}
