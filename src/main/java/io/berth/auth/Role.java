package io.berth.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** A member's role in a namespace; each role includes the ones before it. */
public enum Role {
    READER(EnumSet.of(Action.PULL)),
    WRITER(EnumSet.of(Action.PULL, Action.PUSH)),
    MAINTAINER(EnumSet.of(Action.PULL, Action.PUSH, Action.DELETE)),
    OWNER(EnumSet.of(Action.PULL, Action.PUSH, Action.DELETE, Action.MANAGE));

    private final Set<Action> actions;

    Role(Set<Action> actions) {
        this.actions = actions;
    }

    public Set<Action> actions() {
        return actions;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("role must be one of reader, writer, maintainer, owner");
        }
    }
}
