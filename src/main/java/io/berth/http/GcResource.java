package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.admin.MaintenanceAdmin;
import io.berth.auth.Principal;
import io.berth.gc.GcResult;
import io.berth.gc.GcRun;
import io.berth.gc.GcStatus;
import org.eclipse.jetty.http.HttpHeader;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.berth.http.AdminHttp.client;
import static io.berth.http.AdminHttp.time;

/**
 * {@code /api/v1/gc}: GET the collector's status, schedule and history; POST starts a collection ({@code
 * {"dryRun": true}} for a dry run) and answers 202 at once, or with {@code ?wait=true} 200 when it finished. The HTTP
 * face of {@link MaintenanceAdmin}'s garbage collection (docs/api.md).
 */
final class GcResource implements AdminHttp.Resource {
    private static final String PATH = AdminApi.PREFIX + "gc";
    private static final int DEFAULT_HISTORY = 20;

    private final MaintenanceAdmin maintenance;

    GcResource(MaintenanceAdmin maintenance) {
        this.maintenance = maintenance;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.size() != 1) {
            throw AdminHttp.noEndpoint(path);
        }
        switch (ex.method) {
            case "GET" -> ex.sendJson(200, overview(maintenance.gc(caller, historyLimit(ex))));
            case "POST" -> start(ex, caller);
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    private void start(Exchange ex, Principal caller) {
        boolean dryRun = dryRun(ex);
        if (wait(ex)) {
            maintenance.runGc(caller, client(ex), dryRun, "api");
            ex.sendJson(200, overview(maintenance.gc(caller, DEFAULT_HISTORY)));
            return;
        }
        GcStatus started = maintenance.startGc(caller, client(ex), dryRun, "api");
        ex.setHeader(HttpHeader.LOCATION, PATH);
        ex.sendJson(202, overview(maintenance.overview(caller, started, DEFAULT_HISTORY)));
    }

    /**
     * The optional body's {@code dryRun} (default false); an empty body is no body. Any other field is refused: a
     * misspelt {@code dryRun} must not turn a dry run into a collection.
     */
    private static boolean dryRun(Exchange ex) {
        byte[] body = ex.readBody(1 << 16, new io.berth.oci.RegistryException(io.berth.oci.ErrorCode.BAD_REQUEST, "request body too large"));
        if (body.length == 0) {
            return false;
        }
        JsonNode n = AdminHttp.parse(body);
        AdminHttp.onlyFields(n, java.util.Set.of("dryRun"), "the body takes only dryRun (true or false)");
        Boolean dryRun = AdminHttp.bool(n, "dryRun");
        return dryRun != null && dryRun;
    }

    private static boolean wait(Exchange ex) {
        String wait = ex.query("wait");
        if (wait == null || wait.equals("false")) {
            return false;
        }
        if (wait.equals("true")) {
            return true;
        }
        throw new IllegalArgumentException("wait must be true or false");
    }

    /** {@code ?limit=}: 1 and more, at most {@value MaintenanceAdmin#MAX_HISTORY} (more is taken as that). */
    private static int historyLimit(Exchange ex) {
        String limit = ex.query("limit");
        if (limit == null || limit.isEmpty()) {
            return DEFAULT_HISTORY;
        }
        try {
            int n = Integer.parseInt(limit);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return Math.min(n, MaintenanceAdmin.MAX_HISTORY);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit must be a whole number from 1 to " + MaintenanceAdmin.MAX_HISTORY);
        }
    }

    static Map<String, Object> overview(MaintenanceAdmin.GcOverview o) {
        GcStatus s = o.status();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("running", s.running());
        out.put("node", s.node());
        out.put("since", time(s.since()));
        out.put("phase", s.phase());
        Map<String, Object> schedule = new LinkedHashMap<>();
        schedule.put("enabled", o.settings().scheduled());
        schedule.put("interval", (o.settings().dailyAt() != null ? Duration.ofDays(1) : o.settings().interval()).toString());
        schedule.put("next", time(o.next()));
        out.put("schedule", schedule);
        out.put("graceSeconds", o.settings().grace().toSeconds());
        out.put("last", s.last() == null ? null : last(s.last(), o.node()));
        out.put("history", o.history().stream().map(GcResource::run).toList());
        return out;
    }

    /** This node's last run, with what it deleted or would. */
    private static Map<String, Object> last(GcResult r, String node) {
        Map<String, Object> out = run(GcRun.of(r, node));
        out.put("items", r.items().stream().map(GcResource::item).toList());
        out.put("itemsTruncated", r.itemsTruncated());
        return out;
    }

    private static Map<String, Object> item(GcResult.Item i) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", i.kind().name().toLowerCase(java.util.Locale.ROOT));
        out.put("repository", i.repository());
        out.put("digest", i.name());
        out.put("size", i.size());
        return out;
    }

    private static Map<String, Object> run(GcRun r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", r.id());
        out.put("dryRun", r.dryRun());
        out.put("trigger", r.trigger());
        out.put("node", r.node());
        out.put("startedAt", time(r.startedAt()));
        out.put("finishedAt", time(r.finishedAt()));
        out.put("durationMs", r.duration() == null ? null : r.duration().toMillis());
        out.put("markMs", r.markMs());
        out.put("sweepMs", r.sweepMs());
        out.put("marked", r.marked());
        out.put("manifestsDeleted", r.manifestsDeleted());
        out.put("linksRemoved", r.linksRemoved());
        out.put("blobsSwept", r.blobsSwept());
        out.put("orphans", r.orphans());
        out.put("bytesFreed", r.bytesFreed());
        out.put("errors", r.errors());
        out.put("errorDetail", r.errorDetail());
        return out;
    }
}
