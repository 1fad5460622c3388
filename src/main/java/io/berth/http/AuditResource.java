package io.berth.http;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.auth.AccessStore;
import io.berth.auth.AdminService;
import io.berth.auth.Principal;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /api/v1/audit?actor=&action=&target=&since=&before=&n=}: the audit log, a page at a time (newest first). */
final class AuditResource implements AdminHttp.Resource {
    private final AdminService admin;

    AuditResource(AdminService admin) {
        this.admin = admin;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        int limit = Pagination.limit(ex, 100, 1000);
        String since = ex.query("since");
        String before = ex.query("before");
        AccessStore.AuditQuery q = new AccessStore.AuditQuery(ex.query("actor"), ex.query("action"), ex.query("target"),
                since == null ? null : AdminHttp.instant(since, "since"), before == null ? null : eventId(before), limit + 1);
        List<AccessStore.AuditEvent> events = admin.audit(caller, q);
        if (limit == 0) {
            events = List.of();
        } else if (events.size() > limit) {
            events = events.subList(0, limit);
            ex.setHeader("Link", "<" + AdminApi.PREFIX + "audit?n=" + limit + "&before=" + events.getLast().id() + ">; rel=\"next\"");
        }
        ex.sendJson(200, events.stream().map(AuditResource::json).toList());
    }

    /** {@code before}: the id of an event, as the Link header gives it. */
    private static long eventId(String before) {
        try {
            return Long.parseLong(before);
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.PAGINATION_NUMBER_INVALID, "before must be an audit event's id (an integer)");
        }
    }

    private static Map<String, Object> json(AccessStore.AuditEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("at", Instant.ofEpochMilli(e.at()).toString());
        m.put("actor", e.actor());
        m.put("action", e.action());
        m.put("target", e.target());
        m.put("client", e.client());
        m.put("success", e.success());
        m.put("detail", e.detail());
        return m;
    }
}
