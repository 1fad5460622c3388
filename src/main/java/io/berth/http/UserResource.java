package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.auth.Principal;
import io.berth.auth.UserAdmin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.berth.http.AdminHttp.body;
import static io.berth.http.AdminHttp.client;
import static io.berth.http.AdminHttp.flag;
import static io.berth.http.AdminHttp.force;
import static io.berth.http.AdminHttp.text;

/** {@code /api/v1/users} and {@code /api/v1/users/{name}}: the HTTP face of {@link UserAdmin}. */
final class UserResource implements AdminHttp.Resource {
    private final UserAdmin users;

    UserResource(UserAdmin users) {
        this.users = users;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.size() == 1) {
            switch (ex.method) {
                case "GET" -> ex.sendJson(200, users.list(caller).stream().map(UserResource::json).toList());
                case "POST" -> {
                    JsonNode body = body(ex);
                    String name = text(body, "name", true);
                    String password = text(body, "password", true);
                    ex.sendJson(201, json(users.create(caller, client(ex), name, password, body.path("admin").asBoolean(false))));
                }
                default -> throw Api.methodNotAllowed(ex);
            }
            return;
        }
        String name = path.get(1);
        switch (ex.method) {
            case "GET" -> ex.sendJson(200, json(users.get(caller, name)));
            case "PATCH" -> {
                JsonNode body = body(ex);
                UserAdmin.Change change = new UserAdmin.Change(text(body, "password", false), text(body, "current_password", false),
                        flag(body, "admin"), flag(body, "disabled"));
                ex.sendJson(200, json(users.update(caller, client(ex), name, change)));
            }
            case "DELETE" -> {
                users.delete(caller, client(ex), name, force(ex));
                ex.sendEmpty(204);
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    private static Map<String, Object> json(UserAdmin.UserView u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", u.name());
        out.put("admin", u.admin());
        out.put("disabled", u.disabled());
        out.put("created", u.created().toString());
        return out;
    }
}
