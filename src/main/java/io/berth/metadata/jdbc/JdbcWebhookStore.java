package io.berth.metadata.jdbc;

import io.berth.webhooks.WebhookStore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.berth.metadata.jdbc.Sql.list;
import static io.berth.metadata.jdbc.Sql.one;
import static io.berth.metadata.jdbc.Sql.update;

/** {@link WebhookStore} on the registry's SQLite or PostgreSQL database (migration V7). */
final class JdbcWebhookStore implements WebhookStore {
    private static final String HOOK_COLUMNS = "id, namespace, url, secret, events, created_by, created_at";
    private static final String CLAIM_COLUMNS = "id, destination, event_id, kind, body, attempts, created_at";
    private static final String LOG_COLUMNS = "id, destination, event_id, kind, attempt, at, status_code, error, duration_ms, outcome";

    private final Sql sql;

    JdbcWebhookStore(Sql sql) {
        this.sql = sql;
    }

    // --- webhooks -----------------------------------------------------------------------------

    @Override
    public void createWebhook(Webhook w) {
        sql.write(c -> update(c, "INSERT INTO webhooks (" + HOOK_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)", w.id(), w.namespace(),
                w.url(), w.secret(), String.join(",", w.events()), w.createdBy(), w.createdAt()));
    }

    @Override
    public List<Webhook> webhooks(String namespace) {
        return sql.read(c -> list(c, JdbcWebhookStore::toWebhook,
                "SELECT " + HOOK_COLUMNS + " FROM webhooks WHERE namespace = ? ORDER BY created_at, id", namespace));
    }

    @Override
    public List<Webhook> webhooksOf(Collection<String> namespaces, boolean everyNamespace) {
        if (everyNamespace) {
            return sql.read(c -> list(c, JdbcWebhookStore::toWebhook, "SELECT " + HOOK_COLUMNS + " FROM webhooks"));
        }
        if (namespaces.isEmpty()) {
            return List.of();
        }
        return sql.read(c -> list(c, JdbcWebhookStore::toWebhook,
                "SELECT " + HOOK_COLUMNS + " FROM webhooks WHERE namespace IN (" + placeholders(namespaces.size()) + ")",
                namespaces.toArray()));
    }

    @Override
    public Optional<Webhook> webhook(String id) {
        return sql.read(c -> one(c, JdbcWebhookStore::toWebhook, "SELECT " + HOOK_COLUMNS + " FROM webhooks WHERE id = ?", id));
    }

    @Override
    public boolean deleteWebhook(String namespace, String id) {
        return sql.write(c -> {
            if (update(c, "DELETE FROM webhooks WHERE id = ? AND namespace = ?", id, namespace) == 0) {
                return false;
            }
            forget(c, "w:" + id);
            return true;
        });
    }

    /**
     * Part of deleting a namespace (JdbcAccessStore): its webhooks go with it, with what they had still to
     * deliver, so a namespace made again under the name never sends its events to the old owner's URLs.
     */
    static void deleteNamespaceWebhooks(Connection c, String namespace) throws SQLException {
        for (String id : Sql.strings(c, "SELECT id FROM webhooks WHERE namespace = ?", namespace)) {
            forget(c, "w:" + id);
        }
        update(c, "DELETE FROM webhooks WHERE namespace = ?", namespace);
    }

    private static void forget(Connection c, String destination) throws SQLException {
        update(c, "DELETE FROM webhook_outbox WHERE destination = ?", destination);
        update(c, "DELETE FROM webhook_deliveries WHERE destination = ?", destination);
    }

    @Override
    public Map<String, Set<String>> subscriptions() {
        return sql.read(c -> {
            Map<String, Set<String>> out = new HashMap<>();
            for (String[] row : list(c, rs -> new String[]{rs.getString(1), rs.getString(2)}, "SELECT namespace, events FROM webhooks")) {
                out.computeIfAbsent(row[0], k -> new LinkedHashSet<>()).addAll(events(row[1]));
            }
            out.replaceAll((k, v) -> Set.copyOf(v));
            return Map.copyOf(out);
        });
    }

    private static Webhook toWebhook(ResultSet rs) throws SQLException {
        return new Webhook(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), events(rs.getString(5)),
                rs.getString(6), rs.getLong(7));
    }

    private static Set<String> events(String column) {
        return Set.copyOf(Arrays.stream(column.split(",")).filter(s -> !s.isBlank()).toList());
    }

    // --- the outbox ---------------------------------------------------------------------------

    @Override
    public void enqueue(List<Outgoing> rows) {
        if (rows.isEmpty()) {
            return;
        }
        sql.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_outbox "
                    + "(destination, event_id, kind, body, created_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, 0, ?)")) {
                for (Outgoing r : rows) {
                    ps.setString(1, r.destination());
                    ps.setString(2, r.eventId());
                    ps.setString(3, r.kind());
                    ps.setString(4, r.body());
                    ps.setLong(5, r.createdAt());
                    ps.setLong(6, r.createdAt());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /**
     * First a read on the reader pool: an idle outbox (the usual state) costs no write transaction, which on
     * SQLite would join the group commit of pushes every second.
     */
    @Override
    public List<Claimed> claim(String node, long now, long leaseUntil, int limit, int perDestination, Set<String> busy,
                               Set<String> endpoints) {
        if (!sql.read(c -> Sql.exists(c, "SELECT 1 FROM webhook_outbox "
                + "WHERE next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) LIMIT 1", now, now))) {
            return List.of();
        }
        return sql.write(c -> {
            StringBuilder q = new StringBuilder("SELECT " + CLAIM_COLUMNS + " FROM webhook_outbox "
                    + "WHERE next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) AND (destination LIKE 'w:%'");
            List<Object> args = new ArrayList<>(List.of(now, now));
            if (!endpoints.isEmpty()) {
                q.append(" OR destination IN (").append(placeholders(endpoints.size())).append(')');
                args.addAll(endpoints);
            }
            q.append(')');
            if (!busy.isEmpty()) {
                q.append(" AND destination NOT IN (").append(placeholders(busy.size())).append(')');
                args.addAll(busy);
            }
            q.append(" ORDER BY id LIMIT ?").append(sql.dialect().forUpdateSkipLocked);
            args.add(limit);
            Map<String, Integer> taken = new HashMap<>();
            List<Claimed> claimed = new ArrayList<>();
            for (Claimed row : list(c, JdbcWebhookStore::toClaimed, q.toString(), args.toArray())) {
                if (taken.merge(row.destination(), 1, Integer::sum) <= perDestination) {
                    claimed.add(row);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_outbox SET lease_until = ?, claimed_by = ? WHERE id = ?")) {
                for (Claimed row : claimed) {
                    ps.setLong(1, leaseUntil);
                    ps.setString(2, node);
                    ps.setLong(3, row.id());
                    ps.addBatch();
                }
                if (!claimed.isEmpty()) {
                    ps.executeBatch();
                }
            }
            return claimed;
        });
    }

    private static Claimed toClaimed(ResultSet rs) throws SQLException {
        return new Claimed(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getInt(6), rs.getLong(7));
    }

    @Override
    public void delivered(Claimed row, Delivery log) {
        finish(row, log);
    }

    @Override
    public void failed(Claimed row, Delivery log) {
        finish(row, log);
    }

    private void finish(Claimed row, Delivery log) {
        sql.write(c -> {
            update(c, "DELETE FROM webhook_outbox WHERE id = ?", row.id());
            append(c, log);
            return null;
        });
    }

    @Override
    public void retry(Claimed row, long nextAttemptAt, Delivery log) {
        sql.write(c -> {
            update(c, "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = ?, lease_until = NULL, claimed_by = NULL "
                    + "WHERE id = ?", nextAttemptAt, row.id());
            append(c, log);
            return null;
        });
    }

    @Override
    public void log(Delivery log) {
        sql.write(c -> {
            append(c, log);
            return null;
        });
    }

    private static void append(Connection c, Delivery d) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_deliveries "
                + "(destination, event_id, kind, attempt, at, status_code, error, duration_ms, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, d.destination());
            ps.setString(2, d.eventId());
            ps.setString(3, d.kind());
            ps.setInt(4, d.attempt());
            ps.setLong(5, d.at());
            if (d.status() == null) {
                ps.setNull(6, Types.INTEGER);
            } else {
                ps.setInt(6, d.status());
            }
            ps.setString(7, d.error());
            ps.setLong(8, d.durationMillis());
            ps.setString(9, d.outcome().wire());
            ps.executeUpdate();
        }
    }

    @Override
    public void release(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        sql.write(c -> update(c, "UPDATE webhook_outbox SET lease_until = NULL, claimed_by = NULL WHERE id IN ("
                + placeholders(ids.size()) + ")", ids.toArray()));
    }

    @Override
    public void releaseAbandonedLeases() {
        if (sql.dialect() == Dialect.SQLITE) {
            sql.write(c -> update(c, "UPDATE webhook_outbox SET lease_until = NULL, claimed_by = NULL WHERE lease_until IS NOT NULL"));
        }
    }

    @Override
    public long pending(String destination) {
        return sql.read(c -> Sql.optionalLong(c, "SELECT COUNT(*) FROM webhook_outbox WHERE destination = ?", destination).orElse(0));
    }

    @Override
    public List<Delivery> deliveries(String destination, Long beforeId, int limit) {
        return sql.read(c -> list(c, JdbcWebhookStore::toDelivery, beforeId == null
                        ? "SELECT " + LOG_COLUMNS + " FROM webhook_deliveries WHERE destination = ? ORDER BY id DESC LIMIT ?"
                        : "SELECT " + LOG_COLUMNS + " FROM webhook_deliveries WHERE destination = ? AND id < ? ORDER BY id DESC LIMIT ?",
                beforeId == null ? new Object[]{destination, limit} : new Object[]{destination, beforeId, limit}));
    }

    private static Delivery toDelivery(ResultSet rs) throws SQLException {
        int status = rs.getInt(7);
        Integer code = rs.wasNull() ? null : status;
        return new Delivery(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5), rs.getLong(6), code,
                rs.getString(8), rs.getLong(9), Outcome.valueOf(rs.getString(10).toUpperCase(java.util.Locale.ROOT)));
    }

    @Override
    public void pruneDeliveries(long before) {
        sql.write(c -> update(c, "DELETE FROM webhook_deliveries WHERE at < ?", before));
    }

    private static String placeholders(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }
}
