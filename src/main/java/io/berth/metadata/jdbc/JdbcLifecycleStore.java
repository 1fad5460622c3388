package io.berth.metadata.jdbc;

import io.berth.oci.Names;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.auth.AccessStore.AuditEvent;
import io.berth.lifecycle.ImmutableTags;
import io.berth.lifecycle.LifecycleStore;
import io.berth.lifecycle.RetentionPlan.Item;
import io.berth.lifecycle.RetentionRule;
import io.berth.metadata.ImmutableTagException;
import io.berth.oci.Digest;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.berth.metadata.jdbc.Sql.exists;
import static io.berth.metadata.jdbc.Sql.list;
import static io.berth.metadata.jdbc.Sql.one;
import static io.berth.metadata.jdbc.Sql.strings;
import static io.berth.metadata.jdbc.Sql.update;

/**
 * {@link LifecycleStore} on the registry's database (migration V8). Its static parts are the immutable-tag
 * checks {@link JdbcMetadataStore} runs inside the transactions that move and delete tags.
 */
final class JdbcLifecycleStore implements LifecycleStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };
    /**
     * Retention deletions per transaction. SQLite has one writer, so batching only saves fsyncs; on
     * PostgreSQL each deletion is its own transaction, holding one row's lock at a time, so it can never
     * deadlock with a push (which locks an index's children, then its tag).
     */
    private static final int SQLITE_BATCH = 200;

    private final Sql sql;

    JdbcLifecycleStore(Sql sql) {
        this.sql = sql;
    }

    // --- immutable tags ---------------------------------------------------------------------

    @Override
    public List<String> immutablePatterns(String namespace) {
        return sql.read(c -> patterns(c, namespace));
    }

    @Override
    public void setImmutablePatterns(String namespace, List<String> patterns) {
        sql.write(c -> {
            update(c, "DELETE FROM immutable_tag_rules WHERE namespace = ?", namespace);
            for (int i = 0; i < patterns.size(); i++) {
                update(c, "INSERT INTO immutable_tag_rules (namespace, seq, pattern) VALUES (?, ?, ?)", namespace, i, patterns.get(i));
            }
            return null;
        });
    }

    @Override
    public Optional<String> immutableRule(String repository, String tag) {
        return Optional.ofNullable(sql.read(c -> immutableRule(c, "", repository, tag)));
    }

    private static List<String> patterns(Connection c, String namespace) throws SQLException {
        return strings(c, "SELECT pattern FROM immutable_tag_rules WHERE namespace = ? ORDER BY seq", namespace);
    }

    /** The namespace's pattern that covers the tag by its name, or null (exempt names are never covered). */
    static String patternFor(Connection c, String repository, String tag) throws SQLException {
        return ImmutableTags.rule(patterns(c, Names.namespaceOf(repository)), tag, false);
    }

    /** Where the tag points, with {@code lock} (a dialect's FOR UPDATE, or "") on its row. */
    static Optional<Digest> tagTarget(Connection c, String lock, String repository, String tag) throws SQLException {
        return one(c, rs -> Digest.parse(rs.getString(1)), "SELECT digest FROM tags WHERE repository = ? AND name = ?" + lock,
                repository, tag);
    }

    static boolean isReferrer(Connection c, String repository, Digest manifest) throws SQLException {
        return exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ? AND subject IS NOT NULL", repository, manifest.toString());
    }

    /** The pattern that makes an existing tag immutable, given what it points at; null when none does. */
    static String immutableRule(Connection c, String lock, String repository, String tag) throws SQLException {
        String rule = patternFor(c, repository, tag);
        if (rule == null) {
            return null;
        }
        Optional<Digest> target = tagTarget(c, lock, repository, tag);
        return target.isEmpty() || isReferrer(c, repository, target.get()) ? null : rule;
    }

    /** Refuses the delete of a manifest (not a referrer) that an immutable tag points at. */
    static void refuseImmutableTags(Connection c, String repository, Digest manifest) throws SQLException {
        List<String> patterns = patterns(c, Names.namespaceOf(repository));
        if (patterns.isEmpty()) {
            return;
        }
        for (String tag : strings(c, "SELECT name FROM tags WHERE repository = ? AND digest = ? ORDER BY name", repository, manifest.toString())) {
            String rule = ImmutableTags.rule(patterns, tag, false);
            if (rule != null) {
                throw ImmutableTagException.deleteManifest(repository, manifest, tag, rule);
            }
        }
    }

    /**
     * Refuses the delete of a repository while it holds a tag an immutable rule covers (other than a referrer's):
     * deleting the repository would delete the tag.
     */
    static void refuseImmutableRepository(Connection c, String repository) throws SQLException {
        List<String> patterns = patterns(c, Names.namespaceOf(repository));
        if (patterns.isEmpty()) {
            return;
        }
        for (String tag : strings(c, "SELECT t.name FROM tags t JOIN manifests m ON m.repository = t.repository AND m.digest = t.digest "
                + "WHERE t.repository = ? AND m.subject IS NULL ORDER BY t.name", repository)) {
            String rule = ImmutableTags.rule(patterns, tag, false);
            if (rule != null) {
                throw ImmutableTagException.deleteRepository(repository, tag, rule);
            }
        }
    }

    /** A deleted namespace's rules go with it: a namespace made again under the name starts without them. */
    static void deleteRules(Connection c, String namespace) throws SQLException {
        update(c, "DELETE FROM immutable_tag_rules WHERE namespace = ?", namespace);
        update(c, "DELETE FROM retention_rules WHERE namespace = ?", namespace);
    }

    // --- retention rules --------------------------------------------------------------------

    @Override
    public List<RetentionRule> retentionRules(String namespace) {
        return sql.read(c -> list(c, JdbcLifecycleStore::toRule, "SELECT repositories, keep_last, keep_days, keep_tags, delete_untagged "
                + "FROM retention_rules WHERE namespace = ? ORDER BY seq", namespace));
    }

    @Override
    public void setRetentionRules(String namespace, List<RetentionRule> rules) {
        sql.write(c -> {
            update(c, "DELETE FROM retention_rules WHERE namespace = ?", namespace);
            for (int i = 0; i < rules.size(); i++) {
                RetentionRule r = rules.get(i);
                update(c, "INSERT INTO retention_rules (namespace, seq, repositories, keep_last, keep_days, keep_tags, delete_untagged) "
                                + "VALUES (?, ?, ?, ?, ?, ?, ?)", namespace, i, json(r.repositories()), r.keepLast(), r.keepDays(),
                        json(r.keepTags()), r.deleteUntagged());
            }
            return null;
        });
    }

    @Override
    public List<String> retentionNamespaces() {
        return sql.read(c -> strings(c, "SELECT DISTINCT namespace FROM retention_rules ORDER BY namespace"));
    }

    private static RetentionRule toRule(ResultSet rs) throws SQLException {
        long keepLast = rs.getLong(2);
        Integer last = rs.wasNull() ? null : (int) keepLast;
        long keepDays = rs.getLong(3);
        Integer days = rs.wasNull() ? null : (int) keepDays;
        return new RetentionRule(patternList(rs.getString(1)), last, days, patternList(rs.getString(4)), rs.getBoolean(5));
    }

    private static String json(List<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> patternList(String json) throws SQLException {
        try {
            return JSON.readValue(json, STRINGS);
        } catch (JsonProcessingException e) {
            throw new SQLException("unreadable retention rule: " + e.getOriginalMessage(), e);
        }
    }

    // --- what a plan reads ------------------------------------------------------------------

    @Override
    public List<String> repositoriesIn(String namespace) {
        return sql.read(c -> strings(c, "SELECT name FROM repositories WHERE " + JdbcAccessStore.inNamespace("name") + " ORDER BY name",
                JdbcAccessStore.namespaceArgs(namespace)));
    }

    @Override
    public Contents contents(String repository) {
        return sql.read(c -> {
            List<TagRow> tags = list(c, rs -> new TagRow(rs.getString(1), Digest.parse(rs.getString(2)), rs.getLong(3)),
                    "SELECT name, digest, pushed_at FROM tags WHERE repository = ? ORDER BY name", repository);
            Map<Digest, List<Digest>> children = new HashMap<>();
            for (Digest[] edge : list(c, rs -> new Digest[]{Digest.parse(rs.getString(1)), Digest.parse(rs.getString(2))},
                    "SELECT manifest_digest, digest FROM manifest_references WHERE repository = ? AND kind = 'm'", repository)) {
                children.computeIfAbsent(edge[0], k -> new ArrayList<>()).add(edge[1]);
            }
            List<ManifestRow> manifests = list(c, rs -> {
                Digest digest = Digest.parse(rs.getString(1));
                String subject = rs.getString(3);
                return new ManifestRow(digest, rs.getString(2), subject == null ? null : Digest.parse(subject), rs.getLong(4),
                        List.copyOf(children.getOrDefault(digest, List.of())));
            }, "SELECT digest, media_type, subject, created_at FROM manifests WHERE repository = ? ORDER BY digest", repository);
            return new Contents(repository, tags, manifests);
        });
    }

    // --- what a run does --------------------------------------------------------------------

    @Override
    public List<Outcome> delete(List<Item> items, String actor, String detail) {
        int batch = sql.dialect() == Dialect.SQLITE ? SQLITE_BATCH : 1;
        List<Outcome> outcomes = new ArrayList<>(items.size());
        for (int from = 0; from < items.size(); from += batch) {
            List<Item> part = items.subList(from, Math.min(items.size(), from + batch));
            outcomes.addAll(UsageDelta.write(sql, (c, delta) -> {
                List<Outcome> out = new ArrayList<>(part.size());
                List<AuditEvent> audit = new ArrayList<>();
                for (Item item : part) {
                    Outcome o = item.isTag() ? deleteTag(c, item, delta) : deleteManifest(c, item, delta);
                    out.add(o);
                    if (o == Outcome.DELETED) {
                        audit.add(new AuditEvent(0, System.currentTimeMillis(), actor, "delete", item.target(), null, true,
                                item.reason() + "; " + detail));
                    }
                }
                JdbcAccessStore.insertAudit(c, audit);
                return out;
            }));
        }
        return outcomes;
    }

    private Outcome deleteTag(Connection c, Item item, UsageDelta delta) throws SQLException {
        if (immutableRule(c, sql.dialect().forUpdate, item.repository(), item.tag()) != null) {
            return Outcome.IMMUTABLE;
        }
        if (item.unlessPresent() != null && exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?",
                item.repository(), item.unlessPresent().toString())) {
            return Outcome.CHANGED;
        }
        if (update(c, "DELETE FROM tags WHERE repository = ? AND name = ? AND digest = ? AND pushed_at = ?",
                item.repository(), item.tag(), item.digest().toString(), item.pushedAt()) == 0) {
            return Outcome.CHANGED;
        }
        JdbcMetadataStore.bumpTagVersion(c, item.repository());
        delta.add(item.repository(), io.berth.stats.Counter.TAGS, -1);
        UsageDelta.forgetTagPulls(c, item.repository(), List.of(item.tag()));
        return Outcome.DELETED;
    }

    /** Locked first, so a push that lists or tags it either finished (and is seen) or waits (and stores it again). */
    private Outcome deleteManifest(Connection c, Item item, UsageDelta delta) throws SQLException {
        String repository = item.repository();
        String digest = item.digest().toString();
        Optional<String[]> row = one(c, rs -> new String[]{String.valueOf(rs.getLong(1)), rs.getString(2)},
                "SELECT created_at, subject FROM manifests WHERE repository = ? AND digest = ?" + sql.dialect().forUpdate, repository, digest);
        if (row.isEmpty() || Long.parseLong(row.get()[0]) != item.pushedAt()
                || exists(c, "SELECT 1 FROM tags WHERE repository = ? AND digest = ?", repository, digest)
                || exists(c, "SELECT 1 FROM manifest_references WHERE repository = ? AND digest = ? AND kind = 'm'", repository, digest)
                || (row.get()[1] != null && exists(c, "SELECT 1 FROM manifests WHERE repository = ? AND digest = ?", repository, row.get()[1]))) {
            return Outcome.CHANGED;
        }
        JdbcMetadataStore.removeManifest(c, repository, digest, delta);
        return Outcome.DELETED;
    }

    @Override
    public boolean claimLease(String name, long now, long until) {
        return sql.write(c -> {
            update(c, "INSERT INTO lifecycle_leases (name, held_until) VALUES (?, 0) ON CONFLICT (name) DO NOTHING", name);
            return update(c, "UPDATE lifecycle_leases SET held_until = ? WHERE name = ? AND held_until <= ?", until, name, now) > 0;
        });
    }
}
