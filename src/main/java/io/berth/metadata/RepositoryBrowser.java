package io.berth.metadata;

import io.berth.oci.Names;
import io.berth.oci.Digest;

import java.util.List;
import java.util.Set;

/**
 * What the web UI lists and searches, each a single query whatever the page (no N+1), paginated by keys
 * rather than offsets so a page deep into 100,000 repositories costs what the first does. Every method
 * takes what the viewer may read and never returns anything outside it.
 */
public interface RepositoryBrowser {


    /** The namespaces a viewer may read: every one (admins, an open registry) or exactly these. */
    record Readable(boolean everything, Set<String> namespaces) {
        public static final Readable EVERYTHING = new Readable(true, Set.of());

        public static Readable only(Set<String> namespaces) {
            return new Readable(false, Set.copyOf(namespaces));
        }

        public boolean includes(String namespace) {
            return everything || namespaces.contains(namespace);
        }

        public boolean nothing() {
            return !everything && namespaces.isEmpty();
        }
    }

    /** @param lastChange when a tag of it last moved (epoch millis), 0 when it has no tag */
    record RepositoryRow(String name, String description, long tags, long lastChange) {
    }

    /** Repositories by name after {@code after}, whose name contains {@code contains} when given. */
    List<RepositoryRow> repositories(Readable readable, String contains, String after, int limit);

    /** One repository's row, when it exists (the caller checks who may see it). */
    java.util.Optional<RepositoryRow> repository(String name);

    enum TagOrder { NAME, RECENT }

    /**
     * @param contentBytes the bytes of what the manifest references (config and layers; for an index, its
     *                     children's), as a client pulling it would download them
     * @param updatedAt    when the tag was last pushed (epoch millis)
     */
    record TagRow(String tag, Digest digest, String mediaType, String artifactType, long manifestSize, long contentBytes,
                  long updatedAt) {
        /** The key to continue a listing after this row. */
        public String cursor(TagOrder order) {
            return order == TagOrder.NAME ? tag : updatedAt + ":" + tag;
        }
    }

    /** One page of a repository's tags; {@code after} is the {@link TagRow#cursor} of the last row seen. */
    List<TagRow> tags(String repository, TagOrder order, String after, int limit);

    long tagCount(String repository);

    /**
     * Where a digest occurs, as one of {@code manifest} (the digest is the manifest's), {@code blob} (a
     * config or layer of the manifest) or {@code child} (a platform's manifest in the index).
     *
     * @param tag a tag pointing at the manifest, or null for an untagged manifest
     */
    record Hit(String repository, String tag, Digest manifest, String via) {
    }

    List<Hit> containing(Readable readable, Digest digest, int limit);

    /** Tags whose name contains {@code contains}, by repository and name. */
    List<Hit> tagsMatching(Readable readable, String contains, int limit);

    // --- one manifest (the image page; the caller checks who may see the repository) ---

    /** A digest with a byte count: a blob and its size, or an index's child and what it references. */
    record Sized(Digest digest, long bytes) {
    }

    /** The tags pointing at a manifest, by name: at most {@code limit} of them. */
    List<String> tagsOf(String repository, Digest manifest, int limit);

    /**
     * The children an index references, each with the bytes of what it references in turn (its config and
     * layers: what pulling that platform downloads), in one statement however many children.
     */
    List<Sized> childContent(String repository, Digest index);

    /**
     * The blobs that deleting a manifest would leave unreferenced, by digest: those it references — and, for
     * an index, those of its children that nothing else keeps (no tag, no other index of the repository) —
     * that no other manifest in the {@code readable} namespaces references. With {@link Readable#EVERYTHING},
     * what garbage collection then reclaims; narrower, an upper bound that tells nothing of the namespaces left
     * out (whether they hold a blob would otherwise show). Empty when the manifest does not exist.
     */
    List<Sized> freedBy(String repository, Digest manifest, Readable readable);
}
