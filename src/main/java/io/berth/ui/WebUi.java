package io.berth.ui;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.Utf8ByteOutput;
import io.berth.admin.LifecycleAdmin;
import io.berth.admin.MaintenanceAdmin;
import io.berth.auth.AccessService;
import io.berth.auth.Action;
import io.berth.auth.AdminService;
import io.berth.auth.AuthException;
import io.berth.auth.Principal;
import io.berth.metadata.MetadataUnavailableException;
import io.berth.metadata.RepositoryBrowser;
import io.berth.metadata.StatementCount;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.registry.Registry;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The web interface, for browsers, on the registry's own port: every path that the registry API
 * ({@code /v2/}), the admin API ({@code /api/v1/}), the token endpoint and the health and metrics
 * endpoints do not claim. Pages are rendered on the server from compiled templates (src/main/jte) and
 * read through the registry core and the metadata store's browser; every change goes through the admin
 * service, as the admin API's do. The one script of its own and the vendored htmx only enhance them.
 *
 * <p>A login is a signed session cookie (HttpOnly, SameSite=Lax, Secure under TLS) that every node
 * accepts and that is checked against the user's live rights on every request; every POST must carry
 * the session's CSRF token and, when the browser sends one, an Origin of this host.
 */
public final class WebUi extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(WebUi.class);
    /**
     * No inline script or style, nothing from elsewhere, no framing: an injected string can neither run
     * nor restyle the page, and the UI cannot be clickjacked.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final Assets assets = new Assets();
    private final TemplateEngine templates = TemplateEngine.createPrecompiled(null, ContentType.Html, null, "io.berth.ui");
    private final AccessService access;
    private final AdminService admin;
    private final RepositoryBrowser browser;
    private final LoginPages login;
    private final RepositoryPages repositories;
    private final NamespacePages namespaces;
    private final TokenPages tokens;
    private final AdminPages administration;
    private final DashboardPages dashboard;

    /**
     * {@code access} null: a registry without logins (BERTH_AUTH=none), which the UI only browses;
     * {@code system}: what the administration's system page tells of this server.
     */
    public WebUi(Registry registry, AccessService access, RepositoryBrowser browser, SystemInfo system) {
        this(registry, access, browser, system, null);
    }

    /** {@code lifecycle}: immutable tags, retention and webhooks on the namespaces' pages (null: not shown). */
    public WebUi(Registry registry, AccessService access, RepositoryBrowser browser, SystemInfo system, LifecycleAdmin lifecycle) {
        this(registry, access, browser, system, lifecycle, null);
    }

    /**
     * {@code maintenance}: the usage statistics on the dashboard and Administration → Garbage collection (null: neither
     * is shown).
     */
    public WebUi(Registry registry, AccessService access, RepositoryBrowser browser, SystemInfo system, LifecycleAdmin lifecycle,
                 MaintenanceAdmin maintenance) {
        this.access = access;
        this.admin = access == null ? null : new AdminService(access, registry);
        this.browser = browser;
        this.login = new LoginPages(this, access);
        this.repositories = new RepositoryPages(this, browser, admin, new ImagePages(this, registry, browser, admin));
        this.namespaces = new NamespacePages(this, browser, admin, new LifecyclePages(this, lifecycle));
        this.tokens = new TokenPages(this, access, admin);
        this.administration = new AdminPages(this, admin, registry, system, new GcPages(this, maintenance));
        this.dashboard = new DashboardPages(this, browser, admin, maintenance);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        securityHeaders(response);
        if (path.startsWith(Assets.PREFIX)) {
            asset(request, response, callback, path);
            return true;
        }
        long started = System.nanoTime();
        StatementCount.counting(() -> serve(request, response, callback, path, started));
        return true;
    }

    private void serve(Request request, Response response, Callback callback, String path, long started) {
        Web web = null;
        try {
            web = new Web(request, response, callback, session(request, response), started);
            checkChange(web);
            route(web);
        } catch (RegistryException e) {
            error(web, request, response, callback, e);
        } catch (MetadataUnavailableException e) {
            error(web, request, response, callback, new RegistryException(ErrorCode.UNAVAILABLE, "the database is unavailable; try again shortly"));
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", request.getMethod(), path, e);
            error(web, request, response, callback, new RegistryException(ErrorCode.INTERNAL, "internal error; see the server log"));
        }
    }

    private void route(Web web) {
        String p = web.path;
        if (p.equals("/login")) {
            login.login(web);
        } else if (p.equals("/logout")) {
            login.logout(web);
        } else if (p.equals("/")) {
            dashboard.show(web);
        } else if (p.equals("/repositories")) {
            repositories.list(web);
        } else if (p.equals("/search")) {
            repositories.search(web);
        } else if (p.startsWith("/r/")) {
            repositories.repository(web, p.substring(3));
        } else if (under(p, "/namespaces")) {
            namespaces.handle(web, p.substring("/namespaces".length()));
        } else if (under(p, "/tokens")) {
            tokens.handle(web, p.substring("/tokens".length()));
        } else if (under(p, "/admin")) {
            administration.handle(web, p.substring("/admin".length()));
        } else {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
    }

    /** The path is the section's root or below it ("/admin", "/admin/users"), never merely like it ("/administer"). */
    private static boolean under(String path, String section) {
        return path.equals(section) || path.startsWith(section + "/");
    }

    // --- sessions and changes -------------------------------------------------------------------

    /** The session of the request's cookie, renewed (a fresh cookie) once it is past half its idle time. */
    private AccessService.Session session(Request request, Response response) {
        if (access == null) {
            return null;
        }
        String cookie = null;
        for (HttpCookie c : Request.getCookies(request)) {
            if (Web.SESSION_COOKIE.equals(c.getName())) {
                cookie = c.getValue();
            }
        }
        if (cookie == null) {
            return null;
        }
        AccessService.Session s = access.session(cookie).orElse(null);
        if (s != null) {
            access.renewSession(s).ifPresent(fresh -> Web.setSessionCookie(request, response, fresh, false));
        }
        return s;
    }

    /**
     * Every change is a POST from one of our own pages: same origin (when the browser says), the session's
     * CSRF token, and a caller who may change things (a password login, not an API token).
     */
    private void checkChange(Web web) {
        if (!web.isPost()) {
            return;
        }
        String origin = web.request.getHeaders().get(HttpHeader.ORIGIN);
        if (origin != null && !origin.equals((web.request.isSecure() ? "https://" : "http://") + web.host())) {
            throw new RegistryException(ErrorCode.DENIED, "this form was sent from another site");
        }
        if (web.path.equals("/login")) {
            return; // no session yet: the Origin check and SameSite cookies guard the login form
        }
        if (web.session == null) {
            throw new RegistryException(ErrorCode.UNAUTHORIZED, access == null
                    ? "this registry runs without logins (BERTH_AUTH=none): its web interface only browses"
                    : "your session has ended; log in again");
        }
        String sent = web.form("csrf");
        if (sent == null) {
            sent = web.request.getHeaders().get("X-Berth-CSRF");
        }
        if (sent == null || !MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8), web.csrf().getBytes(StandardCharsets.UTF_8))) {
            throw new RegistryException(ErrorCode.DENIED, "the form's security token is missing or stale; reload the page and try again");
        }
        if (web.session.principal() instanceof Principal.Robot && !web.path.equals("/logout")) {
            throw new RegistryException(ErrorCode.DENIED, "API tokens may only look; log in with your password to change things");
        }
    }

    // --- rendering ------------------------------------------------------------------------------

    Page page(Web web, String title, String nav, Page.Flash flash) {
        return new Page(title, nav, web == null ? null : web.viewer(), web == null ? "" : web.csrf(), assets, flash);
    }

    /** What the viewer may read, for the browser's queries. */
    RepositoryBrowser.Readable readable(Web web) {
        if (admin == null) {
            return RepositoryBrowser.Readable.EVERYTHING;
        }
        Set<String> names = admin.namespaces().readableNames(web.principal());
        return names == null ? RepositoryBrowser.Readable.EVERYTHING : RepositoryBrowser.Readable.only(names);
    }

    /** What the viewer may do in a repository; without logins everyone browses and nobody changes. */
    Set<Action> rights(Web web, String name) {
        if (admin == null) {
            return EnumSet.of(Action.PULL);
        }
        return admin.repositories().rights(web.principal(), name);
    }

    /** Whether the viewer may change anything at all: logged in with a password (an API token only looks). */
    static boolean mayChange(Web web) {
        return web.viewer() != null && !web.viewer().readOnly();
    }

    void render(Web web, int status, String template, Map<String, Object> params) {
        render(web, web.response, web.callback, status, template, params);
    }

    /** {@code web}: the request, when it got that far (null: an error before its session was known). */
    private void render(Web web, Response response, Callback callback, int status, String template, Map<String, Object> params) {
        Utf8ByteOutput out = new Utf8ByteOutput();
        templates.render(template, params, out);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        serverTiming(web, response);
        byte[] body = new byte[out.getContentLength()];
        ByteBuffer buf = ByteBuffer.wrap(body);
        try {
            out.writeTo((data, offset, length) -> buf.put(data, offset, length)); // copied once: pages are small
        } catch (java.io.IOException impossible) { // the consumer above cannot fail
            throw new java.io.UncheckedIOException(impossible);
        }
        send(response, callback, status, "text/html; charset=utf-8", body);
    }

    /**
     * For admins, who may see everything anyway: how long the page took in the server (from the request's arrival
     * to its rendered body, in ms) and how many SQL statements it ran, so that a page whose queries grow with its
     * rows shows (the benchmark reads it). Nobody else gets it: for them the figures could tell a private
     * repository from a missing one.
     */
    private static void serverTiming(Web web, Response response) {
        Page.Viewer viewer = web == null ? null : web.viewer();
        if (viewer == null || !viewer.admin()) {
            return;
        }
        response.getHeaders().put("Server-Timing", String.format(Locale.ROOT, "page;dur=%.3f, sql;desc=\"%d statements\"",
                (System.nanoTime() - web.started) / 1e6, StatementCount.sofar()));
    }

    /**
     * Asks again before a change that does more than the viewer could know when they asked (a delete that takes
     * repositories with it): the reason, a button that sends {@code force=true} to {@code action}, and a way back.
     */
    void confirm(Web web, String title, String message, String action, String button, String back) {
        Map<String, Object> params = new HashMap<>();
        params.put("page", page(web, title, "", null));
        params.put("message", message);
        params.put("action", action);
        params.put("button", button);
        params.put("back", back);
        render(web, 409, "confirm.jte", params);
    }

    private void error(Web web, Request request, Response response, Callback callback, RegistryException e) {
        if (response.isCommitted()) {
            callback.failed(e);
            return;
        }
        int status = status(e);
        if (status == 401 && web != null && !web.isPost()) {
            web.redirect("/login" + Format.query("next", web.path));
            return;
        }
        String title = switch (status) {
            case 404 -> "Not found";
            case 401 -> "Log in required";
            case 403 -> "Not allowed";
            case 409 -> "Conflict";
            case 503 -> "Unavailable";
            default -> status >= 500 ? "Something went wrong" : "Cannot do that";
        };
        try {
            render(web, response, callback, status, "error.jte", Map.of("page", page(web, title, "", null), "title", title, "message", e.getMessage()));
        } catch (RuntimeException failed) {
            LOG.error("rendering the error page failed", failed);
            send(response, callback, 500, "text/plain; charset=utf-8", "internal error\n".getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A refusal's HTTP status: the spec's, with the registry's "unknown" codes as 404. */
    static int status(RegistryException e) {
        return switch (e.code()) {
            case NAME_UNKNOWN, MANIFEST_UNKNOWN, BLOB_UNKNOWN, NOT_FOUND -> 404;
            default -> e.code().status();
        };
    }

    /**
     * Whether a refused change is the viewer's to fix (a malformed value, a name that is taken): the form is
     * shown again with the reason, rather than an error page.
     */
    static boolean fixable(RegistryException e) {
        return switch (e.code()) {
            case BAD_REQUEST, NAME_INVALID, TAG_INVALID, CONFLICT -> true;
            default -> false;
        };
    }

    private static void securityHeaders(Response response) {
        var h = response.getHeaders();
        h.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        h.put("X-Content-Type-Options", "nosniff");
        h.put("X-Frame-Options", "DENY");
        h.put("Referrer-Policy", "same-origin");
        h.put("Cross-Origin-Opener-Policy", "same-origin");
    }

    private void asset(Request request, Response response, Callback callback, String path) {
        Assets.Asset a = assets.find(path);
        if (a == null) {
            send(response, callback, 404, "text/plain; charset=utf-8", "no such file\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "public, max-age=31536000, immutable");
        response.getHeaders().put(HttpHeader.ETAG, a.etag());
        if (a.etag().equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
            response.setStatus(304);
            response.write(true, null, callback);
            return;
        }
        send(response, callback, 200, a.contentType(), "HEAD".equals(request.getMethod()) ? null : a.bytes());
    }

    private static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        if (body != null) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        }
        response.write(true, body == null ? null : ByteBuffer.wrap(body), callback);
    }

    /** AuthException (a throttled or wrong login) in the UI's words. */
    static RegistryException loginFailed(AuthException e) {
        return new RegistryException(e.kind() == AuthException.Kind.RATE_LIMITED ? ErrorCode.TOOMANYREQUESTS : ErrorCode.UNAUTHORIZED,
                e.getMessage());
    }
}
