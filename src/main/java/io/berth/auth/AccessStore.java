package io.berth.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Persistent state of authentication and authorization: users, namespaces and their members, API
 * tokens, the token-signing key and the audit log. Lives in the same database as the registry's
 * metadata, so every node of a cluster sees the same.
 */
public interface AccessStore {

    /** {@code tokensValidAfter}: when the user was last disabled (ms); what was issued to them before it is void. */
    record User(String name, String passwordHash, boolean admin, boolean disabled, long createdAt, long tokensValidAfter) {
    }

    record Namespace(String name, boolean isPublic, long createdAt) {
    }

    record Member(String namespace, String username, Role role) {
    }

    record ApiToken(String id, String owner, String name, String secretHash, List<TokenScope> scopes,
                    Long expiresAt, Long lastUsedAt, long createdAt, boolean revoked) {
    }

    record AuditEvent(long id, long at, String actor, String action, String target, String client, boolean success,
                      String detail) {
    }

    record AuditQuery(String actor, String action, String target, Long since, Long beforeId, int limit) {
    }

    /** What a delete of a namespace or user did. */
    enum DeleteOutcome { DELETED, NOT_FOUND, HOLDS_REPOSITORIES }

    /** {@code repositories}: how many the namespace held (removed when DELETED, left alone when HOLDS_REPOSITORIES). */
    record Deletion(DeleteOutcome outcome, long repositories) {
    }

    /** What an htpasswd import did with one entry. */
    enum Upsert { CREATED, UPDATED, REFUSED_NAMESPACE }

    // users
    Optional<User> user(String name);

    List<User> users();

    long userCount();

    /**
     * Creates the user and their personal namespace, of which they are owner. False if the name is taken,
     * by a user or by a namespace: an existing namespace is never handed to a new account.
     */
    boolean createUser(String name, String passwordHash, boolean admin);

    /**
     * htpasswd import: replaces an existing user's password (keeping their flags), or creates the user as
     * {@link #createUser} does; a name that is a namespace the user does not own is refused.
     */
    Upsert upsertUserHash(String name, String passwordHash);

    boolean updateUser(String name, String passwordHash, Boolean admin, Boolean disabled);

    /**
     * Deletes a user with their memberships, their API tokens (rows, so the names are free again) and
     * their personal namespace, by the rules of {@link #deleteNamespace}: one that holds repositories is
     * refused unless forced. One transaction.
     */
    Deletion deleteUser(String name, boolean force);

    /** Whether a user or a namespace has this name (the two share one space of names). */
    boolean nameTaken(String name);

    // namespaces
    Optional<Namespace> namespace(String name);

    List<Namespace> namespaces();

    boolean createNamespace(String name, boolean isPublic, String owner);

    boolean setNamespaceVisibility(String name, boolean isPublic);

    /**
     * Deletes a namespace. One that holds repositories is left alone unless forced; forced, its
     * repositories go with it (manifests, tags, blob links, manifest references, upload sessions; blob
     * bytes are left to garbage collection), as do its members and every API-token grant naming it (a
     * token left with no grant is revoked) — in one transaction, so nothing of it stays visible.
     */
    Deletion deleteNamespace(String name, boolean force);

    /**
     * Whether anyone set up access beyond registry:2's model: an admin user, a namespace that is not a
     * user's personal one, or a role other than a user's ownership of their personal namespace.
     */
    boolean accessConfigured();

    List<Member> members(String namespace);

    /** Every namespace role the user holds. */
    List<Member> memberships(String username);

    void setMember(String namespace, String username, Role role);

    boolean removeMember(String namespace, String username);

    // API tokens
    void createToken(ApiToken token);

    Optional<ApiToken> tokenBySecretHash(String secretHash);

    Optional<ApiToken> token(String id);

    List<ApiToken> tokens(String owner);

    boolean revokeToken(String id, String owner);

    void touchToken(String id, long when);

    // web sessions

    /** Records that a web session ended (logged out), until {@code expiresAt}, when its cookie lapses anyway. */
    void endSession(String sessionId, long expiresAt);

    /** Whether the web session was ended. */
    boolean sessionEnded(String sessionId);

    // signing key
    Optional<String[]> signingKey();

    /** Stores the key unless one exists; returns the key in force (the other node's, if it won a race). */
    String[] saveSigningKey(String kid, String algorithm, String privateKey);

    // audit
    void appendAudit(List<AuditEvent> events);

    List<AuditEvent> audit(AuditQuery query);

    // repositories
    Optional<String> repositoryDescription(String repository);

    boolean setRepositoryDescription(String repository, String description);

    /** Repository names with their tag counts and the bytes of the blobs they reference, from {@code last}. */
    List<RepositoryInfo> repositoryInfos(String prefix, String last, int limit);

    record RepositoryInfo(String name, String description, long tags, long manifests, long sizeBytes, Instant created) {
    }
}
