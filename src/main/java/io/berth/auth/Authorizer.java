package io.berth.auth;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides what a principal may do to a repository, from the namespace (the name's first segment),
 * its visibility and the principal's role in it. Lookups are cached briefly: on this node changes
 * invalidate at once; other nodes of a cluster see them within {@link #CACHE_TTL}.
 */
public final class Authorizer {
    static final Duration CACHE_TTL = Duration.ofSeconds(5);

    private final AccessStore store;
    private final boolean usersCreateNamespaces;
    private final LoadingCache<String, Optional<AccessStore.Namespace>> namespaces;
    private final LoadingCache<String, Map<String, Role>> roles;
    /** Users by name: every request with a bearer token or an API token checks its user is still there. */
    private final LoadingCache<String, Optional<AccessStore.User>> users;

    public Authorizer(AccessStore store, boolean usersCreateNamespaces) {
        this.store = store;
        this.usersCreateNamespaces = usersCreateNamespaces;
        this.namespaces = Caffeine.newBuilder().maximumSize(50_000).expireAfterWrite(CACHE_TTL).build(store::namespace);
        this.roles = Caffeine.newBuilder().maximumSize(50_000).expireAfterWrite(CACHE_TTL)
                .build(user -> store.memberships(user).stream()
                        .collect(Collectors.toMap(AccessStore.Member::namespace, AccessStore.Member::role)));
        this.users = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(CACHE_TTL).build(store::user);
    }

    /** The user as stored, cached like namespaces and roles. */
    public Optional<AccessStore.User> user(String name) {
        return users.get(name);
    }

    public static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    /** Every action the principal may take on the repository. */
    public Set<Action> allowed(Principal p, String repository) {
        return allowedInNamespace(p, namespaceOf(repository));
    }

    public Set<Action> allowedInNamespace(Principal p, String ns) {
        return switch (p) {
            case Principal.Anonymous a -> isPublic(ns) ? EnumSet.of(Action.PULL) : EnumSet.noneOf(Action.class);
            case Principal.User u -> forUser(u, ns);
            case Principal.Robot r -> forRobot(r, ns);
        };
    }

    private Set<Action> forUser(Principal.User u, String ns) {
        if (u.admin()) {
            return EnumSet.copyOf(Action.ALL);
        }
        Set<Action> out = EnumSet.noneOf(Action.class);
        Optional<AccessStore.Namespace> namespace = namespaces.get(ns);
        if (namespace.isEmpty()) {
            // A namespace nobody created yet: whoever may create namespaces becomes its owner on first push.
            return usersCreateNamespaces || ns.equals(u.name()) ? EnumSet.copyOf(Action.ALL) : out;
        }
        Role role = roles.get(u.name()).get(ns);
        if (role != null) {
            out.addAll(role.actions());
        }
        if (namespace.get().isPublic()) {
            out.add(Action.PULL);
        }
        return out;
    }

    private Set<Action> forRobot(Principal.Robot r, String ns) {
        Set<Action> granted = EnumSet.noneOf(Action.class);
        for (TokenScope s : r.scopes()) {
            if (s.covers(ns)) {
                granted.addAll(s.actions());
            }
        }
        granted.remove(Action.MANAGE);
        Set<Action> owner = user(r.owner())
                .filter(u -> !u.disabled())
                .map(u -> forUser(new Principal.User(u.name(), u.admin()), ns))
                .orElse(EnumSet.noneOf(Action.class));
        granted.retainAll(owner);
        // Robots read public namespaces like anyone else.
        if (isPublic(ns)) {
            granted.add(Action.PULL);
        }
        return granted;
    }

    public boolean isPublic(String ns) {
        return namespaces.get(ns).map(AccessStore.Namespace::isPublic).orElse(false);
    }

    public boolean canRead(Principal p, String repository) {
        return allowed(p, repository).contains(Action.PULL);
    }

    /** Whether the principal may create namespaces other than its own. */
    public boolean canCreateNamespaces(Principal p) {
        return p instanceof Principal.User u && (u.admin() || usersCreateNamespaces);
    }

    /** Creates the repository's namespace on first push (private, the pusher owner). */
    public void ensureNamespace(Principal p, String repository) {
        String ns = namespaceOf(repository);
        if (namespaces.get(ns).isPresent()) {
            return;
        }
        String owner = switch (p) {
            case Principal.User u -> u.name();
            case Principal.Robot r -> r.owner();
            case Principal.Anonymous a -> null;
        };
        store.createNamespace(ns, false, owner);
        invalidate();
    }

    /** Namespaces the principal can read, for filtering listings; null means all (admins). */
    public Set<String> readableNamespaces(Principal p, List<String> candidates) {
        if (p instanceof Principal.User u && u.admin()) {
            return null;
        }
        return candidates.stream().filter(ns -> allowedInNamespace(p, ns).contains(Action.PULL)).collect(Collectors.toSet());
    }

    public void invalidate() {
        namespaces.invalidateAll();
        roles.invalidateAll();
        users.invalidateAll();
    }
}
