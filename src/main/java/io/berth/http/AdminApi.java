package io.berth.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.auth.AccessService;
import io.berth.auth.AccessStore;
import io.berth.auth.Action;
import io.berth.auth.AuthException;
import io.berth.auth.Authorizer;
import io.berth.auth.Caller;
import io.berth.auth.Passwords;
import io.berth.auth.Principal;
import io.berth.auth.Role;
import io.berth.auth.TokenScope;
import io.berth.metadata.MetadataUnavailableException;
import io.berth.oci.ErrorCode;
import io.berth.oci.Names;
import io.berth.registry.Access;
import io.berth.registry.Registry;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The admin API, JSON under {@code /api/v1/} (docs/api.md): users, namespaces, members and roles,
 * visibility, API tokens, repositories and the audit log. Callers authenticate with Basic credentials
 * only: a password, or an API token, which may only read. Registry bearer tokens are refused: anyone
 * gets one from /auth/token, and their scopes speak of repositories, not of this API. Rights are
 * checked live on every call.
 */
public final class AdminApi extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    public static final String PREFIX = "/api/v1/";
    /** The OpenAPI 3.1 document describing this API (the resource openapi.json beside this class; OpenApiTest holds it true). */
    public static final String OPENAPI = PREFIX + "openapi.json";
    private static final byte[] OPENAPI_DOCUMENT = openApiDocument();

    private final Registry registry;
    private final AccessService access;

    public AdminApi(Registry registry, AccessService access) {
        this.registry = registry;
        this.access = access;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        Exchange ex = new Exchange(request, response, callback);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        try {
            RequestTarget.check(request);
            // The API's own description is served to anyone, before authentication: it is the same for every
            // registry (it ships in the jar, like docs/api.md) and names no user, namespace or repository.
            if (path.equals(OPENAPI) && (ex.method.equals("GET") || ex.method.equals("HEAD"))) {
                ex.sendBytes(200, "application/json", OPENAPI_DOCUMENT.clone());
                return true;
            }
            Principal p = caller(ex);
            requireReadOnlyForRobots(ex, p);
            List<String> seg = List.of(path.substring(PREFIX.length()).split("/"));
            route(ex, p, seg);
        } catch (RegistryException e) {
            Api.sendError(ex, e);
        } catch (IllegalArgumentException e) {
            Api.sendError(ex, new RegistryException(ErrorCode.BAD_REQUEST, e.getMessage()));
        } catch (MetadataUnavailableException e) {
            Api.sendError(ex, new RegistryException(ErrorCode.UNAVAILABLE, "database unavailable; try again shortly"));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", ex.method, path, e);
            Api.sendError(ex, new RegistryException(ErrorCode.INTERNAL, "internal error; see the server log"));
        }
        return true;
    }

    private Principal caller(Exchange ex) {
        if (access == null || !access.enabled()) {
            return new Principal.User("admin", true); // open registry: no logins exist
        }
        String authorization = ex.header(HttpHeader.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer", 0, 6)) {
            throw unauthorized(ex, "the admin API does not take bearer tokens: use Basic credentials (a password, or an API token to read)");
        }
        Caller c;
        try {
            c = access.authenticate(authorization, Request.getRemoteAddr(ex.request));
        } catch (AuthException e) {
            if (e.kind() == AuthException.Kind.RATE_LIMITED) {
                ex.setHeader(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
                throw new RegistryException(ErrorCode.TOOMANYREQUESTS, e.getMessage());
            }
            throw unauthorized(ex, e.getMessage());
        }
        if (c.isAnonymous()) {
            throw unauthorized(ex, "authentication required");
        }
        return c.principal();
    }

    /** API tokens live in CI and scripts, where they leak most easily: they may look, never change anything here. */
    private static void requireReadOnlyForRobots(Exchange ex, Principal p) {
        if (p instanceof Principal.Robot && !ex.method.equals("GET") && !ex.method.equals("HEAD")) {
            throw new RegistryException(ErrorCode.DENIED, "API tokens may only read the admin API; log in with your password to change things");
        }
    }

    private RegistryException unauthorized(Exchange ex, String message) {
        ex.setHeader(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"berth\"");
        return new RegistryException(ErrorCode.UNAUTHORIZED, message);
    }

    private void route(Exchange ex, Principal p, List<String> s) {
        String m = ex.method;
        switch (s.getFirst()) {
            case "me" -> ex.sendJson(200, me(p));
            case "users" -> {
                if (s.size() == 1) {
                    if (m.equals("GET")) {
                        requireAdmin(p);
                        ex.sendJson(200, access.store().users().stream().map(AdminApi::userJson).toList());
                    } else if (m.equals("POST")) {
                        createUser(ex, p);
                    } else {
                        throw Api.methodNotAllowed(ex);
                    }
                } else {
                    user(ex, p, s.get(1));
                }
            }
            case "namespaces" -> namespaces(ex, p, s);
            case "tokens" -> tokens(ex, p, s);
            case "repositories" -> repositories(ex, p, s);
            case "audit" -> audit(ex, p);
            default -> throw new RegistryException(ErrorCode.NOT_FOUND, "no admin API endpoint at " + s);
        }
    }

    // --- users --------------------------------------------------------------------------------

    private Map<String, Object> me(Principal p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", p.name());
        out.put("admin", p instanceof Principal.User u && u.admin());
        out.put("robot", p instanceof Principal.Robot);
        if (p instanceof Principal.User u) {
            out.put("namespaces", access.store().memberships(u.name()).stream()
                    .map(mb -> Map.of("namespace", mb.namespace(), "role", mb.role().wire())).toList());
        }
        return out;
    }

    private void createUser(Exchange ex, Principal p) {
        requireAdmin(p);
        JsonNode body = json(ex);
        String name = text(body, "name", true);
        AccessService.checkUserName(name);
        String password = text(body, "password", true);
        Passwords.checkLength(password);
        if (!access.store().createUser(name, access.passwords().hash(password), body.path("admin").asBoolean(false))) {
            throw new RegistryException(ErrorCode.CONFLICT, AccessService.nameConflict(access.store(), name));
        }
        changed(ex, p, "user.create", name, null);
        ex.sendJson(201, userJson(access.store().user(name).orElseThrow()));
    }

    private void user(Exchange ex, Principal p, String name) {
        boolean self = p instanceof Principal.User u && u.name().equals(name);
        switch (ex.method) {
            case "GET" -> {
                if (!self) {
                    requireAdmin(p);
                }
                ex.sendJson(200, userJson(access.store().user(name).orElseThrow(() -> notFound("user", name))));
            }
            case "PATCH" -> {
                JsonNode body = json(ex);
                String password = text(body, "password", false);
                Boolean admin = body.has("admin") ? body.get("admin").asBoolean() : null;
                Boolean disabled = body.has("disabled") ? body.get("disabled").asBoolean() : null;
                if (!self || admin != null || disabled != null) {
                    requireAdmin(p);
                }
                if (password != null) {
                    Passwords.checkLength(password);
                    if (self) {
                        requireCurrentPassword(body, name);
                    }
                }
                if (!access.store().updateUser(name, password == null ? null : access.passwords().hash(password), admin, disabled)) {
                    throw notFound("user", name);
                }
                changed(ex, p, password != null ? "user.password" : "user.update", name, disabled != null ? "disabled=" + disabled : null);
                ex.sendJson(200, userJson(access.store().user(name).orElseThrow()));
            }
            case "DELETE" -> {
                requireAdmin(p);
                AccessStore.Deletion d = access.store().deleteUser(name, force(ex));
                checkDeleted(d, "user", name, "user " + name + "'s personal namespace");
                access.authorizer().namespaceDeleted(name);
                changed(ex, p, "user.delete", name, removedDetail(d));
                ex.sendEmpty(204);
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    /**
     * One's own password changes only with the current one, so that whoever holds a session or a stolen
     * Authorization header cannot lock its owner out; an admin resetting someone else's needs none.
     */
    private void requireCurrentPassword(JsonNode body, String name) {
        String current = text(body, "current_password", false);
        if (current == null) {
            throw new IllegalArgumentException("current_password is required to change your own password");
        }
        AccessStore.User u = access.store().user(name).orElseThrow(() -> notFound("user", name));
        if (!Passwords.verify(current, u.passwordHash())) {
            throw new RegistryException(ErrorCode.DENIED, "current_password is not your current password");
        }
    }

    private static Map<String, Object> userJson(AccessStore.User u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", u.name());
        out.put("admin", u.admin());
        out.put("disabled", u.disabled());
        out.put("created", Instant.ofEpochMilli(u.createdAt()).toString());
        return out;
    }

    // --- namespaces ---------------------------------------------------------------------------

    private void namespaces(Exchange ex, Principal p, List<String> s) {
        Authorizer authz = access.authorizer();
        if (s.size() == 1) {
            if (ex.method.equals("GET")) {
                List<Map<String, Object>> out = new ArrayList<>();
                for (AccessStore.Namespace ns : access.store().namespaces()) {
                    Set<Action> actions = authz.allowedInNamespace(p, ns.name());
                    if (actions.contains(Action.PULL)) {
                        out.add(namespaceJson(ns, actions));
                    }
                }
                ex.sendJson(200, out);
            } else if (ex.method.equals("POST")) {
                JsonNode body = json(ex);
                String name = text(body, "name", true);
                if (!Names.isPathComponent(name)) {
                    throw new RegistryException(ErrorCode.NAME_INVALID, "invalid namespace name: " + name);
                }
                if (!authz.canCreateNamespaces(p)) {
                    throw denied();
                }
                boolean isPublic = "public".equals(text(body, "visibility", false));
                String owner = p instanceof Principal.User u && !u.admin() ? u.name() : null;
                if (!access.store().createNamespace(name, isPublic, owner)) {
                    throw new RegistryException(ErrorCode.CONFLICT, "namespace " + name + " already exists");
                }
                changed(ex, p, "namespace.create", name, isPublic ? "public" : "private");
                ex.sendJson(201, namespaceJson(access.store().namespace(name).orElseThrow(), authz.allowedInNamespace(p, name)));
            } else {
                throw Api.methodNotAllowed(ex);
            }
            return;
        }
        String name = s.get(1);
        AccessStore.Namespace ns = access.store().namespace(name).orElse(null);
        Set<Action> actions = authz.allowedInNamespace(p, name);
        if (ns == null || !actions.contains(Action.PULL)) {
            throw notFound("namespace", name);
        }
        if (s.size() == 2) {
            switch (ex.method) {
                case "GET" -> ex.sendJson(200, namespaceJson(ns, actions));
                case "PATCH" -> {
                    require(actions, Action.MANAGE);
                    String visibility = text(json(ex), "visibility", true);
                    if (!visibility.equals("public") && !visibility.equals("private")) {
                        throw new IllegalArgumentException("visibility must be public or private");
                    }
                    access.store().setNamespaceVisibility(name, visibility.equals("public"));
                    changed(ex, p, "namespace.visibility", name, visibility);
                    ex.sendJson(200, namespaceJson(access.store().namespace(name).orElseThrow(), actions));
                }
                case "DELETE" -> {
                    require(actions, Action.MANAGE);
                    AccessStore.Deletion d = access.store().deleteNamespace(name, force(ex));
                    checkDeleted(d, "namespace", name, "namespace " + name);
                    access.authorizer().namespaceDeleted(name);
                    changed(ex, p, "namespace.delete", name, removedDetail(d));
                    ex.sendEmpty(204);
                }
                default -> throw Api.methodNotAllowed(ex);
            }
            return;
        }
        if (!s.get(2).equals("members")) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "no admin API endpoint at " + s);
        }
        require(actions, Action.MANAGE);
        if (s.size() == 3 && ex.method.equals("GET")) {
            ex.sendJson(200, access.store().members(name).stream()
                    .map(mb -> Map.of("user", mb.username(), "role", mb.role().wire())).toList());
            return;
        }
        if (s.size() != 4) {
            throw Api.methodNotAllowed(ex);
        }
        String user = s.get(3);
        switch (ex.method) {
            case "PUT" -> {
                Role role = Role.parse(text(json(ex), "role", true));
                if (access.store().user(user).isEmpty()) {
                    throw notFound("user", user);
                }
                access.store().setMember(name, user, role);
                changed(ex, p, "member.set", name + ":" + user, role.wire());
                ex.sendJson(200, Map.of("user", user, "role", role.wire()));
            }
            case "DELETE" -> {
                if (!access.store().removeMember(name, user)) {
                    throw notFound("member", user);
                }
                changed(ex, p, "member.remove", name + ":" + user, null);
                ex.sendEmpty(204);
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    private static Map<String, Object> namespaceJson(AccessStore.Namespace ns, Set<Action> actions) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", ns.name());
        out.put("visibility", ns.isPublic() ? "public" : "private");
        out.put("created", Instant.ofEpochMilli(ns.createdAt()).toString());
        out.put("actions", actions.stream().map(Action::wire).toList());
        return out;
    }

    // --- API tokens ---------------------------------------------------------------------------

    private void tokens(Exchange ex, Principal p, List<String> s) {
        if (!(p instanceof Principal.User u)) {
            throw new RegistryException(ErrorCode.DENIED, "API tokens cannot manage API tokens");
        }
        if (s.size() == 1 && ex.method.equals("GET")) {
            boolean all = u.admin() && "true".equals(ex.query("all"));
            ex.sendJson(200, access.store().tokens(all ? null : u.name()).stream().map(AdminApi::tokenJson).toList());
        } else if (s.size() == 1 && ex.method.equals("POST")) {
            JsonNode body = json(ex);
            String name = text(body, "name", true);
            if (!name.matches("[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}")) {
                throw new IllegalArgumentException("token names are 1-64 letters, digits and . _ -");
            }
            List<TokenScope> scopes = scopes(body, u);
            Long expiresAt = expiry(body);
            String secret;
            try {
                secret = access.createApiToken(u.name(), name, scopes, expiresAt);
            } catch (MetadataUnavailableException e) {
                if (access.store().tokens(u.name()).stream().anyMatch(t -> t.name().equals(name))) {
                    throw new RegistryException(ErrorCode.CONFLICT, "you already have a token named " + name);
                }
                throw e;
            }
            changed(ex, p, "token.create", u.name() + "+" + name, null);
            AccessStore.ApiToken created = access.store().tokens(u.name()).stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
            Map<String, Object> out = tokenJson(created);
            out.put("token", secret);
            out.put("username", u.name() + "+" + name);
            ex.sendJson(201, out);
        } else if (s.size() == 2 && ex.method.equals("DELETE")) {
            if (!access.store().revokeToken(s.get(1), u.admin() ? null : u.name())) {
                throw notFound("token", s.get(1));
            }
            access.credentialsChanged();
            changed(ex, p, "token.revoke", s.get(1), null);
            ex.sendEmpty(204);
        } else {
            throw Api.methodNotAllowed(ex);
        }
    }

    /**
     * When a new API token expires: in {@code expiresInDays} (whole days, 1 to 36500); none asked means never,
     * or the configured maximum when there is one; longer than the maximum is refused rather than silently
     * shortened, so a CI job does not discover it months later.
     */
    private Long expiry(JsonNode body) {
        Duration max = access.settings().apiTokenMaxLifetime();
        long now = System.currentTimeMillis();
        JsonNode days = body.get("expiresInDays");
        if (days == null || days.isNull()) {
            return max == null ? null : now + max.toMillis();
        }
        if (!days.isIntegralNumber() || !days.canConvertToInt() || days.asInt() < 1 || days.asInt() > 36_500) {
            throw new IllegalArgumentException("expiresInDays must be a whole number of days from 1 to 36500");
        }
        Duration asked = Duration.ofDays(days.asInt());
        if (max != null && asked.compareTo(max) > 0) {
            throw new IllegalArgumentException("expiresInDays may be at most " + max.toDays()
                    + " on this registry (BERTH_AUTH_APITOKENMAXTTL); omit it to get the maximum");
        }
        return now + asked.toMillis();
    }

    /** Requested scopes, each of which must be within what the creator may do now. */
    private List<TokenScope> scopes(JsonNode body, Principal.User u) {
        JsonNode arr = body.get("scopes");
        if (arr == null || !arr.isArray() || arr.isEmpty()) {
            throw new IllegalArgumentException("scopes must be a non-empty array of {namespace, actions}");
        }
        List<TokenScope> out = new ArrayList<>();
        for (JsonNode n : arr) {
            String ns = text(n, "namespace", true);
            Set<Action> actions = EnumSet.noneOf(Action.class);
            for (JsonNode a : n.path("actions")) {
                Set<Action> parsed = Action.parseScopeAction(a.asText());
                if (parsed.isEmpty()) {
                    throw new IllegalArgumentException("token actions are pull, push and delete");
                }
                actions.addAll(parsed);
            }
            if (actions.isEmpty()) {
                throw new IllegalArgumentException("each scope needs actions");
            }
            if (!ns.equals("*") && !access.authorizer().allowedInNamespace(u, ns).containsAll(actions)) {
                throw new RegistryException(ErrorCode.DENIED, "a token cannot hold more than its creator: you may not "
                        + actions.stream().map(Action::wire).toList() + " in " + ns);
            }
            out.add(new TokenScope(ns, actions));
        }
        return out;
    }

    private static Map<String, Object> tokenJson(AccessStore.ApiToken t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", t.id());
        out.put("owner", t.owner());
        out.put("name", t.name());
        out.put("scopes", t.scopes().stream().map(sc -> Map.of("namespace", sc.namespace(),
                "actions", sc.actions().stream().map(Action::wire).toList())).toList());
        out.put("created", Instant.ofEpochMilli(t.createdAt()).toString());
        out.put("expires", t.expiresAt() == null ? null : Instant.ofEpochMilli(t.expiresAt()).toString());
        out.put("lastUsed", t.lastUsedAt() == null ? null : Instant.ofEpochMilli(t.lastUsedAt()).toString());
        out.put("revoked", t.revoked());
        return out;
    }

    // --- repositories -------------------------------------------------------------------------

    private void repositories(Exchange ex, Principal p, List<String> s) {
        Authorizer authz = access.authorizer();
        if (s.size() == 1) {
            if (!ex.method.equals("GET")) {
                throw Api.methodNotAllowed(ex);
            }
            int limit = Pagination.limit(ex, 100, 1000);
            String q = ex.query("q");
            List<Map<String, Object>> out = new ArrayList<>();
            String cursor = ex.query("last");
            boolean more = true;
            while (out.size() <= limit && more) {
                List<AccessStore.RepositoryInfo> batch = access.store().repositoryInfos(ex.query("namespace"), cursor, 200);
                more = batch.size() == 200;
                for (AccessStore.RepositoryInfo r : batch) {
                    cursor = r.name();
                    if ((q == null || r.name().contains(q)) && authz.canRead(p, r.name()) && out.size() <= limit) {
                        out.add(repoJson(r, registry));
                    }
                }
            }
            List<Map<String, Object>> page = Pagination.page(ex, out, limit, PREFIX + "repositories", r -> (String) r.get("name"));
            ex.sendJson(200, page);
            return;
        }
        String name = String.join("/", s.subList(1, s.size()));
        Names.checkRepository(name);
        Set<Action> actions = authz.allowed(p, name);
        Optional<AccessStore.RepositoryInfo> info = access.store().repositoryInfos(name, null, 1).stream()
                .filter(r -> r.name().equals(name)).findFirst();
        if (info.isEmpty() || !actions.contains(Action.PULL)) {
            throw notFound("repository", name);
        }
        switch (ex.method) {
            case "GET" -> {
                Map<String, Object> out = repoJson(info.get(), registry);
                out.put("tagNames", registry.tags(name, null, 1000, Access.CACHED_ONLY));
                out.put("actions", actions.stream().map(Action::wire).toList());
                ex.sendJson(200, out);
            }
            case "PATCH" -> {
                if (!actions.contains(Action.DELETE)) {
                    throw denied();
                }
                String description = text(json(ex), "description", true);
                access.store().setRepositoryDescription(name, description);
                changed(ex, p, "repository.update", name, null);
                ex.sendJson(200, repoJson(access.store().repositoryInfos(name, null, 1).getFirst(), registry));
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    private static Map<String, Object> repoJson(AccessStore.RepositoryInfo r, Registry registry) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", r.name());
        out.put("namespace", Authorizer.namespaceOf(r.name()));
        out.put("description", r.description());
        out.put("tags", r.tags());
        out.put("manifests", r.manifests());
        out.put("sizeBytes", r.sizeBytes());
        out.put("created", r.created().toString());
        out.put("upstream", registry.upstreamOf(r.name()).orElse(null));
        return out;
    }

    // --- audit --------------------------------------------------------------------------------

    private void audit(Exchange ex, Principal p) {
        requireAdmin(p);
        int limit = Pagination.limit(ex, 100, 1000);
        String since = ex.query("since");
        String before = ex.query("before");
        AccessStore.AuditQuery q = new AccessStore.AuditQuery(ex.query("actor"), ex.query("action"), ex.query("target"),
                since == null ? null : instant(since, "since"), before == null ? null : Long.parseLong(before), limit + 1);
        access.audit().flush();
        List<AccessStore.AuditEvent> events = access.store().audit(q);
        if (events.size() > limit) {
            events = events.subList(0, limit);
            ex.setHeader("Link", "<" + PREFIX + "audit?n=" + limit + "&before=" + events.getLast().id() + ">; rel=\"next\"");
        }
        ex.sendJson(200, events.stream().map(e -> {
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
        }).toList());
    }

    // --- helpers ------------------------------------------------------------------------------

    private static byte[] openApiDocument() {
        try (InputStream in = AdminApi.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ?force=true} deletes a namespace (or user) together with its repositories. */
    private static boolean force(Exchange ex) {
        String force = ex.query("force");
        if (force == null || force.equals("false")) {
            return false;
        }
        if (force.equals("true")) {
            return true;
        }
        throw new IllegalArgumentException("force must be true or false");
    }

    /** 404 for nothing to delete; 409, with the count, for a namespace whose repositories need ?force=true. */
    private static void checkDeleted(AccessStore.Deletion d, String what, String name, String holder) {
        switch (d.outcome()) {
            case NOT_FOUND -> throw notFound(what, name);
            case HOLDS_REPOSITORIES -> throw new RegistryException(ErrorCode.CONFLICT, holder + " holds " + d.repositories()
                    + (d.repositories() == 1 ? " repository" : " repositories")
                    + "; delete them first, or add ?force=true to delete them with it",
                    Map.of("repositories", d.repositories()));
            case DELETED -> {
            }
        }
    }

    private static String removedDetail(AccessStore.Deletion d) {
        return d.repositories() == 0 ? null : "with " + d.repositories() + (d.repositories() == 1 ? " repository" : " repositories");
    }

    private static long instant(String value, String name) {
        try {
            return Instant.parse(value).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
        }
    }

    private void changed(Exchange ex, Principal p, String action, String target, String detail) {
        access.credentialsChanged();
        access.audit().recordDurably(p.name(), action, target, Request.getRemoteAddr(ex.request), true, detail);
    }

    private static void requireAdmin(Principal p) {
        if (!(p instanceof Principal.User u && u.admin())) {
            throw denied();
        }
    }

    private static void require(Set<Action> actions, Action needed) {
        if (!actions.contains(needed)) {
            throw denied();
        }
    }

    private static RegistryException denied() {
        return new RegistryException(ErrorCode.DENIED, "requested access to the resource is denied");
    }

    private static RegistryException notFound(String what, String name) {
        return new RegistryException(ErrorCode.NOT_FOUND, what + " " + name + " not found");
    }

    private static JsonNode json(Exchange ex) {
        byte[] body = ex.readBody(1 << 20, new RegistryException(ErrorCode.BAD_REQUEST, "request body too large"));
        try {
            JsonNode n = Exchange.JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("the request body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("the request body is not valid JSON");
        }
    }

    private static String text(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException(field + " is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string");
        }
        return v.asText();
    }
}
