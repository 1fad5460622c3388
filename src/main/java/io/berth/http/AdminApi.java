package io.berth.http;

import io.berth.admin.LifecycleAdmin;
import io.berth.admin.MaintenanceAdmin;
import io.berth.auth.AccessService;
import io.berth.auth.AdminService;
import io.berth.auth.AuthException;
import io.berth.auth.Caller;
import io.berth.auth.HoldsRepositoriesException;
import io.berth.auth.Principal;
import io.berth.metadata.MetadataUnavailableException;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.registry.Registry;
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
import java.util.List;
import java.util.Map;

/**
 * The admin API, JSON under {@code /api/v1/} (docs/api.md): users, namespaces, members and roles,
 * visibility, API tokens, repositories, the audit log, garbage collection and the usage statistics. Callers authenticate with Basic credentials
 * only: a password, or an API token, which may only read. Registry bearer tokens are refused: anyone
 * gets one from /auth/token, and their scopes speak of repositories, not of this API. This class
 * authenticates the caller, routes by the path's first segment to the resource's class, and writes
 * failures as the registry's error body; the resources translate HTTP to {@link AdminService} calls,
 * which hold every rule and check rights live on every call.
 */
public final class AdminApi extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    static final String PREFIX = "/api/v1/";
    /** The OpenAPI 3.1 document describing this API (the resource openapi.json beside this class; OpenApiTest holds it true). */
    private static final String OPENAPI = PREFIX + "openapi.json";
    private static final byte[] OPENAPI_DOCUMENT = openApiDocument();

    private final AccessService access;
    private final Map<String, AdminHttp.Resource> resources;
    /** What is under /namespaces/{ns}/, by the segment after the namespace: the lifecycle's and webhooks' resources. */
    private final Map<String, AdminHttp.Resource> namespaceResources;

    /**
     * {@code access} null (berth.auth: none) keeps no accounts: every account resource then fails (500), as it always
     * has; {@code lifecycle}: immutable tags, retention and webhooks; {@code maintenance}: garbage collection and the
     * usage statistics (either null: their routes are not found).
     */
    public AdminApi(Registry registry, AccessService access, LifecycleAdmin lifecycle, MaintenanceAdmin maintenance) {
        this.access = access;
        AdminService admin = access == null ? null : new AdminService(access, registry);
        Map<String, AdminHttp.Resource> routes = new java.util.HashMap<>(admin == null ? noAccounts()
                : Map.of("me", new MeResource(admin.users()),
                        "users", new UserResource(admin.users()),
                        "namespaces", new NamespaceResource(admin.namespaces()),
                        "tokens", new TokenResource(admin.tokens()),
                        "repositories", new RepositoryResource(admin.repositories()),
                        "audit", new AuditResource(admin)));
        if (lifecycle == null) {
            this.namespaceResources = Map.of();
        } else {
            RetentionResource retention = new RetentionResource(lifecycle);
            this.namespaceResources = Map.of("immutable-tags", new ImmutableTagsResource(lifecycle), "retention", retention,
                    "webhooks", new WebhookResource(lifecycle), "quota", new QuotaResource(lifecycle));
            routes.put("retention", retention);
            routes.put("notifications", new NotificationResource(lifecycle));
        }
        if (maintenance != null) {
            routes.put("gc", new GcResource(maintenance));
            routes.put("stats", new StatsResource(maintenance));
        }
        this.resources = Map.copyOf(routes);
    }

    private static Map<String, AdminHttp.Resource> noAccounts() {
        AdminHttp.Resource none = (ex, caller, path) -> {
            throw new IllegalStateException("the admin API has no accounts to administer with authentication off (berth.auth: none)");
        };
        return Map.of("me", none, "users", none, "namespaces", none, "tokens", none, "repositories", none, "audit", none);
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
            if (!ex.method.equals("GET") && !ex.method.equals("HEAD")) {
                AdminService.requireMayChange(p); // an API token may only read, whatever the path
            }
            List<String> seg = List.of(path.substring(PREFIX.length()).split("/"));
            AdminHttp.Resource resource = seg.size() >= 3 && seg.getFirst().equals("namespaces") && namespaceResources.containsKey(seg.get(2))
                    ? namespaceResources.get(seg.get(2)) : resources.get(seg.getFirst());
            if (resource == null) {
                throw new RegistryException(ErrorCode.NOT_FOUND, "no admin API endpoint at " + seg);
            }
            resource.handle(ex, p, seg);
        } catch (HoldsRepositoriesException e) {
            Api.sendError(ex, new RegistryException(ErrorCode.CONFLICT, e.holdings()
                    + "; delete them first, or add ?force=true to delete them with it", e.detail()));
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

    private static RegistryException unauthorized(Exchange ex, String message) {
        ex.setHeader(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"berth\"");
        return new RegistryException(ErrorCode.UNAUTHORIZED, message);
    }

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
}
