package io.berth.auth;

import java.util.EnumSet;
import java.util.Set;

/**
 * An authenticated request: who it is and, for bearer tokens, what the token grants. Rights are looked
 * up live on every request; a bearer token narrows them to its grants and never widens them, so a role
 * lost since the token was issued is lost at once.
 */
public record Caller(Principal principal, TokenService.Verified token, boolean presentedCredentials) {

    public static final Caller ANONYMOUS = new Caller(Principal.ANONYMOUS, null, false);

    Set<Action> actionsOn(String repository, Authorizer authorizer) {
        if (token == null) {
            return authorizer.allowed(principal, repository);
        }
        Set<Action> granted = authorizer.tokenActions(this, repository);
        if (granted.isEmpty()) {
            return granted; // no lookup for a repository the token does not name
        }
        Set<Action> both = EnumSet.copyOf(granted);
        both.retainAll(authorizer.allowed(principal, repository));
        return both;
    }

    public boolean isAnonymous() {
        return principal instanceof Principal.Anonymous;
    }
}
