package io.berth.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.oci.ManifestRecord;
import io.berth.metadata.MetadataStore;
import io.berth.registry.Access;
import io.berth.registry.BlobContent;
import io.berth.registry.BodySource;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.ManifestParser;
import io.berth.oci.MediaTypes;
import io.berth.oci.ParsedManifest;
import io.berth.registry.Registry;
import io.berth.oci.RegistryException;
import io.berth.registry.Uploads;
import io.berth.storage.StorageDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The pull-through cache: a {@link Registry} that serves repositories under an upstream's namespace
 * from the local registry, filling it from the upstream on a miss, and delegates everything else.
 * Tags are trusted for the upstream's TTL, then revalidated with a HEAD; when the upstream fails, the
 * cached copy is served. Content by digest is cached for good. Cached repositories are read-only.
 */
public final class ProxyRegistry implements Registry {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyRegistry.class);

    private final Registry local;
    /** The local registry's own stores: cached manifests and blob links are written there directly. */
    private final MetadataStore metadata;
    private final StorageDriver storage;
    private final List<UpstreamClient> upstreams;
    private final BlobFills fills;
    private final ProxyMetrics metrics;
    private final boolean mirror;

    /** {@code metadata} and {@code storage} are the ones {@code local} runs on. */
    public ProxyRegistry(Registry local, MetadataStore metadata, StorageDriver storage, List<Upstream> upstreams,
                         ProxyMetrics metrics) {
        this.local = local;
        this.metadata = metadata;
        this.storage = storage;
        this.upstreams = upstreams.stream().filter(Upstream::enabled).map(u -> new UpstreamClient(u, metrics.of(u))).toList();
        this.metrics = metrics;
        this.fills = new BlobFills(storage, metadata, metrics);
        this.mirror = upstreams.stream().anyMatch(u -> u.namespace().isEmpty());
    }

    /** The upstream serving a repository, with the upstream's name for it. */
    private record Target(UpstreamClient client, String remote) {
    }

    private Target target(String repository) {
        for (UpstreamClient c : upstreams) {
            String remote = c.upstream().remoteName(repository);
            if (remote != null) {
                if (!c.upstream().allows(remote)) {
                    throw new RegistryException(ErrorCode.DENIED, "the cache of " + c.upstream().url()
                            + " does not serve " + remote + " (not in its allowed repositories)");
                }
                return new Target(c, remote);
            }
        }
        return null;
    }

    @Override
    public String resolve(String repository, String nsHost) {
        if (nsHost == null || nsHost.isEmpty()) {
            return repository;
        }
        return upstreams.stream().map(UpstreamClient::upstream).filter(u -> u.servesHost(nsHost)).map(Upstream::namespace)
                .filter(ns -> !ns.isEmpty() && !repository.startsWith(ns + "/"))
                .findFirst().map(ns -> ns + "/" + repository).orElse(repository);
    }

    @Override
    public boolean upstreamFetchNeedsPush(String repository) {
        Target t = target(repository);
        return t != null && t.client().upstream().fetchNeedsPush();
    }

    /** Refuses an upstream fetch the caller may not trigger (it may still read what is cached). */
    private static void checkMayFetch(Access access, ErrorCode unknown, String what, String repository) {
        if (!access.mayFetchUpstream()) {
            throw new RegistryException(unknown, what + " is not cached in " + repository
                    + ", and only those who may push there can fetch it from the upstream");
        }
    }

    @Override
    public Optional<String> upstreamOf(String repository) {
        return upstreams.stream().map(UpstreamClient::upstream).filter(u -> u.remoteName(repository) != null)
                .map(u -> u.url().toString()).findFirst();
    }

    @Override
    public void checkWritable(String repository) {
        Target t = target(repository);
        if (t != null || mirror) {
            throw new RegistryException(ErrorCode.DENIED, "repository " + repository + " is a read-only cache of "
                    + (t != null ? t.client().upstream().url() : "an upstream registry") + "; push to a repository outside it");
        }
    }

    // --- manifests ----------------------------------------------------------------------------

    @Override
    public ManifestRecord manifest(String repository, String reference, Access access) {
        Target t = target(repository);
        if (t == null) {
            return local.manifest(repository, reference, access);
        }
        return Digest.looksLikeDigest(reference) ? byDigest(t, repository, reference, access) : byTag(t, repository, reference, access);
    }

    private ManifestRecord byDigest(Target t, String repository, String reference, Access access) {
        Digest digest = Digest.parse(reference);
        Optional<ManifestRecord> cached = metadata.manifest(repository, digest);
        if (cached.isPresent()) {
            metrics.hit(t.client());
            return cached.get();
        }
        checkMayFetch(access, ErrorCode.MANIFEST_UNKNOWN, reference, repository);
        return fetchManifest(t, repository, reference, null);
    }

    private ManifestRecord byTag(Target t, String repository, String tag, Access access) {
        MetadataStore meta = metadata;
        Optional<ManifestRecord> cached = meta.manifestByTag(repository, tag);
        OptionalLong checked = cached.isPresent() ? meta.tagUpdatedAt(repository, tag) : OptionalLong.empty();
        long now = System.currentTimeMillis();
        boolean fresh = checked.isPresent() && now - checked.getAsLong() < t.client().upstream().tagTtl().toMillis();
        if (cached.isPresent() && (fresh || !access.mayFetchUpstream())) {
            metrics.hit(t.client());
            return cached.get();
        }
        checkMayFetch(access, ErrorCode.MANIFEST_UNKNOWN, tag, repository);
        try {
            if (cached.isPresent()) {
                metrics.revalidation();
                String current = t.client().headManifest(t.remote(), tag);
                if (cached.get().digest().toString().equals(current)) {
                    meta.touchTag(repository, tag, now);
                    metrics.hit(t.client());
                    return cached.get();
                }
            }
            return fetchManifest(t, repository, tag, tag);
        } catch (UpstreamException e) {
            metrics.upstreamError();
            if (cached.isPresent() && (e.transientFailure || e.status == 401 || e.status == 403)) {
                LOG.warn("upstream {} failed for {}:{} ({}); serving the cached copy", t.client().upstream().url(), repository, tag, e.getMessage());
                metrics.staleServed();
                return cached.get();
            }
            throw mapped(e, repository, tag);
        }
    }

    private ManifestRecord fetchManifest(Target t, String repository, String reference, String tag) {
        UpstreamClient.Manifest m;
        try {
            m = t.client().getManifest(t.remote(), reference);
        } catch (UpstreamException e) {
            metrics.upstreamError();
            throw mapped(e, repository, reference);
        }
        metrics.miss(t.client());
        metrics.upstreamBytes(t.client(), m.content().length);
        String mediaType = MediaTypes.base(m.mediaType());
        ParsedManifest parsed;
        try {
            parsed = ManifestParser.parse(m.content(), mediaType);
        } catch (RegistryException e) {
            throw new RegistryException(ErrorCode.UNAVAILABLE, "upstream sent an unusable manifest for " + reference + ": " + e.getMessage());
        }
        Digest digest = Digest.looksLikeDigest(reference) ? Digest.parse(reference) : Digest.sha256(m.content());
        Digest actual = Digest.of(digest.algorithm(), digest.newHasher().digest(m.content()));
        if (!actual.equals(digest)) {
            throw new RegistryException(ErrorCode.UNAVAILABLE, "upstream sent a manifest whose digest is " + actual + ", not " + digest);
        }
        ManifestRecord record = new ManifestRecord(repository, digest, parsed.mediaType(), m.content(), parsed.artifactType(),
                parsed.subject(), parsed.annotationsJson(), System.currentTimeMillis());
        metadata.putCachedManifest(record, tag, parsed.blobs(), parsed.children());
        return record;
    }

    private static RegistryException mapped(UpstreamException e, String repository, String reference) {
        if (e.status == 404) {
            return new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "manifest " + reference + " is not in the upstream of " + repository);
        }
        if (e.status == 429) {
            return new RegistryException(ErrorCode.TOOMANYREQUESTS, "the upstream registry is rate-limiting; try again later");
        }
        if (e.status == 401 || e.status == 403) {
            return new RegistryException(ErrorCode.DENIED, "the upstream registry refused access to " + repository
                    + " (check the cache's upstream credentials)");
        }
        return new RegistryException(ErrorCode.UNAVAILABLE, "the upstream registry is unavailable: " + e.getMessage());
    }

    // --- blobs --------------------------------------------------------------------------------

    @Override
    public BlobContent blob(String repository, Digest digest, Access access) {
        Target t = target(repository);
        if (t == null) {
            return local.blob(repository, digest, access);
        }
        try {
            BlobContent b = local.blob(repository, digest, access);
            metrics.hit(t.client());
            return b;
        } catch (RegistryException notCached) {
            if (notCached.code() != ErrorCode.BLOB_UNKNOWN) {
                throw notCached;
            }
        }
        checkMayFetch(access, ErrorCode.BLOB_UNKNOWN, "blob " + digest, repository);
        OptionalLong stored = metadata.blobSize(digest);
        if (stored.isPresent() && storage.stat(io.berth.registry.BlobLayout.blobPath(digest)).isPresent()) {
            // Stored for another repository: the same bytes, but this repository may see them only if its
            // own upstream repository holds them too. Without this check a reader of the cache namespace
            // could read any blob of the registry, private ones included, by its digest.
            Optional<BlobContent> confirmed = confirmedUpstream(t, repository, digest);
            if (confirmed.isPresent()) {
                return confirmed.get();
            }
            // collected since: fetch it again
        }
        BlobFills.Fill fill = fills.fetch(t.client(), t.remote(), digest, repository);
        long size = BlobFills.sizeOf(fill, failure -> failure instanceof UpstreamException ue ? blobError(ue, digest)
                : new RegistryException(ErrorCode.UNAVAILABLE, "fetching " + digest + " from the upstream failed"));
        return new BlobContent.Filling(digest, size, fill::open);
    }

    /**
     * Links a blob already stored here once the repository's upstream confirms it holds it; BLOB_UNKNOWN if
     * not; empty when garbage collection took the blob meanwhile.
     */
    private Optional<BlobContent> confirmedUpstream(Target t, String repository, Digest digest) {
        boolean held;
        try {
            held = t.client().hasBlob(t.remote(), digest.toString());
        } catch (UpstreamException e) {
            metrics.upstreamError();
            throw blobError(e, digest);
        }
        if (!held) {
            // Word for word what a fetch of a digest stored nowhere answers: whether some other repository holds it is not the caller's to learn.
            throw new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in the upstream");
        }
        if (metadata.linkStoredBlob(repository, digest).isEmpty()) {
            return Optional.empty();
        }
        metrics.hit(t.client());
        return Optional.of(local.blob(repository, digest, Access.CACHED_ONLY)); // just linked: no fetch needed
    }

    private static RegistryException blobError(UpstreamException e, Digest digest) {
        if (e.status == 404) {
            return new RegistryException(ErrorCode.BLOB_UNKNOWN, "blob " + digest + " is not in the upstream");
        }
        if (e.status == 401 || e.status == 403) {
            // Registries answer 401 for repositories that do not exist (Docker Hub does): nothing to serve.
            return new RegistryException(ErrorCode.BLOB_UNKNOWN, "the upstream registry refused " + digest
                    + " (it does not exist there, or the cache's upstream credentials may not read it)");
        }
        return new RegistryException(e.status == 429 ? ErrorCode.TOOMANYREQUESTS : ErrorCode.UNAVAILABLE,
                "fetching " + digest + " from the upstream failed: " + e.getMessage());
    }

    // --- listings -----------------------------------------------------------------------------

    @Override
    public List<String> tags(String repository, String last, int limit, Access access) {
        Target t = target(repository);
        if (t == null || limit == 0 || !access.mayFetchUpstream()) {
            // Callers who may not trigger upstream requests (fetchers: writers) list what the cache holds.
            return local.tags(repository, last, limit, access);
        }
        try {
            String q = "?n=" + Math.min(limit, 10_000) + (last == null ? "" : "&last=" + java.net.URLEncoder.encode(last, java.nio.charset.StandardCharsets.UTF_8));
            JsonNode tags = t.client().tags(t.remote(), q).path("tags");
            List<String> out = new ArrayList<>();
            tags.forEach(n -> out.add(n.asText()));
            out.sort(null);
            return out.size() > limit ? out.subList(0, limit) : out;
        } catch (UpstreamException e) {
            metrics.upstreamError();
            // The upstream is down: list what the cache holds.
            return local.tags(repository, last, limit, access);
        }
    }

    // --- everything else is the local registry's ---------------------------------------------

    @Override
    public Options options() {
        return local.options();
    }

    @Override
    public void checkStorage() {
        local.checkStorage();
    }

    @Override
    public void checkDatabase() {
        local.checkDatabase();
    }

    @Override
    public Uploads.Status startUpload(String repository) {
        checkWritable(repository);
        return local.startUpload(repository);
    }

    @Override
    public Uploads.Status uploadStatus(String repository, String id) {
        return local.uploadStatus(repository, id);
    }

    @Override
    public Uploads.Status appendUpload(String repository, String id, Long rangeStart, BodySource body) {
        checkWritable(repository);
        return local.appendUpload(repository, id, rangeStart, body);
    }

    @Override
    public long completeUpload(String repository, String id, Digest expected, Long rangeStart, BodySource body) {
        checkWritable(repository);
        return local.completeUpload(repository, id, expected, rangeStart, body);
    }

    @Override
    public void cancelUpload(String repository, String id) {
        local.cancelUpload(repository, id);
    }

    @Override
    public long putBlob(String repository, Digest expected, BodySource body) {
        checkWritable(repository);
        return local.putBlob(repository, expected, body);
    }

    @Override
    public void deleteBlob(String repository, Digest digest) {
        local.deleteBlob(repository, digest);
    }

    /** A cached repository too: what it held goes, and is fetched again when asked for. */
    @Override
    public void deleteRepository(String repository) {
        local.deleteRepository(repository);
    }

    /** Not in a cache's namespace: that is the upstream's, read-only, as for a push. */
    @Override
    public boolean createRepository(String repository) {
        checkWritable(repository);
        return local.createRepository(repository);
    }

    @Override
    public OptionalLong mount(String repository, Digest digest, String from) {
        checkWritable(repository);
        return local.mount(repository, digest, from);
    }

    @Override
    public PutResult putManifest(String repository, String reference, byte[] content, String contentType) {
        checkWritable(repository);
        return local.putManifest(repository, reference, content, contentType);
    }

    @Override
    public RegistryException tooLarge() {
        return local.tooLarge();
    }

    @Override
    public void deleteManifest(String repository, String reference) {
        local.deleteManifest(repository, reference);
    }

    @Override
    public List<String> catalog(String last, int limit) {
        return local.catalog(last, limit);
    }

    @Override
    public List<ManifestRecord> referrers(String repository, Digest subject, String artifactType) {
        return local.referrers(repository, subject, artifactType);
    }
}
