package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.auth.Principal;
import io.berth.auth.TokenAdmin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.berth.http.AdminHttp.body;
import static io.berth.http.AdminHttp.client;
import static io.berth.http.AdminHttp.text;
import static io.berth.http.AdminHttp.time;

/** {@code /api/v1/tokens} and {@code /api/v1/tokens/{id}}: the HTTP face of {@link TokenAdmin}. */
final class TokenResource implements AdminHttp.Resource {
    private final TokenAdmin tokens;

    TokenResource(TokenAdmin tokens) {
        this.tokens = tokens;
    }

    @Override
    public void handle(Exchange ex, Principal caller, List<String> path) {
        if (path.size() == 1 && ex.method.equals("GET")) {
            ex.sendJson(200, tokens.list(caller, "true".equals(ex.query("all"))).stream().map(TokenResource::json).toList());
        } else if (path.size() == 1 && ex.method.equals("POST")) {
            JsonNode body = body(ex);
            String name = text(body, "name", true);
            TokenAdmin.NewToken created = tokens.create(caller, client(ex), name, scopes(body), expiresInDays(body));
            Map<String, Object> out = json(created.token());
            out.put("token", created.secret());
            out.put("username", created.username());
            ex.sendJson(201, out);
        } else if (path.size() == 2 && ex.method.equals("DELETE")) {
            tokens.revoke(caller, client(ex), path.get(1));
            ex.sendEmpty(204);
        } else {
            throw Api.methodNotAllowed(ex);
        }
    }

    /** {@code scopes: [{namespace, actions: [...]}]}; null when it is no array. */
    private static List<TokenAdmin.ScopeRequest> scopes(JsonNode body) {
        JsonNode arr = body.get("scopes");
        if (arr == null || !arr.isArray()) {
            return null;
        }
        List<TokenAdmin.ScopeRequest> out = new ArrayList<>();
        for (JsonNode n : arr) {
            String namespace = text(n, "namespace", true);
            List<String> actions = new ArrayList<>();
            for (JsonNode a : n.path("actions")) {
                actions.add(a.asText());
            }
            out.add(new TokenAdmin.ScopeRequest(namespace, actions));
        }
        return out;
    }

    private static Integer expiresInDays(JsonNode body) {
        JsonNode days = body.get("expiresInDays");
        if (days == null || days.isNull()) {
            return null;
        }
        if (!days.isIntegralNumber() || !days.canConvertToInt()) {
            throw new IllegalArgumentException(TokenAdmin.EXPIRY_RULE);
        }
        return days.asInt();
    }

    private static Map<String, Object> json(TokenAdmin.TokenView t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", t.id());
        out.put("owner", t.owner());
        out.put("name", t.name());
        out.put("scopes", t.scopes().stream().map(sc -> Map.of("namespace", sc.namespace(), "actions", AdminHttp.wire(sc.actions()))).toList());
        out.put("created", time(t.created()));
        out.put("expires", time(t.expires()));
        out.put("lastUsed", time(t.lastUsed()));
        out.put("revoked", t.revoked());
        return out;
    }
}
