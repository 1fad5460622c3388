package io.berth.http;

import io.berth.auth.Principal;
import io.berth.auth.UserAdmin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /api/v1/me}: who the caller is, and a user's roles. */
final class MeResource implements AdminHttp.Resource {
    private final UserAdmin users;

    MeResource(UserAdmin users) {
        this.users = users;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        UserAdmin.Me me = users.me(caller);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", me.name());
        out.put("admin", me.admin());
        out.put("robot", me.robot());
        if (me.namespaces() != null) {
            out.put("namespaces", me.namespaces().stream()
                    .map(mb -> Map.of("namespace", mb.namespace(), "role", mb.role().wire())).toList());
        }
        ex.sendJson(200, out);
    }
}
