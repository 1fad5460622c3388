package io.berth.ui;

import io.berth.admin.MaintenanceAdmin;
import io.berth.auth.AccessStore;
import io.berth.auth.AdminService;
import io.berth.auth.Principal;
import io.berth.metadata.RepositoryBrowser;
import io.berth.stats.Snapshot;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dashboard: the usage statistics the viewer may see (through {@link MaintenanceAdmin#stats}, as the admin API's
 * {@code /api/v1/stats}: someone who is no admin sees only the namespaces they may read, and totals of those alone),
 * pushes and pulls per day as charts, storage per namespace, recent repositories, and — for admins, since the audit
 * log has no per-namespace view — the latest audit events.
 */
final class DashboardPages {
    static final int RECENT = 10;

    private final WebUi ui;
    private final RepositoryBrowser browser;
    private final AdminService admin;
    private final MaintenanceAdmin maintenance;

    DashboardPages(WebUi ui, RepositoryBrowser browser, AdminService admin, MaintenanceAdmin maintenance) {
        this.ui = ui;
        this.browser = browser;
        this.admin = admin;
        this.maintenance = maintenance;
    }

    void show(Web web) {
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Dashboard", "home", null));
        params.put("repositories", browser.repositories(ui.readable(web), null, null, RECENT));
        Snapshot stats = maintenance == null ? null : maintenance.stats(web.principal());
        params.put("stats", stats);
        params.put("pushes", stats == null ? null : BarChart.of("pushes", "Pushes per day", "pushes", stats.days(),
                d -> d.date().toString(), Snapshot.Day::pushes));
        params.put("pulls", stats == null ? null : BarChart.of("pulls", "Pulls per day", "pulls", stats.days(),
                d -> d.date().toString(), Snapshot.Day::pulls));
        params.put("largest", stats == null ? 0L : stats.namespaces().stream().mapToLong(Snapshot.NamespaceUsage::logicalBytes).max().orElse(0));
        params.put("activity", activity(web.principal()));
        ui.render(web, 200, "dashboard.jte", params);
    }

    /** The latest audit events, for admins; null for anyone else (nothing filters the log by what they may read). */
    private List<AccessStore.AuditEvent> activity(Principal p) {
        if (admin == null || !(p instanceof Principal.User u && u.admin())) {
            return null;
        }
        return admin.audit(p, new AccessStore.AuditQuery(null, null, null, null, null, RECENT));
    }

    /** A namespace's share of the largest, as a percentage for an SVG rect's width attribute. */
    static String share(long bytes, long largest) {
        return largest == 0 ? "0" : String.valueOf(Math.max(0.5, Math.round(bytes * 1000.0 / largest) / 10.0));
    }
}
