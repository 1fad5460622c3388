package io.berth.http;

import io.berth.auth.AccessService;
import io.berth.auth.Action;
import io.berth.auth.AuthException;
import io.berth.auth.Caller;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Authorization of API requests: who is calling (Basic, Bearer or nobody) and whether the route's
 * action is allowed. Missing or bad credentials get 401 with the Bearer challenge docker and podman
 * follow; an authenticated caller who is not allowed gets 403 DENIED. A private repository and one
 * that does not exist answer alike: the decision depends only on the namespace, never on existence.
 */
final class Guard {
    private final AccessService access;

    Guard(AccessService access) {
        this.access = access;
    }

    boolean enabled() {
        return access != null && access.enabled();
    }

    /** Authenticates the request and checks the route's action; returns the caller. */
    Caller check(Exchange ex, Route route) {
        if (!enabled()) {
            return Caller.ANONYMOUS;
        }
        Caller caller = authenticate(ex, route);
        ex.caller = caller;
        switch (route.kind()) {
            case BASE -> {
                if (!caller.presentedCredentials()) {
                    throw challenge(ex, null, false, "authentication required");
                }
            }
            case CATALOG -> {
                // Anyone may list; the listing shows only what the caller may read.
                if (caller.token() != null && !caller.token().catalog()) {
                    throw challenge(ex, "registry:catalog:*", true, "the token does not grant registry:catalog:*");
                }
            }
            default -> {
                String source = mountSource(ex, route);
                require(ex, caller, route.repository(), required(route, ex.method), source);
                if (source != null && caller.token() != null && !caller.token().access().containsKey(source)) {
                    // As registry:2: the mount needs pull on its source, so ask for a token that names it. A
                    // token server that refuses it still names the scope (with no actions): no loop, and
                    // the mount falls back to an ordinary upload.
                    throw challenge(ex, scope(route.repository(), Action.PUSH) + " " + scope(source, Action.PULL), true,
                            "the token does not name the mount's source " + source);
                }
            }
        }
        return caller;
    }

    /** The source repository of a cross-repository mount ({@code POST …/uploads/?mount=&from=}), if valid. */
    private static String mountSource(Exchange ex, Route route) {
        if (route.kind() != Route.Kind.UPLOADS || !"POST".equals(ex.method) || !ex.hasQuery("mount")) {
            return null;
        }
        String from = ex.query("from");
        return from != null && !from.equals(route.repository()) && io.berth.oci.Names.isValidRepository(from) ? from : null;
    }

    private Caller authenticate(Exchange ex, Route route) {
        try {
            return access.authenticate(ex.header(HttpHeader.AUTHORIZATION), Request.getRemoteAddr(ex.request));
        } catch (AuthException e) {
            if (e.kind() == AuthException.Kind.RATE_LIMITED) {
                ex.setHeader(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
                throw new RegistryException(ErrorCode.TOOMANYREQUESTS, e.getMessage());
            }
            throw challenge(ex, route.repository() == null ? null : scope(route.repository(), required(route, ex.method)),
                    false, e.getMessage());
        }
    }

    private void require(Exchange ex, Caller caller, String repository, Action action, String mountSource) {
        Set<Action> allowed = access.actionsOn(caller, repository);
        if (allowed.contains(action)) {
            if (action == Action.PUSH) {
                access.ensureNamespace(caller.principal(), repository);
            }
            return;
        }
        String scope = scope(repository, action) + (mountSource == null ? "" : " " + scope(mountSource, Action.PULL));
        if (caller.isAnonymous()) {
            throw challenge(ex, scope, false, "authentication required");
        }
        if (caller.token() != null && !caller.token().access().containsKey(repository)) {
            // The token was issued for other scopes: ask the client to fetch one for this.
            throw challenge(ex, scope, true, "the token does not grant " + scope);
        }
        throw new RegistryException(ErrorCode.DENIED, "requested access to the resource is denied",
                List.of(Map.of("Type", "repository", "Name", repository, "Action", action.wire())));
    }

    /**
     * Whether the caller may push to a repository (which is what triggering a restricted upstream fetch
     * takes): its live right, whatever the token asked for (a token's grants only narrow live rights).
     */
    boolean canPush(Exchange ex, String repository) {
        return !enabled() || access.allowed(ex.caller.principal(), repository).contains(Action.PUSH);
    }

    /** Whether the caller may pull from a repository (the source of a cross-repository mount). */
    boolean canPull(Exchange ex, String repository) {
        return !enabled() || access.actionsOn(ex.caller, repository).contains(Action.PULL);
    }

    /**
     * Whether the caller may see a repository in listings: its live right to read (a token's grants can only
     * narrow live rights, so they add nothing here; the catalog scope was checked in {@link #check}).
     */
    boolean canList(Exchange ex, String repository) {
        if (!enabled()) {
            return true;
        }
        return access.allowed(ex.caller.principal(), repository).contains(Action.PULL);
    }

    static Action required(Route route, String method) {
        return switch (route.kind()) {
            case UPLOADS, UPLOAD -> Action.PUSH;
            case MANIFEST -> switch (method) {
                case "PUT" -> Action.PUSH;
                case "DELETE" -> Action.DELETE;
                default -> Action.PULL;
            };
            case BLOB -> "DELETE".equals(method) ? Action.DELETE : Action.PULL;
            default -> Action.PULL;
        };
    }

    static String scope(String repository, Action action) {
        return "repository:" + repository + ":" + (action == Action.PUSH ? "pull,push" : action.wire());
    }

    private RegistryException challenge(Exchange ex, String scope, boolean insufficient, String message) {
        StringBuilder h = new StringBuilder("Bearer realm=\"").append(realm(ex)).append("\",service=\"")
                .append(access.settings().service()).append('"');
        if (scope != null) {
            h.append(",scope=\"").append(scope).append('"');
        }
        if (insufficient) {
            h.append(",error=\"insufficient_scope\"");
        }
        ex.setHeader(HttpHeader.WWW_AUTHENTICATE, h.toString());
        return new RegistryException(ErrorCode.UNAUTHORIZED, message);
    }

    /** The token endpoint's URL: configured, or this server as the client reached it. */
    String realm(Exchange ex) {
        if (access.settings().realm() != null) {
            return access.settings().realm();
        }
        String proto = ex.header("X-Forwarded-Proto");
        String scheme = proto != null ? proto.split(",")[0].trim() : ex.request.isSecure() ? "https" : "http";
        String host = ex.header("X-Forwarded-Host");
        if (host == null) {
            host = ex.request.getHttpURI().getAuthority();
        }
        return scheme + "://" + host + "/auth/token";
    }
}
