package io.berth.auth;

import io.berth.oci.ErrorCode;
import io.berth.oci.Names;
import io.berth.oci.RegistryException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.berth.auth.AdminSupport.changed;
import static io.berth.auth.AdminSupport.notFound;
import static io.berth.auth.AdminSupport.require;
import static io.berth.auth.AdminSupport.requireMayChange;

/**
 * Namespaces and their members: a namespace exists for a caller only when they may pull from it (so a
 * private one and a missing one look alike); its visibility, its members and its deletion (forced when it
 * holds repositories) need the manage right, which owners and admins have.
 */
public final class NamespaceAdmin {
    /** A namespace, with what the caller may do in it. */
    public record NamespaceView(String name, boolean isPublic, Instant created, Set<Action> actions) {
    }

    private final AccessService access;
    private final AccessStore store;
    private final Authorizer authorizer;

    public NamespaceAdmin(AccessService access) {
        this.access = access;
        this.store = access.store();
        this.authorizer = access.authorizer();
    }

    /** The namespaces the caller may pull from. */
    public List<NamespaceView> list(Principal p) {
        List<NamespaceView> out = new ArrayList<>();
        for (AccessStore.Namespace ns : store.namespaces()) {
            Set<Action> actions = authorizer.allowedInNamespace(p, ns.name());
            if (actions.contains(Action.PULL)) {
                out.add(view(ns, actions));
            }
        }
        return out;
    }

    /** The names of the namespaces the caller may pull from, or null for every one (admins). */
    public Set<String> readableNames(Principal p) {
        if (AdminSupport.isAdmin(p)) {
            return null;
        }
        Set<String> out = new java.util.HashSet<>();
        for (NamespaceView ns : list(p)) {
            out.add(ns.name());
        }
        return out;
    }

    /** Whether the caller may create namespaces other than their own: admins, and users where users may (never an API token). */
    public boolean mayCreate(Principal p) {
        return authorizer.canCreateNamespaces(p);
    }

    /**
     * Creates a namespace, private unless {@code visibility} is "public"; an admin's has no owner, anyone
     * else's (where users may create namespaces) is theirs.
     */
    public NamespaceView create(Principal p, String client, String name, String visibility) {
        requireMayChange(p);
        // A namespace must leave room for a repository in it ("ns/x"), as a repository name is at most 255 characters.
        if (name == null || !Names.isPathComponent(name) || name.length() > Names.MAX_REPOSITORY_LENGTH - 2) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid namespace name (lower-case letters and digits, "
                    + "joined by . _ __ or -, at most " + (Names.MAX_REPOSITORY_LENGTH - 2) + " characters): "
                    + (name == null ? null : name.length() > 80 ? name.substring(0, 80) + "…" : name));
        }
        if (!authorizer.canCreateNamespaces(p)) {
            throw AdminSupport.denied();
        }
        boolean isPublic = "public".equals(visibility);
        String owner = p instanceof Principal.User u && !u.admin() ? u.name() : null;
        if (store.user(name).isPresent()) {
            // A user's name is theirs (names are one space): their personal namespace, deleted and created again,
            // is theirs again, never someone else's to publish under their name.
            if (owner != null && !owner.equals(name)) {
                throw new RegistryException(ErrorCode.CONFLICT, "the name " + name + " is a user's: only their own namespace may have it");
            }
            owner = name;
        }
        if (!store.createNamespace(name, isPublic, owner)) {
            throw new RegistryException(ErrorCode.CONFLICT, "namespace " + name + " already exists");
        }
        changed(access, p, client, "namespace.create", name, isPublic ? "public" : "private");
        return view(store.namespace(name).orElseThrow(), authorizer.allowedInNamespace(p, name));
    }

    public NamespaceView get(Principal p, String name) {
        Visible v = visible(p, name);
        return view(v.namespace, v.actions);
    }

    /** Makes a namespace "public" (anyone may pull) or "private". */
    public NamespaceView setVisibility(Principal p, String client, String name, String visibility) {
        requireMayChange(p);
        Visible v = managed(p, name);
        if (!"public".equals(visibility) && !"private".equals(visibility)) {
            throw AdminSupport.badRequest("visibility must be public or private");
        }
        store.setNamespaceVisibility(name, visibility.equals("public"));
        changed(access, p, client, "namespace.visibility", name, visibility);
        return view(store.namespace(name).orElseThrow(), v.actions);
    }

    /**
     * Deletes a namespace with its members and token grants; one that holds repositories only when forced
     * ({@link HoldsRepositoriesException} otherwise). Returns how many repositories went with it.
     */
    public long delete(Principal p, String client, String name, boolean force) {
        requireMayChange(p);
        managed(p, name);
        long removed = AdminSupport.deleted(store.deleteNamespace(name, force), "namespace", name, "namespace " + name);
        authorizer.namespaceDeleted(name);
        changed(access, p, client, "namespace.delete", name, AdminSupport.removedDetail(removed));
        return removed;
    }

    public List<AccessStore.Member> members(Principal p, String namespace) {
        managed(p, namespace);
        return store.members(namespace);
    }

    /** Gives an existing user a role ("reader", "writer", "maintainer", "owner") in the namespace. */
    public AccessStore.Member setMember(Principal p, String client, String namespace, String user, String role) {
        requireMayChange(p);
        managed(p, namespace);
        Role r;
        try {
            r = Role.parse(role);
        } catch (IllegalArgumentException e) {
            throw AdminSupport.badRequest(e.getMessage());
        }
        if (store.user(user).isEmpty()) {
            throw notFound("user", user);
        }
        store.setMember(namespace, user, r);
        changed(access, p, client, "member.set", namespace + ":" + user, r.wire());
        return new AccessStore.Member(namespace, user, r);
    }

    public void removeMember(Principal p, String client, String namespace, String user) {
        requireMayChange(p);
        managed(p, namespace);
        if (!store.removeMember(namespace, user)) {
            throw notFound("member", user);
        }
        changed(access, p, client, "member.remove", namespace + ":" + user, null);
    }

    private record Visible(AccessStore.Namespace namespace, Set<Action> actions) {
    }

    /** The namespace, if the caller may pull from it: a private one looks missing to outsiders. */
    private Visible visible(Principal p, String name) {
        AccessStore.Namespace ns = store.namespace(name).orElse(null);
        Set<Action> actions = authorizer.allowedInNamespace(p, name);
        if (ns == null || !actions.contains(Action.PULL)) {
            throw notFound("namespace", name);
        }
        return new Visible(ns, actions);
    }

    /** The namespace, if the caller may manage it (a reader sees it exists, and is refused). */
    private Visible managed(Principal p, String name) {
        Visible v = visible(p, name);
        require(v.actions, Action.MANAGE);
        return v;
    }

    private static NamespaceView view(AccessStore.Namespace ns, Set<Action> actions) {
        return new NamespaceView(ns.name(), ns.isPublic(), Instant.ofEpochMilli(ns.createdAt()), actions);
    }
}
