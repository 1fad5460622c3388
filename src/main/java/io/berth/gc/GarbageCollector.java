package io.berth.gc;

import io.berth.metadata.GcStore;
import io.berth.metadata.MetadataStore;
import io.berth.metadata.MetadataStore.Link;
import io.berth.oci.Digest;
import io.berth.oci.Names;
import io.berth.registry.BlobLayout;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Online garbage collection, with every node serving (ARCHITECTURE.md, "Garbage collection"). A collection:
 * <ol>
 * <li>policies: deletes untagged manifests and dangling referrers, and evicts the pull-through cache's content not
 * pulled for a while, when configured ({@link ManifestPolicy});</li>
 * <li>mark: manifests live in the database, so what they reference is the mark set;</li>
 * <li>condemn: links no manifest of their repository references, unseen for the grace period, are condemned —
 * a read that finds one rescues it;</li>
 * <li>orphans: store data the metadata does not know is queued for deletion (blobs) or deleted (uploads);</li>
 * <li>waits until every node has written what its reads saw before the condemnation ({@link GcSettings#condemnDelay});</li>
 * <li>sweep: removes the condemned links still unseen and unreferenced, and tombstones blobs left with no link and
 * no reference, each digest re-checked in a transaction that holds its rows ({@link GcStore#sweep});</li>
 * <li>delete: only then are bytes deleted, from the outbox, in batches ({@link StorageDriver#deleteObjects}).</li>
 * </ol>
 * One collection at a time across nodes (a lease row); a dry run lists what a collection would delete.
 */
public final class GarbageCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);
    /** Renewed while a collection runs; another node may take over a lease its holder stopped renewing. */
    static final Duration LEASE = Duration.ofSeconds(60);
    /** A writer placing a blob's bytes for longer than this has died: the blob is garbage then. */
    static final Duration PLACING_TIMEOUT = Duration.ofHours(24);
    /** A deletion a collector claimed and did not finish in this long is taken up again. */
    static final Duration STALE_CLAIM = Duration.ofMinutes(10);
    /** The most items a result lists. */
    public static final int MAX_ITEMS = 10_000;
    /*
     * Small write transactions: on SQLite every write waits for the one writer, so a push that arrives while the
     * collector's transaction runs waits for all of it. 50 condemned links or 25 swept digests take a few
     * milliseconds; 500 and 200 took ~50 ms, and pushes during a collection ran at a fifth of their rate (the
     * benchmark's gc workload). Group commit shares the fsync of each such transaction with the pushes beside it.
     */
    private static final int CONDEMN_BATCH = 25;
    private static final int SWEEP_BATCH = 10;
    /** As many keys as S3's DeleteObjects takes in one request. */
    private static final int DELETE_BATCH = 1_000;

    private final MetadataStore metadata;
    private final GcStore store;
    private final StorageDriver storage;
    private final GcSettings settings;
    private final Clock clock;
    private final Runnable flushSeen;
    /** Run after every real collection: the usage counters' exact recount (what the sweep removed is counted there). */
    private volatile Runnable afterRun = () -> { };
    /** Told every result, dry runs included (BerthServer: the namespaces' webhooks). */
    private volatile java.util.function.Consumer<GcResult> listener = r -> { };
    private final String node;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile String phase;
    private volatile Instant since;
    private volatile GcResult last;
    private volatile ScheduledExecutorService scheduler;
    private volatile long scheduleStarted;

    /**
     * @param flushSeen writes this node's gathered "seen" marks now (the registry's {@code flushSeenBlobs}); a
     *                  no-op where nothing serves reads
     */
    public GarbageCollector(MetadataStore metadata, GcStore store, StorageDriver storage, GcSettings settings, Clock clock,
                            Runnable flushSeen) {
        this.metadata = metadata;
        this.store = store;
        this.storage = storage;
        this.settings = settings;
        this.clock = clock;
        this.flushSeen = flushSeen;
        this.node = nodeName();
    }

    private static String nodeName() {
        String host = System.getenv("HOSTNAME");
        return (host == null || host.isBlank() ? "localhost" : host) + "/" + ProcessHandle.current().pid() + "/"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0x100000));
    }

    public GcSettings settings() {
        return settings;
    }

    /** This collector's name in the lease and the history: host, process and a random part. */
    public String node() {
        return node;
    }

    // --- on demand --------------------------------------------------------------------------

    /**
     * Runs a collection (or a dry run) now, in this thread. {@code trigger} says who asked (api, cli,
     * schedule), for the history.
     *
     * @throws GcBusyException when one is running here or on another node
     */
    public GcResult run(boolean dryRun, String trigger) {
        return execute(begin(dryRun, trigger));
    }

    /**
     * A collection started: its status as it started (running here, since when, its phase) — what an API answers with,
     * since a short run may have ended by the time {@link #status} is asked — and its result to come.
     */
    public record Started(GcStatus status, CompletableFuture<GcResult> done) {
    }

    /** Starts a collection on a thread of its own; throws {@link GcBusyException} at once when one is running. */
    public Started start(boolean dryRun, String trigger) {
        Run r = begin(dryRun, trigger);
        GcStatus starting = new GcStatus(true, node, since, phase, last);
        CompletableFuture<GcResult> done = new CompletableFuture<>();
        Thread.ofVirtual().name("berth-gc-" + r.id).start(() -> {
            try {
                done.complete(execute(r));
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return new Started(starting, done);
    }

    /** Whether a collection runs (here or elsewhere), and the last result here. */
    public GcStatus status() {
        if (running.get()) {
            return new GcStatus(true, node, since, phase, last);
        }
        Optional<GcStore.Lease> lease = store.lease();
        long now = clock.millis();
        if (lease.isPresent() && lease.get().expiresAt() > now) {
            return new GcStatus(true, lease.get().holder(), Instant.ofEpochMilli(lease.get().acquiredAt()), null, last);
        }
        return new GcStatus(false, null, null, null, last);
    }

    /** The latest collections of every node, newest first. */
    public List<GcRun> history(int limit) {
        return store.runs(limit).stream().map(r -> new GcRun(r.id(), Instant.ofEpochMilli(r.startedAt()),
                r.finishedAt() == null ? null : Instant.ofEpochMilli(r.finishedAt()), r.dryRun(), r.trigger(), r.node(), r.marked(),
                r.manifestsDeleted(), r.linksRemoved(), r.blobsSwept(), r.orphans(), r.bytesFreed(), r.errors(), r.errorDetail(),
                r.markMs(), r.sweepMs())).toList();
    }

    // --- on a schedule ------------------------------------------------------------------------

    /** Starts collecting whenever one is due (see {@link GcSettings}); does nothing when not scheduled. */
    public synchronized void startSchedule() {
        if (!settings.scheduled() || scheduler != null) {
            return;
        }
        scheduleStarted = clock.millis();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-gc");
            t.setDaemon(true);
            return t;
        });
        long every = settings.dailyAt() != null ? 30_000 : Math.max(100, Math.min(30_000, settings.interval().toMillis() / 4));
        scheduler.scheduleWithFixedDelay(this::collectIfDue, every, every, TimeUnit.MILLISECONDS);
    }

    private void collectIfDue() {
        try {
            if (due(clock.millis())) {
                GcResult r = run(false, "schedule");
                LOG.info("garbage collection: {} blobs swept, {} links and {} manifests removed, {} orphans, {} bytes freed in {} ms{}",
                        r.blobsSwept(), r.linksRemoved(), r.manifestsDeleted(), r.orphans(), r.bytesFreed(), r.duration().toMillis(),
                        r.errors().isEmpty() ? "" : "; errors: " + r.errors());
            }
        } catch (GcBusyException busy) {
            // another node collects
        } catch (RuntimeException e) {
            LOG.warn("garbage collection failed: {}", e.getMessage());
        }
    }

    /**
     * When the schedule collects next (as {@link #due} decides it), or empty when collections do not run on their
     * own here (not scheduled, or the schedule not started).
     */
    public Optional<Instant> nextScheduled() {
        if (!settings.scheduled() || scheduler == null) {
            return Optional.empty();
        }
        OptionalLong lastStart = store.lastCollectionStart();
        if (settings.dailyAt() != null) {
            long now = clock.millis();
            ZonedDateTime today = Instant.ofEpochMilli(now).atZone(ZoneOffset.UTC).with(settings.dailyAt());
            ZonedDateTime next = today.toInstant().toEpochMilli() > now ? today : today.plusDays(1);
            return Optional.of(next.toInstant());
        }
        long at = lastStart.isPresent() ? lastStart.getAsLong() + settings.interval().toMillis() : scheduleStarted + settings.grace().toMillis();
        return Optional.of(Instant.ofEpochMilli(at));
    }

    /**
     * Due when the last collection of any node started an interval ago (the first, one grace period after the
     * schedule started), or — with a time of day — when that time passed since the last one and since the start.
     */
    boolean due(long now) {
        OptionalLong lastStart = store.lastCollectionStart();
        if (settings.dailyAt() != null) {
            ZonedDateTime today = Instant.ofEpochMilli(now).atZone(ZoneOffset.UTC).with(settings.dailyAt());
            long occurrence = (today.toInstant().toEpochMilli() > now ? today.minusDays(1) : today).toInstant().toEpochMilli();
            return occurrence > Math.max(lastStart.orElse(Long.MIN_VALUE), scheduleStarted);
        }
        return lastStart.isPresent() ? now >= lastStart.getAsLong() + settings.interval().toMillis()
                : now >= scheduleStarted + settings.grace().toMillis();
    }

    @Override
    public void close() {
        ScheduledExecutorService s = scheduler;
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // --- one collection -----------------------------------------------------------------------

    /** A collection under way: its lease, its history row, and what it found. */
    private final class Run {
        final long id;
        final boolean dryRun;
        final String trigger;
        final long startedAt;
        long marked;
        long manifests;
        long links;
        long blobs;
        long orphans;
        long bytesFreed;
        /** Milliseconds of the mark (what is referenced, which links are not) and of the sweep (condemning those links first). */
        long markMs;
        long sweepMs;
        final List<String> errors = new ArrayList<>();
        final List<GcResult.Item> items = new ArrayList<>();
        boolean truncated;
        /** What each namespace lost, counted in full. */
        final Map<String, GcResult.Share> shares = new TreeMap<>();
        /** The manifests the policies deleted (or would), by repository. */
        final Map<String, Set<Digest>> policyDeletions = new HashMap<>();
        /** What those manifests referenced. */
        final Set<Digest> freedByPolicies = new HashSet<>();

        Run(long id, boolean dryRun, String trigger, long startedAt) {
            this.id = id;
            this.dryRun = dryRun;
            this.trigger = trigger;
            this.startedAt = startedAt;
        }

        void item(GcResult.Kind kind, String repository, String name, long size) {
            if (repository != null) {
                shares.merge(Names.namespaceOf(repository), new GcResult.Share(0, 0, 0).plus(kind), (a, b) -> a.plus(kind));
            }
            if (items.size() < MAX_ITEMS) {
                items.add(new GcResult.Item(kind, repository, name, size));
            } else {
                truncated = true;
            }
        }

        void error(String what, RuntimeException e) {
            String message = what + ": " + e.getMessage();
            LOG.warn("garbage collection: {}", message);
            errors.add(message);
        }
    }

    private Run begin(boolean dryRun, String trigger) {
        if (!running.compareAndSet(false, true)) {
            throw new GcBusyException(node, since);
        }
        try {
            long now = clock.millis();
            if (!store.acquireLease(node, now, now + LEASE.toMillis())) {
                Optional<GcStore.Lease> holder = store.lease();
                throw new GcBusyException(holder.map(GcStore.Lease::holder).orElse(null),
                        holder.map(l -> Instant.ofEpochMilli(l.acquiredAt())).orElse(null));
            }
            try {
                since = Instant.ofEpochMilli(now);
                phase = "starting";
                return new Run(store.startRun(now, dryRun, trigger, node), dryRun, trigger, now);
            } catch (RuntimeException e) {
                store.releaseLease(node);
                throw e;
            }
        } catch (RuntimeException e) {
            phase = null;
            running.set(false);
            throw e;
        }
    }

    /** What to run after every collection that was not a dry run (BerthServer: the usage counters' reconcile). */
    public void afterEachRun(Runnable hook) {
        this.afterRun = hook;
    }

    /** Who hears every result, dry runs included, once it is recorded; a failure there is logged, never the run's. */
    public void tellEachResult(java.util.function.Consumer<GcResult> listener) {
        this.listener = listener;
    }

    private GcResult execute(Run r) {
        try {
            try {
                collect(r);
                if (!r.dryRun) {
                    afterRun.run();
                }
            } catch (RuntimeException e) {
                r.error("stopped in phase " + phase, e);
            }
            long finished = clock.millis();
            GcResult result = new GcResult(r.id, r.dryRun, r.trigger, Instant.ofEpochMilli(r.startedAt), Duration.ofMillis(finished - r.startedAt),
                    r.markMs, r.sweepMs, r.marked, r.manifests, r.links, r.blobs, r.orphans, r.bytesFreed, List.copyOf(r.errors), List.copyOf(r.items), r.truncated, r.shares);
            try {
                store.finishRun(new GcStore.Run(r.id, r.startedAt, finished, r.dryRun, r.trigger, node, r.marked, r.manifests, r.links,
                        r.blobs, r.orphans, r.bytesFreed, r.errors.size(), r.errors.isEmpty() ? null : String.join("\n", r.errors),
                        r.markMs, r.sweepMs));
            } catch (RuntimeException e) {
                LOG.warn("garbage collection: cannot record run {}: {}", r.id, e.getMessage());
            }
            last = result;
            tell(result);
            return result;
        } finally {
            try {
                store.releaseLease(node);
            } catch (RuntimeException e) {
                LOG.debug("garbage collection: lease not released ({}); it expires", e.getMessage());
            }
            phase = null;
            since = null;
            running.set(false);
        }
    }

    private void tell(GcResult result) {
        try {
            listener.accept(result);
        } catch (RuntimeException e) {
            LOG.warn("garbage collection: telling run {} failed: {}", result.runId(), e.getMessage());
        }
    }

    private void collect(Run r) {
        long grace = settings.grace().toMillis();
        if (settings.untaggedAge() != null || settings.referrers()) {
            phase("policies");
            manifests(r);
        }
        if (settings.evictsCache()) {
            phase("cache eviction");
            evictCache(r);
        }
        phase("mark");
        long markStart = clock.millis();
        r.marked = store.referencedBlobs();
        long t0 = clock.millis();
        long seenBefore = t0 - grace;
        long placingBefore = t0 - PLACING_TIMEOUT.toMillis();
        phase("condemn");
        List<Link> stale = store.unreferencedLinks(seenBefore);
        r.markMs = clock.millis() - markStart; // the reads; condemning is the sweep's first write
        long condemnStart = clock.millis();
        if (!r.dryRun) {
            for (int i = 0; i < stale.size(); i += CONDEMN_BATCH) {
                List<Link> batch = stale.subList(i, Math.min(stale.size(), i + CONDEMN_BATCH));
                paced(() -> store.condemn(batch, t0, seenBefore));
                renewLease();
            }
        }
        long condemnMs = clock.millis() - condemnStart;
        phase("orphans");
        orphans(r, Instant.ofEpochMilli(seenBefore));
        if (r.dryRun) {
            long sweepStart = clock.millis();
            predictSweep(r, stale, seenBefore, placingBefore);
            r.sweepMs = clock.millis() - sweepStart;
            return;
        }
        phase("waiting");
        waitUntil(t0 + settings.condemnDelay().toMillis());
        try {
            flushSeen.run();
        } catch (RuntimeException e) {
            LOG.debug("garbage collection: writing this node's seen marks failed: {}", e.getMessage());
        }
        phase("sweep");
        long sweepStart = clock.millis();
        long condemnedBefore = clock.millis() - settings.condemnDelay().toMillis();
        List<Digest> candidates = store.sweepCandidates(condemnedBefore, seenBefore, placingBefore);
        for (int i = 0; i < candidates.size(); i += SWEEP_BATCH) {
            List<Digest> batch = candidates.subList(i, Math.min(candidates.size(), i + SWEEP_BATCH));
            GcStore.Swept swept = paced(() -> store.sweep(batch, condemnedBefore, seenBefore, placingBefore));
            for (Link l : swept.unlinked()) {
                r.links++;
                r.item(GcResult.Kind.LINK, l.repository(), l.digest().toString(), 0);
            }
            for (GcStore.BlobRow b : swept.tombstoned()) {
                r.blobs++;
                r.item(GcResult.Kind.BLOB, null, b.digest().toString(), b.size());
            }
            renewLease();
        }
        phase("delete");
        deleteQueued(r);
        r.sweepMs = condemnMs + clock.millis() - sweepStart;
    }

    /**
     * Runs one write batch, then rests as long as it took: the collector holds the database's writer (SQLite has
     * one) and a core at most half the time, so the pushes and pulls beside it keep most of their pace (the
     * benchmark's gc workload); alone, it still sweeps well over the 50,000 blobs a minute it must.
     */
    private static <T> T paced(java.util.function.Supplier<T> batch) {
        long start = System.nanoTime();
        T result = batch.get();
        java.util.concurrent.locks.LockSupport.parkNanos(System.nanoTime() - start);
        return result;
    }

    private void phase(String name) {
        phase = name;
    }

    private void renewLease() {
        if (!store.renewLease(node, clock.millis() + LEASE.toMillis())) {
            throw new IllegalStateException("lost the collection lease (renewed too late); another node may collect now");
        }
    }

    private void waitUntil(long at) {
        for (long now = clock.millis(); now < at; now = clock.millis()) {
            try {
                Thread.sleep(Math.min(at - now, 10_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
            renewLease();
        }
    }

    // --- policies ---------------------------------------------------------------------------

    /** The manifests the policies delete, repository by repository; a dry run only lists them. */
    private void manifests(Run r) {
        long now = clock.millis();
        Long untaggedBefore = settings.untaggedAge() == null ? null : now - settings.untaggedAge().toMillis();
        Long referrersBefore = settings.referrers() ? now - settings.grace().toMillis() : null;
        for (String repository : allRepositories()) {
            GcStore.RepositoryGraph graph = store.graph(repository);
            List<ManifestPolicy.Deletion> plan = ManifestPolicy.plan(graph, untaggedBefore, referrersBefore);
            if (plan.isEmpty()) {
                continue;
            }
            Set<Digest> deleted = new HashSet<>();
            for (ManifestPolicy.Deletion d : plan) {
                boolean gone = r.dryRun || (d.referrer()
                        ? store.deleteDanglingReferrer(repository, d.digest(), referrersBefore)
                        : store.deleteUntaggedManifest(repository, d.digest(), untaggedBefore));
                if (gone) {
                    deleted.add(d.digest());
                    r.manifests++;
                    r.item(GcResult.Kind.MANIFEST, repository, d.digest().toString(), 0);
                }
            }
            policyDeleted(r, repository, graph, deleted);
        }
    }

    /** Remembers what a policy deleted in a repository (for the dry run's sweep), and renews the lease. */
    private void policyDeleted(Run r, String repository, GcStore.RepositoryGraph graph, Set<Digest> deleted) {
        r.policyDeletions.computeIfAbsent(repository, k -> new HashSet<>()).addAll(deleted);
        for (GcStore.Reference ref : graph.references()) {
            if (deleted.contains(ref.manifest())) {
                r.freedByPolicies.add(ref.target());
            }
        }
        renewLease();
    }

    /**
     * The cache's tags and manifests nobody pulled for {@link GcSettings#cacheEvictAfter} (counted from the fill when
     * never pulled), in the repositories of its upstreams' namespaces that nobody pushed to; the upstream still has
     * them, and the next pull fetches them again. Their blobs go in this collection's sweep once past the grace.
     */
    private void evictCache(Run r) {
        long usedBefore = clock.millis() - settings.cacheEvictAfter().toMillis();
        for (String repository : cachedRepositories()) {
            GcStore.CacheGraph cache = store.cacheGraph(repository);
            List<ManifestPolicy.Eviction> plan = ManifestPolicy.evictions(cache, usedBefore);
            if (plan.isEmpty()) {
                continue;
            }
            Set<Digest> deleted = new HashSet<>();
            for (ManifestPolicy.Eviction e : plan) {
                if (e.tag() != null) {
                    if (r.dryRun || store.evictTag(repository, e.tag(), e.digest(), usedBefore)) {
                        r.item(GcResult.Kind.TAG, repository, e.tag(), 0);
                    }
                } else if (r.dryRun || store.evictManifest(repository, e.digest(), usedBefore)) {
                    deleted.add(e.digest());
                    r.manifests++;
                    r.item(GcResult.Kind.MANIFEST, repository, e.digest().toString(), 0);
                }
            }
            policyDeleted(r, repository, cache.graph(), deleted);
        }
    }

    /** The repositories under the upstreams' namespaces that only the cache filled, each once. */
    private Set<String> cachedRepositories() {
        Set<String> out = new java.util.TreeSet<>();
        for (String namespace : settings.cacheNamespaces()) {
            out.addAll(store.cachedRepositories(namespace));
        }
        return out;
    }

    private List<String> allRepositories() {
        List<String> all = new ArrayList<>();
        for (List<String> page = metadata.repositories(null, 1000); !page.isEmpty(); page = metadata.repositories(page.getLast(), 1000)) {
            all.addAll(page);
        }
        return all;
    }

    // --- orphans ----------------------------------------------------------------------------

    private void orphans(Run r, Instant before) {
        OrphanScan scan = new OrphanScan(storage, metadata, store);
        try {
            long now = clock.millis();
            for (OrphanScan.Orphan o : scan.blobs(before)) {
                if (r.dryRun || store.queueOrphan(o.digest(), o.size(), now)) {
                    r.orphans++;
                    r.item(GcResult.Kind.ORPHAN_BLOB, null, o.digest().toString(), o.size());
                    if (r.dryRun) {
                        r.bytesFreed += o.size();
                    }
                }
            }
            for (OrphanScan.Upload u : scan.uploads(before)) {
                if (!r.dryRun) {
                    storage.delete(u.path());
                }
                r.orphans++;
                r.bytesFreed += u.size();
                r.item(GcResult.Kind.ORPHAN_UPLOAD, null, u.path(), u.size());
            }
        } catch (StorageException e) {
            r.error("reclaiming orphans", e);
        }
    }

    // --- the dry run's sweep ----------------------------------------------------------------

    /**
     * What the sweep would remove, as it decides it: the stale unreferenced links (those the policies' deletions
     * leave unreferenced too) and the blobs left with no reference and no link seen within the grace period.
     */
    private void predictSweep(Run r, List<Link> stale, long seenBefore, long placingBefore) {
        Set<Link> links = new TreeSet<>(java.util.Comparator.comparing(Link::repository).thenComparing(l -> l.digest().toString()));
        links.addAll(stale);
        Map<Digest, Long> blobs = new TreeMap<>(java.util.Comparator.comparing(Digest::toString));
        for (GcStore.BlobRow b : store.unreferencedBlobs(seenBefore, placingBefore)) {
            blobs.put(b.digest(), b.size());
        }
        for (Digest target : r.freedByPolicies) {
            Optional<GcStore.BlobFacts> facts = store.blobFacts(target);
            if (facts.isEmpty()) {
                continue; // a child manifest, not a blob
            }
            GcStore.BlobFacts f = facts.get();
            List<Link> remaining = f.referencedBy().stream()
                    .filter(ref -> !r.policyDeletions.getOrDefault(ref.repository(), Set.of()).contains(ref.digest())).toList();
            boolean allLinksStale = true;
            for (GcStore.LinkSeen l : f.links()) {
                boolean stillReferenced = remaining.stream().anyMatch(ref -> ref.repository().equals(l.repository()));
                if (l.lastSeenAt() < seenBefore && !stillReferenced) {
                    links.add(new Link(l.repository(), target));
                } else {
                    allLinksStale = false;
                }
            }
            if (remaining.isEmpty() && allLinksStale && f.state() == 'L' && f.lastSeenAt() < seenBefore) {
                blobs.put(target, f.size());
            }
        }
        for (Link l : links) {
            r.links++;
            r.item(GcResult.Kind.LINK, l.repository(), l.digest().toString(), 0);
        }
        blobs.forEach((digest, size) -> {
            r.blobs++;
            r.bytesFreed += size;
            r.item(GcResult.Kind.BLOB, null, digest.toString(), size);
        });
    }

    // --- the outbox ---------------------------------------------------------------------------

    /** Deletes the bytes of tombstoned blobs, a batch at a time: claimed, deleted from the store, then their rows removed. */
    private void deleteQueued(Run r) {
        long deleter = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        while (true) {
            long now = clock.millis();
            List<GcStore.BlobRow> claimed = store.claimDeletions(deleter, now, now - STALE_CLAIM.toMillis(), DELETE_BATCH);
            if (claimed.isEmpty()) {
                return;
            }
            List<Digest> digests = claimed.stream().map(GcStore.BlobRow::digest).toList();
            try {
                storage.deleteObjects(digests.stream().map(BlobLayout::blobPath).toList());
            } catch (StorageException e) {
                store.unclaim(digests, deleter);
                r.error("deleting " + digests.size() + " blobs (kept for the next collection)", e);
                return;
            }
            store.deleted(digests, deleter);
            for (GcStore.BlobRow b : claimed) {
                r.bytesFreed += b.size();
            }
            renewLease();
        }
    }
}
