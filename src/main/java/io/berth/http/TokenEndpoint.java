package io.berth.http;

import io.berth.auth.AccessService;
import io.berth.auth.AuthException;
import io.berth.auth.Principal;
import io.berth.auth.Scope;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


/**
 * The Docker token endpoint, {@code /auth/token}: GET with optional Basic credentials
 * (shared/specs/docker/auth-token.md) and POST with the OAuth2 password and refresh-token grants
 * (auth-oauth.md). Tokens grant the requested scopes intersected with what the caller may do.
 */
public final class TokenEndpoint extends Handler.Abstract {
    public static final String PATH = "/auth/token";
    private static final String FORM = "application/x-www-form-urlencoded";
    private final AccessService access;

    public TokenEndpoint(AccessService access) {
        this.access = access;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        if (!PATH.equals(Request.getPathInContext(request)) || access == null || !access.enabled()) {
            return false;
        }
        Exchange ex = new Exchange(request, response, callback);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        try {
            switch (ex.method) {
                case "GET" -> get(ex);
                case "POST" -> post(ex);
                default -> throw Api.methodNotAllowed(ex);
            }
        } catch (AuthException e) {
            if (e.kind() == AuthException.Kind.RATE_LIMITED) {
                ex.setHeader(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
                Api.sendError(ex, new RegistryException(ErrorCode.TOOMANYREQUESTS, e.getMessage()));
            } else {
                Api.sendError(ex, new RegistryException(ErrorCode.UNAUTHORIZED, e.getMessage()));
            }
        } catch (RegistryException e) {
            Api.sendError(ex, e);
        }
        return true;
    }

    private String client(Exchange ex) {
        return Request.getRemoteAddr(ex.request);
    }

    private void get(Exchange ex) {
        Fields query = Request.extractQueryParameters(ex.request);
        String authorization = ex.header(HttpHeader.AUTHORIZATION);
        Principal p = Principal.ANONYMOUS;
        boolean loggedIn = false;
        if (authorization != null && !authorization.isBlank()) {
            if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                throw new AuthException(AuthException.Kind.INVALID, "the token endpoint takes Basic credentials", 0);
            }
            p = access.loginBasic(authorization.substring(6).trim(), client(ex));
            loggedIn = true;
        }
        boolean offline = "true".equalsIgnoreCase(query.getValue("offline_token"));
        respond(ex, p, scopes(query), offline && loggedIn, null);
    }

    private void post(Exchange ex) {
        Fields form = form(ex);
        String grant = form.getValue("grant_type");
        Principal p;
        String refresh = null;
        boolean offline = "offline".equals(form.getValue("access_type"));
        if ("password".equals(grant)) {
            p = access.login(nonNull(form.getValue("username")), nonNull(form.getValue("password")), client(ex));
        } else if ("refresh_token".equals(grant)) {
            refresh = nonNull(form.getValue("refresh_token"));
            p = access.refresh(refresh);
            offline = false; // hand back the same refresh token
        } else {
            throw new RegistryException(ErrorCode.BAD_REQUEST, "grant_type must be password or refresh_token, in the form body");
        }
        respond(ex, p, scopes(form), offline, refresh);
    }

    /**
     * The form body alone (RFC 6749 §4.3.2). {@code Request.getParameters} would merge the query in, accepting
     * passwords in URLs, where access logs, proxies and browser histories keep them.
     */
    private static Fields form(Exchange ex) {
        String type = ex.header(HttpHeader.CONTENT_TYPE);
        if (type == null || !type.regionMatches(true, 0, FORM, 0, FORM.length())) {
            throw new RegistryException(ErrorCode.BAD_REQUEST, "the token request body must be " + FORM);
        }
        try {
            return FormFields.getFields(ex.request);
        } catch (RuntimeException e) {
            throw new RegistryException(ErrorCode.BAD_REQUEST, "the token request body is not a valid " + FORM + " form");
        }
    }

    private void respond(Exchange ex, Principal p, List<Scope> requested, boolean offline, String existingRefresh) {
        List<Scope> granted = access.grant(p, requested);
        String token = access.issueAccessToken(p, granted);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("access_token", token);
        body.put("expires_in", access.tokenLifetime().toSeconds());
        body.put("issued_at", Instant.now().toString());
        body.put("scope", String.join(" ", granted.stream().map(Scope::wire).toList()));
        if (existingRefresh != null) {
            body.put("refresh_token", existingRefresh);
        } else if (offline && p instanceof Principal.User u) {
            access.issueRefreshToken(u).ifPresent(refreshToken -> body.put("refresh_token", refreshToken));
        }
        access.recordEvent(p.name(), "token", null, client(ex), body.get("scope").toString());
        ex.sendJson(200, body);
    }

    private static List<Scope> scopes(Fields fields) {
        List<String> values = new ArrayList<>();
        Fields.Field f = fields.get("scope");
        if (f != null) {
            values.addAll(f.getValues());
        }
        return Scope.parseAll(values);
    }

    private static String nonNull(String v) {
        if (v == null || v.isEmpty()) {
            throw new AuthException(AuthException.Kind.INVALID, "username and password (or refresh_token) are required in the form body", 0);
        }
        return v;
    }



}
