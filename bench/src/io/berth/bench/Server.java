package io.berth.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The servers under test as plain processes on loopback ports: Berth, distribution and nginx started and
 * stopped, timed to their first answer, and metered (CPU ticks and peak RSS from /proc).
 */
final class Server {
    final String name;
    final int port;
    final InetSocketAddress address;
    Process process;
    Path root;
    double startSeconds = Double.NaN;
    double startCpuSeconds = Double.NaN;
    long hwmKiB;
    /** Every process the bench started, for stopping them all when it ends however it ends. */
    static final List<Server> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();

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

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static Server startBerth(Config cfg, Path work, String opts, String dir) throws Exception {
        return startBerth(cfg, work, opts, dir, cfg.berthAuth, java.util.Map.of());
    }

    /**
     * A Berth of its own for one workload (its own data directory and log, {@code dir}): with {@code auth} none,
     * basic or bearer, and settings of its own ({@code env}: BERTH_* variables, e.g. a short GC grace).
     */
    static Server startBerth(Config cfg, Path work, String opts, String dir, String auth, java.util.Map<String, String> env) throws Exception {
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
        pb.environment().putAll(env);
        if (env.containsKey("REGISTRY_STORAGE")) {
            pb.environment().put("BERTH_DATA_DIR", s.root.toString()); // the database's home when blobs are in an object store
        }
        if (auth.equals("none")) {
            pb.environment().put("BERTH_AUTH", "none"); // an open registry, as distribution runs here (no auth)
        } else {
            pb.environment().put("BERTH_ADMIN_PASSWORD", BENCH_PASSWORD);
            s.authorization = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + BENCH_PASSWORD).getBytes(StandardCharsets.UTF_8));
        }
        pb.redirectErrorStream(true).redirectOutput(work.resolve(dir + ".log").toFile());
        launch(s, pb);
        if (auth.equals("bearer")) {
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
        STARTED.add(s);
        awaitTcp(s, 10);
        return s;
    }

    static final String S3_BUCKET = "bench";
    static final String S3_ACCESS_KEY = "bench-access";
    static final String S3_SECRET_KEY = "bench-secret";

    /**
     * S3Proxy (the S3 server Berth's tests use) as a process of its own, from the class path bench/run resolved: its
     * filesystem store in {@code <work>/s3proxy-data}, one bucket, signature-checked static keys, logging at warn.
     */
    static Server startS3Proxy(Config cfg, Path work) throws Exception {
        Server s = new Server("s3proxy", freePort());
        Path data = Files.createDirectories(work.resolve("s3proxy-data"));
        Files.createDirectories(data.resolve(S3_BUCKET));
        Path props = work.resolve("s3proxy.properties");
        Files.writeString(props, """
                s3proxy.endpoint=http://127.0.0.1:%d
                s3proxy.authorization=aws-v2-or-v4
                s3proxy.identity=%s
                s3proxy.credential=%s
                jclouds.provider=filesystem-nio2
                jclouds.identity=%s
                jclouds.credential=%s
                jclouds.filesystem.basedir=%s
                """.formatted(s.port, S3_ACCESS_KEY, S3_SECRET_KEY, S3_ACCESS_KEY, S3_SECRET_KEY, data));
        Path logback = work.resolve("s3proxy-logback.xml");
        Files.writeString(logback, """
                <configuration>
                  <appender name="out" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>%d %-5level %logger - %msg%n</pattern></encoder></appender>
                  <root level="WARN"><appender-ref ref="out"/></root>
                </configuration>
                """);
        String classpath = Files.readString(cfg.s3proxyClasspath).trim();
        ProcessBuilder pb = new ProcessBuilder(cfg.java, "-XX:+UseSerialGC", "-Xmx512m", "-Dlogback.configurationFile=" + logback,
                "-cp", classpath, "org.gaul.s3proxy.Main", "--properties", props.toString());
        pb.redirectErrorStream(true).redirectOutput(work.resolve("s3proxy.log").toFile());
        s.process = pb.start();
        STARTED.add(s);
        awaitTcp(s, 60);
        return s;
    }

    /** Berth's settings to store in this S3Proxy's bucket, as an operator would give them. */
    java.util.Map<String, String> s3Settings() {
        return java.util.Map.of("REGISTRY_STORAGE", "s3", "REGISTRY_STORAGE_S3_BUCKET", S3_BUCKET, "REGISTRY_STORAGE_S3_REGION", "us-east-1",
                "REGISTRY_STORAGE_S3_REGIONENDPOINT", "http://127.0.0.1:" + port, "REGISTRY_STORAGE_S3_FORCEPATHSTYLE", "true",
                "REGISTRY_STORAGE_S3_ACCESSKEY", S3_ACCESS_KEY, "REGISTRY_STORAGE_S3_SECRETKEY", S3_SECRET_KEY,
                "REGISTRY_STORAGE_S3_ROOTDIRECTORY", "/berth");
    }

    /** Starts the process and times it to the first successful GET /v2/. */
    static void launch(Server s, ProcessBuilder pb) throws Exception {
        long t0 = System.nanoTime();
        s.process = pb.start();
        STARTED.add(s);
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
