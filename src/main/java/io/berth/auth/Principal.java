package io.berth.auth;

import java.util.List;

/** Who is calling: nobody, a user, or an API token (robot) acting for its owner within its scopes. */
public sealed interface Principal {

    /** The name shown in the audit log and token subjects ("" for anonymous). */
    String name();

    record Anonymous() implements Principal {
        @Override
        public String name() {
            return "";
        }
    }

    record User(String name, boolean admin) implements Principal {
    }

    /** An API token: {@code owner}'s permissions, narrowed to {@code scopes}. */
    record Robot(String id, String owner, String tokenName, List<TokenScope> scopes) implements Principal {
        @Override
        public String name() {
            return owner + "+" + tokenName;
        }
    }

    Principal ANONYMOUS = new Anonymous();
}
