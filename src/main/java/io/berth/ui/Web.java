package io.berth.ui;

import io.berth.auth.AccessService;
import io.berth.auth.Principal;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** One browser request: who is looking (from the session cookie), its query and form, and how to answer. */
final class Web {
    static final String SESSION_COOKIE = "berth_session";
    /** Form bodies are a few fields; anything larger is not from our pages. */
    private static final int MAX_FORM_BYTES = 64 * 1024;

    final Request request;
    final Response response;
    final Callback callback;
    final String method;
    final String path;
    /** The logged-in session, or null. */
    final AccessService.Session session;
    /** When the request reached the web interface (System.nanoTime), for the Server-Timing admins see. */
    final long started;
    private Fields query;
    private Fields form;

    Web(Request request, Response response, Callback callback, AccessService.Session session, long started) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.method = request.getMethod();
        this.path = Request.getPathInContext(request);
        this.session = session;
        this.started = started;
    }

    /** Who is looking: a user, an API token (read-only), or nobody. */
    Principal principal() {
        return session == null ? Principal.ANONYMOUS : session.principal();
    }

    /** The pages of one's own account and of administration: nobody is sent to the login (which returns here). */
    void requireLogin() {
        if (session == null) {
            throw new RegistryException(ErrorCode.UNAUTHORIZED, "log in to see this page");
        }
    }

    /** Whether the viewer may change things: logged in with a password (an API token's session only looks). */
    boolean mayChange() {
        return session != null && !(session.principal() instanceof Principal.Robot);
    }

    Page.Viewer viewer() {
        if (session == null) {
            return null;
        }
        Principal p = session.principal();
        return new Page.Viewer(p.name(), p instanceof Principal.User u && u.admin(), p instanceof Principal.Robot);
    }

    /** The token every change must carry: derived from the session's id, which only the session's cookie holds. */
    String csrf() {
        return session == null ? "" : csrfFor(session.id());
    }

    static String csrfFor(String sessionId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(("berth-csrf\0" + sessionId).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String client() {
        return Request.getRemoteAddr(request);
    }

    /** host[:port] as the browser reached Berth: what `docker pull` needs in front of a name. */
    String host() {
        String authority = request.getHttpURI().getAuthority();
        return authority == null ? "localhost" : authority;
    }

    String query(String name) {
        if (query == null) {
            try {
                query = Request.extractQueryParameters(request);
            } catch (RuntimeException e) {
                throw new RegistryException(ErrorCode.BAD_REQUEST, "malformed query string");
            }
        }
        Fields.Field f = query.get(name);
        return f == null ? null : f.getValue();
    }

    /** A field of the POSTed form (application/x-www-form-urlencoded), or null. */
    String form(String name) {
        if (form == null) {
            try {
                form = FormFields.getFields(request, MAX_FORM_BYTES / 64, MAX_FORM_BYTES);
            } catch (RuntimeException e) {
                throw new RegistryException(ErrorCode.BAD_REQUEST, "malformed or oversized form");
            }
        }
        Fields.Field f = form.get(name);
        return f == null ? null : f.getValue();
    }

    /** Every value of a form field sent several times (checkboxes of one name); empty when absent. */
    java.util.List<String> forms(String name) {
        form(name);
        Fields.Field f = form.get(name);
        return f == null ? java.util.List.of() : f.getValues();
    }

    /** A form field as typed, trimmed; null when absent or blank. */
    String field(String name) {
        String v = form(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** What the viewer typed into a field, to show the form again after a refusal ("" for a GET, or nothing typed). */
    String typed(String name) {
        String v = isPost() ? form(name) : null;
        return v == null ? "" : v;
    }

    boolean isPost() {
        return "POST".equals(method);
    }

    void redirect(String location) {
        response.setStatus(303);
        response.getHeaders().put(HttpHeader.LOCATION, location);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, null, callback);
    }

    void setSessionCookie(String value, boolean expire) {
        setSessionCookie(request, response, value, expire);
    }

    /** The session cookie: HttpOnly, SameSite=Lax, Secure under TLS; {@code expire} removes it. */
    static void setSessionCookie(Request request, Response response, String value, boolean expire) {
        HttpCookie cookie = HttpCookie.build(SESSION_COOKIE, value)
                .path("/").httpOnly(true).secure(request.isSecure()).sameSite(HttpCookie.SameSite.LAX)
                .maxAge(expire ? 0 : -1).build();
        Response.addCookie(response, cookie);
    }
}
