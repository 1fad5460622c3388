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
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the registry. Settings come from --config (registry:2's config.yml layout) and the "
                + "environment (REGISTRY_* as registry:2 reads them, BERTH_* for Berth's own).")
final class ServeCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Override
    public Integer call() throws Exception {
        BerthConfig cfg;
        try {
            cfg = BerthConfig.from(Settings.load(config, System.getenv()));
        } catch (ConfigException e) {
            System.err.println("berth: " + e.getMessage());
            return 2;
        }
        setLogLevel(cfg.logLevel());
        Logger log = LoggerFactory.getLogger("berth");
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
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down: letting in-flight requests finish");
            server.close();
        }, "berth-shutdown"));
        server.join();
        return 0;
    }

    static void setLogLevel(String level) {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
    }
}
