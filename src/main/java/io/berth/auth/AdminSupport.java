package io.berth.auth;

import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;

import java.util.Set;

/** What the parts of the admin service share: who may change things, how refusals read, how a change is recorded. */
final class AdminSupport {
    private AdminSupport() {
    }

    /** API tokens live in CI and scripts, where they leak most easily: they may look, never change anything. */
    static void requireMayChange(Principal p) {
        if (p instanceof Principal.Robot) {
            throw new RegistryException(ErrorCode.DENIED, "API tokens may only read the admin API; log in with your password to change things");
        }
    }

    static void requireAdmin(Principal p) {
        if (!isAdmin(p)) {
            throw denied();
        }
    }

    static boolean isAdmin(Principal p) {
        return p instanceof Principal.User u && u.admin();
    }

    static void require(Set<Action> actions, Action needed) {
        if (!actions.contains(needed)) {
            throw denied();
        }
    }

    static RegistryException denied() {
        return new RegistryException(ErrorCode.DENIED, "requested access to the resource is denied");
    }

    static RegistryException notFound(String what, String name) {
        return new RegistryException(ErrorCode.NOT_FOUND, what + " " + name + " not found");
    }

    static RegistryException badRequest(String message) {
        return new RegistryException(ErrorCode.BAD_REQUEST, message);
    }

    /** A password fit for bcrypt (not empty, at most 72 bytes). */
    static void checkPassword(String password) {
        try {
            Passwords.checkLength(password);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
    }

    /**
     * Records a change that was just committed: drops this node's cached rights and credential checks (other
     * nodes follow within the caches' 5 s), then writes the audit event before the change is answered.
     */
    static void changed(AccessService access, Principal p, String client, String action, String target, String detail) {
        access.credentialsChanged();
        access.audit().recordDurably(p.name(), action, target, client, true, detail);
    }

    /** What a delete removed, or why it did not: 404 for nothing to delete; a namespace whose repositories need force. */
    static long deleted(AccessStore.Deletion d, String what, String name, String holder) {
        return switch (d.outcome()) {
            case NOT_FOUND -> throw notFound(what, name);
            case HOLDS_REPOSITORIES -> throw new HoldsRepositoriesException(holder, d.repositories());
            case DELETED -> d.repositories();
        };
    }

    /** The audit detail of a delete: how many repositories went with it, if any. */
    static String removedDetail(long repositories) {
        return repositories == 0 ? null : "with " + HoldsRepositoriesException.count(repositories);
    }
}
