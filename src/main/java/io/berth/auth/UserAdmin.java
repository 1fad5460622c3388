package io.berth.auth;

import io.berth.oci.ErrorCode;
import io.berth.oci.Names;
import io.berth.oci.RegistryException;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static io.berth.auth.AdminSupport.changed;
import static io.berth.auth.AdminSupport.notFound;
import static io.berth.auth.AdminSupport.requireAdmin;
import static io.berth.auth.AdminSupport.requireMayChange;

/**
 * Users, for the admin API and {@code berth user}: who may list, create, change and delete them, the name
 * grammar and the one space of user and namespace names, {@code current_password} on one's own password
 * change, and the audit events. Answers with views that never carry a password hash.
 */
public final class UserAdmin {
    /** A user as the admin API shows one. */
    public record UserView(String name, boolean admin, boolean disabled, Instant created) {
    }

    /** The caller: {@code namespaces} are a user's roles; null for an API token. */
    public record Me(String name, boolean admin, boolean robot, List<AccessStore.Member> namespaces) {
    }

    /** A change to a user; null fields stay as they are ({@code currentPassword} is the caller's own, when they change it). */
    public record Change(String password, String currentPassword, Boolean admin, Boolean disabled) {
    }

    private final AccessService access;
    private final AccessStore store;

    public UserAdmin(AccessService access) {
        this.access = access;
        this.store = access.store();
    }

    public Me me(Principal p) {
        List<AccessStore.Member> namespaces = p instanceof Principal.User u ? store.memberships(u.name()) : null;
        return new Me(p.name(), AdminSupport.isAdmin(p), p instanceof Principal.Robot, namespaces);
    }

    public List<UserView> list(Principal p) {
        requireAdmin(p);
        return store.users().stream().map(UserAdmin::view).toList();
    }

    /** A user's own account, or anyone's for an admin. */
    public UserView get(Principal p, String name) {
        if (!self(p, name)) {
            requireAdmin(p);
        }
        return view(store.user(name).orElseThrow(() -> notFound("user", name)));
    }

    /** Creates the user and their personal namespace; CONFLICT when a user or a namespace has the name. */
    public UserView create(Principal p, String client, String name, String password, boolean admin) {
        requireMayChange(p);
        requireAdmin(p);
        checkName(name);
        AdminSupport.checkPassword(password);
        if (!store.createUser(name, access.passwords().hash(password), admin)) {
            throw new RegistryException(ErrorCode.CONFLICT, nameConflict(store, name));
        }
        changed(access, p, client, "user.create", name, null);
        return view(store.user(name).orElseThrow());
    }

    /** One's own password, or anything of anyone's for an admin; only admins change the admin and disabled flags. */
    public UserView update(Principal p, String client, String name, Change change) {
        requireMayChange(p);
        boolean self = self(p, name);
        if (!self || change.admin() != null || change.disabled() != null) {
            requireAdmin(p);
        }
        if (change.password() != null) {
            AdminSupport.checkPassword(change.password());
            if (self) {
                requireCurrentPassword(name, change.currentPassword());
            }
        }
        String hash = change.password() == null ? null : access.passwords().hash(change.password());
        if (!store.updateUser(name, hash, change.admin(), change.disabled())) {
            throw notFound("user", name);
        }
        changed(access, p, client, change.password() != null ? "user.password" : "user.update", name, flags(change));
        return view(store.user(name).orElseThrow());
    }

    /**
     * Deletes a user with their roles, API tokens and personal namespace; one that holds repositories only
     * when forced ({@link HoldsRepositoriesException} otherwise). Returns how many repositories went with it.
     */
    public long delete(Principal p, String client, String name, boolean force) {
        requireMayChange(p);
        requireAdmin(p);
        long removed = AdminSupport.deleted(store.deleteUser(name, force), "user", name, "user " + name + "'s personal namespace");
        access.authorizer().namespaceDeleted(name);
        changed(access, p, client, "user.delete", name, AdminSupport.removedDetail(removed));
        return removed;
    }

    /** Loads an htpasswd file's bcrypt users ({@code berth user import-htpasswd}), as at the server's start. */
    public Htpasswd.Imported importHtpasswd(Principal p, Path file) {
        requireMayChange(p);
        requireAdmin(p);
        Htpasswd.Imported imported = Htpasswd.importInto(store, file);
        access.credentialsChanged();
        return imported;
    }

    /**
     * One's own password changes only with the current one, so that whoever holds a session or a stolen
     * Authorization header cannot lock its owner out; an admin resetting someone else's needs none.
     */
    private void requireCurrentPassword(String name, String current) {
        if (current == null) {
            throw AdminSupport.badRequest("current_password is required to change your own password");
        }
        AccessStore.User u = store.user(name).orElseThrow(() -> notFound("user", name));
        if (!Passwords.verify(current, u.passwordHash())) {
            throw new RegistryException(ErrorCode.DENIED, "current_password is not your current password");
        }
    }

    /** The audit detail of a change of flags: "admin=true", "disabled=false", both; null for none. */
    private static String flags(Change change) {
        List<String> out = new java.util.ArrayList<>();
        if (change.admin() != null) {
            out.add("admin=" + change.admin());
        }
        if (change.disabled() != null) {
            out.add("disabled=" + change.disabled());
        }
        return out.isEmpty() ? null : String.join(", ", out);
    }

    private static boolean self(Principal p, String name) {
        return p instanceof Principal.User u && u.name().equals(name);
    }

    private static UserView view(AccessStore.User u) {
        return new UserView(u.name(), u.admin(), u.disabled(), Instant.ofEpochMilli(u.createdAt()));
    }

    /** User names double as namespace names, so they follow the repository-component grammar. */
    public static void checkName(String name) {
        if (name == null || !Names.isPathComponent(name) || name.length() > 64) {
            throw AdminSupport.badRequest("user names are 1-64 lower-case letters and digits, joined by . _ __ or - "
                    + "(a namespace is named after each user)");
        }
    }

    /** Why a user may not be created under a name that is taken: by a user, or by a namespace (or its repositories). */
    static String nameConflict(AccessStore store, String name) {
        if (store.user(name).isPresent()) {
            return "user " + name + " already exists";
        }
        return "the name " + name + " is taken by the namespace " + name
                + " (a user's name is their personal namespace); choose another name, or delete the namespace first";
    }
}
