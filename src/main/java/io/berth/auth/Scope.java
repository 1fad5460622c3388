package io.berth.auth;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A token scope ("repository:team/app:pull,push", "registry:catalog:*") as in
 * shared/specs/docker/auth-scope.md. Unknown types and actions are kept out: they are never granted.
 */
public record Scope(String type, String name, Set<Action> actions, boolean catalog) {

    public static final String REPOSITORY = "repository";

    /** Parses space-separated scopes (one scope parameter may hold several); malformed ones are dropped. */
    public static List<Scope> parseAll(List<String> values) {
        Map<String, Scope> merged = new LinkedHashMap<>();
        for (String v : values) {
            for (String s : v.trim().split("\\s+")) {
                Scope p = parse(s);
                if (p != null) {
                    merged.merge(p.type + ":" + p.name, p, (a, b) -> {
                        Set<Action> all = EnumSet.noneOf(Action.class);
                        all.addAll(a.actions);
                        all.addAll(b.actions);
                        return new Scope(a.type, a.name, all, a.catalog || b.catalog);
                    });
                }
            }
        }
        return new ArrayList<>(merged.values());
    }

    static Scope parse(String s) {
        int first = s.indexOf(':');
        int last = s.lastIndexOf(':');
        if (first <= 0 || last == first) {
            return null;
        }
        String type = s.substring(0, first);
        String name = s.substring(first + 1, last);
        // registry:2 tolerates a "(class)" suffix on the type, e.g. repository(plugin)
        int paren = type.indexOf('(');
        if (paren > 0) {
            type = type.substring(0, paren);
        }
        Set<Action> actions = EnumSet.noneOf(Action.class);
        boolean catalog = false;
        for (String a : s.substring(last + 1).split(",")) {
            if ("registry".equals(type) && "catalog".equals(name) && "*".equals(a)) {
                catalog = true;
            } else {
                actions.addAll(Action.parseScopeAction(a));
            }
        }
        if ("registry".equals(type) && "catalog".equals(name)) {
            return catalog ? new Scope(type, name, EnumSet.noneOf(Action.class), true) : null;
        }
        return REPOSITORY.equals(type) && !name.isEmpty() ? new Scope(type, name, actions, false) : null;
    }

    /** The scope as a challenge or token response names it. */
    public String wire() {
        if (catalog) {
            return "registry:catalog:*";
        }
        return type + ":" + name + ":" + String.join(",", actions.stream().map(Action::wire).toList());
    }
}
