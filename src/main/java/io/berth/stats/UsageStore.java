package io.berth.stats;

import io.berth.oci.Digest;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Where the usage statistics live: the counters the metadata store keeps in the transactions of its
 * writes, the daily push and pull counts, and when manifests and tags were last pulled. Implemented on
 * the metadata database ({@code io.berth.metadata.jdbc}); failures to reach it are
 * {@link io.berth.metadata.MetadataUnavailableException}s.
 */
public interface UsageStore {

    /** The registry's counters and those of every namespace that has any (a few rows; no scan). */
    Stored counters();

    /** One namespace's counters (zero when it has none): its unique bytes, as quotas count them, are {@link Counts#uniqueBytes()}. */
    Counts namespace(String namespace);

    /** The namespace's quota; {@link Quota#NONE} when it has none. */
    Quota quota(String namespace);

    /**
     * Sets the namespace's quota ({@link Quota#NONE} removes it). A limit below the current usage is allowed: it
     * only refuses further growth. Pushes are checked against it inside their own write transactions.
     */
    void setQuota(String namespace, Quota quota);

    /** Counters as stored: the registry's, and each namespace's by name (byte order). */
    record Stored(Counts registry, Map<String, Counts> namespaces) {
    }

    /** Pushes and pulls of days from {@code fromDay} on (days since 1970-01-01, UTC), for the registry (scope "") and every namespace. */
    List<DayCount> daily(long fromDay);

    /** Manifest pushes and pulls counted on one day, in one scope: "" is the registry, else a namespace. */
    record DayCount(long day, String scope, long pushes, long pulls) {
    }

    /** A pull of a manifest (by digest) or of a tag, at epoch millis {@code at}: {@code reference} is the digest or the tag. */
    record Pull(String repository, String reference, long at) {
    }

    /**
     * Adds what a node counted since its last batch, in one transaction: the day counts are added to
     * the stored ones, last-pulled times only move forward (several nodes may write), and pulls of tags or
     * manifests deleted meanwhile are left out. Days before {@code pruneBefore} are deleted.
     */
    void record(List<DayCount> days, List<Pull> manifests, List<Pull> tags, long pruneBefore);

    /**
     * Recomputes every counter (and the per-namespace blob references) exactly from the rows, in one
     * transaction that concurrent writes wait for, and drops last-pulled times of what no longer exists.
     * For garbage collection, after it deleted rows, and for an operator who suspects drift.
     */
    Reconciliation reconcile();

    /** What {@link #reconcile} found: the counters before and after, and the scopes it corrected. */
    record Reconciliation(Stored before, Stored after, List<String> corrected) {
    }

    /** When the manifest was last pulled (epoch millis), as of the last batch. */
    OptionalLong manifestLastPulled(String repository, Digest digest);

    /** When the tag was last pulled (epoch millis), as of the last batch. */
    OptionalLong tagLastPulled(String repository, String tag);

    /** Every tag of the repository with a recorded pull, with its time (for retention's "pulled within"). */
    Map<String, Long> tagPulls(String repository);

    /** Every manifest of the repository with a recorded pull, with its time. */
    Map<Digest, Long> manifestPulls(String repository);
}
