package io.berth.lifecycle;

import io.berth.oci.Names;
import io.berth.oci.Digest;

import java.util.List;
import java.util.Optional;

/**
 * Immutable tag rules: per namespace, glob patterns ({@link Glob}) of tags that, once they exist, may be
 * neither moved to another digest nor deleted. Re-pushing the digest a tag already has is allowed (CI
 * pushes again). Exempt, whatever the patterns: the tags cosign and the OCI referrers tag schema use
 * ({@code sha256-<hex>}, optionally {@code .sig}, {@code .att} or {@code .sbom}; see {@link #isExempt}), and
 * a tag whose manifest is a referrer (has a {@code subject}): signatures and attestations are re-signed
 * and replaced as a matter of course.
 *
 * <p>The metadata store enforces the rules inside the transaction that moves or deletes a tag
 * ({@code io.berth.metadata.ImmutableTagException}), so two racing pushes cannot both move one, and
 * retention and garbage collection, which delete through the store, cannot remove one either; they ask
 * {@link #immutableRule} beforehand to keep such tags out of their plans.
 *
 * <p>Roles (for the admin API, which checks them): reading the patterns needs read access to the
 * namespace (reader); changing them needs the namespace's owner or an admin. Changes are the admin API's
 * to audit, as its other changes.
 */
public final class ImmutableTags {
    /** At most this many patterns per namespace. */
    public static final int MAX_PATTERNS = Glob.MAX_PATTERNS;

    private final LifecycleStore store;

    public ImmutableTags(LifecycleStore store) {
        this.store = store;
    }

    /** The namespace's patterns, in the order they were set (reader). */
    public List<String> patterns(String namespace) {
        return store.immutablePatterns(checkNamespace(namespace));
    }

    /**
     * Replaces the namespace's patterns (owner or admin); an empty list removes them. Returns what is now in
     * force (duplicates dropped). IllegalArgumentException (a 400) names a malformed pattern.
     */
    public List<String> setPatterns(String namespace, List<String> patterns) {
        List<String> checked = Glob.checkTagPatterns(patterns, "immutable tag patterns");
        store.setImmutablePatterns(checkNamespace(namespace), checked);
        return checked;
    }

    /**
     * The pattern that makes the tag immutable now, or empty: for retention, garbage collection and cache
     * eviction, which must leave such tags alone (the store refuses to delete them anyway).
     */
    public Optional<String> immutableRule(String repository, String tag) {
        return store.immutableRule(repository, tag);
    }

    public boolean isImmutable(String repository, String tag) {
        return immutableRule(repository, tag).isPresent();
    }

    /**
     * The pattern among {@code patterns} that makes {@code tag} immutable, or null; null for exempt tags.
     * {@code referrer}: the tag's manifest has a subject. The one decision, used by the store in its
     * transactions and by retention in its plans.
     */
    public static String rule(List<String> patterns, String tag, boolean referrer) {
        if (patterns.isEmpty() || referrer || isExempt(tag)) {
            return null;
        }
        return Glob.firstMatch(patterns, tag);
    }

    /**
     * Tags that name another manifest by its digest: cosign's {@code sha256-<hex>.sig}, {@code .att} and
     * {@code .sbom}, and the OCI referrers tag schema's {@code sha256-<hex>} (or {@code sha512-} with the
     * digest cut to 64 characters, as the schema cuts it).
     */
    public static boolean isExempt(String tag) {
        if (!(tag.startsWith("sha256-") || tag.startsWith("sha512-")) || tag.length() < 7 + 64) {
            return false;
        }
        for (int i = 7; i < 7 + 64; i++) {
            char c = tag.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        String suffix = tag.substring(7 + 64);
        return suffix.isEmpty() || suffix.equals(".sig") || suffix.equals(".att") || suffix.equals(".sbom");
    }

    /** The manifest a cosign or referrers-schema tag names ({@code sha256-<hex>…}), when it can be told whole. */
    static Optional<Digest> namedDigest(String tag) {
        return isExempt(tag) && tag.startsWith("sha256-") ? Optional.of(new Digest("sha256", tag.substring(7, 7 + 64))) : Optional.empty();
    }


    static String checkNamespace(String namespace) {
        if (!io.berth.oci.Names.isPathComponent(namespace)) {
            throw new IllegalArgumentException("invalid namespace: " + namespace);
        }
        return namespace;
    }
}
