package io.berth.cli;

import ch.qos.logback.classic.Level;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.config.Settings;
import io.berth.server.BerthServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Runs the registry until SIGTERM/SIGINT, then drains in-flight requests and stops. */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run the registry. Settings come from --config (registry:2's config.yml layout) and the "
                + "environment (REGISTRY_* as registry:2 reads them, BERTH_* for Berth's own).")
final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    /**
     * For the launcher's start-up cache (JDK AOT cache or CDS archive, recorded at exit): start, answer a
     * few requests to itself so their classes are loaded, then stop.
     */
    @Option(names = "--exit-after-start", hidden = true)
    boolean exitAfterStart;

    @Override
    public Integer call() throws Exception {
        BerthConfig cfg;
        Settings settings;
        try {
            settings = Settings.load(config, System.getenv());
            cfg = BerthConfig.from(settings);
        } catch (ConfigException e) {
            System.err.println("berth: " + e.getMessage());
            return 2;
        }
        setLogLevel(cfg.logLevel());
        Logger log = LoggerFactory.getLogger("berth");
        settings.warnings().forEach(log::warn);
        BerthServer server;
        try {
            server = BerthServer.start(cfg);
        } catch (ConfigException e) {
            System.err.println("berth: " + e.getMessage());
            return 2;
        } catch (java.io.IOException e) {
            System.err.println("berth: cannot listen on " + cfg.address() + ": " + e.getMessage());
            return 1;
        }
        if (exitAfterStart) {
            try {
                selfRequests(server.port());
            } finally {
                server.close();
            }
            return 0;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down: letting in-flight requests finish");
            server.close();
        }, "berth-shutdown"));
        server.join();
        return 0;
    }

    /** The requests a client makes first, sent over a plain socket (answers may be errors: only the code paths matter). */
    private static void selfRequests(int port) throws java.io.IOException {
        String[] targets = {"GET /v2/", "GET /v2/_catalog?n=10", "GET /v2/train/tags/list", "HEAD /v2/train/manifests/latest",
                "GET /v2/train/blobs/sha256:" + "0".repeat(64), "POST /v2/train/blobs/uploads/", "GET /readyz"};
        for (String t : targets) {
            try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                s.getOutputStream().write((t + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                s.getInputStream().readAllBytes();
            }
        }
    }

    static void setLogLevel(String level) {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
    }
}
