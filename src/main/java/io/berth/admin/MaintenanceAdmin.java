package io.berth.admin;

import io.berth.auth.AccessService;
import io.berth.auth.Action;
import io.berth.auth.AdminService;
import io.berth.auth.Principal;
import io.berth.gc.GarbageCollector;
import io.berth.gc.GcBusyException;
import io.berth.gc.GcResult;
import io.berth.gc.GcRun;
import io.berth.gc.GcSettings;
import io.berth.gc.GcStatus;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.stats.Snapshot;
import io.berth.stats.UsageStatistics;

import java.time.Instant;
import java.util.List;

/**
 * Who may run garbage collection and read the usage statistics, and the audit event of a collection
 * ({@code gc.run}, with whether it was a dry run and who triggered it): the one place for these rules, which
 * the admin API and the web UI both call. {@link GarbageCollector} and {@link UsageStatistics} check no rights.
 *
 * <p>Garbage collection is for admins: its status, history and dry runs as well (what it lists names every
 * repository); starting one is a change, so an API token — even an admin's — may not. A collection running
 * anywhere is CONFLICT, naming the node and since when. The statistics are for every authenticated caller: an
 * admin sees the whole registry, anyone else only the namespaces they may read (totals included, so nobody
 * learns the size or count of what they cannot see) and not the registry's users, API tokens and grants.
 */
public final class MaintenanceAdmin {
    /** The most history entries one answer lists. */
    public static final int MAX_HISTORY = 100;

    private final AccessService access;
    private final GarbageCollector gc;
    private final UsageStatistics usage;

    /** {@code access} null (BERTH_AUTH=none): every caller is an admin. */
    public MaintenanceAdmin(AccessService access, GarbageCollector gc, UsageStatistics usage) {
        this.access = access;
        this.gc = gc;
        this.usage = usage;
    }

    /**
     * Garbage collection as an admin sees it: whether one runs (here or on another node) and its phase, the
     * schedule, and the latest runs of every node, newest first.
     *
     * @param node this node's collector (the one {@code status.last()} ran on)
     * @param next when the schedule collects next, or null when it does not collect on its own
     */
    public record GcOverview(GcStatus status, String node, GcSettings settings, Instant next, List<GcRun> history) {
    }

    /** The collector's status and its last {@code limit} runs (1 to {@value #MAX_HISTORY}); admins only. */
    public GcOverview gc(Principal p, int limit) {
        return overview(p, gc.status(), limit);
    }

    /** The same, with {@code status} (a collection's as it started, from {@link #startGc}) instead of the current one. */
    public GcOverview overview(Principal p, GcStatus status, int limit) {
        requireAdmin(p);
        if (limit < 1 || limit > MAX_HISTORY) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_HISTORY);
        }
        return new GcOverview(status, gc.node(), gc.settings(), gc.nextScheduled().orElse(null), gc.history(limit));
    }

    /**
     * Starts a collection (or a dry run) on this node and returns at once, with its status as it started (running);
     * {@code trigger} names the front end (api, ui) for the history. Audited as {@code gc.run}.
     */
    public GcStatus startGc(Principal p, String client, boolean dryRun, String trigger) {
        mayCollect(p);
        GcStatus started;
        try {
            started = gc.start(dryRun, trigger).status();
        } catch (GcBusyException busy) {
            throw busy(busy);
        }
        audit(p, client, dryRun, trigger);
        return started;
    }

    /** Runs a collection (or a dry run) in the caller's thread and returns what it did; as {@link #startGc} otherwise. */
    public GcResult runGc(Principal p, String client, boolean dryRun, String trigger) {
        mayCollect(p);
        GcResult result;
        try {
            result = gc.run(dryRun, trigger);
        } catch (GcBusyException busy) {
            throw busy(busy);
        }
        audit(p, client, dryRun, trigger);
        return result;
    }

    /** The usage statistics the caller may see: everything for an admin, their readable namespaces for anyone else. */
    public Snapshot stats(Principal p) {
        if (isAdmin(p)) {
            return usage.snapshot();
        }
        // a namespace name has no slash, so as a repository name it stands for the namespace's rights
        return usage.snapshot(namespace -> access.allowed(p, namespace).contains(Action.PULL));
    }

    // --- rights ---------------------------------------------------------------------------------

    private void mayCollect(Principal p) {
        AdminService.requireMayChange(p);
        requireAdmin(p);
    }

    private boolean isAdmin(Principal p) {
        return access == null || p instanceof Principal.User u && u.admin();
    }

    private void requireAdmin(Principal p) {
        if (access != null) {
            AdminService.requireAdmin(p);
        }
    }

    private static RegistryException busy(GcBusyException busy) {
        return new RegistryException(ErrorCode.CONFLICT, busy.getMessage());
    }

    private void audit(Principal p, String client, boolean dryRun, String trigger) {
        if (access != null) {
            access.recordEvent(p.name(), "gc.run", "registry", client, (dryRun ? "dry run" : "collection") + ", trigger " + trigger);
        }
    }
}
