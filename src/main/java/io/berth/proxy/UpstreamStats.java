package io.berth.proxy;

import java.util.concurrent.atomic.LongAdder;

/**
 * One upstream's figures since this node started, kept in memory as requests go by (the administration's page
 * reads them and asks the upstream nothing): cache hits and misses, bytes fetched, and how the last requests to it
 * went — the last answer (any status but a failure), and the last failure with its message.
 */
final class UpstreamStats {
    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder bytes = new LongAdder();
    private volatile long lastAnswerAt;
    private volatile long lastFailureAt;
    private volatile String lastFailure;

    /** The upstream answered (2xx, or 404: it works, it just lacks the content). */
    void answered() {
        lastAnswerAt = System.currentTimeMillis();
    }

    /** A request failed: unreachable, a timeout, 5xx, 429, refused credentials, an unusable challenge. */
    void failed(String message) {
        lastFailure = message;
        lastFailureAt = System.currentTimeMillis();
    }

    ProxyMetrics.UpstreamStatus status(String name) {
        return new ProxyMetrics.UpstreamStatus(name, hits.sum(), misses.sum(), bytes.sum(), lastAnswerAt, lastFailureAt, lastFailure);
    }
}
