package io.berth.auth;

import java.util.Set;

/**
 * An authenticated request: who it is and, for bearer tokens, what the token grants. With a token
 * the token's grants are the authority (they were intersected with the caller's rights when it was
 * issued); with Basic credentials or none, rights are looked up live.
 */
public record Caller(Principal principal, TokenService.Verified token, boolean presentedCredentials) {

    public static final Caller ANONYMOUS = new Caller(Principal.ANONYMOUS, null, false);

    public Set<Action> actionsOn(String repository, Authorizer authorizer) {
        return token != null ? authorizer.tokenActions(this, repository) : authorizer.allowed(principal, repository);
    }

    public boolean isAnonymous() {
        return principal instanceof Principal.Anonymous;
    }
}
