package io.berth.ui;

import io.berth.auth.AccessStore;
import io.berth.auth.AdminService;
import io.berth.auth.HoldsRepositoriesException;
import io.berth.auth.UserAdmin;
import io.berth.auth.UserAdmin.UserView;
import io.berth.oci.ErrorCode;
import io.berth.oci.Names;
import io.berth.oci.RegistryException;
import io.berth.registry.Registry;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Administration, for admins only (anyone else is refused by {@link AdminService#requireAdmin}, before any
 * page is looked at): users (create, disable, reset a password, the admin flag, delete), the audit log with
 * its filters, garbage collection ({@link GcPages}), the system (version, storage, database, health, the effective configuration), and the
 * pull-through cache's upstreams (status, hits and misses, bytes fetched, the last error).
 */
final class AdminPages {
    static final int AUDIT_PAGE = 50;
    /** Suggestions for the audit log's action filter (the log takes any action name). */
    static final List<String> AUDIT_ACTIONS = List.of("login", "push", "pull", "delete", "token", "user.create", "user.update",
            "user.password", "user.delete", "namespace.create", "namespace.visibility", "namespace.delete", "member.set",
            "member.remove", "token.create", "token.revoke", "repository.create", "repository.update", "repository.delete", "gc.run");

    /** One health check: what, whether it answered, in how long, and its error. */
    record Check(String name, boolean ok, long millis, String error) {
    }

    private final WebUi ui;
    private final AdminService admin;
    private final Registry registry;
    private final SystemInfo system;
    private final GcPages gc;

    AdminPages(WebUi ui, AdminService admin, Registry registry, SystemInfo system, GcPages gc) {
        this.ui = ui;
        this.gc = gc;
        this.admin = admin;
        this.registry = registry;
        this.system = system;
    }

    /** /admin[/…], the path after "/admin". */
    void handle(Web web, String rest) {
        if (admin == null) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "This registry runs without logins (BERTH_AUTH=none): it has no users to administer.");
        }
        web.requireLogin();
        AdminService.requireAdmin(web.principal());
        if (rest.isEmpty() && !web.isPost()) {
            web.redirect("/admin/users");
        } else if (rest.equals("/users")) {
            if (web.isPost()) {
                createUser(web);
            } else {
                users(web, 200, flash(web));
            }
        } else if (rest.startsWith("/users/")) {
            user(web, rest.substring("/users/".length()));
        } else if (rest.equals("/audit") && !web.isPost()) {
            audit(web);
        } else if (rest.equals("/gc") || rest.startsWith("/gc/")) {
            gc.handle(web, rest.substring("/gc".length()));
        } else if (rest.equals("/system") && !web.isPost()) {
            system(web);
        } else if (rest.equals("/upstreams") && !web.isPost()) {
            upstreams(web);
        } else {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
    }

    // --- users ----------------------------------------------------------------------------------

    private void users(Web web, int status, Page.Flash flash) {
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Users", "admin", flash));
        params.put("users", admin.users().list(web.principal()));
        params.put("name", web.typed("name"));
        params.put("admin", web.isPost() && web.form("admin") != null);
        ui.render(web, status, "admin-users.jte", params);
    }

    private void createUser(Web web) {
        String name = web.field("name");
        try {
            admin.users().create(web.principal(), web.client(), name, web.form("password"), web.form("admin") != null);
        } catch (RegistryException e) {
            if (!WebUi.fixable(e)) {
                throw e;
            }
            users(web, WebUi.status(e), new Page.Flash(true, e.getMessage()));
            return;
        }
        web.redirect("/admin/users/" + name + Format.query("done", "created"));
    }

    /** /admin/users/NAME, and its changes: /disabled, /admin, /password, /delete. */
    private void user(Web web, String rest) {
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        String action = slash < 0 ? null : rest.substring(slash + 1);
        if (!Names.isPathComponent(name)) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
        if (action == null && !web.isPost()) {
            showUser(web, name, 200, flash(web));
            return;
        }
        if (action == null || !web.isPost()) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
        UserAdmin users = admin.users();
        String done;
        switch (action) {
            case "disabled" -> {
                boolean disabled = "true".equals(web.form("disabled"));
                users.update(web.principal(), web.client(), name, new UserAdmin.Change(null, null, null, disabled));
                done = disabled ? "disabled" : "enabled";
            }
            case "admin" -> {
                boolean isAdmin = "true".equals(web.form("admin"));
                users.update(web.principal(), web.client(), name, new UserAdmin.Change(null, null, isAdmin, null));
                done = isAdmin ? "admin" : "notadmin";
            }
            case "password" -> {
                try {
                    users.update(web.principal(), web.client(), name,
                            new UserAdmin.Change(web.form("password"), web.form("current"), null, null));
                } catch (RegistryException e) {
                    if (!WebUi.fixable(e) && !(e.code() == ErrorCode.DENIED && web.principal().name().equals(name))) {
                        throw e; // DENIED for one's own: a wrong current password, which one can fix
                    }
                    showUser(web, name, WebUi.status(e), new Page.Flash(true, e.getMessage()));
                    return;
                }
                done = "password";
            }
            case "delete" -> {
                deleteUser(web, name);
                return;
            }
            default -> throw new RegistryException(ErrorCode.NOT_FOUND, "There is no such action.");
        }
        web.redirect("/admin/users/" + name + Format.query("done", done));
    }

    private void showUser(Web web, String name, int status, Page.Flash flash) {
        UserView user = admin.users().get(web.principal(), name);
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, user.name(), "admin", flash));
        params.put("user", user);
        params.put("self", web.principal().name().equals(name));
        ui.render(web, status, "admin-user.jte", params);
    }

    private void deleteUser(Web web, String name) {
        try {
            admin.users().delete(web.principal(), web.client(), name, "true".equals(web.form("force")));
        } catch (HoldsRepositoriesException e) {
            String count = HoldsRepositoriesException.count(e.repositories());
            ui.confirm(web, "Delete user " + name + "?", "User " + name + "'s personal namespace " + name + " holds " + count
                            + ". Deleting the user deletes them too, with their tags, and the user's roles and API tokens."
                            + " Their blobs are freed by garbage collection.",
                    "/admin/users/" + name + "/delete", "Delete " + name + " and " + count, "/admin/users/" + name);
            return;
        }
        web.redirect("/admin/users" + Format.query("done", "deleted", "name", name));
    }

    // --- audit log ------------------------------------------------------------------------------

    private void audit(Web web) {
        Map<String, String> filters = new LinkedHashMap<>();
        for (String f : List.of("actor", "action", "target", "since")) {
            String v = web.query(f);
            filters.put(f, v == null || v.isBlank() ? "" : v.trim());
        }
        Page.Flash flash = null;
        Long since = null;
        try {
            since = since(filters.get("since"));
        } catch (DateTimeParseException e) {
            flash = new Page.Flash(true, "Give the time as 2025-01-31 or 2025-01-31T14:00 (UTC).");
        }
        Long before = null;
        String beforeText = web.query("before");
        if (beforeText != null) {
            try {
                before = Long.parseLong(beforeText);
            } catch (NumberFormatException e) {
                throw new RegistryException(ErrorCode.BAD_REQUEST, "That is not a page of the audit log.");
            }
        }
        List<AccessStore.AuditEvent> events = admin.audit(web.principal(), new AccessStore.AuditQuery(blankIsNull(filters.get("actor")),
                blankIsNull(filters.get("action")), blankIsNull(filters.get("target")), since, before, AUDIT_PAGE + 1));
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Audit log", "admin", flash));
        params.put("events", events.size() > AUDIT_PAGE ? events.subList(0, AUDIT_PAGE) : events);
        params.put("filters", filters);
        params.put("next", events.size() > AUDIT_PAGE ? Format.query("actor", filters.get("actor"), "action", filters.get("action"),
                "target", filters.get("target"), "since", filters.get("since"), "before", String.valueOf(events.get(AUDIT_PAGE - 1).id())) : null);
        params.put("actions", AUDIT_ACTIONS);
        ui.render(web, flash == null ? 200 : 400, "admin-audit.jte", params);
    }

    /** "2025-01-31" (its start) or "2025-01-31T14:00", in UTC, as epoch millis; null for none. */
    static Long since(String text) {
        if (text.isEmpty()) {
            return null;
        }
        if (text.length() == 10) {
            return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        }
        return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
    }

    private static String blankIsNull(String s) {
        return s.isEmpty() ? null : s;
    }

    // --- system ---------------------------------------------------------------------------------

    private void system(Web web) {
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "System", "admin", null));
        params.put("system", system);
        params.put("uptime", uptime(Duration.between(system.started(), Instant.now())));
        params.put("checks", List.of(check("Storage", registry::checkStorage), check("Database", registry::checkDatabase)));
        ui.render(web, 200, "admin-system.jte", params);
    }

    // --- the pull-through cache's upstreams ------------------------------------------------------

    private void upstreams(Web web) {
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Upstreams", "admin", null));
        params.put("upstreams", system.upstreams().get());
        ui.render(web, 200, "admin-upstreams.jte", params);
    }

    private static Check check(String name, Runnable probe) {
        long start = System.nanoTime();
        try {
            probe.run();
            return new Check(name, true, (System.nanoTime() - start) / 1_000_000, null);
        } catch (RuntimeException e) {
            return new Check(name, false, (System.nanoTime() - start) / 1_000_000, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    /** "3 days 4 h", "2 h 5 min", "42 s". */
    static String uptime(Duration d) {
        if (d.toDays() > 0) {
            return d.toDays() + (d.toDays() == 1 ? " day " : " days ") + d.toHoursPart() + " h";
        }
        if (d.toHours() > 0) {
            return d.toHours() + " h " + d.toMinutesPart() + " min";
        }
        return d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }

    private static Page.Flash flash(Web web) {
        String done = web.query("done");
        if (done == null) {
            return null;
        }
        return switch (done) {
            case "created" -> new Page.Flash(false, "User created, with a personal namespace of the same name.");
            case "disabled" -> new Page.Flash(false, "User disabled: their logins, sessions and API tokens stop working at once.");
            case "enabled" -> new Page.Flash(false, "User enabled.");
            case "admin" -> new Page.Flash(false, "The user is now an admin.");
            case "notadmin" -> new Page.Flash(false, "The user is no longer an admin.");
            case "password" -> new Page.Flash(false, "Password changed.");
            case "deleted" -> {
                String name = web.query("name");
                yield new Page.Flash(false, name != null && Names.isPathComponent(name) ? "User " + name + " deleted." : "User deleted.");
            }
            default -> null;
        };
    }
}
