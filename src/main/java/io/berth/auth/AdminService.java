package io.berth.auth;

import io.berth.registry.Registry;

import java.util.List;

/**
 * Administration of users, namespaces and members, API tokens and repositories, and the audit log: every
 * rule of who may do what there, and the audit events of every change, for all front ends alike (the admin
 * API, {@code berth user}, and the web UI to come). Each call takes the caller and plain values and answers
 * with records; a refusal is a {@link io.berth.oci.RegistryException} carrying the spec's error code
 * (DENIED, NOT_FOUND, CONFLICT, BAD_REQUEST, NAME_INVALID), {@link HoldsRepositoriesException} among them.
 * Changes take {@code client}, where the request came from, for the audit log (null when there is none).
 * No HTTP, no JSON.
 */
public final class AdminService {
    private final AccessService access;
    private final UserAdmin users;
    private final NamespaceAdmin namespaces;
    private final TokenAdmin tokens;
    private final RepositoryAdmin repositories;

    public AdminService(AccessService access, Registry registry) {
        this.access = access;
        this.users = new UserAdmin(access);
        this.namespaces = new NamespaceAdmin(access);
        this.tokens = new TokenAdmin(access);
        this.repositories = new RepositoryAdmin(access, registry);
    }

    public UserAdmin users() {
        return users;
    }

    public NamespaceAdmin namespaces() {
        return namespaces;
    }

    public TokenAdmin tokens() {
        return tokens;
    }

    public RepositoryAdmin repositories() {
        return repositories;
    }

    /** The audit log, newest first, for admins; events still queued are written first, so the answer is complete. */
    public List<AccessStore.AuditEvent> audit(Principal p, AccessStore.AuditQuery query) {
        AdminSupport.requireAdmin(p);
        access.audit().flush();
        return access.store().audit(query);
    }

    /** Refuses everyone but admins (DENIED): for a front end's pages that only admins may see, such as the system's. */
    public static void requireAdmin(Principal p) {
        AdminSupport.requireAdmin(p);
    }

    /**
     * Refuses API tokens anything but reading: every change here checks it, and a front end may check it
     * for a whole kind of request up front (the admin API, for every method but GET and HEAD).
     */
    public static void requireMayChange(Principal p) {
        AdminSupport.requireMayChange(p);
    }
}
