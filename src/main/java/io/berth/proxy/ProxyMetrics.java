package io.berth.proxy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pull-through cache metrics: hits, misses, upstream bytes and errors, tag revalidations; and per upstream, since
 * this node started, what the administration's upstreams page shows ({@link #upstreams()}).
 */
public final class ProxyMetrics {
    /**
     * One upstream as this node saw it: {@code lastAnswerAt} and {@code lastFailureAt} in epoch millis (0: never),
     * {@code lastFailure} the message of the last failed request (null: none), as the upstream made it — text.
     */
    public record UpstreamStatus(String name, long hits, long misses, long bytesFetched, long lastAnswerAt, long lastFailureAt,
                                 String lastFailure) {
        /** Whether the last request answered (false also when none was made). */
        public boolean reachable() {
            return lastAnswerAt > 0 && lastAnswerAt >= lastFailureAt;
        }
    }

    private final Map<String, UpstreamStats> byUpstream = new LinkedHashMap<>();
    private final Counter hits;
    private final Counter misses;
    private final Counter bytes;
    private final Counter errors;
    private final Counter revalidations;
    private final Counter staleServed;

    public ProxyMetrics(PrometheusRegistry registry) {
        hits = Counter.builder().name("berth_proxy_hits_total").help("Cache hits (manifests and blobs served without an upstream fetch)").register(registry);
        misses = Counter.builder().name("berth_proxy_misses_total").help("Upstream fetches (manifests and blobs)").register(registry);
        bytes = Counter.builder().name("berth_proxy_upstream_bytes_total").help("Bytes received from upstreams").register(registry);
        errors = Counter.builder().name("berth_proxy_upstream_errors_total").help("Failed upstream requests").register(registry);
        revalidations = Counter.builder().name("berth_proxy_revalidations_total").help("Tag revalidations with the upstream (HEAD)").register(registry);
        staleServed = Counter.builder().name("berth_proxy_stale_served_total").help("Cached tags served because the upstream failed").register(registry);
    }

    /** The figures of one upstream (by its name), kept from now on. */
    synchronized UpstreamStats of(Upstream upstream) {
        return byUpstream.computeIfAbsent(upstream.name(), k -> new UpstreamStats());
    }

    /** Every enabled upstream's figures, in the configuration's order: memory only, no request to them. */
    public synchronized List<UpstreamStatus> upstreams() {
        List<UpstreamStatus> out = new ArrayList<>();
        byUpstream.forEach((name, stats) -> out.add(stats.status(name)));
        return out;
    }

    void hit(UpstreamClient from) {
        hits.inc();
        from.stats().hits.increment();
    }

    void miss(UpstreamClient from) {
        misses.inc();
        from.stats().misses.increment();
    }

    void upstreamBytes(UpstreamClient from, long n) {
        bytes.inc(n);
        from.stats().bytes.add(n);
    }

    void upstreamError() {
        errors.inc();
    }

    void revalidation() {
        revalidations.inc();
    }

    void staleServed() {
        staleServed.inc();
    }
}
