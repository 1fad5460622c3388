package io.berth.ui;

import io.berth.auth.AccessService;
import io.berth.auth.AccessStore;
import io.berth.auth.Action;
import io.berth.auth.AdminService;
import io.berth.auth.Principal;
import io.berth.auth.TokenAdmin;
import io.berth.auth.TokenAdmin.TokenView;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The viewer's own API tokens: the list (scopes, created, expires, last used), revoking one, and creating one,
 * whose secret the answer to the creating POST shows once (never in a URL, never again). Every change is a
 * call of {@code TokenAdmin}, which decides what a token may hold.
 */
final class TokenPages {
    /** The actions a scope row offers, as TokenAdmin takes them. */
    static final List<String> ACTIONS = List.of("pull", "push", "delete");
    /** Rows beyond these are not from our form. */
    private static final int MAX_ROWS = 500;

    /** A token in the list: its view, and whether it still works (not revoked, not expired). */
    record TokenRow(TokenView token, String scopes, boolean active, String state) {
    }

    /**
     * One row of the form's scopes: a namespace (fixed: "*" or one of the viewer's; else typed in), what the
     * viewer's role there is, and the actions checked.
     */
    record ScopeRow(int index, String namespace, boolean fixed, String label, Set<String> checked) {
        boolean has(String action) {
            return checked.contains(action);
        }
    }

    private final WebUi ui;
    private final AccessService access;
    private final AdminService admin;

    TokenPages(WebUi ui, AccessService access, AdminService admin) {
        this.ui = ui;
        this.access = access;
        this.admin = admin;
    }

    /** /tokens and /tokens/ID/revoke, the path after "/tokens". */
    void handle(Web web, String rest) {
        if (admin == null) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "This registry runs without logins (BERTH_AUTH=none): it has no API tokens.");
        }
        web.requireLogin();
        if (rest.isEmpty()) {
            if (web.isPost()) {
                create(web);
            } else {
                list(web, 200, flash(web));
            }
        } else if (web.isPost() && rest.endsWith("/revoke") && rest.indexOf('/', 1) == rest.length() - "/revoke".length()) {
            admin.tokens().revoke(web.principal(), web.client(), rest.substring(1, rest.length() - "/revoke".length()));
            web.redirect("/tokens" + Format.query("done", "revoked"));
        } else {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
    }

    private void list(Web web, int status, Page.Flash flash) {
        Principal p = web.principal();
        long now = System.currentTimeMillis();
        List<TokenRow> rows = admin.tokens().list(p, false).stream().map(t -> row(t, now)).toList();
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "API tokens", "tokens", flash));
        params.put("tokens", rows);
        params.put("rows", scopeRows(web, p));
        params.put("name", web.typed("name"));
        params.put("days", web.typed("days"));
        Duration max = access.settings().apiTokenMaxLifetime();
        params.put("maxDays", max == null ? 0L : max.toDays());
        params.put("actions", ACTIONS);
        ui.render(web, status, "tokens.jte", params);
    }

    private static TokenRow row(TokenView t, long now) {
        boolean expired = t.expires() != null && t.expires().toEpochMilli() <= now;
        String scopes = t.scopes().stream()
                .map(s -> ("*".equals(s.namespace()) ? "all namespaces" : s.namespace()) + ": "
                        + s.actions().stream().map(Action::wire).collect(Collectors.joining(", ")))
                .collect(Collectors.joining("; "));
        return new TokenRow(t, scopes, !t.revoked() && !expired, t.revoked() ? "revoked" : expired ? "expired" : "active");
    }

    /** "*", each namespace the viewer has a role in, and one to type in; checked as the form sent them, when it did. */
    private List<ScopeRow> scopeRows(Web web, Principal p) {
        List<ScopeRow> rows = new ArrayList<>();
        rows.add(new ScopeRow(0, "*", true, "All namespaces you can reach", checked(web, 0)));
        if (p instanceof Principal.User) {
            for (AccessStore.Member m : admin.users().me(p).namespaces()) {
                rows.add(new ScopeRow(rows.size(), m.namespace(), true, "you are " + m.role().wire(), checked(web, rows.size())));
                if (rows.size() >= MAX_ROWS - 1) {
                    break;
                }
            }
        }
        int other = rows.size();
        rows.add(new ScopeRow(other, web.typed("ns" + other), false, "another namespace", checked(web, other)));
        return rows;
    }

    private static Set<String> checked(Web web, int index) {
        Set<String> out = new HashSet<>();
        if (web.isPost()) {
            for (String a : ACTIONS) {
                if (web.form(a + index) != null) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    private void create(Web web) {
        List<TokenAdmin.ScopeRequest> scopes = new ArrayList<>();
        for (int i = 0; i < MAX_ROWS; i++) {
            String ns = web.field("ns" + i);
            if (ns == null) {
                continue;
            }
            List<String> actions = new ArrayList<>();
            for (String a : ACTIONS) {
                if (web.form(a + i) != null) {
                    actions.add(a);
                }
            }
            if (!actions.isEmpty()) {
                scopes.add(new TokenAdmin.ScopeRequest(ns, actions));
            }
        }
        TokenAdmin.NewToken created;
        try {
            if (scopes.isEmpty()) {
                throw new RegistryException(ErrorCode.BAD_REQUEST, "Choose what the token may do: at least one action in one namespace.");
            }
            created = admin.tokens().create(web.principal(), web.client(), web.field("name"), scopes, days(web.field("days")));
        } catch (RegistryException e) {
            if (!WebUi.fixable(e) && e.code() != ErrorCode.DENIED) { // DENIED: more than the creator may do, which they can fix
                throw e;
            }
            list(web, WebUi.status(e), new Page.Flash(true, e.getMessage()));
            return;
        }
        // The answer to this POST is the one place the secret is ever shown: not a redirect, whose page could be reloaded.
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Token created", "tokens", null));
        params.put("token", row(created.token(), System.currentTimeMillis()));
        params.put("secret", created.secret());
        params.put("username", created.username());
        params.put("host", web.host());
        ui.render(web, 201, "token-created.jte", params);
    }

    /** Days until expiry as typed: null for the registry's default (never, or its maximum). */
    private static Integer days(String typed) {
        if (typed == null) {
            return null;
        }
        try {
            return Integer.valueOf(typed);
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.BAD_REQUEST, TokenAdmin.EXPIRY_RULE);
        }
    }

    private static Page.Flash flash(Web web) {
        return "revoked".equals(web.query("done")) ? new Page.Flash(false, "Token revoked: it no longer logs in.") : null;
    }

    /** A token's expiry or last use: "never" for none. */
    static String when(Instant at) {
        return at == null ? "never" : Format.time(at.toEpochMilli());
    }
}
