package io.berth.lifecycle;

import io.berth.oci.Digest;

import java.util.List;
import java.util.Optional;

/**
 * Persistent state of immutable tags and retention, and the reads and conditional deletes a retention run
 * makes. Lives in the registry's database beside the metadata (SQL in {@code io.berth.metadata.jdbc}), so
 * the store's tag moves and deletes check the same rules in their own transactions.
 */
public interface LifecycleStore {

    // --- immutable tags ---------------------------------------------------------------------

    List<String> immutablePatterns(String namespace);

    /** Replaces the namespace's patterns (none: removes them), in one transaction. */
    void setImmutablePatterns(String namespace, List<String> patterns);

    /** The pattern that makes the tag immutable now (see {@link ImmutableTags#rule}), or empty. */
    Optional<String> immutableRule(String repository, String tag);

    // --- retention rules --------------------------------------------------------------------

    List<RetentionRule> retentionRules(String namespace);

    /** Replaces the namespace's rules (none: removes them), in one transaction. */
    void setRetentionRules(String namespace, List<RetentionRule> rules);

    /** Namespaces that have retention rules, by name. */
    List<String> retentionNamespaces();

    // --- what a plan reads ------------------------------------------------------------------

    /** Repositories of the namespace ({@code ns} and {@code ns/…}), by name. */
    List<String> repositoriesIn(String namespace);

    /** A repository's tags, manifests and index children, as a plan needs them. */
    Contents contents(String repository);

    record Contents(String repository, List<TagRow> tags, List<ManifestRow> manifests) {
    }

    /** {@code pushedAt}: the last manifest PUT (or cache fill) that set the tag, epoch millis; revalidations do not count. */
    record TagRow(String name, Digest digest, long pushedAt) {
    }

    /** {@code subject}: the manifest it refers to, or null; {@code children}: the manifests an index lists. */
    record ManifestRow(Digest digest, String mediaType, Digest subject, long createdAt, List<Digest> children) {
    }

    // --- what a run does --------------------------------------------------------------------

    /**
     * Deletes each item, in order, if it is still as planned (on SQLite a few hundred items to a
     * transaction, on PostgreSQL one); every deletion's audit row is written in the deletion's own
     * transaction (actor {@code actor}, action {@code delete}, target {@link RetentionPlan.Item#target},
     * detail: the item's reason, then {@code detail}). Returns one outcome per item. A tag goes only if it still points at
     * the planned digest with the planned push time, is not immutable, and (for a tag naming a manifest,
     * {@link RetentionPlan.Item#unlessPresent}) that manifest is gone; a manifest only if it still has its
     * planned creation time, no tag, no index listing it and no subject in the repository.
     */
    List<Outcome> delete(List<RetentionPlan.Item> items, String actor, String detail);

    /** What {@link #delete} did with one item. */
    enum Outcome {
        DELETED,
        /** Left alone: changed since it was planned (pushed again, tagged, listed by an index, already gone). */
        CHANGED,
        /** Left alone: an immutable tag rule covers it now. */
        IMMUTABLE
    }

    /**
     * Takes the named lease until {@code until} (epoch millis) if nobody holds it at {@code now}; true when
     * taken. One scheduled run per interval however many nodes share the database.
     */
    boolean claimLease(String name, long now, long until);
}
