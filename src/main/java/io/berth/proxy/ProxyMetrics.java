package io.berth.proxy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Pull-through cache metrics: hits, misses, upstream bytes and errors, tag revalidations. */
public final class ProxyMetrics {
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

    void hit() {
        hits.inc();
    }

    void miss() {
        misses.inc();
    }

    void upstreamBytes(long n) {
        bytes.inc(n);
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
