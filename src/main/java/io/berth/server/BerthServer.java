package io.berth.server;

import io.berth.auth.AccessService;
import io.berth.config.BerthConfig;
import io.berth.http.AdminApi;
import io.berth.http.TokenEndpoint;
import io.berth.http.AccessLog;
import io.berth.http.Api;
import io.berth.http.Metrics;
import io.berth.http.OpsHandler;
import io.berth.http.SendfileConnector;
import io.berth.metadata.MetadataStore;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.proxy.ProxyMetrics;
import io.berth.proxy.ProxyRegistry;
import io.berth.registry.LocalRegistry;
import io.berth.registry.Registry;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageConfig;
import io.berth.storage.StorageDrivers;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Assembles a running registry from its configuration: storage driver, metadata store, registry core,
 * HTTP server and background maintenance. {@link #close()} drains in-flight requests, then stops.
 */
public final class BerthServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BerthServer.class);

    private final BerthConfig config;
    private final StorageDriver storage;
    private final MetadataStore metadata;
    private final Registry registry;
    private final Metrics metrics;
    private final Server jetty;
    private final ServerConnector connector;
    private final ScheduledExecutorService maintenance;
    private final AccessService access;

    private BerthServer(BerthConfig config) throws Exception {
        this.config = config;
        this.storage = StorageDrivers.fromConfig(config.storage());
        this.metadata = openMetadata(config);
        this.metrics = new Metrics();
        Registry localRegistry = new LocalRegistry(storage, metadata,
                new Registry.Options(config.deleteEnabled(), config.maxManifestBytes()), Clock.systemUTC());
        this.registry = config.upstreams().isEmpty() ? localRegistry
                : new ProxyRegistry(localRegistry, config.upstreams(), new ProxyMetrics(metrics.prometheus()));

        this.access = config.auth().enabled() ? startAccess(config) : null;

        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("berth");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        jetty = new Server(threads);
        jetty.setStopTimeout(config.shutdownGrace().toMillis());
        connector = connector(jetty, config, metrics);
        jetty.addConnector(connector);

        Handler.Sequence routes = new Handler.Sequence(
                new OpsHandler(registry, metrics),
                new TokenEndpoint(access),
                new AdminApi(registry, access),
                new Api(registry, access, metrics, jetty.getByteBufferPool(), config.redirect()));
        Handler app = config.accessLog() ? new AccessLog(routes) : routes;
        jetty.setHandler(new GracefulHandler(app));
        maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-maintenance");
            t.setDaemon(true);
            return t;
        });
    }

    private AccessService startAccess(BerthConfig config) {
        if (!(metadata instanceof JdbcMetadataStore jdbc)) {
            throw new IllegalStateException("authentication needs the SQL metadata store");
        }
        AccessService a = new AccessService(jdbc.accessStore(), config.auth(), Clock.systemUTC());
        a.bootstrap(config.dataDirectory());
        return a;
    }

    /** PostgreSQL when BERTH_DATABASE_URL is given, else SQLite in the data directory (see BerthConfig). */
    private static MetadataStore openMetadata(BerthConfig config) throws java.io.IOException {
        if (config.databaseUrl() != null) {
            return JdbcMetadataStore.postgres(config.databaseUrl(), 16);
        }
        java.nio.file.Files.createDirectories(config.dataDirectory());
        return JdbcMetadataStore.sqlite(config.dataDirectory().resolve("berth.db"), config.durableCommits());
    }

    public static BerthServer start(BerthConfig config) throws Exception {
        BerthServer s = new BerthServer(config);
        s.jetty.start();
        s.scheduleMaintenance();
        for (io.berth.proxy.Upstream u : config.upstreams()) {
            LOG.info("pull-through cache of {}", u);
            if (u.namespace().isEmpty() && s.access != null && config.auth().publicPulls()) {
                logPublicMirror(u);
            }
        }
        if (s.access == null) {
            LOG.warn("authentication is OFF (BERTH_AUTH=none): anyone who can reach this port may pull, push and delete");
        }
        LOG.info("Berth listening on {}://{}:{} (storage {}, metadata {})",
                config.tlsCertificate() == null ? "http" : "https",
                config.address().getHostString(), s.port(), describe(config.storage()),
                config.databaseUrl() == null ? "sqlite in " + config.dataDirectory().toAbsolutePath() : "postgresql");
        return s;
    }

    /** An open mirror serves anyone whatever its upstream account may read: say so where the operator looks. */
    private static void logPublicMirror(io.berth.proxy.Upstream mirror) {
        if (mirror.username() == null) {
            LOG.info("the mirror answers pulls without a login, as registry:2's does; BERTH_PROXY_PRIVATE=true requires one");
        } else {
            LOG.warn("the mirror answers pulls without a login and fetches as upstream user {}: anyone who reaches this port may pull "
                    + "what that account may read; set BERTH_PROXY_PRIVATE=true to require a login", mirror.username());
        }
    }

    /** Where objects live, for the start-up line; never credentials. */
    private static String describe(StorageConfig storage) {
        return switch (storage) {
            case StorageConfig.Filesystem fs -> "filesystem at " + fs.rootDirectory().toAbsolutePath();
            case StorageConfig.S3 s3 -> "s3 bucket " + s3.settings().bucket()
                    + (s3.settings().endpoint() == null ? " in " + s3.settings().region() : " at " + s3.settings().endpoint());
            case StorageConfig.Gcs gcs -> "gcs bucket " + gcs.settings().bucket();
            case StorageConfig.Azure azure -> "azure container " + azure.settings().container()
                    + (azure.settings().serviceUrl() == null ? "" : " at " + azure.settings().serviceUrl());
        };
    }

    private static ServerConnector connector(Server jetty, BerthConfig config, Metrics metrics) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(true);
        http.setRequestHeaderSize(16 * 1024);
        // Let malformed names such as "a//b" reach the API, which answers NAME_INVALID in the spec's format.
        http.setUriCompliance(org.eclipse.jetty.http.UriCompliance.DEFAULT.with("berth",
                org.eclipse.jetty.http.UriCompliance.Violation.AMBIGUOUS_EMPTY_SEGMENT));
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        ServerConnector c;
        if (config.tlsCertificate() != null) {
            http.addCustomizer(new SecureRequestCustomizer(false));
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStore(PemKeyStore.load(config.tlsCertificate(), config.tlsKey()));
            ssl.setKeyStorePassword(new String(PemKeyStore.PASSWORD));
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(h1.getProtocol());
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
            c = new SendfileConnector(jetty, metrics::sentWithSendfile, new ConnectionFactory[]{
                    new SslConnectionFactory(ssl, alpn.getProtocol()), alpn, h2, h1});
        } else {
            c = new SendfileConnector(jetty, metrics::sentWithSendfile, h1, new HTTP2CServerConnectionFactory(http));
        }
        c.setHost(config.address().getAddress() == null || config.address().getAddress().isAnyLocalAddress()
                ? null : config.address().getHostString());
        c.setPort(config.address().getPort());
        c.setIdleTimeout(Duration.ofMinutes(5).toMillis());
        c.setAcceptQueueSize(1024);
        return c;
    }

    private void scheduleMaintenance() {
        if (!config.uploadPurging()) {
            return;
        }
        long every = Math.max(1, config.uploadPurgeInterval().toSeconds());
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                int n = registry.uploads().purge(config.uploadPurgeAge());
                if (n > 0) {
                    LOG.info("purged {} abandoned uploads older than {}", n, config.uploadPurgeAge());
                }
            } catch (RuntimeException e) {
                LOG.warn("upload purge failed: {}", e.getMessage());
            }
        }, Math.min(every, 60), every, TimeUnit.SECONDS);
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The access service, or null when authentication is off. */
    public AccessService access() {
        return access;
    }

    public Registry registry() {
        return registry;
    }

    public void join() throws InterruptedException {
        jetty.join();
    }

    @Override
    public void close() {
        maintenance.shutdownNow();
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("error while stopping the HTTP server: {}", e.getMessage());
        }
        if (access != null) {
            access.close();
        }
        metadata.close();
        storage.close();
    }
}
