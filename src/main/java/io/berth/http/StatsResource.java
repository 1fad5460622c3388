package io.berth.http;

import io.berth.admin.MaintenanceAdmin;
import io.berth.auth.Principal;

import java.util.List;

/**
 * {@code GET /api/v1/stats}: the usage statistics the caller may see ({@link MaintenanceAdmin#stats}), in their one
 * wire form ({@code Snapshot.toJson}, as {@code berth stats --json} prints it).
 */
final class StatsResource implements AdminHttp.Resource {
    private final MaintenanceAdmin maintenance;

    StatsResource(MaintenanceAdmin maintenance) {
        this.maintenance = maintenance;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.size() != 1) {
            throw AdminHttp.noEndpoint(path);
        }
        AdminHttp.requireMethod(ex, "GET");
        ex.sendJson(200, maintenance.stats(caller).toJson());
    }
}
