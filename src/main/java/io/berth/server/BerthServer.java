package io.berth.server;

import io.berth.auth.AccessService;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.gc.GarbageCollector;
import io.berth.admin.LifecycleAdmin;
import io.berth.admin.MaintenanceAdmin;
import io.berth.http.AdminApi;
import io.berth.http.TokenEndpoint;
import io.berth.http.AccessLog;
import io.berth.events.EventSink;
import io.berth.http.Api;
import io.berth.http.Metrics;
import io.berth.http.OpsHandler;
import io.berth.http.SendfileConnector;
import io.berth.lifecycle.ImmutableTags;
import io.berth.lifecycle.LastPulled;
import io.berth.lifecycle.LifecycleStore;
import io.berth.lifecycle.Retention;
import io.berth.metadata.MetadataStore;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.proxy.ProxyMetrics;
import io.berth.proxy.ProxyRegistry;
import io.berth.registry.LocalRegistry;
import io.berth.registry.OutageBoundary;
import io.berth.registry.Registry;
import io.berth.stats.UsageMetrics;
import io.berth.stats.UsageStatistics;
import io.berth.storage.StorageDriver;
import io.berth.ui.WebUi;
import io.berth.storage.factory.StorageConfig;
import io.berth.storage.factory.StorageDrivers;
import io.berth.webhooks.Webhooks;
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
import java.util.List;
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
    private final JdbcMetadataStore metadata;
    private final LocalRegistry localRegistry;
    private final Registry registry;
    private final Metrics metrics;
    private final Server jetty;
    private final ServerConnector connector;
    /** registry:2's debug listener (http.debug.addr) for /metrics and health, or null. */
    private final ServerConnector debugConnector;
    /** Held while the server runs on a SQLite data directory; null with PostgreSQL. */
    private final DataDirectoryLock lock;
    private final ScheduledExecutorService maintenance;
    private final AccessService access;
    private final ImmutableTags immutableTags;
    private final Retention retention;
    /** The pull-through cache's figures, for the upstreams page; null without upstreams. */
    private final ProxyMetrics proxyMetrics;
    private final Webhooks webhooks;
    private final GarbageCollector gc;
    /** Usage statistics: read from the counters the metadata store keeps; its sink counts pushes and pulls. */
    private final UsageStatistics usage;
    private final LifecycleAdmin lifecycleAdmin;
    private final MaintenanceAdmin maintenanceAdmin;

    private BerthServer(BerthConfig config) throws Exception {
        this.config = config;
        java.security.KeyStore tls = checkBeforeStart(config);
        this.lock = config.databaseUrl() == null ? DataDirectoryLock.acquire(config.dataDirectory(), dataSetting(config)) : null;
        try {
            this.storage = StorageDrivers.fromConfig(config.storage());
        } catch (RuntimeException e) {
            closeAll(lock);
            throw e;
        }
        try {
            this.metadata = openMetadata(config, 16);
        } catch (RuntimeException e) {
            closeAll(storage, lock);
            throw e;
        }
        try {
            checkUpstreams(config, metadata);
        } catch (RuntimeException e) {
            closeAll(metadata, storage, lock);
            throw e;
        }
        this.metrics = new Metrics(BuildInfo.current().version(), BuildInfo.current().revision());
        this.localRegistry = new LocalRegistry(storage, metadata,
                new Registry.Options(config.deleteEnabled(), config.maxManifestBytes()), Clock.systemUTC());
        this.proxyMetrics = config.upstreams().isEmpty() ? null : new ProxyMetrics(metrics.prometheus());
        Registry core = proxyMetrics == null ? localRegistry
                : new ProxyRegistry(localRegistry, metadata, storage, config.upstreams(), proxyMetrics);
        this.registry = new OutageBoundary(core);
        this.gc = new GarbageCollector(metadata, metadata.gcStore(), storage, config.gc(), Clock.systemUTC(), localRegistry::flushSeenBlobs);
        // The collector's deletions are not counted one by one: the counters are recounted after each run.
        gc.afterEachRun(() -> metadata.usageStore().reconcile());

        this.access = config.auth().enabled() ? startAccess(config) : null;
        LifecycleStore lifecycle = metadata.lifecycleStore();
        this.immutableTags = new ImmutableTags(lifecycle);
        this.usage = UsageStatistics.start(metadata.usageStore(), Clock.systemUTC());
        metrics.prometheus().register(new UsageMetrics(usage));
        this.retention = new Retention(lifecycle, lastPulled(metadata.usageStore()), config.retention(), Clock.systemUTC());
        this.webhooks = new Webhooks(metadata.webhookStore(), config.notifications(), config.webhooks(),
                config.tlsCertificate() == null ? "http" : "https", hostName() + ":" + config.address().getPort(), metrics.prometheus());
        // What clients did, for whoever listens (usage statistics, notifications, webhooks).
        EventSink events = EventSink.fanOut(List.of(usage.sink(), webhooks));
        // Who may do what with immutable tags, retention, quotas and webhooks: for the admin API and the web UI alike.
        this.lifecycleAdmin = new LifecycleAdmin(access, immutableTags, retention, webhooks, metadata.usageStore());
        // Retention and GC runs, told to each namespace's webhooks as that namespace's share.
        io.berth.admin.LifecycleEvents runs = new io.berth.admin.LifecycleEvents(webhooks);
        retention.tellEachRun(runs::retentionRan);
        gc.tellEachResult(runs::gcRan);
        this.maintenanceAdmin = new MaintenanceAdmin(access, gc, usage);

        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("berth");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        jetty = new Server(threads);
        jetty.setStopTimeout(config.shutdownGrace().toMillis());
        connector = connector(jetty, config, metrics, tls);
        jetty.addConnector(connector);
        debugConnector = config.debugAddress() == null ? null : debugConnector(jetty, config.debugAddress());
        if (debugConnector != null) {
            jetty.addConnector(debugConnector);
        }

        Handler.Sequence routes = new Handler.Sequence(
                new OpsHandler(registry, metrics, debugConnector, access),
                new TokenEndpoint(access),
                // The admin API answers a database outage in its own words ("database unavailable"), as it does
                // for its account queries, so it takes the core without the boundary that would reword it.
                new AdminApi(core, access, lifecycleAdmin, maintenanceAdmin),
                new Api(registry, access, metrics, jetty.getByteBufferPool(), config.redirect(), events),
                new WebUi(core, access, metadata.browser(), systemInfo(config, proxyMetrics), lifecycleAdmin, maintenanceAdmin)); // the rest: pages for browsers
        Handler app = config.accessLog() ? new AccessLog(routes) : routes;
        jetty.setHandler(new GracefulHandler(app));
        // two threads: a long upload purge must never hold up the "seen" marks garbage collection relies on
        maintenance = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "berth-maintenance");
            t.setDaemon(true);
            return t;
        });
    }

    /** This node's name, for registry:2's event source.addr (Go's os.Hostname). */
    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    private AccessService startAccess(BerthConfig config) {
        AccessService a = new AccessService(metadata.accessStore(), config.auth(), Clock.systemUTC());
        a.bootstrap(config.dataDirectory());
        return a;
    }

    /**
     * Operators' mistakes that would otherwise show late or as a stack trace, one line each: the TLS pair
     * (loaded here, so a bad one stops the start before anything opens), the data directory, the htpasswd file.
     */
    private static java.security.KeyStore checkBeforeStart(BerthConfig config) {
        java.security.KeyStore tls = config.tlsCertificate() == null ? null : PemKeyStore.load(config.tlsCertificate(), config.tlsKey());
        if (config.rootDirectory() != null || config.databaseUrl() == null) {
            StartupChecks.writableDirectory(config.dataDirectory(), dataSetting(config));
        }
        if (config.auth().enabled() && config.auth().htpasswd() != null) {
            StartupChecks.readableFile(config.auth().htpasswd(), "auth.htpasswd.path");
        }
        return tls;
    }

    /** The setting that names the data directory (see BerthConfig). */
    private static String dataSetting(BerthConfig config) {
        return config.rootDirectory() != null ? "storage.filesystem.rootdirectory" : "berth.data.dir";
    }

    /**
     * PostgreSQL when BERTH_DATABASE_URL is given, else SQLite in the data directory (see BerthConfig): the
     * one way to open the metadata store, for the server and for {@code berth user} alike.
     */
    public static JdbcMetadataStore openMetadata(BerthConfig config, int postgresPool) {
        if (config.databaseUrl() != null) {
            try {
                return JdbcMetadataStore.postgres(config.databaseUrl(), postgresPool);
            } catch (io.berth.metadata.MetadataUnavailableException e) {
                throw new ConfigException("berth.database.url (BERTH_DATABASE_URL) " + e.getMessage());
            }
        }
        try {
            return JdbcMetadataStore.sqlite(config.dataDirectory().resolve("berth.db"), config.durableCommits());
        } catch (io.berth.metadata.MetadataUnavailableException e) {
            throw new ConfigException("SQLite database " + e.getMessage());
        }
    }

    /**
     * An upstream answers for every repository under its namespace, so pushed repositories there would
     * vanish behind "manifest unknown": refuse, rather than hide them.
     */
    private static void checkUpstreams(BerthConfig config, MetadataStore metadata) {
        java.util.List<io.berth.proxy.Upstream> upstreams = config.upstreams();
        for (int i = 0; i < upstreams.size(); i++) {
            io.berth.proxy.Upstream u = upstreams.get(i);
            java.util.List<String> local = u.enabled() ? metadata.pushedRepositories(u.namespace()) : java.util.List.of();
            if (local.isEmpty()) {
                continue;
            }
            String count = local.size() + " local " + (local.size() == 1 ? "repository" : "repositories");
            String shown = " (" + String.join(", ", local.subList(0, Math.min(3, local.size()))) + (local.size() > 3 ? ", …)" : ")");
            if (u.namespace().isEmpty()) { // registry:2's mirror, added after the namespaced upstreams
                throw new ConfigException("proxy.remoteurl (REGISTRY_PROXY_REMOTEURL) (" + u.url() + ") would hide all repositories, and "
                        + count + (local.size() == 1 ? " is" : " are") + " there" + shown
                        + "; mirror into an empty registry, or use berth.proxy.upstreams with a namespace");
            }
            throw new ConfigException("berth.proxy.upstreams[" + i + "] (" + u.url() + ") would hide namespace " + u.namespace()
                    + ", which holds " + count + shown + "; give the upstream another namespace");
        }
    }

    private static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            try {
                if (r != null) {
                    r.close();
                }
            } catch (Exception e) {
                LOG.debug("while giving up the start: {}", e.getMessage());
            }
        }
    }

    public static BerthServer start(BerthConfig config) throws Exception {
        BerthServer s = new BerthServer(config);
        try {
            s.jetty.start();
        } catch (Exception e) {
            s.close();
            throw e;
        }
        s.scheduleMaintenance();
        s.gc.startSchedule();
        for (io.berth.proxy.Upstream u : config.upstreams()) {
            LOG.info("pull-through cache of {}", u);
            if (u.namespace().isEmpty() && s.access != null && config.auth().publicPulls()) {
                logPublicMirror(u);
            }
        }
        if (s.access == null) {
            LOG.warn("authentication is OFF (BERTH_AUTH=none): anyone who can reach this port may pull, push and delete");
        }
        LOG.info("Berth {} listening on {}://{}:{} (storage {}, metadata {})", BuildInfo.current().describe(),
                config.tlsCertificate() == null ? "http" : "https",
                config.address().getHostString(), s.port(), describe(config.storage()),
                config.databaseUrl() == null ? "sqlite in " + config.dataDirectory().toAbsolutePath() : "postgresql");
        if (s.debugConnector != null) {
            LOG.info("metrics and health on the debug listener http://{}:{}/metrics (http.debug.addr)",
                    config.debugAddress().getHostString(), s.debugPort());
        }
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
    /** What the web UI's system page shows: the build, the storage, the database, the start, the settings without secrets. */
    private static io.berth.ui.SystemInfo systemInfo(BerthConfig config, ProxyMetrics proxy) {
        return new io.berth.ui.SystemInfo(BuildInfo.current().version(), BuildInfo.current().revision(), describe(config.storage()),
                config.databaseUrl() == null ? "SQLite in " + config.dataDirectory().toAbsolutePath().resolve("berth.db") : "PostgreSQL",
                java.time.Instant.now(),
                config.effectiveSettings().stream().map(e -> new io.berth.ui.SystemInfo.Setting(e.name(), e.value())).toList(),
                () -> upstreams(config.upstreams(), proxy));
    }

    /** The cache's upstreams for the upstreams page: the configuration (no credentials) with what this node counted. */
    private static List<io.berth.ui.SystemInfo.Upstream> upstreams(List<io.berth.proxy.Upstream> configured, ProxyMetrics proxy) {
        java.util.Map<String, ProxyMetrics.UpstreamStatus> seen = new java.util.HashMap<>();
        if (proxy != null) {
            proxy.upstreams().forEach(s -> seen.put(s.name(), s));
        }
        return configured.stream().map(u -> {
            ProxyMetrics.UpstreamStatus s = seen.getOrDefault(u.name(), new ProxyMetrics.UpstreamStatus(u.name(), 0, 0, 0, 0, 0, null));
            return new io.berth.ui.SystemInfo.Upstream(u.name(), withoutCredentials(u.url()), u.namespace(), u.enabled(), u.tagTtl(),
                    s.hits(), s.misses(), s.bytesFetched(), s.lastAnswerAt(), s.lastFailureAt(), redacted(s.lastFailure(), u));
        }).toList();
    }

    /** An upstream's error as the page may show it: its URL without credentials, its password never. */
    private static String redacted(String message, io.berth.proxy.Upstream u) {
        if (message == null) {
            return null;
        }
        String out = message.replace(u.url().toString(), withoutCredentials(u.url()));
        return u.password() == null || u.password().isEmpty() ? out : out.replace(u.password(), "(password)");
    }

    /** scheme://host:port/path: no user information, no query (where a token could hide). */
    private static String withoutCredentials(java.net.URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()) + (url.getPath() == null ? "" : url.getPath());
    }

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

    private static ServerConnector connector(Server jetty, BerthConfig config, Metrics metrics, java.security.KeyStore tls) {
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
            ssl.setKeyStore(tls);
            ssl.setKeyStorePassword(new String(PemKeyStore.PASSWORD));
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(h1.getProtocol());
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
            SslConnectionFactory tlsFactory = new SslConnectionFactory(ssl, alpn.getProtocol());
            c = new SendfileConnector(jetty, metrics::sentWithSendfile, new ConnectionFactory[]{
                    new PlainHttpOnTlsPort(tlsFactory), tlsFactory, alpn, h2, h1});
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

    /** Plain HTTP/1.1, for scrapers and probes inside the operator's network. */
    private static ServerConnector debugConnector(Server jetty, java.net.InetSocketAddress address) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector c = new ServerConnector(jetty, new HttpConnectionFactory(http));
        c.setHost(address.getAddress() == null || address.getAddress().isAnyLocalAddress() ? null : address.getHostString());
        c.setPort(address.getPort());
        return c;
    }

    private void scheduleMaintenance() {
        scheduleRetention();
        long seen = config.gc().seenFlushInterval().toMillis();
        maintenance.scheduleWithFixedDelay(this::flushSeenBlobs, seen, seen, TimeUnit.MILLISECONDS);
        if (!config.uploadPurging()) {
            return;
        }
        long every = Math.max(1, config.uploadPurgeInterval().toSeconds());
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                int n = purgeUploads(config.uploadPurgeAge());
                if (n > 0) {
                    LOG.info("purged {} abandoned uploads older than {}", n, config.uploadPurgeAge());
                }
            } catch (RuntimeException e) {
                LOG.warn("upload purge failed: {}", e.getMessage());
            }
        }, Math.min(every, 60), every, TimeUnit.SECONDS);
    }

    /**
     * Retention on its schedule: every node tries every 10 minutes (every interval, when that is shorter), and
     * the one that takes the database's lease runs every namespace's rules, once per interval.
     */
    private void scheduleRetention() {
        if (!config.retention().scheduled()) {
            return;
        }
        long every = Math.max(1, Math.min(config.retention().interval().toSeconds(), 600));
        maintenance.scheduleWithFixedDelay(() -> {
            try {
                retention.runScheduled();
            } catch (RuntimeException e) {
                LOG.warn("scheduled retention run failed: {}", e.getMessage());
            }
        }, Math.min(every, 60), every, TimeUnit.SECONDS);
    }

    private void flushSeenBlobs() {
        try {
            localRegistry.flushSeenBlobs();
        } catch (RuntimeException e) {
            LOG.warn("recording which blobs clients were told exist failed (kept for the next try): {}", e.getMessage());
        }
    }

    /** Retention's pull times, from the usage statistics' recorder (batched: a pull counts once its batch is written). */
    private static LastPulled lastPulled(io.berth.stats.UsageStore store) {
        return new LastPulled() {
            @Override
            public java.util.OptionalLong lastPulled(String repository, String tag) {
                return store.tagLastPulled(repository, tag);
            }

            @Override
            public java.util.Map<String, Long> tags(String repository) {
                return store.tagPulls(repository);
            }

            @Override
            public java.util.Map<io.berth.oci.Digest, Long> manifests(String repository) {
                return store.manifestPulls(repository);
            }
        };
    }

    /** Garbage collection: on demand, status and history (its schedule runs by itself). */
    public GarbageCollector garbageCollector() {
        return gc;
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The port of the debug listener (http.debug.addr), or -1 when there is none. */
    public int debugPort() {
        return debugConnector == null ? -1 : debugConnector.getLocalPort();
    }

    /** The access service, or null when authentication is off. */
    public AccessService access() {
        return access;
    }

    public Registry registry() {
        return registry;
    }

    /** Immutable tag rules (for the admin API, retention and garbage collection). */
    public ImmutableTags immutableTags() {
        return immutableTags;
    }

    /** Retention rules, previews and runs (for the admin API). */
    public Retention retention() {
        return retention;
    }

    /** Discards uploads started before {@code maxAge} ago; returns how many (maintenance, and tests). */
    public int purgeUploads(java.time.Duration maxAge) {
        return localRegistry.purgeUploads(maxAge);
    }

    /** Notifications and per-namespace webhooks: the service the admin API manages them through. */
    public Webhooks webhooks() {
        return webhooks;
    }

    /** The usage statistics (for GET /api/v1/stats; tests flush its sink). */
    public UsageStatistics usage() {
        return usage;
    }

    /** The metadata store the registry runs on. */
    public MetadataStore metadata() {
        return metadata;
    }

    public void join() throws InterruptedException {
        jetty.join();
    }

    @Override
    public void close() {
        gc.close();
        maintenance.shutdownNow();
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("error while stopping the HTTP server: {}", e.getMessage());
        }
        flushSeenBlobs();
        // After the requests drained (they publish events), before the database closes (queued events are written).
        webhooks.close();
        if (access != null) {
            access.close();
        }
        usage.close(); // after the requests drained: their pulls are counted, then written
        metadata.close();
        storage.close();
        if (lock != null) {
            lock.close();
        }
    }
}
