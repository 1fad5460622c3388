package io.berth.metadata;

import io.berth.oci.Digest;

/**
 * A push would move, or a delete would remove, a tag that an immutable tag rule of its namespace covers;
 * nothing was written. The message names the tag, the rule and what to do instead.
 */
public class ImmutableTagException extends RuntimeException {
    private final String repository;
    private final String tag;
    private final String rule;

    private ImmutableTagException(String repository, String tag, String rule, String message) {
        super(message, null, false, false);
        this.repository = repository;
        this.tag = tag;
        this.rule = rule;
    }

    /** A push of {@code pushed} to a tag that points at {@code current}. */
    public static ImmutableTagException move(String repository, String tag, String rule, Digest current, Digest pushed) {
        return new ImmutableTagException(repository, tag, rule, "tag " + tag + " of " + repository + " is immutable " + because(repository, rule)
                + ": it stays at " + current + " and cannot be moved to " + pushed + "; push under a new tag");
    }

    /** A delete of the tag itself. */
    public static ImmutableTagException delete(String repository, String tag, String rule) {
        return new ImmutableTagException(repository, tag, rule, "tag " + tag + " of " + repository + " is immutable " + because(repository, rule)
                + " and cannot be deleted");
    }

    /** A delete of the manifest the tag points at. */
    public static ImmutableTagException deleteManifest(String repository, Digest manifest, String tag, String rule) {
        return new ImmutableTagException(repository, tag, rule, "manifest " + manifest + " of " + repository + " cannot be deleted: "
                + "its tag " + tag + " is immutable " + because(repository, rule));
    }

    /** A delete of the repository that holds the tag. */
    public static ImmutableTagException deleteRepository(String repository, String tag, String rule) {
        return new ImmutableTagException(repository, tag, rule, "repository " + repository + " cannot be deleted: its tag " + tag
                + " is immutable " + because(repository, rule) + "; an owner of the namespace may change its immutable tag rules first");
    }

    /** "(rule v* of namespace team)": patterns hold no spaces or quotes, so they need no quoting (clients print JSON escaped). */
    private static String because(String repository, String rule) {
        return "(rule " + rule + " of namespace " + namespace(repository) + ")";
    }

    private static String namespace(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    public String repository() {
        return repository;
    }

    public String tag() {
        return tag;
    }

    /** The pattern that covers the tag. */
    public String rule() {
        return rule;
    }
}
