package io.berth.lifecycle;

import io.berth.lifecycle.LifecycleStore.Outcome;
import io.berth.lifecycle.RetentionPlan.Item;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Retention: per-namespace rules ({@link RetentionRule}) that delete old tags and untagged manifests. A
 * {@link #preview} lists what a run would delete and why; a {@link #run} computes the same plan and
 * deletes exactly its items, each only if it is still as planned (a tag pushed again, a manifest tagged or
 * listed by a new index since is left alone), with an audit row per deletion (actor {@value #ACTOR}) in the
 * deletion's own transaction. Retention deletes tags and manifests in the metadata only: their blobs'
 * bytes are freed by garbage collection.
 *
 * <p>Roles (for the admin API, which checks them): reading rules and previews needs read access to the
 * namespace (reader); changing rules and running needs the namespace's owner or an admin;
 * {@link #previewAll} and {@link #runAll} are for admins.
 */
public final class Retention {
    /** The audit log's actor for everything retention deletes. */
    public static final String ACTOR = "retention";
    /** At most this many rules per namespace. */
    public static final int MAX_RULES = 50;
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    private static final String LEASE = "retention";
    private static final String SCHEDULED = "scheduled run";

    private final LifecycleStore store;
    private final LastPulled pulls;
    private final RetentionSettings settings;
    private final Clock clock;
    /** Told every run with who asked for it ("" someone unnamed, null the schedule); BerthServer: the namespaces' webhooks. */
    private volatile java.util.function.BiConsumer<RetentionReport, String> listener = (report, requestedBy) -> { };

    /** {@code pulls}: when tags and manifests were last pulled ({@link LastPulled#NOT_RECORDED} until that is recorded). */
    public Retention(LifecycleStore store, LastPulled pulls, RetentionSettings settings, Clock clock) {
        this.store = store;
        this.pulls = pulls;
        this.settings = settings;
        this.clock = clock;
    }

    public RetentionSettings settings() {
        return settings;
    }

    /**
     * Who hears every run (its report, and the user who asked for it or null for the schedule), once its deletions
     * are committed; a failure there is logged, never the run's.
     */
    public void tellEachRun(java.util.function.BiConsumer<RetentionReport, String> listener) {
        this.listener = listener;
    }

    /** The namespace's rules, in order (reader). */
    public List<RetentionRule> rules(String namespace) {
        return store.retentionRules(ImmutableTags.checkNamespace(namespace));
    }

    /**
     * Replaces the namespace's rules (owner or admin); an empty list removes them. Returns what is now in
     * force. IllegalArgumentException (a 400) names the rule and what is wrong with it.
     */
    public List<RetentionRule> setRules(String namespace, List<RetentionRule> rules) {
        ImmutableTags.checkNamespace(namespace);
        if (rules.size() > MAX_RULES) {
            throw new IllegalArgumentException("at most " + MAX_RULES + " retention rules per namespace");
        }
        List<RetentionRule> checked = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i) == null) {
                throw new IllegalArgumentException("rule " + (i + 1) + " is empty");
            }
            checked.add(rules.get(i).checked(namespace, i + 1));
        }
        store.setRetentionRules(namespace, checked);
        return List.copyOf(checked);
    }

    /** What a run of the namespace's rules would delete now, and why (reader). */
    public RetentionPlan preview(String namespace) {
        return plan(ImmutableTags.checkNamespace(namespace), clock.instant());
    }

    /** What a run of every namespace's rules would delete now (admin). */
    public RetentionPlan previewAll() {
        return plan(null, clock.instant());
    }

    /** Runs the namespace's rules now (owner or admin); {@code requestedBy} (a user name, or null) goes into the audit rows. */
    public RetentionReport run(String namespace, String requestedBy) {
        return execute(plan(ImmutableTags.checkNamespace(namespace), clock.instant()), onRequest(requestedBy), java.util.Objects.requireNonNullElse(requestedBy, ""));
    }

    /** Runs every namespace's rules now (admin). */
    public RetentionReport runAll(String requestedBy) {
        return execute(plan(null, clock.instant()), onRequest(requestedBy), java.util.Objects.requireNonNullElse(requestedBy, ""));
    }

    private static String onRequest(String requestedBy) {
        return requestedBy == null || requestedBy.isEmpty() ? "run on request" : "run requested by " + requestedBy;
    }

    /**
     * The scheduled run: every namespace's rules, unless another node (or this one, before a restart) ran
     * them less than an interval ago. Empty when it did not run.
     */
    public Optional<RetentionReport> runScheduled() {
        long now = clock.millis();
        if (!store.claimLease(LEASE, now, now + settings.interval().toMillis())) {
            return Optional.empty();
        }
        return Optional.of(execute(plan(null, clock.instant()), SCHEDULED, null));
    }

    private RetentionPlan plan(String namespace, Instant at) {
        List<String> namespaces = namespace == null ? store.retentionNamespaces() : List.of(namespace);
        List<Item> items = new ArrayList<>();
        int repositories = 0;
        int tagsKept = 0;
        int manifestsKept = 0;
        for (String ns : namespaces) {
            List<RetentionRule> rules = store.retentionRules(ns);
            if (rules.isEmpty()) {
                continue;
            }
            List<String> immutable = store.immutablePatterns(ns);
            for (String repository : store.repositoriesIn(ns)) {
                List<RetentionPlanner.Numbered> applicable = new ArrayList<>();
                for (int i = 0; i < rules.size(); i++) {
                    if (rules.get(i).appliesTo(repository)) {
                        applicable.add(new RetentionPlanner.Numbered(i + 1, rules.get(i)));
                    }
                }
                if (applicable.isEmpty()) {
                    continue;
                }
                RetentionPlanner.Result r = RetentionPlanner.plan(store.contents(repository), applicable, immutable,
                        pulls.tags(repository), pulls.manifests(repository), at.toEpochMilli(), settings.untaggedGrace().toMillis());
                items.addAll(r.items());
                repositories++;
                tagsKept += r.tagsKept();
                manifestsKept += r.manifestsKept();
            }
        }
        return new RetentionPlan(namespace, at, items, repositories, tagsKept, manifestsKept);
    }

    /** {@code detail}: how the run came about, for the audit rows and the log; {@code requestedBy}: null for the schedule. */
    private RetentionReport execute(RetentionPlan plan, String detail, String requestedBy) {
        List<Outcome> outcomes = plan.items().isEmpty() ? List.of() : store.delete(plan.items(), ACTOR, detail);
        RetentionReport report = new RetentionReport(plan, outcomes, clock.instant());
        if (!plan.items().isEmpty()) {
            LOG.info("retention ({}, {}): deleted {} tags and {} untagged manifests, left {} changed since planned or immutable",
                    plan.namespace() == null ? "all namespaces" : "namespace " + plan.namespace(), detail,
                    report.deletedTags(), report.deletedManifests(), report.skipped().size());
        }
        try {
            listener.accept(report, requestedBy);
        } catch (RuntimeException e) {
            LOG.warn("retention: telling the run failed: {}", e.getMessage());
        }
        return report;
    }
}
