package io.berth.lifecycle;

import java.util.List;

/**
 * One retention rule of a namespace. It applies to the namespace's repositories whose full names match one
 * of {@code repositories} (all of them when the list is empty). In a repository the rules apply to, a tag
 * is kept when any applicable rule keeps it: it is among the rule's {@code keepLast} most recently pushed
 * tags, was pushed or pulled within {@code keepDays} days, or matches one of {@code keepTags}; a tag that
 * no applicable rule keeps is deleted — unless no applicable rule has any of these three conditions, in
 * which case the rules say nothing about tags and all stay. With {@code deleteUntagged}, manifests left
 * without a tag are deleted too, unless pushed or pulled within an applicable rule's {@code keepDays}, or
 * younger than the untagged grace ({@link RetentionSettings#untaggedGrace}). Never deleted: immutable
 * tags, manifests an index that stays lists, referrers of a manifest that stays, and the tags cosign
 * names after a manifest that stays.
 *
 * @param keepLast null when absent
 * @param keepDays null when absent
 */
public record RetentionRule(List<String> repositories, Integer keepLast, Integer keepDays, List<String> keepTags,
                            boolean deleteUntagged) {
    public static final int MAX_KEEP_LAST = 100_000;
    public static final int MAX_KEEP_DAYS = 36_500;

    public RetentionRule {
        repositories = repositories == null ? List.of() : List.copyOf(repositories);
        keepTags = keepTags == null ? List.of() : List.copyOf(keepTags);
    }

    /** Whether the rule says anything about tags (otherwise it only deletes untagged manifests). */
    public boolean decidesTags() {
        return keepLast != null || keepDays != null || !keepTags.isEmpty();
    }

    boolean appliesTo(String repository) {
        return repositories.isEmpty() || Glob.firstMatch(repositories, repository) != null;
    }

    /** The rule as stored: patterns checked and deduplicated; IllegalArgumentException says what is wrong. */
    RetentionRule checked(String namespace, int number) {
        String where = "rule " + number;
        List<String> repos = Glob.checkRepositoryPatterns(repositories, where + " repositories");
        for (String r : repos) {
            if (!r.equals(namespace) && !r.startsWith(namespace + "/")) {
                throw new IllegalArgumentException(where + ": repository pattern \"" + r + "\" must be " + namespace + " or start with "
                        + namespace + "/ (patterns match full repository names)");
            }
        }
        if (keepLast != null && (keepLast < 1 || keepLast > MAX_KEEP_LAST)) {
            throw new IllegalArgumentException(where + ": keepLast must be from 1 to " + MAX_KEEP_LAST);
        }
        if (keepDays != null && (keepDays < 1 || keepDays > MAX_KEEP_DAYS)) {
            throw new IllegalArgumentException(where + ": keepDays must be from 1 to " + MAX_KEEP_DAYS);
        }
        RetentionRule out = new RetentionRule(repos, keepLast, keepDays, Glob.checkTagPatterns(keepTags, where + " keepTags"),
                deleteUntagged);
        if (!out.decidesTags() && !deleteUntagged) {
            throw new IllegalArgumentException(where + " does nothing: give keepLast, keepDays, keepTags or deleteUntagged");
        }
        return out;
    }
}
