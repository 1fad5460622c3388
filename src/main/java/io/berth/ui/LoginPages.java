package io.berth.ui;

import io.berth.auth.AccessService;
import io.berth.auth.AuthException;
import io.berth.auth.Principal;

import java.util.HashMap;
import java.util.Map;

/** Logging in (a password, or an API token, which may only look) and out. */
final class LoginPages {
    private final WebUi ui;
    private final AccessService access;

    LoginPages(WebUi ui, AccessService access) {
        this.ui = ui;
        this.access = access;
    }

    void login(Web web) {
        String next = safeNext(web.isPost() ? web.form("next") : web.query("next"));
        if (!web.isPost()) {
            show(web, 200, next, null, null);
            return;
        }
        if (access == null) {
            web.redirect(next);
            return;
        }
        String username = web.form("username");
        String password = web.form("password");
        if (username == null || username.isBlank() || password == null || password.isEmpty()) {
            show(web, 400, next, username, "Enter your user name and password (or an API token).");
            return;
        }
        Principal p;
        try {
            p = access.login(username.trim(), password, web.client());
        } catch (AuthException e) {
            show(web, e.kind() == AuthException.Kind.RATE_LIMITED ? 429 : 401, next, username,
                    e.kind() == AuthException.Kind.RATE_LIMITED ? e.getMessage() : "Incorrect user name or password.");
            return;
        }
        web.setSessionCookie(access.startSession(p), false);
        web.redirect(next);
    }

    void logout(Web web) {
        if (!web.isPost()) {
            web.redirect("/");
            return;
        }
        if (web.session != null) {
            access.endSession(web.session); // the cookie is refused from now on, even where a copy of it survives
        }
        web.setSessionCookie("", true);
        web.redirect("/login");
    }

    private void show(Web web, int status, String next, String username, String error) {
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Log in", "login", error == null ? null : new Page.Flash(true, error)));
        params.put("next", next);
        params.put("username", username == null ? "" : username);
        params.put("open", access == null);
        ui.render(web, status, "login.jte", params);
    }

    /** Only a path of this site: never "//elsewhere" or "https://elsewhere" (no open redirect through the login). */
    static String safeNext(String next) {
        boolean local = next != null && next.startsWith("/") && !next.startsWith("//") && onlyPathCharacters(next);
        return local && !next.startsWith("/login") ? next : "/";
    }

    /**
     * Only printable ASCII other than the backslash: browsers drop tabs and newlines from a URL and read "\" as
     * "/", so "/\t/evil.example" would leave the site. Every path of ours (names are ASCII) passes.
     */
    private static boolean onlyPathCharacters(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
