package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.auth.AccessStore;
import io.berth.auth.NamespaceAdmin;
import io.berth.auth.Principal;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.berth.http.AdminHttp.body;
import static io.berth.http.AdminHttp.client;
import static io.berth.http.AdminHttp.force;
import static io.berth.http.AdminHttp.text;

/**
 * {@code /api/v1/namespaces}, {@code /api/v1/namespaces/{name}} and its {@code members[/{user}]}: the HTTP
 * face of {@link NamespaceAdmin}.
 */
final class NamespaceResource implements AdminHttp.Resource {
    private final NamespaceAdmin namespaces;

    NamespaceResource(NamespaceAdmin namespaces) {
        this.namespaces = namespaces;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.size() == 1) {
            switch (ex.method) {
                case "GET" -> ex.sendJson(200, namespaces.list(caller).stream().map(NamespaceResource::json).toList());
                case "POST" -> {
                    JsonNode body = body(ex);
                    String name = text(body, "name", true);
                    ex.sendJson(201, json(namespaces.create(caller, client(ex), name, text(body, "visibility", false))));
                }
                default -> throw Api.methodNotAllowed(ex);
            }
            return;
        }
        String name = path.get(1);
        if (path.size() == 2) {
            switch (ex.method) {
                case "GET" -> ex.sendJson(200, json(namespaces.get(caller, name)));
                case "PATCH" -> {
                    String visibility = text(body(ex), "visibility", true);
                    ex.sendJson(200, json(namespaces.setVisibility(caller, client(ex), name, visibility)));
                }
                case "DELETE" -> {
                    namespaces.delete(caller, client(ex), name, force(ex));
                    ex.sendEmpty(204);
                }
                default -> throw Api.methodNotAllowed(ex);
            }
            return;
        }
        if (!path.get(2).equals("members")) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "no admin API endpoint at " + path);
        }
        if (path.size() == 3 && ex.method.equals("GET")) {
            ex.sendJson(200, namespaces.members(caller, name).stream().map(NamespaceResource::json).toList());
            return;
        }
        if (path.size() != 4) {
            throw Api.methodNotAllowed(ex);
        }
        String user = path.get(3);
        switch (ex.method) {
            case "PUT" -> {
                String role = text(body(ex), "role", true);
                ex.sendJson(200, json(namespaces.setMember(caller, client(ex), name, user, role)));
            }
            case "DELETE" -> {
                namespaces.removeMember(caller, client(ex), name, user);
                ex.sendEmpty(204);
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    private static Map<String, Object> json(NamespaceAdmin.NamespaceView ns) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", ns.name());
        out.put("visibility", ns.isPublic() ? "public" : "private");
        out.put("created", ns.created().toString());
        out.put("actions", AdminHttp.wire(ns.actions()));
        return out;
    }

    private static Map<String, Object> json(AccessStore.Member m) {
        return Map.of("user", m.username(), "role", m.role().wire());
    }
}
