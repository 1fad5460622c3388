import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Berth against CNCF distribution (registry:2, Debian's docker-registry 2.8.2), side by side, with nginx as
 * the physical reference for pulls. Starts the servers as plain processes on loopback ports, drives them
 * with a small HTTP/1.1 client on raw socket channels (one platform thread per connection), alternates
 * the servers run by run, and prints one table: Berth, distribution, Berth ÷ distribution, the target,
 * and the CPU the client and each server used for every figure.
 *
 * Usage (normally through ./bench/run): java bench/Bench.java --jar target/berth.jar [--quick] [--reps N]
 * [--only push,pull,manifest,small,mput,tags,catalog] [--out FILE] [--keep]
 * Berth's JVM options: BERTH_JAVA_OPTS (default: ./berth's). Only loopback addresses are ever contacted;
 * every loop is bounded in count and time.
 */
public final class Bench {
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String OCI_ACCEPT = "Accept: " + OCI_MANIFEST + ", " + OCI_INDEX;
    static final String DOCKER_ACCEPT = "Accept: " + DOCKER_MANIFEST + ", " + DOCKER_LIST;
    static final long MiB = 1024 * 1024;

    // ---------------------------------------------------------------------------------------------
    // configuration

    static final class Config {
        boolean quick;
        int reps;
        double warmup;      // seconds per server before the first measured run of a timed workload
        double duration;    // seconds per measured run of a timed workload
        int pushClients = 8;
        long pushBlob;
        int pushChunk;
        long pullBlob;
        int pullConns = 16;
        int manifestConns = 64;
        int smallBlobs;
        int smallWorkers = 16;
        int smallSize = 4096;
        int manifestPuts;
        int manifestPutWorkers = 16;
        int tagCount;
        int listSamples;
        int[] catalogCounts;
        int walkReps;
        Path jar;
        String java;
        String berthOpts;
        Set<String> only = new LinkedHashSet<>();
        /** Berth's authentication for the run: none (like distribution here), basic or bearer (an admin's credentials). */
        String berthAuth = "none";
        Path out;
        boolean keep;
        Path work;

        static Config parse(String[] args) {
            Config c = new Config();
            String reps = null;
            String listSamples = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> c.quick = true;
                    case "--reps" -> reps = args[++i];
                    case "--jar" -> c.jar = Path.of(args[++i]);
                    case "--java" -> c.java = args[++i];
                    case "--only" -> c.only.addAll(Arrays.asList(args[++i].split(",")));
                    case "--out" -> c.out = Path.of(args[++i]);
                    case "--keep" -> c.keep = true;
                    case "--work" -> c.work = Path.of(args[++i]);
                    case "--berth-opts" -> c.berthOpts = args[++i];
                    case "--list-samples" -> listSamples = args[++i];
                    case "--berth-auth" -> c.berthAuth = args[++i];
                    case "-h", "--help" -> {
                        System.out.println("usage: Bench --jar target/berth.jar [--quick] [--reps N] "
                                + "[--only push,pull,manifest,small,mput,tags,catalog] [--berth-auth none|basic|bearer] [--out FILE] [--keep]");
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (c.jar == null) {
                c.jar = Path.of("target/berth.jar");
            }
            if (c.java == null) {
                c.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            }
            if (c.berthOpts == null) {
                String opts = System.getenv("BERTH_JAVA_OPTS");
                c.berthOpts = opts == null || opts.isBlank() ? "-XX:+UseSerialGC -Xms64m -Xmx512m -XX:+ExitOnOutOfMemoryError" : opts; // as scripts/java-env.sh
            }
            if (c.quick) {
                c.reps = 1;
                c.warmup = 0.3;
                c.duration = 1;
                c.pushBlob = 4 * MiB;
                c.pushChunk = (int) MiB;
                c.pullBlob = 16 * MiB;
                c.smallBlobs = 200;
                c.manifestPuts = 200;
                c.tagCount = 300;
                c.listSamples = 10;
                c.catalogCounts = new int[]{50, 200, 1000};
                c.walkReps = 1;
            } else {
                c.reps = 3;
                c.warmup = 3;
                c.duration = 10;
                c.pushBlob = 64 * MiB;
                c.pushChunk = (int) (8 * MiB);
                c.pullBlob = 256 * MiB;
                c.smallBlobs = 2000;
                c.manifestPuts = 2000;
                c.tagCount = 5000;
                c.listSamples = 100;
                c.catalogCounts = new int[]{500, 2000, 20000};
                c.walkReps = 3;
            }
            if (reps != null) {
                c.reps = Integer.parseInt(reps);
            }
            if (listSamples != null) {
                c.listSamples = Integer.parseInt(listSamples);
            }
            if (c.only.isEmpty()) {
                c.only.addAll(List.of("push", "pull", "manifest", "small", "mput", "tags", "catalog"));
            }
            return c;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // servers under test

    /** A server process on a loopback port. */
    static final class Server {
        final String name;
        final int port;
        final InetSocketAddress address;
        Process process;
        Path root;
        double startSeconds = Double.NaN;
        double startCpuSeconds = Double.NaN;
        long hwmKiB;
        /** An Authorization header sent on every request to this server, or null. */
        String authorization;

        Server(String name, int port) {
            this.name = name;
            this.port = port;
            this.address = new InetSocketAddress("127.0.0.1", port);
        }

        /** CPU ticks (1/100 s) of the process and its descendants (nginx's workers). */
        long cpuTicks() {
            if (process == null || !process.isAlive()) {
                return 0;
            }
            long t = ticks(process.pid());
            for (ProcessHandle h : process.descendants().toList()) {
                t += ticks(h.pid());
            }
            return t;
        }

        long vmHwmKiB() {
            if (process == null || !process.isAlive()) {
                return hwmKiB;
            }
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                    if (line.startsWith("VmHWM:")) {
                        hwmKiB = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException e) {
                // process gone: keep the last value
            }
            return hwmKiB;
        }

        private static long ticks(long pid) {
            try {
                String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        void stop() {
            if (process != null && process.isAlive()) {
                vmHwmKiB();
                process.destroy();
                try {
                    if (!process.waitFor(20, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static Server startBerth(Config cfg, Path work, String opts, String dir) throws Exception {
        Server s = new Server("berth", freePort());
        s.root = Files.createDirectories(work.resolve(dir));
        List<String> cmd = new ArrayList<>();
        cmd.add(cfg.java);
        cmd.addAll(Arrays.asList(opts.trim().split("\\s+")));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-jar", cfg.jar.toAbsolutePath().toString(), "serve"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("REGISTRY_HTTP_ADDR", "127.0.0.1:" + s.port);
        pb.environment().put("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", s.root.toString());
        pb.environment().put("REGISTRY_STORAGE_DELETE_ENABLED", "true");
        pb.environment().put("REGISTRY_LOG_LEVEL", "warn");
        if (cfg.berthAuth.equals("none")) {
            pb.environment().put("BERTH_AUTH", "none"); // an open registry, as distribution runs here (no auth)
        } else {
            pb.environment().put("BERTH_ADMIN_PASSWORD", BENCH_PASSWORD);
            s.authorization = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + BENCH_PASSWORD).getBytes(StandardCharsets.UTF_8));
        }
        pb.redirectErrorStream(true).redirectOutput(work.resolve(dir + ".log").toFile());
        launch(s, pb);
        if (cfg.berthAuth.equals("bearer")) {
            s.authorization = "Bearer " + bearerToken(s);
        }
        return s;
    }

    static final String BENCH_PASSWORD = "bench-admin-password";

    /**
     * A bearer token as docker would hold one, from Berth's token endpoint: pull and push on the
     * benchmark's repositories (the manifest workload's; other workloads use many repositories and run
     * with Basic). Its lifetime (5 minutes by default) covers the manifest workload.
     */
    static String bearerToken(Server s) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest r = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + s.port
                        + "/auth/token?service=berth&scope=repository:bench/manifest:pull,push"))
                .header("Authorization", s.authorization).build();
        String body = client.send(r, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"token\":\"([^\"]+)\"").matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no token from Berth's token endpoint: " + body);
        }
        return m.group(1);
    }

    static Server startDistribution(Path work) throws Exception {
        Server s = new Server("distribution", freePort());
        s.root = Files.createDirectories(work.resolve("distribution-data"));
        // registry:2's shipped config.yml (in-memory blob descriptor cache), with the settings the
        // benchmark asks for: filesystem storage, loopback port, delete enabled, log level warn, no auth.
        // The access log is off, as Berth's is by default.
        String yml = """
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                  fields:
                    service: registry
                storage:
                  cache:
                    blobdescriptor: inmemory
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                  headers:
                    X-Content-Type-Options: [nosniff]
                """.formatted(s.root, s.port);
        Path conf = work.resolve("distribution.yml");
        Files.writeString(conf, yml);
        ProcessBuilder pb = new ProcessBuilder("docker-registry", "serve", conf.toString());
        pb.redirectErrorStream(true).redirectOutput(work.resolve("distribution.log").toFile());
        launch(s, pb);
        return s;
    }

    static Server startNginx(Path work, Path docRoot) throws Exception {
        Server s = new Server("nginx", freePort());
        Path prefix = Files.createDirectories(work.resolve("nginx"));
        Files.createDirectories(prefix.resolve("tmp"));
        boolean root = "root".equals(System.getProperty("user.name"));
        String conf = """
                %s
                worker_processes auto;
                daemon off;
                pid %s/nginx.pid;
                error_log %s/error.log warn;
                events { worker_connections 1024; }
                http {
                  access_log off;
                  sendfile on;
                  tcp_nopush on;
                  keepalive_requests 1000000;
                  default_type application/octet-stream;
                  client_body_temp_path %s/tmp/body;
                  proxy_temp_path %s/tmp/proxy;
                  fastcgi_temp_path %s/tmp/fastcgi;
                  uwsgi_temp_path %s/tmp/uwsgi;
                  scgi_temp_path %s/tmp/scgi;
                  server {
                    listen 127.0.0.1:%d;
                    root %s;
                  }
                }
                """.formatted(root ? "user root;" : "", prefix, prefix, prefix, prefix, prefix, prefix, prefix, s.port, docRoot);
        Path file = prefix.resolve("nginx.conf");
        Files.writeString(file, conf);
        ProcessBuilder pb = new ProcessBuilder("nginx", "-p", prefix.toString(), "-e", prefix.resolve("error.log").toString(),
                "-c", file.toString());
        pb.redirectErrorStream(true).redirectOutput(work.resolve("nginx.log").toFile());
        s.process = pb.start();
        awaitTcp(s, 10);
        return s;
    }

    /** Starts the process and times it to the first successful GET /v2/. */
    static void launch(Server s, ProcessBuilder pb) throws Exception {
        long t0 = System.nanoTime();
        s.process = pb.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!s.process.isAlive()) {
                throw new IllegalStateException(s.name + " exited with " + s.process.exitValue() + " during start; see its log");
            }
            try (Conn c = new Conn(s.address)) {
                if (c.exchange(Conn.request("GET", "/v2/", s, -1), null, false, false) == 200) {
                    s.startSeconds = (System.nanoTime() - t0) / 1e9;
                    s.startCpuSeconds = s.cpuTicks() / 100.0;
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        s.stop(); // not ours to leave running: the caller never got hold of it
        throw new IllegalStateException(s.name + " did not answer GET /v2/ with 200 within 60 s; see its log");
    }

    static void awaitTcp(Server s, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try (SocketChannel probe = SocketChannel.open(s.address)) {
                probe.finishConnect();
                return;
            } catch (IOException notYet) {
                Thread.sleep(10);
            }
        }
        throw new IllegalStateException(s.name + " did not listen within " + seconds + " s");
    }

    // ---------------------------------------------------------------------------------------------
    // a minimal HTTP/1.1 client: keep-alive, Content-Length and chunked bodies, direct buffers

    static final class Conn implements Closeable {
        final InetSocketAddress address;
        SocketChannel ch;
        final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
        int status;
        long contentLength;
        boolean chunked;
        boolean close;
        String location;
        String link;
        byte[] body;
        long bodyBytes;

        Conn(InetSocketAddress address) throws IOException {
            this.address = address;
            open();
        }

        void open() throws IOException {
            ch = SocketChannel.open(address);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            in.clear().flip();
        }

        void reconnect() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // reopening anyway
            }
            try {
                open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }

        /** A request head (and Content-Length when {@code length >= 0}) as a direct buffer. */
        static ByteBuffer request(String method, String target, Server s, long length, String... headers) {
            StringBuilder b = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1:")
                    .append(s.port).append("\r\nUser-Agent: berth-bench\r\n");
            if (s.authorization != null) {
                b.append("Authorization: ").append(s.authorization).append("\r\n");
            }
            for (String h : headers) {
                b.append(h).append("\r\n");
            }
            if (length >= 0) {
                b.append("Content-Length: ").append(length).append("\r\n");
            }
            byte[] bytes = b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
            return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        }

        /** Sends a request and reads the whole answer; returns the status. The body is kept when asked. */
        int exchange(ByteBuffer head, ByteBuffer payload, boolean isHead, boolean keep) throws IOException {
            try {
                send(head.duplicate(), payload == null ? null : payload.duplicate());
                readHead();
                readBody(isHead, keep);
            } catch (IOException | RuntimeException e) {
                reconnect();
                throw e;
            }
            if (close) {
                reconnect();
            }
            return status;
        }

        void send(ByteBuffer head, ByteBuffer payload) throws IOException {
            if (payload == null) {
                while (head.hasRemaining()) {
                    ch.write(head);
                }
                return;
            }
            ByteBuffer[] both = {head, payload};
            while (head.hasRemaining() || payload.hasRemaining()) {
                ch.write(both);
            }
        }

        private void fill() throws IOException {
            in.compact();
            int n = ch.read(in);
            in.flip();
            if (n < 0) {
                throw new EOFException("server closed the connection");
            }
        }

        void readHead() throws IOException {
            int scanned = 0;
            int end;
            while (true) {
                end = -1;
                int p = in.position();
                for (int i = p + Math.max(0, scanned - 3); i + 3 < in.limit(); i++) {
                    if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '\r' && in.get(i + 3) == '\n') {
                        end = i + 4;
                        break;
                    }
                }
                if (end >= 0) {
                    break;
                }
                scanned = in.remaining();
                if (scanned > 64 * 1024) {
                    throw new IOException("response head too large");
                }
                fill();
            }
            byte[] h = new byte[end - in.position()];
            in.get(h);
            String text = new String(h, StandardCharsets.ISO_8859_1);
            status = Integer.parseInt(text.substring(9, 12));
            contentLength = -1;
            chunked = false;
            close = false;
            location = null;
            link = null;
            int from = text.indexOf("\r\n") + 2;
            while (from < text.length() - 2) {
                int eol = text.indexOf("\r\n", from);
                int colon = text.indexOf(':', from);
                if (colon > 0 && colon < eol) {
                    String name = text.substring(from, colon).toLowerCase(Locale.ROOT);
                    String value = text.substring(colon + 1, eol).trim();
                    switch (name) {
                        case "content-length" -> contentLength = Long.parseLong(value);
                        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                        case "connection" -> close = value.equalsIgnoreCase("close");
                        case "location" -> location = value;
                        case "link" -> link = value;
                        default -> {
                        }
                    }
                }
                from = eol + 2;
            }
        }

        void readBody(boolean isHead, boolean keep) throws IOException {
            body = null;
            bodyBytes = 0;
            if (isHead || status == 204 || status == 304 || status < 200) {
                return;
            }
            java.io.ByteArrayOutputStream out = keep ? new java.io.ByteArrayOutputStream() : null;
            if (chunked) {
                while (true) {
                    String line = readLine();
                    int semi = line.indexOf(';');
                    long size = Long.parseLong((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
                    if (size == 0) {
                        while (!readLine().isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    consume(size, out);
                    readLine();
                }
            } else if (contentLength >= 0) {
                consume(contentLength, out);
            } else {
                close = true;
                try {
                    consume(Long.MAX_VALUE, out);
                } catch (EOFException end) {
                    // body delimited by the end of the connection
                }
            }
            if (out != null) {
                body = out.toByteArray();
            }
        }

        private void consume(long n, java.io.ByteArrayOutputStream out) throws IOException {
            byte[] tmp = out == null ? null : new byte[8192];
            while (n > 0) {
                if (!in.hasRemaining()) {
                    fill();
                }
                int k = (int) Math.min(n, in.remaining());
                if (out != null) {
                    int left = k;
                    while (left > 0) {
                        int m = Math.min(left, tmp.length);
                        in.get(tmp, 0, m);
                        out.write(tmp, 0, m);
                        left -= m;
                    }
                } else {
                    in.position(in.position() + k);
                }
                bodyBytes += k;
                n -= k;
            }
        }

        private String readLine() throws IOException {
            StringBuilder b = new StringBuilder();
            while (true) {
                if (!in.hasRemaining()) {
                    fill();
                }
                char c = (char) (in.get() & 0xff);
                if (c == '\n') {
                    int len = b.length();
                    return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
                }
                b.append(c);
                if (b.length() > 8192) {
                    throw new IOException("line too long");
                }
            }
        }

        /**
         * GETs a blob and reads it until the deadline, adding what arrives to {@code bytes}. True when the
         * whole body arrived or the deadline cut it (the connection is then closed and reopened); false on
         * an unexpected answer.
         */
        boolean pull(ByteBuffer head, long deadline, AtomicLong bytes) throws IOException {
            send(head.duplicate(), null);
            readHead();
            if (status != 200 || contentLength < 0) {
                readBody(false, false);
                return false;
            }
            long left = contentLength;
            long local = 0;
            while (left > 0) {
                if (!in.hasRemaining()) {
                    if (System.nanoTime() >= deadline) {
                        bytes.addAndGet(local);
                        reconnect();
                        return true; // cut by the end of the run, not an error
                    }
                    in.clear();
                    int n = ch.read(in);
                    in.flip();
                    if (n < 0) {
                        throw new EOFException("server closed the connection");
                    }
                }
                int k = (int) Math.min(left, in.remaining());
                in.position(in.position() + k);
                local += k;
                left -= k;
            }
            bytes.addAndGet(local);
            return true;
        }
    }

    /** The path (and query) of a Location header, which distribution gives as an absolute URL. */
    static String pathOf(String location) {
        if (location == null) {
            throw new IllegalStateException("no Location header");
        }
        if (location.startsWith("http://") || location.startsWith("https://")) {
            int slash = location.indexOf('/', location.indexOf("//") + 2);
            return slash < 0 ? "/" : location.substring(slash);
        }
        return location;
    }

    static String withQuery(String path, String param) {
        return path + (path.indexOf('?') >= 0 ? "&" : "?") + param;
    }

    // ---------------------------------------------------------------------------------------------
    // registry operations

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

    // ---------------------------------------------------------------------------------------------
    // measurement

    /** One measured run of one workload against one server. */
    record Run(double value, double clientCores, double serverCores, long errors, double p50ms, double p99ms, String note) {
        Run withValue(double v) {
            return new Run(v, clientCores, serverCores, errors, p50ms, p99ms, note);
        }
    }

    static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** Wall time, the client's CPU (getrusage of this process) and the server's CPU (/proc ticks) around a run. */
    static final class Meter {
        final Server server;
        final long wall0 = System.nanoTime();
        final long client0 = OS.getProcessCpuTime();
        final long server0;

        Meter(Server server) {
            this.server = server;
            this.server0 = server.cpuTicks();
        }

        double seconds() {
            return (System.nanoTime() - wall0) / 1e9;
        }

        double clientCores(double seconds) {
            return (OS.getProcessCpuTime() - client0) / 1e9 / seconds;
        }

        double serverCores(double seconds) {
            return (server.cpuTicks() - server0) / 100.0 / seconds;
        }
    }

    /** Latencies of one worker, in nanoseconds. */
    static final class Latencies {
        long[] v = new long[4096];
        int n;

        void add(long ns) {
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = ns;
        }

        static double[] percentiles(List<Latencies> all, double... ps) {
            int total = all.stream().mapToInt(l -> l.n).sum();
            long[] merged = new long[total];
            int at = 0;
            for (Latencies l : all) {
                System.arraycopy(l.v, 0, merged, at, l.n);
                at += l.n;
            }
            Arrays.sort(merged);
            double[] out = new double[ps.length];
            for (int i = 0; i < ps.length; i++) {
                out[i] = total == 0 ? Double.NaN : merged[Math.min(total - 1, (int) Math.ceil(ps[i] * total) - 1 < 0 ? 0
                        : (int) Math.ceil(ps[i] * total) - 1)] / 1e6;
            }
            return out;
        }
    }

    @FunctionalInterface
    interface Request {
        /** Performs one request on the worker's connection; true when it succeeded. */
        boolean run(Conn c, int worker, int index) throws IOException;
    }

    /**
     * Closed loop: {@code conns} connections each send requests back to back until {@code seconds} have
     * passed (and at most {@code maxPerConn} each). Result: completed requests/s, p50/p99.
     */
    /** The end of the timed run under way (for requests that watch it themselves, such as pulls). */
    static volatile long deadline;

    static Run timed(Server s, int conns, double seconds, int maxPerConn, Request op) throws Exception {
        List<Conn> cs = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            cs.add(new Conn(s.address));
        }
        List<Latencies> lat = new ArrayList<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong lastEnd = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(conns);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] window = new long[2];
        for (int w = 0; w < conns; w++) {
            Latencies l = new Latencies();
            lat.add(l);
            Conn c = cs.get(w);
            int worker = w;
            threads.add(Thread.ofPlatform().name("load-" + w).start(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long deadline = window[1];
                long end = 0;
                for (int i = 0; i < maxPerConn; i++) {
                    long t0 = System.nanoTime();
                    if (t0 >= deadline) {
                        break;
                    }
                    boolean good;
                    try {
                        good = op.run(c, worker, i);
                    } catch (IOException | RuntimeException e) {
                        good = false;
                    }
                    end = System.nanoTime();
                    if (good) {
                        l.add(end - t0);
                        ok.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                    }
                }
                lastEnd.accumulateAndGet(end, Math::max);
            }));
        }
        ready.await();
        Meter m = new Meter(s);
        window[0] = System.nanoTime();
        window[1] = window[0] + (long) (seconds * 1e9);
        deadline = window[1];
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double wall = m.seconds();
        double elapsed = Math.max(1e-9, (lastEnd.get() - window[0]) / 1e9);
        double[] p = Latencies.percentiles(lat, 0.50, 0.99);
        cs.forEach(Conn::close);
        return new Run(ok.get() / elapsed, m.clientCores(wall), m.serverCores(wall), errors.get(), p[0], p[1], null);
    }

    /**
     * A fixed amount of work shared by {@code workers} connections (each takes the next task index);
     * result: tasks per second (or {@code unitsPerTask} units per second) from first start to last end.
     */
    static Run counted(Server s, int workers, int tasks, double unitsPerTask, Request op) throws Exception {
        List<Conn> cs = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            cs.add(new Conn(s.address));
        }
        AtomicInteger next = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        AtomicLong done = new AtomicLong();
        List<Latencies> lat = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(workers);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        String[] firstError = new String[1];
        long limit = System.nanoTime() + TimeUnit.MINUTES.toNanos(10); // a bound in time as well as in count
        for (int w = 0; w < workers; w++) {
            Latencies l = new Latencies();
            lat.add(l);
            Conn c = cs.get(w);
            int worker = w;
            threads.add(Thread.ofPlatform().name("work-" + w).start(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i; (i = next.getAndIncrement()) < tasks && System.nanoTime() < limit; ) {
                    long t0 = System.nanoTime();
                    try {
                        if (op.run(c, worker, i)) {
                            done.incrementAndGet();
                            l.add(System.nanoTime() - t0);
                        } else {
                            errors.incrementAndGet();
                        }
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                        synchronized (firstError) {
                            if (firstError[0] == null) {
                                firstError[0] = e.toString();
                            }
                        }
                    }
                }
            }));
        }
        ready.await();
        Meter m = new Meter(s);
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double wall = m.seconds();
        cs.forEach(Conn::close);
        if (firstError[0] != null) {
            log("  ! " + s.name + ": " + errors.get() + " errors, first: " + firstError[0]);
        }
        double[] p = Latencies.percentiles(lat, 0.50, 0.99);
        return new Run(done.get() * unitsPerTask / wall, m.clientCores(wall), m.serverCores(wall), errors.get(), p[0], p[1], null);
    }

    /** One connection, requests one after another: latency percentiles (the value is p50 in ms). */
    static Run sequential(Server s, int warmup, int samples, double maxSeconds, Request op) throws Exception {
        try (Conn c = new Conn(s.address)) {
            for (int i = 0; i < warmup; i++) {
                op.run(c, 0, i);
            }
            Latencies l = new Latencies();
            long errors = 0;
            Meter m = new Meter(s);
            long limit = System.nanoTime() + (long) (maxSeconds * 1e9);
            for (int i = 0; i < samples && System.nanoTime() < limit; i++) {
                long t0 = System.nanoTime();
                boolean good;
                try {
                    good = op.run(c, 0, i);
                } catch (IOException | RuntimeException e) {
                    good = false;
                }
                if (good) {
                    l.add(System.nanoTime() - t0);
                } else {
                    errors++;
                }
            }
            double wall = m.seconds();
            double[] p = Latencies.percentiles(List.of(l), 0.50, 0.99);
            return new Run(p[0], m.clientCores(wall), m.serverCores(wall), errors, p[0], p[1], l.n + " samples");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the figures

    enum Kind { THROUGHPUT, LATENCY, ABSOLUTE }

    /** A row of the table. {@code target}: minimum ratio (throughput) or maximum ratio (latency); NaN when none. */
    record Figure(String key, String title, String unit, Kind kind, double target, String targetText) {
    }

    final Config cfg;
    final Map<String, Figure> figures = new LinkedHashMap<>();
    final Map<String, Map<String, List<Run>>> results = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();
    Server berth;
    Server dist;
    Server nginx;
    int runCounter;

    Bench(Config cfg) {
        this.cfg = cfg;
    }

    void figure(String key, String title, String unit, Kind kind, double target, String targetText) {
        figures.putIfAbsent(key, new Figure(key, title, unit, kind, target, targetText));
    }

    void record(String key, Server s, Run r) {
        results.computeIfAbsent(key, k -> new LinkedHashMap<>()).computeIfAbsent(s.name, k -> new ArrayList<>()).add(r);
        Figure f = figures.get(key);
        log(String.format(Locale.ROOT, "  %-44s %-12s %12s %s  (client %.2f cores, server %.2f cores%s%s)", f.title, s.name,
                fmt(r.value), f.unit, r.clientCores, r.serverCores,
                Double.isNaN(r.p99ms) || f.kind == Kind.LATENCY ? "" : String.format(Locale.ROOT, ", p50 %.2f ms, p99 %.2f ms", r.p50ms, r.p99ms),
                r.errors > 0 ? ", " + r.errors + " ERRORS" : ""));
    }

    /** The servers in alternating order: rep 0 Berth first, rep 1 distribution first, ... */
    List<Server> order(int rep, boolean withNginx) {
        List<Server> l = new ArrayList<>(withNginx ? List.of(berth, dist, nginx) : List.of(berth, dist));
        java.util.Collections.rotate(l, -(rep % l.size()));
        return l;
    }

    static void sync() {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor(120, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // best effort
        }
    }

    // --- 1. blob push ---------------------------------------------------------------------------

    void pushes() throws Exception {
        String mb = (cfg.pushBlob / MiB) + " MiB";
        figure("push.mono", "blob push, monolithic (" + cfg.pushClients + " × " + mb + ")", "MiB/s", Kind.THROUGHPUT, 1.5, "≥ 1.5×");
        figure("push.chunked", "blob push, chunked " + (cfg.pushChunk / MiB) + " MiB PATCHes (" + cfg.pushClients + " × " + mb + ")",
                "MiB/s", Kind.THROUGHPUT, 2.0, "≥ 2×");
        // Both servers fsync a blob before answering; for the record (no target), the same runs counted until the
        // data is on disk — the push time plus the sync that follows it — show that nothing is left to write.
        figure("push.mono.durable", "  monolithic, counted until the data is on disk (+ sync)", "MiB/s", Kind.THROUGHPUT, Double.NaN, "");
        figure("push.chunked.durable", "  chunked, counted until the data is on disk (+ sync)", "MiB/s", Kind.THROUGHPUT, Double.NaN, "");
        for (String mode : List.of("mono", "chunked")) {
            log("workload: blob push, " + mode);
            // warm-up: one small round per server
            for (Server s : order(0, false)) {
                List<Blob> w = blobs(cfg.pushClients, Math.min(cfg.pushBlob, 4 * MiB), ++runCounter);
                pushRound(s, mode, w, (int) Math.min(cfg.pushChunk, MiB));
            }
            sync();
            for (int rep = 0; rep < cfg.reps; rep++) {
                for (Server s : order(rep, false)) {
                    List<Blob> bs = blobs(cfg.pushClients, cfg.pushBlob, ++runCounter);
                    sync();
                    Run r = pushRound(s, mode, bs, cfg.pushChunk);
                    record("push." + mode, s, r);
                    // flush any dirty pages before the next run, outside the timing (both servers fsync their blobs)
                    long syncStart = System.nanoTime();
                    sync();
                    double syncSeconds = (System.nanoTime() - syncStart) / 1e9;
                    double mib = bs.size() * (bs.getFirst().data.remaining() / (double) MiB);
                    double durable = r.value() > 0 ? mib / (mib / r.value() + syncSeconds) : 0;
                    record("push." + mode + ".durable", s, new Run(durable, Double.NaN, Double.NaN, r.errors(), Double.NaN, Double.NaN,
                            String.format(Locale.ROOT, "sync %.2f s", syncSeconds)));
                }
            }
        }
    }

    Run pushRound(Server s, String mode, List<Blob> bs, int chunk) throws Exception {
        double mibPerBlob = bs.getFirst().data.remaining() / (double) MiB;
        return counted(s, bs.size(), bs.size(), mibPerBlob, (c, w, i) -> {
            if (mode.equals("mono")) {
                pushMonolithic(c, s, "bench/push", bs.get(i));
            } else {
                pushChunked(c, s, "bench/push", bs.get(i), chunk);
            }
            return true;
        });
    }

    // --- 2. blob pull ---------------------------------------------------------------------------

    void pulls(Path work) throws Exception {
        String mb = (cfg.pullBlob / MiB) + " MiB";
        figure("pull.16", "blob pull, " + cfg.pullConns + " connections (" + mb + ")", "MiB/s", Kind.THROUGHPUT, 1.0, "≥ 1.0× and ≥ 0.85× nginx");
        figure("pull.1", "blob pull, one stream (" + mb + ")", "MiB/s", Kind.THROUGHPUT, 1.0, "≥ 1.0× and ≥ 0.85× nginx");
        log("workload: blob pull (setup: pushing the " + mb + " blob)");
        Blob blob = blobs(1, cfg.pullBlob, 424242).getFirst();
        for (Server s : List.of(berth, dist)) {
            try (Conn c = new Conn(s.address)) {
                pushMonolithic(c, s, "bench/pull", blob);
            }
        }
        sync();
        String hex = blob.digest.substring(7);
        String rel = "docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data";
        if (!Files.isRegularFile(berth.root.resolve(rel))) {
            throw new IllegalStateException("Berth's copy of the blob is not at " + rel);
        }
        nginx = startNginx(work, berth.root);
        notes.add("nginx " + nginxVersion() + " serves Berth's stored file of the same blob (sendfile on, worker_processes auto).");
        for (int conns : new int[]{cfg.pullConns, 1}) {
            String key = conns == 1 ? "pull.1" : "pull.16";
            log("workload: blob pull, " + conns + " connection(s)");
            for (Server s : order(0, true)) {
                pullRun(s, conns, cfg.warmup, blob, "/" + rel);
            }
            for (int rep = 0; rep < cfg.reps; rep++) {
                for (Server s : order(rep, true)) {
                    record(key, s, pullRun(s, conns, cfg.duration, blob, "/" + rel));
                }
            }
        }
        nginx.stop();
    }

    Run pullRun(Server s, int conns, double seconds, Blob blob, String nginxPath) throws Exception {
        String target = s == nginx ? nginxPath : "/v2/bench/pull/blobs/" + blob.digest;
        ByteBuffer head = Conn.request("GET", target, s, -1);
        AtomicLong bytes = new AtomicLong();
        Run r = timed(s, conns, seconds, 1_000_000, (c, w, i) -> c.pull(head, deadline, bytes));
        // timed() gives completed pulls per second; the figure is bytes per second, partial pulls included
        return new Run(bytes.get() / (double) MiB / seconds, r.clientCores, r.serverCores, r.errors, Double.NaN, Double.NaN, null);
    }

    // --- 3. manifest GET / HEAD ------------------------------------------------------------------

    Blob config;
    Blob layer;

    void seedImage(Server s, String repo) throws IOException {
        try (Conn c = new Conn(s.address)) {
            pushMonolithic(c, s, repo, config);
            pushMonolithic(c, s, repo, layer);
        }
    }

    void manifests() throws Exception {
        String repo = "bench/manifest";
        figure("mget.oci", "manifest GET by tag, OCI Accept (" + cfg.manifestConns + " conns)", "req/s", Kind.THROUGHPUT, 3.0, "≥ 3×");
        figure("mget.oci.p99", "  p99 latency", "ms", Kind.LATENCY, 1 / 3.0, "≤ ⅓");
        figure("mget.docker", "manifest GET by tag, Docker Accept (" + cfg.manifestConns + " conns)", "req/s", Kind.THROUGHPUT, 3.0, "≥ 3×");
        figure("mget.docker.p99", "  p99 latency", "ms", Kind.LATENCY, 1 / 3.0, "≤ ⅓");
        figure("mhead", "manifest HEAD by tag (" + cfg.manifestConns + " conns)", "req/s", Kind.THROUGHPUT, 3.0, "≥ 3×");
        figure("mhead.p99", "  p99 latency", "ms", Kind.LATENCY, 1 / 3.0, "≤ ⅓");
        for (Server s : List.of(berth, dist)) {
            seedImage(s, repo);
            try (Conn c = new Conn(s.address)) {
                putManifest(c, s, repo, "oci", manifestJson(true, config, layer, null), OCI_MANIFEST);
                putManifest(c, s, repo, "docker", manifestJson(false, config, layer, null), DOCKER_MANIFEST);
            }
        }
        record Variant(String key, String method, String tag, String accept) {
        }
        for (Variant v : List.of(new Variant("mget.oci", "GET", "oci", OCI_ACCEPT),
                new Variant("mget.docker", "GET", "docker", DOCKER_ACCEPT),
                new Variant("mhead", "HEAD", "oci", OCI_ACCEPT))) {
            log("workload: " + figures.get(v.key).title);
            for (Server s : order(0, false)) {
                manifestRun(s, v.method, v.tag, v.accept, cfg.warmup);
            }
            for (int rep = 0; rep < cfg.reps; rep++) {
                for (Server s : order(rep, false)) {
                    Run r = manifestRun(s, v.method, v.tag, v.accept, cfg.duration);
                    record(v.key, s, r);
                    record(v.key + ".p99", s, r.withValue(r.p99ms));
                }
            }
        }
    }

    Run manifestRun(Server s, String method, String tag, String accept, double seconds) throws Exception {
        ByteBuffer head = Conn.request(method, "/v2/bench/manifest/manifests/" + tag, s, -1, accept);
        boolean isHead = method.equals("HEAD");
        return timed(s, cfg.manifestConns, seconds, 10_000_000, (c, w, i) -> c.exchange(head, null, isHead, false) == 200);
    }

    // --- 4. small-blob push ---------------------------------------------------------------------

    void smallBlobs() throws Exception {
        figure("small", "small-blob push (" + cfg.smallBlobs + " × " + cfg.smallSize / 1024 + " KiB, " + cfg.smallWorkers + " workers)",
                "blobs/s", Kind.THROUGHPUT, 2.0, "≥ 2×");
        log("workload: small-blob push");
        // warm-up: a whole round per server, as the timed workloads get 3 s of load (after a tenth of a
        // round, Berth's JIT compilers still took about 40% of its CPU in the first measured run)
        for (Server s : order(0, false)) {
            List<Blob> w = blobs(Math.max(32, cfg.smallBlobs), cfg.smallSize, ++runCounter);
            counted(s, cfg.smallWorkers, w.size(), 1, (c, wk, i) -> {
                pushMonolithic(c, s, "bench/small", w.get(i));
                return true;
            });
        }
        sync();
        for (int rep = 0; rep < cfg.reps; rep++) {
            for (Server s : order(rep, false)) {
                List<Blob> bs = blobs(cfg.smallBlobs, cfg.smallSize, ++runCounter);
                Run r = counted(s, cfg.smallWorkers, bs.size(), 1, (c, wk, i) -> {
                    pushMonolithic(c, s, "bench/small", bs.get(i));
                    return true;
                });
                record("small", s, r);
                sync();
            }
        }
    }

    // --- 5. manifest PUT ------------------------------------------------------------------------

    void manifestPuts() throws Exception {
        String repo = "bench/mput";
        figure("mput", "manifest PUT, new tags (" + cfg.manifestPutWorkers + " workers)", "puts/s", Kind.THROUGHPUT, 2.0, "≥ 2×");
        log("workload: manifest PUT");
        for (Server s : List.of(berth, dist)) {
            seedImage(s, repo);
        }
        int warm = Math.max(32, cfg.manifestPuts); // a whole round, as for small blobs
        for (int rep = -1; rep < cfg.reps; rep++) {
            for (Server s : order(Math.max(rep, 0), false)) {
                int run = ++runCounter;
                int n = rep < 0 ? warm : cfg.manifestPuts;
                List<ByteBuffer> ms = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ms.add(manifestJson(true, config, layer, run + "-" + i));
                }
                Run r = counted(s, cfg.manifestPutWorkers, n, 1, (c, w, i) -> {
                    putManifest(c, s, repo, "r" + run + "-" + i, ms.get(i), OCI_MANIFEST);
                    return true;
                });
                if (rep >= 0) {
                    record("mput", s, r);
                }
                sync();
            }
        }
    }

    // --- 6. tags list and catalog ---------------------------------------------------------------

    void tagsList() throws Exception {
        String repo = "bench/tags";
        figure("tags", "tags list, " + cfg.tagCount + " tags (p50)", "ms", Kind.LATENCY, 0.5, "≤ ½ (≥ 2× faster)");
        figure("tags.p99", "  p99 latency", "ms", Kind.LATENCY, Double.NaN, "");
        log("workload: tags list (setup: " + cfg.tagCount + " tags)");
        ByteBuffer json = manifestJson(true, config, layer, "tags");
        for (Server s : List.of(berth, dist)) {
            seedImage(s, repo);
            counted(s, 16, cfg.tagCount, 1, (c, w, i) -> {
                putManifest(c, s, repo, String.format("v%05d", i), json, OCI_MANIFEST);
                return true;
            });
        }
        sync();
        for (int rep = 0; rep < cfg.reps; rep++) {
            for (Server s : order(rep, false)) {
                ByteBuffer head = Conn.request("GET", "/v2/" + repo + "/tags/list", s, -1);
                // warm-up: enough requests for the JIT before the first measured run, a few before the others
                Run r = sequential(s, rep == 0 ? 3 * cfg.listSamples : 10, cfg.listSamples, 30, (c, w, i) -> {
                    int st = c.exchange(head, null, false, true);
                    return st == 200 && count(c.body, "\"v") == cfg.tagCount;
                });
                record("tags", s, r);
                record("tags.p99", s, r.withValue(r.p99ms));
            }
        }
    }

    static int count(byte[] body, String needle) {
        String s = new String(body, StandardCharsets.UTF_8);
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    void catalog() throws Exception {
        log("workload: catalog");
        String seedRepo = "bench/catalog-seed";
        Blob small = Blob.of(random(1024, 777));
        for (Server s : List.of(berth, dist)) {
            try (Conn c = new Conn(s.address)) {
                pushMonolithic(c, s, seedRepo, small);
            }
        }
        Map<Server, Integer> created = new LinkedHashMap<>();
        for (int target : cfg.catalogCounts) {
            String n = String.format(Locale.ROOT, "%,d", target);
            figure("cat.first." + target, "catalog page n=100 (first), " + n + " repos", "ms", Kind.LATENCY, Double.NaN, "");
            figure("cat.mid." + target, "catalog page n=100 (middle), " + n + " repos", "ms", Kind.LATENCY, Double.NaN, "");
            figure("cat.walk." + target, "catalog full walk (n=1000, Link), " + n + " repos", "ms", Kind.LATENCY, Double.NaN, "");
            Map<Server, String> middle = new LinkedHashMap<>();
            for (Server s : List.of(berth, dist)) {
                List<String> names = walk(s);
                int have = names.size();
                int from = created.getOrDefault(s, 0);
                int need = Math.max(0, target - have);
                log("  " + s.name + ": " + have + " repositories, creating " + need);
                counted(s, 16, need, 1, (c, w, i) -> {
                    mount(c, s, String.format("cat/r%06d", from + i), seedRepo, small.digest);
                    return true;
                });
                created.put(s, from + need);
                names = walk(s);
                if (names.size() != Math.max(have, target)) {
                    log("  ! " + s.name + " lists " + names.size() + " repositories, expected " + target);
                }
                middle.put(s, names.get(names.size() / 2));
            }
            sync();
            for (int rep = 0; rep < cfg.reps; rep++) {
                for (Server s : order(rep, false)) {
                    ByteBuffer first = Conn.request("GET", "/v2/_catalog?n=100", s, -1);
                    ByteBuffer mid = Conn.request("GET", "/v2/_catalog?n=100&last=" + middle.get(s), s, -1);
                    int quotes = 2 * Math.min(100, target / 2); // each name is quoted; a page holds up to 100
                    Request page = (c, w, i) -> c.exchange(first, null, false, true) == 200 && count(c.body, "\"") >= quotes;
                    Request midPage = (c, w, i) -> c.exchange(mid, null, false, true) == 200 && count(c.body, "\"") >= quotes;
                    int samples = Math.max(10, cfg.listSamples);
                    int warm = rep == 0 && target == cfg.catalogCounts[0] ? 3 * samples : 10;
                    record("cat.first." + target, s, sequential(s, warm, samples, 20, page));
                    record("cat.mid." + target, s, sequential(s, warm, samples, 20, midPage));
                    record("cat.walk." + target, s, sequential(s, 0, cfg.walkReps, 60, (c, w, i) -> walk(s).size() >= target));
                }
            }
        }
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

    // ---------------------------------------------------------------------------------------------
    // main

    static final long T0 = System.nanoTime();

    static void log(String s) {
        System.err.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - T0) / 1e9, s);
    }

    public static void main(String[] args) throws Exception {
        Config cfg = Config.parse(args);
        if (!Files.isRegularFile(cfg.jar)) {
            throw new IllegalArgumentException("no Berth jar at " + cfg.jar + " (build it: ./mvnw -B -q package -DskipTests)");
        }
        Bench b = new Bench(cfg);
        // bench/run gives the work directory and removes it afterwards; otherwise it is ours to remove
        Path work = cfg.work != null ? Files.createDirectories(cfg.work) : Files.createTempDirectory("berth-bench-");
        Runtime.getRuntime().addShutdownHook(new Thread(b::stopAll));
        String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        boolean ok = false;
        try {
            b.run(work);
            ok = b.failures.isEmpty();
        } finally {
            b.stopAll();
            if (!ok) {
                // keep the servers' logs of a failed run
                Path logs = Files.createDirectories(Path.of("bench/results", "failed-"
                        + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
                try (Stream<Path> files = Files.list(work)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                        Files.copy(f, logs.resolve(f.getFileName()));
                    }
                }
                log("server logs of the failed run kept in " + logs);
            }
            if (cfg.work == null && !cfg.keep) {
                deleteTree(work);
            }
        }
        String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        String table = b.report(loadBefore, loadAfter);
        System.out.println(table);
        Path out = cfg.out != null ? cfg.out : Path.of("bench/results", (cfg.quick ? "quick-" : "full-")
                + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".md");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, table);
        log("table written to " + out);
        if (!b.failures.isEmpty()) {
            log("FAILED workloads: " + b.failures);
            System.exit(1);
        }
    }

    void run(Path work) throws Exception {
        log("work directory " + work + (cfg.quick ? " (quick mode)" : ""));
        berth = startBerth(cfg, work, cfg.berthOpts, "berth-data");
        log(String.format(Locale.ROOT, "berth: first answer to GET /v2/ after %.2f s (port %d)", berth.startSeconds, berth.port));
        dist = startDistribution(work);
        log(String.format(Locale.ROOT, "distribution: first answer to GET /v2/ after %.2f s (port %d)", dist.startSeconds, dist.port));
        config = Blob.of("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8));
        layer = Blob.of(random(4096, 99));
        workload("push", this::pushes);
        workload("pull", () -> pulls(work));
        workload("manifest", this::manifests);
        workload("small", this::smallBlobs);
        workload("mput", this::manifestPuts);
        workload("tags", this::tagsList);
        workload("catalog", this::catalog);
        figure("rss", "peak RSS (VmHWM) over the run", "MiB", Kind.ABSOLUTE, 400, "Berth ≤ 400 MiB");
        figure("start", "process start to first GET /v2/ answer", "s", Kind.ABSOLUTE, 2, "Berth ≤ 2 s");
        figure("start.cpu", "  CPU time used by then (user + system)", "s", Kind.ABSOLUTE, Double.NaN, "");
        String plain = cfg.berthOpts.replaceAll("-XX:(AOTCache|SharedArchiveFile)=\\S+", "").trim();
        if (!plain.equals(cfg.berthOpts.trim())) {
            figure("start.nocache", "  the same without the start-up cache", "s", Kind.ABSOLUTE, Double.NaN, "");
            Server cold = startBerth(cfg, work, plain, "berth-nocache-data");
            log(String.format(Locale.ROOT, "berth without the start-up cache: first answer after %.2f s", cold.startSeconds));
            record("start.nocache", berth, new Run(cold.startSeconds, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, null));
            cold.stop();
        }
        for (Server s : List.of(berth, dist)) {
            record("rss", s, new Run(s.vmHwmKiB() / 1024.0, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, null));
            record("start", s, new Run(s.startSeconds, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, null));
            record("start.cpu", s, new Run(s.startCpuSeconds, Double.NaN, Double.NaN, 0, Double.NaN, Double.NaN, null));
        }
    }

    interface Workload {
        void run() throws Exception;
    }

    final List<String> failures = new ArrayList<>();

    /** Runs one workload if selected; a failure is reported (and fails the command) but the others still run. */
    void workload(String name, Workload w) {
        if (!cfg.only.contains(name)) {
            return;
        }
        try {
            w.run();
            log(String.format(Locale.ROOT, "after %s: peak RSS so far berth %d MiB, distribution %d MiB", name,
                    berth.vmHwmKiB() / 1024, dist.vmHwmKiB() / 1024));
        } catch (Exception | Error e) {
            log("workload " + name + " FAILED: " + e);
            e.printStackTrace();
            failures.add(name + ": " + e);
            for (Server s : List.of(berth, dist)) {
                if (!s.process.isAlive()) {
                    throw new IllegalStateException(s.name + " is no longer running (exit " + s.process.exitValue() + "); see its log", e);
                }
            }
        }
    }

    void stopAll() {
        for (Server s : new Server[]{nginx, dist, berth}) {
            if (s != null) {
                s.stop();
            }
        }
    }

    static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            log("could not delete " + p + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the report

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        if (runs == null || runs.isEmpty()) {
            return Double.NaN;
        }
        double[] v = runs.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    String report(String loadBefore, String loadAfter) throws IOException {
        StringBuilder out = new StringBuilder();
        String cpu = "?";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        out.append("## Berth vs distribution ").append(distVersion()).append(cfg.quick ? " — QUICK MODE (sizes and durations cut; not comparable)" : "")
                .append("\n\n");
        out.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        out.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores (").append(cpu).append("), ")
                .append(OS.getTotalMemorySize() / (1024 * 1024 * 1024)).append(" GiB, Linux ").append(System.getProperty("os.version")).append('\n');
        out.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ').append(Runtime.version()).append("; Berth's JVM options: `")
                .append(cfg.berthOpts).append("`\n");
        out.append("- load average (1, 5, 15 min) before: ").append(loadBefore).append("; after: ").append(loadAfter).append('\n');
        out.append("- method: ").append(cfg.reps).append(" measured run(s) per figure and server, alternating which server goes first; ")
                .append("median shown; warm-up before the first; timed runs ").append(fmt(cfg.duration)).append(" s\n");
        for (String n : notes) {
            out.append("- ").append(n).append('\n');
        }
        out.append("\n| figure | unit | Berth | distribution | Berth ÷ distribution | target | met | nginx | client CPU, cores (B / d) "
                + "| server CPU, cores (B / d) | per server CPU-second, Berth ÷ distribution |\n");
        out.append("|---|---|---:|---:|---:|---|---|---:|---|---|---:|\n");
        List<String> missed = new ArrayList<>();
        for (Figure f : figures.values()) {
            Map<String, List<Run>> byServer = results.getOrDefault(f.key, Map.of());
            List<Run> b = byServer.get("berth");
            List<Run> d = byServer.get("distribution");
            List<Run> n = byServer.get("nginx");
            if (b == null && d == null) {
                continue;
            }
            double bv = median(b, Run::value);
            double dv = median(d, Run::value);
            double nv = median(n, Run::value);
            double ratio = bv / dv;
            String ratioText = fmt(ratio) + "×" + (f.kind == Kind.LATENCY ? " (lower is better)" : "");
            String met = "";
            if (f.kind == Kind.THROUGHPUT && !Double.isNaN(f.target)) {
                boolean ok = ratio >= f.target && (n == null || bv >= 0.85 * nv);
                met = ok ? "yes" : "**no**";
            } else if (f.kind == Kind.LATENCY && !Double.isNaN(f.target)) {
                met = ratio <= f.target ? "yes" : "**no**";
            } else if (f.kind == Kind.ABSOLUTE && !Double.isNaN(f.target)) {
                met = bv <= f.target ? "yes" : "**no**";
                ratioText = fmt(ratio) + "×";
            }
            if (met.equals("**no**")) {
                missed.add(f.title.trim());
            }
            long errs = Stream.of(b, d, n).filter(java.util.Objects::nonNull).flatMap(List::stream).mapToLong(Run::errors).sum();
            String cpuCols = f.kind == Kind.ABSOLUTE || f.key.endsWith(".p99") ? " | | |" : " | " + fmt(median(b, Run::clientCores)) + " / "
                    + fmt(median(d, Run::clientCores)) + (n == null ? "" : " / n " + fmt(median(n, Run::clientCores)))
                    + " | " + fmt(median(b, Run::serverCores)) + " / " + fmt(median(d, Run::serverCores))
                    + (n == null ? "" : " / n " + fmt(median(n, Run::serverCores))) + " | "
                    + (f.kind == Kind.THROUGHPUT ? fmt(median(b, r -> r.value / r.serverCores) / median(d, r -> r.value / r.serverCores)) + "×" : "")
                    + " |";
            out.append("| ").append(f.title).append(errs > 0 ? " (" + errs + " errors!)" : "").append(" | ").append(f.unit)
                    .append(" | ").append(fmt(bv)).append(" | ").append(fmt(dv)).append(" | ").append(ratioText)
                    .append(" | ").append(f.targetText).append(" | ").append(met).append(" | ").append(n == null ? "" : fmt(nv)).append(cpuCols)
                    .append('\n');
        }
        // catalog growth: the page latency at the largest count over the smallest
        if (cfg.only.contains("catalog")) {
            int lo = cfg.catalogCounts[0];
            int hi = cfg.catalogCounts[cfg.catalogCounts.length - 1];
            out.append("\nCatalog growth, ").append(lo).append(" → ").append(hi).append(" repositories (latency at ").append(hi)
                    .append(" ÷ latency at ").append(lo).append("; target: Berth's page flat, taken as ≤ 2×):\n\n");
            for (String kind : List.of("first", "mid", "walk")) {
                double b1 = median(results.getOrDefault("cat." + kind + "." + lo, Map.of()).get("berth"), Run::value);
                double b2 = median(results.getOrDefault("cat." + kind + "." + hi, Map.of()).get("berth"), Run::value);
                double d1 = median(results.getOrDefault("cat." + kind + "." + lo, Map.of()).get("distribution"), Run::value);
                double d2 = median(results.getOrDefault("cat." + kind + "." + hi, Map.of()).get("distribution"), Run::value);
                boolean page = !kind.equals("walk");
                boolean flat = b2 / b1 <= 2;
                if (page && !flat) {
                    missed.add("catalog page (" + kind + ") flat");
                }
                out.append("- ").append(kind.equals("walk") ? "full walk" : "page n=100 (" + (kind.equals("mid") ? "middle" : "first") + ")")
                        .append(": Berth ").append(fmt(b2 / b1)).append("×").append(page ? (flat ? " (flat: yes)" : " (flat: **no**)") : "")
                        .append(", distribution ").append(fmt(d2 / d1)).append("×\n");
            }
        }
        if (!failures.isEmpty()) {
            out.append("\nFAILED workloads: ").append(String.join("; ", failures)).append('\n');
        }
        out.append("\nTargets missed: ").append(missed.isEmpty() ? "none" : String.join("; ", missed)).append('\n');
        out.append("\nAll runs (value, client cores, server cores, errors):\n\n");
        for (Figure f : figures.values()) {
            Map<String, List<Run>> byServer = results.getOrDefault(f.key, Map.of());
            for (Map.Entry<String, List<Run>> e : byServer.entrySet()) {
                StringBuilder line = new StringBuilder("- ").append(f.title.trim()).append(", ").append(e.getKey()).append(": ");
                for (Run r : e.getValue()) {
                    line.append(fmt(r.value)).append(f.kind == Kind.ABSOLUTE || f.key.endsWith(".p99") ? "" :
                            " (" + fmt(r.clientCores) + ", " + fmt(r.serverCores) + (r.errors > 0 ? ", " + r.errors + " err" : "") + ")").append("; ");
                }
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    static String distVersion() {
        return commandVersion(List.of("docker-registry", "--version")).replaceAll(".* ", "");
    }

    static String nginxVersion() {
        return commandVersion(List.of("nginx", "-v")).replaceAll(".*nginx/", "");
    }

    static String commandVersion(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return s;
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

}
