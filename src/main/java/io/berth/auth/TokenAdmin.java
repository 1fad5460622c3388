package io.berth.auth;

import io.berth.metadata.MetadataUnavailableException;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.berth.auth.AdminSupport.changed;
import static io.berth.auth.AdminSupport.requireMayChange;

/**
 * API tokens, which users make for CI and scripts: a token cannot hold more than its creator may do when it
 * is made (and it never does more than its owner may do now, see {@link Authorizer}); only users manage
 * tokens, never a token itself; lifetimes are capped by {@code BERTH_AUTH_APITOKENMAXTTL}.
 */
public final class TokenAdmin {
    /** The rule for {@code expiresInDays}, also said where a front end reads a value that is no whole number. */
    public static final String EXPIRY_RULE = "expiresInDays must be a whole number of days from 1 to 36500";

    /** A token as its owner (or an admin) sees it: never its secret, which is shown once, at creation. */
    public record TokenView(String id, String owner, String name, List<TokenScope> scopes, Instant created, Instant expires,
                            Instant lastUsed, boolean revoked) {
    }

    /** A new token: its secret (shown once, stored only hashed) and the user name to log in with. */
    public record NewToken(TokenView token, String secret, String username) {
    }

    /** One requested grant: a namespace ("*" for every one the owner can reach) and action words ("pull", "push", "delete", "*"). */
    public record ScopeRequest(String namespace, List<String> actions) {
    }

    private final AccessService access;
    private final AccessStore store;

    public TokenAdmin(AccessService access) {
        this.access = access;
        this.store = access.store();
    }

    /** The caller's tokens; with {@code all}, an admin's list has everyone's. */
    public List<TokenView> list(Principal p, boolean all) {
        Principal.User u = owner(p);
        return store.tokens(all && u.admin() ? null : u.name()).stream().map(TokenAdmin::view).toList();
    }

    /**
     * Makes a token for the caller. {@code expiresInDays} null means never, or the configured maximum when
     * there is one; longer than the maximum is refused rather than silently shortened, so a CI job does not
     * discover it months later.
     */
    public NewToken create(Principal p, String client, String name, List<ScopeRequest> scopes, Integer expiresInDays) {
        requireMayChange(p);
        Principal.User u = owner(p);
        if (name == null || !name.matches("[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}")) {
            throw AdminSupport.badRequest("token names are 1-64 letters, digits and . _ -");
        }
        List<TokenScope> granted = scopes(scopes, u);
        Long expiresAt = expiry(expiresInDays);
        String secret;
        try {
            secret = access.createApiToken(u.name(), name, granted, expiresAt);
        } catch (MetadataUnavailableException e) {
            if (named(u, name).isPresent()) {
                throw new RegistryException(ErrorCode.CONFLICT, "you already have a token named " + name);
            }
            throw e;
        }
        String username = u.name() + "+" + name;
        changed(access, p, client, "token.create", username, null);
        return new NewToken(view(named(u, name).orElseThrow()), secret, username);
    }

    /** Revokes one of the caller's tokens (anyone's, for an admin); revoking a revoked token again is no error. */
    public void revoke(Principal p, String client, String id) {
        requireMayChange(p);
        Principal.User u = owner(p);
        if (!store.revokeToken(id, u.admin() ? null : u.name())) {
            throw AdminSupport.notFound("token", id);
        }
        access.credentialsChanged();
        changed(access, p, client, "token.revoke", id, null);
    }

    private static Principal.User owner(Principal p) {
        if (!(p instanceof Principal.User u)) {
            throw new RegistryException(ErrorCode.DENIED, "API tokens cannot manage API tokens");
        }
        return u;
    }

    private Optional<AccessStore.ApiToken> named(Principal.User u, String name) {
        return store.tokens(u.name()).stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** The requested scopes, each of which must be within what the creator may do now. */
    private List<TokenScope> scopes(List<ScopeRequest> requested, Principal.User u) {
        if (requested == null || requested.isEmpty()) {
            throw AdminSupport.badRequest("scopes must be a non-empty array of {namespace, actions}");
        }
        List<TokenScope> out = new ArrayList<>();
        for (ScopeRequest s : requested) {
            Set<Action> actions = EnumSet.noneOf(Action.class);
            for (String a : s.actions()) {
                Set<Action> parsed = Action.parseScopeAction(a);
                if (parsed.isEmpty()) {
                    throw AdminSupport.badRequest("token actions are pull, push and delete");
                }
                actions.addAll(parsed);
            }
            if (actions.isEmpty()) {
                throw AdminSupport.badRequest("each scope needs actions");
            }
            if (!s.namespace().equals("*") && !access.authorizer().allowedInNamespace(u, s.namespace()).containsAll(actions)) {
                throw new RegistryException(ErrorCode.DENIED, "a token cannot hold more than its creator: you may not "
                        + actions.stream().map(Action::wire).toList() + " in " + s.namespace());
            }
            out.add(new TokenScope(s.namespace(), actions));
        }
        return out;
    }

    /** When a new token expires (epoch millis, null for never): in whole days from 1 to 36500, within the maximum. */
    private Long expiry(Integer days) {
        Duration max = access.settings().apiTokenMaxLifetime();
        long now = System.currentTimeMillis();
        if (days == null) {
            return max == null ? null : now + max.toMillis();
        }
        if (days < 1 || days > 36_500) {
            throw AdminSupport.badRequest(EXPIRY_RULE);
        }
        Duration asked = Duration.ofDays(days);
        if (max != null && asked.compareTo(max) > 0) {
            throw AdminSupport.badRequest("expiresInDays may be at most " + max.toDays()
                    + " on this registry (BERTH_AUTH_APITOKENMAXTTL); omit it to get the maximum");
        }
        return now + asked.toMillis();
    }

    private static TokenView view(AccessStore.ApiToken t) {
        return new TokenView(t.id(), t.owner(), t.name(), t.scopes(), Instant.ofEpochMilli(t.createdAt()), instant(t.expiresAt()),
                instant(t.lastUsedAt()), t.revoked());
    }

    private static Instant instant(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }
}
