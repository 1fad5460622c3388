package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.auth.Principal;
import io.berth.auth.RepositoryAdmin;
import org.eclipse.jetty.http.HttpHeader;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.berth.http.AdminHttp.body;
import static io.berth.http.AdminHttp.client;
import static io.berth.http.AdminHttp.text;

/**
 * {@code /api/v1/repositories} (list, POST: create) and {@code /api/v1/repositories/{name}} (GET, PATCH: describe,
 * DELETE): the HTTP face of {@link RepositoryAdmin}.
 */
final class RepositoryResource implements AdminHttp.Resource {
    private final RepositoryAdmin repositories;

    RepositoryResource(RepositoryAdmin repositories) {
        this.repositories = repositories;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.size() == 1) {
            if (ex.method.equals("POST")) {
                JsonNode body = body(ex);
                RepositoryAdmin.RepositoryView created = repositories.create(caller, client(ex), text(body, "name", true),
                        text(body, "description", false));
                ex.setHeader(HttpHeader.LOCATION, AdminApi.PREFIX + "repositories/" + created.name());
                ex.sendJson(201, json(created));
                return;
            }
            if (!ex.method.equals("GET")) {
                throw Api.methodNotAllowed(ex);
            }
            int limit = Pagination.limit(ex, 100, 1000);
            List<RepositoryAdmin.RepositoryView> found = repositories.list(caller, ex.query("namespace"), ex.query("q"), ex.query("last"), limit);
            List<RepositoryAdmin.RepositoryView> page = Pagination.page(ex, found, limit, AdminApi.PREFIX + "repositories",
                    RepositoryAdmin.RepositoryView::name);
            ex.sendJson(200, page.stream().map(RepositoryResource::json).toList());
            return;
        }
        String name = String.join("/", path.subList(1, path.size()));
        switch (ex.method) {
            case "GET" -> {
                RepositoryAdmin.RepositoryDetail detail = repositories.get(caller, name);
                Map<String, Object> out = json(detail.repository());
                out.put("tagNames", detail.tagNames());
                out.put("actions", AdminHttp.wire(detail.actions()));
                ex.sendJson(200, out);
            }
            case "PATCH" -> {
                String description = text(body(ex), "description", true);
                ex.sendJson(200, json(repositories.describe(caller, client(ex), name, description)));
            }
            case "DELETE" -> {
                repositories.delete(caller, client(ex), name);
                ex.sendEmpty(204);
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    private static Map<String, Object> json(RepositoryAdmin.RepositoryView r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", r.name());
        out.put("namespace", r.namespace());
        out.put("description", r.description());
        out.put("tags", r.tags());
        out.put("manifests", r.manifests());
        out.put("sizeBytes", r.sizeBytes());
        out.put("created", r.created().toString());
        out.put("upstream", r.upstream());
        return out;
    }
}
