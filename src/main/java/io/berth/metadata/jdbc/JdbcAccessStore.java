package io.berth.metadata.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.auth.AccessStore;
import io.berth.auth.Action;
import io.berth.auth.Role;
import io.berth.auth.TokenScope;
import io.berth.stats.Counter;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.berth.metadata.jdbc.Sql.exists;
import static io.berth.metadata.jdbc.Sql.list;
import static io.berth.metadata.jdbc.Sql.one;
import static io.berth.metadata.jdbc.Sql.strings;
import static io.berth.metadata.jdbc.Sql.update;

/** {@link AccessStore} on the registry's SQLite or PostgreSQL database. */
final class JdbcAccessStore implements AccessStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER_COLUMNS = "name, password_hash, admin, disabled, created_at, tokens_valid_after";
    private static final String TOKEN_COLUMNS = "id, owner, name, secret_hash, scopes, expires_at, last_used_at, created_at, revoked";

    private final Sql sql;

    JdbcAccessStore(Sql sql) {
        this.sql = sql;
    }

    // --- users --------------------------------------------------------------------------------

    @Override
    public Optional<User> user(String name) {
        return sql.read(c -> one(c, JdbcAccessStore::toUser, "SELECT " + USER_COLUMNS + " FROM users WHERE name = ?", name));
    }

    @Override
    public List<User> users() {
        return sql.read(c -> list(c, JdbcAccessStore::toUser, "SELECT " + USER_COLUMNS + " FROM users ORDER BY name"));
    }

    @Override
    public long userCount() {
        return sql.read(c -> Sql.optionalLong(c, "SELECT COUNT(*) FROM users").orElse(0));
    }

    @Override
    public boolean createUser(String name, String passwordHash, boolean admin) {
        return UsageDelta.write(sql, (c, delta) -> !nameTaken(c, name) && insertUser(c, name, passwordHash, admin, false, delta));
    }

    /**
     * The user and their personal namespace. A row inserted by someone else since the caller checked the
     * name (PostgreSQL runs such writers concurrently) makes this insert nothing and answer false: a
     * namespace created meanwhile is never given an owner here unless {@code ownNamespace} says it is theirs.
     */
    private static boolean insertUser(Connection c, String name, String passwordHash, boolean admin, boolean ownNamespace,
                                      UsageDelta delta) throws SQLException {
        long now = System.currentTimeMillis();
        if (update(c, "INSERT INTO users (name, password_hash, admin, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (name) DO NOTHING", name, passwordHash, admin, false, now, now) == 0) {
            return false;
        }
        int namespaces = update(c, "INSERT INTO namespaces (name, visibility, created_at) VALUES (?, 'private', ?) ON CONFLICT (name) DO NOTHING",
                name, now);
        if (namespaces == 0 && !ownNamespace) {
            c.rollback();
            return false;
        }
        delta.registry(Counter.USERS, 1);
        delta.registry(Counter.NAMESPACES, namespaces);
        setRole(c, name, name, Role.OWNER, delta);
        return true;
    }

    /** Gives the user the role in the namespace; a new grant is counted (an insert that found one changes nothing, then it updates). */
    private static void setRole(Connection c, String namespace, String username, Role role, UsageDelta delta) throws SQLException {
        if (update(c, "INSERT INTO namespace_members (namespace, username, role) VALUES (?, ?, ?) ON CONFLICT (namespace, username) DO NOTHING",
                namespace, username, role.wire()) > 0) {
            delta.member(namespace, 1);
        } else {
            update(c, "UPDATE namespace_members SET role = ? WHERE namespace = ? AND username = ?", role.wire(), namespace, username);
        }
    }

    @Override
    public boolean nameTaken(String name) {
        return sql.read(c -> nameTaken(c, name));
    }

    /**
     * A user, a namespace, or repositories under the name (pushed while no namespace row was kept, e.g.
     * with authentication off): whoever took the name would otherwise inherit what is there.
     */
    private static boolean nameTaken(Connection c, String name) throws SQLException {
        return exists(c, "SELECT 1 FROM users WHERE name = ?", name)
                || exists(c, "SELECT 1 FROM namespaces WHERE name = ?", name)
                || repositoryCount(c, name) > 0;
    }

    @Override
    public Upsert upsertUserHash(String name, String passwordHash) {
        return UsageDelta.write(sql, (c, delta) -> {
            if (exists(c, "SELECT 1 FROM users WHERE name = ?", name)) {
                update(c, "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?", passwordHash, System.currentTimeMillis(), name);
                return Upsert.UPDATED;
            }
            boolean owns = exists(c, "SELECT 1 FROM namespace_members WHERE namespace = ? AND username = ? AND role = 'owner'", name, name);
            if (!owns && nameTaken(c, name)) {
                return Upsert.REFUSED_NAMESPACE;
            }
            return insertUser(c, name, passwordHash, false, owns, delta) ? Upsert.CREATED : Upsert.REFUSED_NAMESPACE;
        });
    }

    @Override
    public boolean updateUser(String name, String passwordHash, Boolean admin, Boolean disabled) {
        long now = System.currentTimeMillis();
        return sql.write(c -> {
            if (!exists(c, "SELECT 1 FROM users WHERE name = ?", name)) {
                return false;
            }
            if (passwordHash != null) {
                update(c, "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?", passwordHash, now, name);
            }
            if (admin != null) {
                update(c, "UPDATE users SET admin = ?, updated_at = ? WHERE name = ?", admin, now, name);
            }
            if (Boolean.TRUE.equals(disabled)) { // what was issued before stays void after a re-enable
                update(c, "UPDATE users SET disabled = ?, tokens_valid_after = ?, updated_at = ? WHERE name = ?", true, now, now, name);
            } else if (disabled != null) {
                update(c, "UPDATE users SET disabled = ?, updated_at = ? WHERE name = ?", false, now, name);
            }
            return true;
        });
    }

    @Override
    public Deletion deleteUser(String name, boolean force) {
        return UsageDelta.write(sql, (c, delta) -> {
            if (!exists(c, "SELECT 1 FROM users WHERE name = ?", name)) {
                return new Deletion(DeleteOutcome.NOT_FOUND, 0);
            }
            Deletion personal = deleteNamespace(c, name, force, delta);
            if (personal.outcome() == DeleteOutcome.HOLDS_REPOSITORIES) {
                return personal;
            }
            for (String namespace : strings(c, "DELETE FROM namespace_members WHERE username = ? RETURNING namespace", name)) {
                delta.member(namespace, -1);
            }
            // Rows, not revocations: a new account of this name must not list (or collide with) the old tokens.
            delta.registry(Counter.API_TOKENS, -update(c, "DELETE FROM api_tokens WHERE owner = ?", name));
            delta.registry(Counter.USERS, -update(c, "DELETE FROM users WHERE name = ?", name));
            return new Deletion(DeleteOutcome.DELETED, personal.repositories());
        });
    }

    private static User toUser(ResultSet rs) throws SQLException {
        return new User(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4), rs.getLong(5), rs.getLong(6));
    }

    // --- namespaces ---------------------------------------------------------------------------

    @Override
    public Optional<Namespace> namespace(String name) {
        return sql.read(c -> one(c, JdbcAccessStore::toNamespace, "SELECT name, visibility, created_at FROM namespaces WHERE name = ?", name));
    }

    @Override
    public List<Namespace> namespaces() {
        return sql.read(c -> list(c, JdbcAccessStore::toNamespace, "SELECT name, visibility, created_at FROM namespaces ORDER BY name"));
    }

    @Override
    public boolean createNamespace(String name, boolean isPublic, String owner) {
        long now = System.currentTimeMillis();
        return UsageDelta.write(sql, (c, delta) -> {
            if (exists(c, "SELECT 1 FROM namespaces WHERE name = ?", name)) {
                return false;
            }
            update(c, "INSERT INTO namespaces (name, visibility, created_at) VALUES (?, ?, ?)", name, isPublic ? "public" : "private", now);
            delta.registry(Counter.NAMESPACES, 1);
            if (owner != null) {
                setRole(c, name, owner, Role.OWNER, delta);
            }
            return true;
        });
    }

    @Override
    public boolean setNamespaceVisibility(String name, boolean isPublic) {
        return sql.write(c -> update(c, "UPDATE namespaces SET visibility = ? WHERE name = ?", isPublic ? "public" : "private", name) > 0);
    }

    @Override
    public Deletion deleteNamespace(String name, boolean force) {
        return UsageDelta.write(sql, (c, delta) -> deleteNamespace(c, name, force, delta));
    }

    /*
     * The repositories rows go first: on PostgreSQL a push holds its repository row FOR KEY SHARE until it
     * commits (JdbcMetadataStore.ensureRepository), so this waits for pushes in flight, and the deletes
     * that follow see what they wrote; a push that starts later creates a new repository instead of
     * linking into a deleted one. The counters lose exactly what each delete removed (the namespace is the
     * scope of every row here, so its counts and the registry's fall together).
     */
    private static Deletion deleteNamespace(Connection c, String name, boolean force, UsageDelta delta) throws SQLException {
        long repositories = repositoryCount(c, name);
        if (repositories == 0 && !exists(c, "SELECT 1 FROM namespaces WHERE name = ?", name)) {
            return new Deletion(DeleteOutcome.NOT_FOUND, 0);
        }
        if (repositories > 0 && !force) {
            return new Deletion(DeleteOutcome.HOLDS_REPOSITORIES, repositories);
        }
        delta.add(name, Counter.REPOSITORIES, -update(c, "DELETE FROM repositories WHERE " + inNamespace("name"), namespaceArgs(name)));
        delta.namespaceBlobsDeleted(c, name);
        delta.add(name, Counter.BLOB_LINKS, -update(c, "DELETE FROM repository_blobs WHERE " + inNamespace("repository"), namespaceArgs(name)));
        delta.manifestsDeleted(c, inNamespace("repository"), namespaceArgs(name));
        delta.add(name, Counter.TAGS, -update(c, "DELETE FROM tags WHERE " + inNamespace("repository"), namespaceArgs(name)));
        for (String table : JdbcMetadataStore.UNCOUNTED_REPOSITORY_TABLES) {
            update(c, "DELETE FROM " + table + " WHERE " + inNamespace("repository"), namespaceArgs(name));
        }
        delta.member(name, -update(c, "DELETE FROM namespace_members WHERE namespace = ?", name));
        JdbcLifecycleStore.deleteRules(c, name);
        JdbcUsageStore.deleteQuota(c, name);
        dropTokenGrants(c, name);
        JdbcWebhookStore.deleteNamespaceWebhooks(c, name);
        delta.registry(Counter.NAMESPACES, -update(c, "DELETE FROM namespaces WHERE name = ?", name));
        return new Deletion(DeleteOutcome.DELETED, repositories);
    }

    private static long repositoryCount(Connection c, String namespace) throws SQLException {
        return Sql.optionalLong(c, "SELECT COUNT(*) FROM repositories WHERE " + inNamespace("name"), namespaceArgs(namespace)).orElse(0);
    }

    /**
     * The namespace's repositories in {@code column}: the name itself and names below it, as a byte-order
     * range, so "team" covers "team/app" but not "teamx/app" or "team-b" ('0' follows '/').
     */
    static String inNamespace(String column) {
        return "(" + column + " = ? OR (" + column + " > ? AND " + column + " < ?))";
    }

    static Object[] namespaceArgs(String namespace) {
        return new Object[]{namespace, namespace + "/", namespace + "0"};
    }

    /**
     * Removes every token grant naming the namespace, so a namespace created later under the name does not
     * become reachable through old tokens; a token left without grants is revoked. "*" grants stay: they
     * follow the owner's rights wherever those are.
     */
    private static void dropTokenGrants(Connection c, String namespace) throws SQLException {
        // LIKE narrows the rows (a namespace name holds no quote); the parsed scopes decide.
        List<String[]> rows = list(c, rs -> new String[]{rs.getString(1), rs.getString(2)},
                "SELECT id, scopes FROM api_tokens WHERE scopes LIKE ?", "%\"" + namespace + "\"%");
        for (String[] row : rows) {
            List<TokenScope> scopes = parseScopes(row[1]);
            List<TokenScope> kept = scopes.stream().filter(s -> !s.namespace().equals(namespace)).toList();
            if (kept.size() == scopes.size()) {
                continue;
            }
            update(c, "UPDATE api_tokens SET scopes = ? WHERE id = ?", scopesJson(kept), row[0]);
            if (kept.isEmpty()) {
                update(c, "UPDATE api_tokens SET revoked = ? WHERE id = ?", true, row[0]);
            }
        }
    }

    @Override
    public boolean accessConfigured() {
        return sql.read(c -> exists(c, "SELECT 1 FROM users WHERE admin = ?", true)
                || exists(c, "SELECT 1 FROM namespace_members WHERE NOT (namespace = username AND role = 'owner')"));
    }

    @Override
    public List<Member> members(String namespace) {
        return sql.read(c -> list(c, JdbcAccessStore::toMember,
                "SELECT namespace, username, role FROM namespace_members WHERE namespace = ? ORDER BY username", namespace));
    }

    @Override
    public List<Member> memberships(String username) {
        return sql.read(c -> list(c, JdbcAccessStore::toMember,
                "SELECT namespace, username, role FROM namespace_members WHERE username = ? ORDER BY namespace", username));
    }

    @Override
    public void setMember(String namespace, String username, Role role) {
        UsageDelta.write(sql, (c, delta) -> {
            setRole(c, namespace, username, role, delta);
            return null;
        });
    }

    @Override
    public boolean removeMember(String namespace, String username) {
        return UsageDelta.write(sql, (c, delta) -> {
            int removed = update(c, "DELETE FROM namespace_members WHERE namespace = ? AND username = ?", namespace, username);
            delta.member(namespace, -removed);
            return removed > 0;
        });
    }

    private static Namespace toNamespace(ResultSet rs) throws SQLException {
        return new Namespace(rs.getString(1), "public".equals(rs.getString(2)), rs.getLong(3));
    }

    private static Member toMember(ResultSet rs) throws SQLException {
        return new Member(rs.getString(1), rs.getString(2), Role.parse(rs.getString(3)));
    }

    // --- API tokens ---------------------------------------------------------------------------

    @Override
    public void createToken(ApiToken t) {
        UsageDelta.write(sql, (c, delta) -> {
            delta.registry(Counter.API_TOKENS, update(c, "INSERT INTO api_tokens (" + TOKEN_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    t.id(), t.owner(), t.name(), t.secretHash(), scopesJson(t.scopes()), t.expiresAt(), t.lastUsedAt(),
                    t.createdAt(), t.revoked()));
            return null;
        });
    }

    @Override
    public Optional<ApiToken> tokenBySecretHash(String secretHash) {
        return sql.read(c -> one(c, JdbcAccessStore::toToken, "SELECT " + TOKEN_COLUMNS + " FROM api_tokens WHERE secret_hash = ?", secretHash));
    }

    @Override
    public Optional<ApiToken> token(String id) {
        return sql.read(c -> one(c, JdbcAccessStore::toToken, "SELECT " + TOKEN_COLUMNS + " FROM api_tokens WHERE id = ?", id));
    }

    @Override
    public List<ApiToken> tokens(String owner) {
        return sql.read(c -> owner == null
                ? list(c, JdbcAccessStore::toToken, "SELECT " + TOKEN_COLUMNS + " FROM api_tokens ORDER BY owner, name")
                : list(c, JdbcAccessStore::toToken, "SELECT " + TOKEN_COLUMNS + " FROM api_tokens WHERE owner = ? ORDER BY name", owner));
    }

    @Override
    public boolean revokeToken(String id, String owner) {
        return sql.write(c -> owner == null
                ? update(c, "UPDATE api_tokens SET revoked = ? WHERE id = ?", true, id) > 0
                : update(c, "UPDATE api_tokens SET revoked = ? WHERE id = ? AND owner = ?", true, id, owner) > 0);
    }

    @Override
    public void touchToken(String id, long when) {
        sql.write(c -> update(c, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", when, id));
    }

    @Override
    public void endSession(String sessionId, long expiresAt) {
        long now = System.currentTimeMillis();
        sql.write(c -> {
            update(c, "DELETE FROM ended_sessions WHERE expires_at < ?", now); // lapsed cookies need no record
            return update(c, "INSERT INTO ended_sessions (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", sessionId, expiresAt);
        });
    }

    @Override
    public boolean sessionEnded(String sessionId) {
        return sql.read(c -> exists(c, "SELECT 1 FROM ended_sessions WHERE id = ?", sessionId));
    }

    private static ApiToken toToken(ResultSet rs) throws SQLException {
        long expires = rs.getLong(6);
        Long expiresAt = rs.wasNull() ? null : expires;
        long used = rs.getLong(7);
        Long lastUsed = rs.wasNull() ? null : used;
        return new ApiToken(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), parseScopes(rs.getString(5)),
                expiresAt, lastUsed, rs.getLong(8), rs.getBoolean(9));
    }

    private static String scopesJson(List<TokenScope> scopes) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (TokenScope s : scopes) {
            out.add(Map.of("namespace", s.namespace(), "actions", s.actions().stream().map(Action::wire).sorted().toList()));
        }
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<TokenScope> parseScopes(String json) {
        try {
            List<Map<String, Object>> raw = JSON.readValue(json, new TypeReference<>() {
            });
            List<TokenScope> out = new ArrayList<>();
            for (Map<String, Object> m : raw) {
                Set<Action> actions = EnumSet.noneOf(Action.class);
                for (Object a : (List<?>) m.get("actions")) {
                    actions.addAll(Action.parseScopeAction(String.valueOf(a)));
                }
                out.add(new TokenScope(String.valueOf(m.get("namespace")), actions));
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored token scopes are not JSON", e);
        }
    }

    // --- signing key --------------------------------------------------------------------------

    @Override
    public Optional<String[]> signingKey() {
        return sql.read(c -> one(c, rs -> new String[]{rs.getString(1), rs.getString(2), rs.getString(3)},
                "SELECT kid, algorithm, private_key FROM signing_keys ORDER BY created_at LIMIT 1"));
    }

    @Override
    public String[] saveSigningKey(String kid, String algorithm, String privateKey) {
        return sql.write(c -> {
            Optional<String[]> existing = one(c, rs -> new String[]{rs.getString(1), rs.getString(2), rs.getString(3)},
                    "SELECT kid, algorithm, private_key FROM signing_keys ORDER BY created_at LIMIT 1");
            if (existing.isPresent()) {
                return existing.get();
            }
            update(c, "INSERT INTO signing_keys (kid, algorithm, private_key, created_at) VALUES (?, ?, ?, ?)",
                    kid, algorithm, privateKey, System.currentTimeMillis());
            return new String[]{kid, algorithm, privateKey};
        });
    }

    // --- audit --------------------------------------------------------------------------------

    @Override
    public void appendAudit(List<AuditEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        sql.write(c -> {
            insertAudit(c, events);
            return null;
        });
    }

    /** Audit rows inside the caller's transaction (retention writes them with what they record). */
    static void insertAudit(Connection c, List<AuditEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO audit_events (at, actor, action, target, client, success, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            for (AuditEvent e : events) {
                ps.setLong(1, e.at());
                ps.setString(2, e.actor());
                ps.setString(3, e.action());
                ps.setString(4, e.target());
                ps.setString(5, e.client());
                ps.setBoolean(6, e.success());
                ps.setString(7, e.detail());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<AuditEvent> audit(AuditQuery q) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.actor() != null) {
            where.append(" AND actor = ?");
            args.add(q.actor());
        }
        if (q.action() != null) {
            where.append(" AND action = ?");
            args.add(q.action());
        }
        if (q.target() != null) {
            where.append(" AND target = ?");
            args.add(q.target());
        }
        if (q.since() != null) {
            where.append(" AND at >= ?");
            args.add(q.since());
        }
        if (q.beforeId() != null) {
            where.append(" AND id < ?");
            args.add(q.beforeId());
        }
        args.add(q.limit());
        return sql.read(c -> list(c, rs -> new AuditEvent(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getBoolean(7), rs.getString(8)),
                "SELECT id, at, actor, action, target, client, success, detail FROM audit_events" + where + " ORDER BY id DESC LIMIT ?",
                args.toArray()));
    }

    // --- repositories -------------------------------------------------------------------------

    @Override
    public Optional<String> repositoryDescription(String repository) {
        return sql.read(c -> one(c, rs -> rs.getString(1), "SELECT description FROM repositories WHERE name = ?", repository));
    }

    @Override
    public boolean setRepositoryDescription(String repository, String description) {
        return sql.write(c -> update(c, "UPDATE repositories SET description = ? WHERE name = ?", description, repository) > 0);
    }

    @Override
    public List<RepositoryInfo> repositoryInfos(String prefix, String last, int limit) {
        StringBuilder where = new StringBuilder(" WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (prefix != null) {
            where.append(" AND ").append(inNamespace("r.name"));
            args.addAll(java.util.Arrays.asList(namespaceArgs(prefix)));
        }
        if (last != null) {
            where.append(" AND r.name > ?");
            args.add(last);
        }
        args.add(limit);
        return sql.read(c -> list(c, rs -> new RepositoryInfo(rs.getString(1), rs.getString(2), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), Instant.ofEpochMilli(rs.getLong(3))),
                "SELECT r.name, r.description, r.created_at,"
                        + " (SELECT COUNT(*) FROM tags t WHERE t.repository = r.name),"
                        + " (SELECT COUNT(*) FROM manifests m WHERE m.repository = r.name),"
                        + " (SELECT COALESCE(SUM(b.size), 0) FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest"
                        + "  WHERE rb.repository = r.name)"
                        + " FROM repositories r" + where + " ORDER BY r.name LIMIT ?", args.toArray()));
    }
}
