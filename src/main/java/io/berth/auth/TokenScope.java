package io.berth.auth;

import java.util.Set;

/** One grant of an API token: actions on a namespace ("*" for every namespace the owner can reach). */
public record TokenScope(String namespace, Set<Action> actions) {
    public boolean covers(String ns) {
        return "*".equals(namespace) || namespace.equals(ns);
    }
}
