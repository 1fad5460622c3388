package io.berth.ui;

import io.berth.admin.MaintenanceAdmin;
import io.berth.gc.GcResult;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import java.util.HashMap;
import java.util.Map;

/**
 * Administration → Garbage collection (admins; {@link AdminPages} refuses anyone else first): the collector's status
 * and schedule, a dry run (what would go and the bytes it would free), a collection started after a confirmation,
 * and the history of every node's runs. The rules are {@link MaintenanceAdmin}'s, as the admin API's.
 */
final class GcPages {
    static final int HISTORY = 20;
    /** Items of the last run shown on the page; the admin API lists all it kept. */
    static final int ITEMS_SHOWN = 500;

    private final WebUi ui;
    private final MaintenanceAdmin maintenance;

    GcPages(WebUi ui, MaintenanceAdmin maintenance) {
        this.ui = ui;
        this.maintenance = maintenance;
    }

    /** /admin/gc, and its actions /admin/gc/dry-run and /admin/gc/run. */
    void handle(Web web, String rest) {
        if (maintenance == null) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
        switch (rest) {
            case "" -> {
                if (web.isPost()) {
                    throw new RegistryException(ErrorCode.NOT_FOUND, "There is no such action.");
                }
                show(web, 200, flash(web));
            }
            case "/dry-run" -> collect(web, true);
            case "/run" -> collect(web, false);
            default -> throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
    }

    /** A dry run runs while the admin waits (it deletes nothing and waits for nothing); a collection starts in the background. */
    private void collect(Web web, boolean dryRun) {
        if (!web.isPost()) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
        try {
            if (dryRun) {
                maintenance.runGc(web.principal(), web.client(), true, "ui");
            } else {
                maintenance.startGc(web.principal(), web.client(), false, "ui");
            }
        } catch (RegistryException e) {
            if (e.code() != ErrorCode.CONFLICT) {
                throw e;
            }
            show(web, 409, new Page.Flash(true, "Not started: " + e.getMessage() + "."));
            return;
        }
        web.redirect("/admin/gc" + Format.query("done", dryRun ? "dry-run" : "started"));
    }

    private void show(Web web, int status, Page.Flash flash) {
        MaintenanceAdmin.GcOverview gc = maintenance.gc(web.principal(), HISTORY);
        GcResult last = gc.status().last();
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Garbage collection", "admin", flash));
        params.put("gc", gc);
        params.put("last", last);
        params.put("items", last == null ? java.util.List.of() : last.items().subList(0, Math.min(ITEMS_SHOWN, last.items().size())));
        ui.render(web, status, "admin-gc.jte", params);
    }

    private static Page.Flash flash(Web web) {
        String done = web.query("done");
        if (done == null) {
            return null;
        }
        return switch (done) {
            case "dry-run" -> new Page.Flash(false, "Dry run finished: below is what a collection would delete now.");
            case "started" -> new Page.Flash(false, "Garbage collection started.");
            default -> null;
        };
    }

    /** "24h", "1h30m", "2s": a setting's duration as one writes it. */
    static String duration(java.time.Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    /** "blob", "orphan upload". */
    static String kind(GcResult.Kind kind) {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }

    /** "1.2 s", "340 ms", or "–" for none. */
    static String millis(Long ms) {
        if (ms == null) {
            return "–";
        }
        return ms >= 1000 ? String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0) : ms + " ms";
    }
}
