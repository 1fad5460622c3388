package io.berth.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Prometheus metrics: the build, requests by route and status, bytes in and out, upload and pull durations. */
public final class Metrics {
    private static final double NANOS = 1e9;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("berth_http_requests_total")
            .help("HTTP requests by API route, method and status").labelNames("route", "method", "status").register(registry);
    private final Histogram latency = Histogram.builder().name("berth_http_request_duration_seconds")
            .help("Time to handle a request (until the response is handed to the network)")
            .labelNames("route", "method").register(registry);
    private final Counter bytesIn = Counter.builder().name("berth_blob_bytes_received_total")
            .help("Blob bytes received by uploads").register(registry);
    private final Counter bytesOut = Counter.builder().name("berth_blob_bytes_sent_total")
            .help("Blob bytes sent to clients").register(registry);
    private final Counter bytesOutZeroCopy = Counter.builder().name("berth_blob_bytes_sent_zero_copy_total")
            .help("Blob bytes sent with sendfile, from the page cache to the socket without a copy through Berth").register(registry);
    private final Histogram uploadDuration = Histogram.builder().name("berth_blob_upload_duration_seconds")
            .help("Time to receive one upload request's body and store it").register(registry);
    private final Histogram pullDuration = Histogram.builder().name("berth_blob_pull_duration_seconds")
            .help("Time to send one blob (or range) to a client").register(registry);

    /** {@code version}, {@code revision}: this build's, as {@code berth_build_info} (always 1, Prometheus' convention for build information). */
    public Metrics(String version, String revision) {
        Info.builder().name("berth_build_info").help("The Berth build: the version in its pom.xml and the git commit it was built from")
                .labelNames("version", "revision").register(registry).addLabelValues(version, revision);
    }

    void request(String route, String method, int status, long nanos) {
        requests.labelValues(route, method, Integer.toString(status)).inc();
        latency.labelValues(route, method).observe(nanos / NANOS);
    }

    void uploaded(long bytes, long nanos) {
        if (bytes > 0) {
            bytesIn.inc(bytes);
        }
        uploadDuration.observe(nanos / NANOS);
    }

    void pulled(long bytes, long nanos) {
        bytesOut.inc(bytes);
        pullDuration.observe(nanos / NANOS);
    }

    /** Bytes the kernel sent with sendfile (counted by the end points as they go). */
    public void sentWithSendfile(long bytes) {
        bytesOutZeroCopy.inc(bytes);
    }

    /** The registry other components register their metrics with. */
    public PrometheusRegistry prometheus() {
        return registry;
    }

    /** The Prometheus text exposition of every metric. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
