package io.berth.admin;

import io.berth.auth.AccessService;
import io.berth.auth.Action;
import io.berth.auth.AdminService;
import io.berth.auth.NamespaceAdmin;
import io.berth.auth.Principal;
import io.berth.lifecycle.ImmutableTags;
import io.berth.lifecycle.Retention;
import io.berth.lifecycle.RetentionPlan;
import io.berth.lifecycle.RetentionReport;
import io.berth.lifecycle.RetentionRule;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.stats.Counter;
import io.berth.stats.Counts;
import io.berth.stats.Quota;
import io.berth.stats.UsageStore;
import io.berth.webhooks.WebhookStore.Delivery;
import io.berth.webhooks.Webhooks;

import java.util.List;
import java.util.Set;

/**
 * Who may do what with a namespace's lifecycle (immutable tag rules, retention) and its webhooks, and the
 * audit events of every change: the one place for these rules, which the admin API and the web UI both
 * call. {@link ImmutableTags}, {@link Retention} and {@link Webhooks} check no rights of their own (webhooks
 * take the rights this class finds).
 *
 * <p>Rights: a namespace the caller may not read is NOT_FOUND, exactly like a missing one; its readers may
 * see its immutable tag patterns, its retention rules and the preview; its owners (and admins) change them,
 * run retention and manage its webhooks (readers get DENIED there); running or previewing retention over
 * every namespace, the operator's notification endpoints' delivery logs and setting a namespace's quota (an owner
 * must not raise their own) are for admins; a quota and its usage are for the namespace's readers. API tokens
 * may only read. Refusals are {@link RegistryException}s with the spec's codes; a malformed pattern or rule
 * is an IllegalArgumentException (a 400). Changes take {@code client}, where the request came from, for the
 * audit log.
 */
public final class LifecycleAdmin {
    private final AccessService access;
    private final NamespaceAdmin namespaces;
    private final ImmutableTags immutableTags;
    private final Retention retention;
    private final Webhooks webhooks;
    private final UsageStore usage;

    /** {@code access} null (BERTH_AUTH=none): every caller is an admin and namespaces are not looked up. */
    public LifecycleAdmin(AccessService access, ImmutableTags immutableTags, Retention retention, Webhooks webhooks, UsageStore usage) {
        this.access = access;
        this.namespaces = access == null ? null : new NamespaceAdmin(access);
        this.immutableTags = immutableTags;
        this.retention = retention;
        this.webhooks = webhooks;
        this.usage = usage;
    }

    /** What the caller may do here: see the rules (read) and change them, run retention, manage webhooks (manage). */
    public record Rights(boolean read, boolean manage) {
    }

    /**
     * The caller's rights in the namespace; NOT_FOUND when it is missing or the caller may not read it.
     * {@code manage} is false for API tokens, which only read.
     */
    public Rights rights(Principal p, String namespace) {
        Set<Action> actions = actions(p, namespace);
        return new Rights(true, actions.contains(Action.MANAGE) && !(p instanceof Principal.Robot));
    }

    // --- immutable tags -------------------------------------------------------------------------

    public List<String> immutablePatterns(Principal p, String namespace) {
        actions(p, namespace);
        return immutableTags.patterns(namespace);
    }

    /** Replaces the namespace's patterns (an empty list removes them); returns what is in force. */
    public List<String> setImmutablePatterns(Principal p, String client, String namespace, List<String> patterns) {
        managed(p, namespace);
        List<String> set = immutableTags.setPatterns(namespace, patterns == null ? List.of() : patterns);
        audit(p, client, "immutable-tags.set", namespace, set.isEmpty() ? "none" : String.join(", ", set));
        return set;
    }

    // --- retention ------------------------------------------------------------------------------

    public List<RetentionRule> retentionRules(Principal p, String namespace) {
        actions(p, namespace);
        return retention.rules(namespace);
    }

    /** Replaces the namespace's rules (an empty list removes them); returns what is in force. */
    public List<RetentionRule> setRetentionRules(Principal p, String client, String namespace, List<RetentionRule> rules) {
        managed(p, namespace);
        List<RetentionRule> set = retention.setRules(namespace, rules == null ? List.of() : rules);
        audit(p, client, "retention.set", namespace, set.size() == 1 ? "1 rule" : set.size() + " rules");
        return set;
    }

    /** What a run of the namespace's rules would delete now, and why (readers). */
    public RetentionPlan previewRetention(Principal p, String namespace) {
        actions(p, namespace);
        return retention.preview(namespace);
    }

    /** Runs the namespace's rules now (owners); each deletion is in the audit log as retention's, the run as the caller's. */
    public RetentionReport runRetention(Principal p, String client, String namespace) {
        managed(p, namespace);
        RetentionReport report = retention.run(namespace, p.name());
        ran(p, client, namespace, report);
        return report;
    }

    /** What a run of every namespace's rules would delete now (admins). */
    public RetentionPlan previewAllRetention(Principal p) {
        requireAdmin(p);
        return retention.previewAll();
    }

    /** Runs every namespace's rules now (admins). */
    public RetentionReport runAllRetention(Principal p, String client) {
        AdminService.requireMayChange(p);
        requireAdmin(p);
        RetentionReport report = retention.runAll(p.name());
        ran(p, client, null, report);
        return report;
    }

    private void ran(Principal p, String client, String namespace, RetentionReport report) {
        String detail = "deleted " + report.deletedTags() + " tags and " + report.deletedManifests() + " untagged manifests"
                + (report.skipped().isEmpty() ? "" : ", left " + report.skipped().size() + " changed since planned or immutable");
        audit(p, client, "retention.run", namespace == null ? "*" : namespace, detail);
        // the namespaces' webhooks hear of it from Retention itself (LifecycleEvents), as of scheduled runs
    }

    // --- quotas ---------------------------------------------------------------------------------

    /**
     * A namespace's quota and what it uses of each limit: {@code bytes} its unique bytes (each blob once per
     * namespace, plus manifests), {@code repositories} and {@code tags} its counts, as the counters keep them.
     */
    public record QuotaStatus(String namespace, Quota limits, long bytes, long repositories, long tags) {
    }

    /** The namespace's quota and usage (readers). */
    public QuotaStatus quota(Principal p, String namespace) {
        actions(p, namespace);
        return quotaStatus(namespace);
    }

    /**
     * Sets the namespace's limits ({@link Quota#NONE} removes them): admins only, so that an owner cannot raise
     * their own; a limit below the usage is allowed and only refuses further growth.
     */
    public QuotaStatus setQuota(Principal p, String client, String namespace, Quota limits) {
        AdminService.requireMayChange(p);
        actions(p, namespace);
        if (!maySetQuota(p)) {
            throw new RegistryException(ErrorCode.DENIED, "setting the quota of namespace " + namespace + " needs an administrator");
        }
        usage.setQuota(namespace, limits);
        audit(p, client, "quota.set", namespace, limits.isNone() ? "none" : "maxBytes=" + limits.maxBytes()
                + ", maxRepositories=" + limits.maxRepositories() + ", maxTags=" + limits.maxTags());
        return quotaStatus(namespace);
    }

    /** Whether the caller may set quotas (admins, not through an API token); the web UI shows its form to them alone. */
    public boolean maySetQuota(Principal p) {
        return access == null || p instanceof Principal.User u && u.admin();
    }

    private QuotaStatus quotaStatus(String namespace) {
        Counts used = usage.namespace(namespace);
        return new QuotaStatus(namespace, usage.quota(namespace), used.uniqueBytes(), used.get(Counter.REPOSITORIES), used.get(Counter.TAGS));
    }

    // --- webhooks -------------------------------------------------------------------------------

    /** The namespace's webhooks (owners), never their secrets. */
    public List<Webhooks.Hook> webhooks(Principal p, String namespace) {
        return webhooks.list(namespace, actions(p, namespace));
    }

    public Webhooks.Hook webhook(Principal p, String namespace, String id) {
        return webhooks.get(namespace, actions(p, namespace), id);
    }

    /** Creates a webhook (owners); its secret is in the answer, this once. */
    public Webhooks.Created createWebhook(Principal p, String client, String namespace, String url, List<String> events) {
        AdminService.requireMayChange(p);
        Webhooks.Created created = webhooks.create(namespace, actions(p, namespace), url, events, p.name());
        audit(p, client, "webhook.create", namespace + ":" + created.webhook().id(),
                created.webhook().url() + " (" + String.join(", ", created.webhook().events()) + ")");
        return created;
    }

    public void deleteWebhook(Principal p, String client, String namespace, String id) {
        AdminService.requireMayChange(p);
        webhooks.delete(namespace, actions(p, namespace), id);
        audit(p, client, "webhook.delete", namespace + ":" + id, null);
    }

    /** Sends the webhook a signed ping now (owners); the attempt as its delivery log records it. */
    public Delivery testWebhook(Principal p, String namespace, String id) {
        AdminService.requireMayChange(p);
        return webhooks.test(namespace, actions(p, namespace), id);
    }

    /** The webhook's delivery log, newest first (owners); {@code before}: a delivery id, for the next page. */
    public List<Delivery> deliveries(Principal p, String namespace, String id, Long before, int limit) {
        return webhooks.deliveries(namespace, actions(p, namespace), id, before, limit);
    }

    /** Requests the webhook still has to make (owners). */
    public long pending(Principal p, String namespace, String id) {
        return webhooks.pending(namespace, actions(p, namespace), id);
    }

    /** The delivery log of one of the operator's notification endpoints (admins). */
    public List<Delivery> endpointDeliveries(Principal p, String name, Long before, int limit) {
        requireAdmin(p);
        return webhooks.endpointDeliveries(name, before, limit);
    }

    // --- rights ---------------------------------------------------------------------------------

    /** The caller's rights in the namespace, which they may read: NOT_FOUND otherwise, as for a missing one. */
    private Set<Action> actions(Principal p, String namespace) {
        if (namespaces == null) {
            return Action.ALL;
        }
        return namespaces.get(p, namespace).actions();
    }

    private void managed(Principal p, String namespace) {
        AdminService.requireMayChange(p);
        if (!actions(p, namespace).contains(Action.MANAGE)) {
            throw new RegistryException(ErrorCode.DENIED, "changing the rules of namespace " + namespace + " needs its owner's rights");
        }
    }

    private void requireAdmin(Principal p) {
        if (access != null) {
            AdminService.requireAdmin(p);
        }
    }

    private void audit(Principal p, String client, String action, String target, String detail) {
        if (access != null) {
            access.recordEvent(p.name(), action, target, client, detail);
        }
    }
}
