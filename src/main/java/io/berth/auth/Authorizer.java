package io.berth.auth;

import io.berth.oci.Names;
import com.github.benmanes.caffeine.cache.Cache;
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
final class Authorizer {
    static final Duration CACHE_TTL = Duration.ofSeconds(5);

    /** What registry:2's htpasswd auth lets every authenticated user do (delete still needs deletion enabled). */
    private static final Set<Action> REGISTRY2_ACTIONS = EnumSet.of(Action.PULL, Action.PUSH, Action.DELETE);

    private final AccessStore store;
    private final boolean usersCreateNamespaces;
    private final boolean htpasswd;
    private final boolean publicPulls;
    private final LoadingCache<String, Optional<AccessStore.Namespace>> namespaces;
    private final LoadingCache<String, Map<String, Role>> roles;
    /** Users by name: every request with a bearer token or an API token checks its user is still there. */
    private final LoadingCache<String, Optional<AccessStore.User>> users;
    private final LoadingCache<Boolean, Boolean> registry2Mode;
    /** Namespaces deleted on this node, and when: bearer tokens issued before then grant nothing in them. */
    private final Cache<String, Long> deletedNamespaces = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofHours(24)).build(); // the longest bearer-token lifetime

    /**
     * {@code htpasswd}: users come from registry:2's htpasswd file, so {@link #registry2Mode()} may hold.
     * {@code publicPulls}: a namespace Berth keeps no row for may be pulled by anyone (a public mirror).
     */
    public Authorizer(AccessStore store, boolean usersCreateNamespaces, boolean htpasswd, boolean publicPulls) {
        this.store = store;
        this.usersCreateNamespaces = usersCreateNamespaces;
        this.htpasswd = htpasswd;
        this.publicPulls = publicPulls;
        this.registry2Mode = Caffeine.newBuilder().expireAfterWrite(CACHE_TTL).build(k -> htpasswd && !store.accessConfigured());
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


    /** Every action the principal may take on the repository. */
    public Set<Action> allowed(Principal p, String repository) {
        return allowedInNamespace(p, Names.namespaceOf(repository));
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
        if (registry2Mode()) {
            out.addAll(REGISTRY2_ACTIONS);
        }
        Optional<AccessStore.Namespace> namespace = namespaces.get(ns);
        if (namespace.isEmpty()) {
            // A namespace nobody created yet: whoever may create namespaces becomes its owner on first push.
            if (usersCreateNamespaces || ns.equals(u.name())) {
                return EnumSet.copyOf(Action.ALL);
            }
            if (publicPulls) {
                out.add(Action.PULL);
            }
            return out;
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

    /**
     * A bearer token's grants on a repository, less what went away since it was issued: its account or
     * API token (deleted or revoked: the principal no longer resolves), or the namespace, when it was
     * deleted on this node (other nodes: until the token expires, minutes) -- so a namespace made again
     * under the name is not reachable with a grant on the old one.
     */
    public Set<Action> tokenActions(Caller caller, String repository) {
        TokenService.Verified t = caller.token();
        if (caller.principal() instanceof Principal.Anonymous && !"anonymous".equals(t.kind())) {
            return Set.of();
        }
        Long deleted = deletedNamespaces.getIfPresent(Names.namespaceOf(repository));
        // Issue times are whole seconds: a token of the deleting second counts as older (refused, never leaked).
        if (deleted != null && t.issuedAt() <= deleted) {
            return Set.of();
        }
        return t.actionsOn(repository);
    }

    /** Records a namespace delete (for {@link #tokenActions}) and drops cached decisions. */
    public void namespaceDeleted(String ns) {
        deletedNamespaces.put(ns, System.currentTimeMillis());
        invalidate();
    }

    public boolean isPublic(String ns) {
        return namespaces.get(ns).map(AccessStore.Namespace::isPublic).orElse(publicPulls);
    }

    /**
     * registry:2's meaning of htpasswd auth: Berth reads users from REGISTRY_AUTH_HTPASSWD_PATH and nobody
     * has set up access beyond that (no admin, no role other than users owning their personal namespace;
     * see {@link AccessStore#accessConfigured()}). Then every user may pull, push and delete everywhere.
     * Checked live (cached briefly), so creating an admin or granting a role switches to Berth's model.
     */
    public boolean registry2Mode() {
        return htpasswd && registry2Mode.get(Boolean.TRUE);
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
        String ns = Names.namespaceOf(repository);
        // An open mirror refuses every push; a row made for one would turn the namespace private.
        if (publicPulls || namespaces.get(ns).isPresent()) {
            return;
        }
        String owner = switch (p) {
            case Principal.User u -> u.name();
            case Principal.Robot r -> r.owner();
            case Principal.Anonymous a -> null;
        };
        // In registry:2 mode the namespace gets no owner: an owner role would be set-up access and end the
        // mode, and once roles apply an admin decides who may use what was pushed there.
        store.createNamespace(ns, false, registry2Mode() ? null : owner);
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
        registry2Mode.invalidateAll();
    }
}
