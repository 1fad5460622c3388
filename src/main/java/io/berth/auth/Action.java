package io.berth.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a caller may do to a repository. PULL, PUSH and DELETE are the Docker token-scope actions;
 * MANAGE (members, visibility, settings) exists only inside Berth and never appears in a token.
 */
public enum Action {
    PULL, PUSH, DELETE, MANAGE;

    public static final Set<Action> ALL = EnumSet.allOf(Action.class);

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A scope action ("pull", "push", "delete", "*"), or null for one Berth does not know. */
    public static Set<Action> parseScopeAction(String s) {
        return switch (s) {
            case "pull" -> EnumSet.of(PULL);
            case "push" -> EnumSet.of(PUSH);
            case "delete" -> EnumSet.of(DELETE);
            case "*" -> EnumSet.of(PULL, PUSH, DELETE);
            default -> EnumSet.noneOf(Action.class);
        };
    }
}
