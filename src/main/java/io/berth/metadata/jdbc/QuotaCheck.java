package io.berth.metadata.jdbc;

import io.berth.metadata.QuotaExceededException;
import io.berth.oci.Names;
import io.berth.stats.Counter;
import io.berth.stats.Counts;
import io.berth.stats.Quota;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Refuses a push whose counted changes would take its namespace over a limit of its quota (V10__quotas.sql),
 * inside the push's transaction, just before its counters are written. Only growth is checked: a write that
 * adds nothing limited (a re-push, a blob the namespace holds already) is never refused, whatever the usage.
 *
 * <p>On PostgreSQL the quota row is locked FOR UPDATE before the usage is read, so the checks of concurrent
 * pushes into one namespace run one after another, each seeing what the previous committed (READ COMMITTED
 * reads after the lock was granted): together they never pass a limit. The lock comes after every other
 * row the push locks and before the counter shards, the order every push takes, so it adds no deadlock.
 * SQLite serialises writers anyway. Namespaces without a quota cost one primary-key lookup per push.
 */
final class QuotaCheck {
    private QuotaCheck() {
    }

    /** Throws when {@code added} (the namespace's share of a push's delta, in Counter order) would exceed its quota. */
    static void enforce(Connection c, Dialect dialect, String repository, long[] added) throws SQLException {
        long bytes = added[Counter.BLOB_BYTES.ordinal()] + added[Counter.MANIFEST_BYTES.ordinal()];
        long repositories = added[Counter.REPOSITORIES.ordinal()];
        long tags = added[Counter.TAGS.ordinal()];
        if (bytes <= 0 && repositories <= 0 && tags <= 0) {
            return;
        }
        String namespace = Names.namespaceOf(repository);
        Optional<Quota> quota = JdbcUsageStore.quota(c, namespace, dialect.forUpdate);
        if (quota.isEmpty()) {
            return;
        }
        Counts used = JdbcUsageStore.namespace(c, namespace);
        check(namespace, repository, "repositories", used.get(Counter.REPOSITORIES), repositories, quota.get().maxRepositories());
        check(namespace, repository, "tags", used.get(Counter.TAGS), tags, quota.get().maxTags());
        check(namespace, repository, "storage", used.uniqueBytes(), bytes, quota.get().maxBytes());
    }

    private static void check(String namespace, String repository, String limit, long used, long adding, Long max) {
        if (max != null && adding > 0 && used + adding > max) {
            throw new QuotaExceededException(namespace, repository, limit, used, max, adding);
        }
    }
}
