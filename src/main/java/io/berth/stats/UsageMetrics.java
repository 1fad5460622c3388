package io.berth.stats;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The usage statistics as Prometheus gauges, read at scrape time from one {@link UsageStatistics#snapshot()}
 * (the counters: a few small queries). Per-namespace gauges carry a {@code namespace} label, one series per
 * namespace with content. When the database cannot be read the gauges are left out of that scrape.
 */
public final class UsageMetrics implements MultiCollector {
    private static final Logger LOG = LoggerFactory.getLogger(UsageMetrics.class);

    private final UsageStatistics statistics;

    public UsageMetrics(UsageStatistics statistics) {
        this.statistics = statistics;
    }

    @Override
    public MetricSnapshots collect() {
        Snapshot s;
        long began = System.nanoTime();
        try {
            s = statistics.snapshot();
        } catch (RuntimeException e) {
            LOG.debug("usage gauges left out of this scrape: {}", e.getMessage());
            return MetricSnapshots.of();
        }
        Snapshot.Totals t = s.totals();
        List<MetricSnapshot> out = new ArrayList<>();
        out.add(gauge("berth_stats_snapshot_seconds", "Time the usage statistics of this scrape took to read (a few small queries of the counters)",
                (System.nanoTime() - began) / 1e9));
        out.add(gauge("berth_stats_repositories", "Repositories", t.repositories()));
        out.add(byKind("berth_stats_manifests", "Manifests (images), by kind: image, index, artifact", t.images(), Labels.EMPTY));
        out.add(gauge("berth_stats_tags", "Tags", t.tags()));
        out.add(gauge("berth_stats_users", "Users", t.users()));
        out.add(gauge("berth_stats_namespaces", "Namespaces", t.namespaces()));
        out.add(gauge("berth_stats_permission_grants", "Permission grants (a user's role in a namespace)", t.permissionGrants()));
        out.add(gauge("berth_stats_api_tokens", "API tokens", t.apiTokens()));
        out.add(GaugeSnapshot.builder().name("berth_stats_storage_bytes")
                .help("Storage: logical (as each repository sees it) and physical (each blob once), blobs plus manifests")
                .dataPoint(point(t.storage().logicalBytes(), Labels.of("kind", "logical")))
                .dataPoint(point(t.storage().physicalBytes(), Labels.of("kind", "physical"))).build());
        out.add(gauge("berth_stats_dedup_ratio", "Logical storage over physical storage", t.storage().dedupRatio()));
        Snapshot.Day today = s.days().getLast();
        out.add(activity("berth_stats_pushes", "Manifest pushes, today (UTC) and in the last " + UsageStatistics.DAYS + " days",
                today.pushes(), s.days().stream().mapToLong(Snapshot.Day::pushes).sum()));
        out.add(activity("berth_stats_pulls", "Manifest pulls (GET), today (UTC) and in the last " + UsageStatistics.DAYS + " days",
                today.pulls(), s.days().stream().mapToLong(Snapshot.Day::pulls).sum()));
        out.add(perNamespace(s, "berth_stats_namespace_repositories", "Repositories per namespace", Snapshot.NamespaceUsage::repositories));
        out.add(perNamespace(s, "berth_stats_namespace_tags", "Tags per namespace", Snapshot.NamespaceUsage::tags));
        GaugeSnapshot.Builder manifests = GaugeSnapshot.builder().name("berth_stats_namespace_manifests").help("Manifests per namespace, by kind");
        GaugeSnapshot.Builder bytes = GaugeSnapshot.builder().name("berth_stats_namespace_storage_bytes")
                .help("Storage per namespace: logical (as each repository sees it) and unique (each blob once per namespace, as quotas count)");
        for (Snapshot.NamespaceUsage n : s.namespaces()) {
            kinds(manifests, n.images(), Labels.of("namespace", n.namespace()));
            bytes.dataPoint(point(n.logicalBytes(), Labels.of("kind", "logical", "namespace", n.namespace())));
            bytes.dataPoint(point(n.uniqueBytes(), Labels.of("kind", "unique", "namespace", n.namespace())));
        }
        out.add(manifests.build());
        out.add(bytes.build());
        return new MetricSnapshots(out);
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of("berth_stats_snapshot_seconds", "berth_stats_repositories", "berth_stats_manifests", "berth_stats_tags", "berth_stats_users", "berth_stats_namespaces",
                "berth_stats_permission_grants", "berth_stats_api_tokens", "berth_stats_storage_bytes", "berth_stats_dedup_ratio",
                "berth_stats_pushes", "berth_stats_pulls", "berth_stats_namespace_repositories", "berth_stats_namespace_tags",
                "berth_stats_namespace_manifests", "berth_stats_namespace_storage_bytes");
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(point(value, Labels.EMPTY)).build();
    }

    private static GaugeSnapshot byKind(String name, String help, Snapshot.Images images, Labels labels) {
        return kinds(GaugeSnapshot.builder().name(name).help(help), images, labels).build();
    }

    private static GaugeSnapshot.Builder kinds(GaugeSnapshot.Builder b, Snapshot.Images images, Labels labels) {
        return b.dataPoint(point(images.image(), labels.add("kind", "image")))
                .dataPoint(point(images.index(), labels.add("kind", "index")))
                .dataPoint(point(images.artifact(), labels.add("kind", "artifact")));
    }

    private static GaugeSnapshot activity(String name, String help, long today, long window) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(point(today, Labels.of("window", "today")))
                .dataPoint(point(window, Labels.of("window", UsageStatistics.DAYS + "d"))).build();
    }

    private static GaugeSnapshot perNamespace(Snapshot s, String name, String help, ToDoubleFunction<Snapshot.NamespaceUsage> value) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (Snapshot.NamespaceUsage n : s.namespaces()) {
            b.dataPoint(point(value.applyAsDouble(n), Labels.of("namespace", n.namespace())));
        }
        return b.build();
    }
}
