package io.berth.lifecycle;

import io.berth.lifecycle.LifecycleStore.ManifestRow;
import io.berth.lifecycle.LifecycleStore.TagRow;
import io.berth.lifecycle.RetentionPlan.Item;
import io.berth.oci.Digest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One repository's part of a retention plan: which tags no applicable rule keeps, which manifests are left
 * untagged and unreferenced, and the order to delete them in. Pure: everything it knows is passed in.
 */
final class RetentionPlanner {
    private static final long DAY = 86_400_000L;

    /** A rule with its place in the namespace's list (1-based), as reasons name it. */
    record Numbered(int number, RetentionRule rule) {
    }

    record Result(List<Item> items, int tagsKept, int manifestsKept) {
    }

    private final String repository;
    private final List<Numbered> rules;
    private final Map<String, Long> tagPulls;
    private final Map<Digest, Long> manifestPulls;
    private final long now;
    private final long grace;
    private final Map<Digest, ManifestRow> manifests = new LinkedHashMap<>();
    /** Parents (indexes) of each listed manifest. */
    private final Map<Digest, List<Digest>> parents = new HashMap<>();

    private RetentionPlanner(LifecycleStore.Contents contents, List<Numbered> rules, Map<String, Long> tagPulls,
                             Map<Digest, Long> manifestPulls, long now, long grace) {
        this.repository = contents.repository();
        this.rules = rules;
        this.tagPulls = tagPulls;
        this.manifestPulls = manifestPulls;
        this.now = now;
        this.grace = grace;
        for (ManifestRow m : contents.manifests()) {
            manifests.put(m.digest(), m);
        }
        for (ManifestRow m : contents.manifests()) {
            for (Digest child : m.children()) {
                parents.computeIfAbsent(child, k -> new ArrayList<>()).add(m.digest());
            }
        }
    }

    static Result plan(LifecycleStore.Contents contents, List<Numbered> rules, List<String> immutablePatterns,
                       Map<String, Long> tagPulls, Map<Digest, Long> manifestPulls, long now, long grace) {
        return new RetentionPlanner(contents, rules, tagPulls, manifestPulls, now, grace).plan(contents.tags(), immutablePatterns);
    }

    private Result plan(List<TagRow> tags, List<String> immutablePatterns) {
        Map<TagRow, String> deletedTags = new LinkedHashMap<>();
        List<TagRow> named = new ArrayList<>(); // cosign's and the referrers schema's: they follow the manifest they name
        List<TagRow> regular = new ArrayList<>();
        for (TagRow t : tags) {
            (ImmutableTags.isExempt(t.name()) ? named : regular).add(t);
        }
        regular.sort(Comparator.comparingLong(TagRow::pushedAt).reversed().thenComparing(TagRow::name));
        for (int rank = 0; rank < regular.size(); rank++) {
            TagRow t = regular.get(rank);
            ManifestRow target = manifests.get(t.digest());
            boolean referrer = target != null && target.subject() != null;
            if (ImmutableTags.rule(immutablePatterns, t.name(), referrer) == null) {
                String reason = notKept(t, rank);
                if (reason != null) {
                    deletedTags.put(t, reason);
                }
            }
        }
        // Manifests left untagged go; a cosign tag goes with the manifest it names, which may leave its own
        // manifest (the signature) untagged in turn: repeat until nothing more goes.
        Map<TagRow, Digest> deletedNamed = new LinkedHashMap<>();
        Set<Digest> deleted;
        while (true) {
            deleted = deletedManifests(tags, deletedTags.keySet(), deletedNamed.keySet());
            boolean more = false;
            for (TagRow t : named) {
                Digest names = ImmutableTags.namedDigest(t.name()).orElse(null);
                if (names != null && deleted.contains(names) && !deletedNamed.containsKey(t)) {
                    deletedNamed.put(t, names);
                    more = true;
                }
            }
            if (!more) {
                break;
            }
        }
        List<Item> items = new ArrayList<>();
        deletedTags.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(TagRow::name)))
                .forEach(e -> items.add(new Item(repository, e.getKey().name(), e.getKey().digest(), e.getKey().pushedAt(), null, e.getValue())));
        items.addAll(new Order(tags, deletedTags.keySet(), deletedNamed, deleted).items());
        return new Result(items, tags.size() - deletedTags.size() - deletedNamed.size(), manifests.size() - deleted.size());
    }

    /** Why no rule keeps the tag, or null when one does (or no rule speaks of tags). */
    private String notKept(TagRow t, int rank) {
        List<String> why = new ArrayList<>();
        for (Numbered n : rules) {
            RetentionRule r = n.rule();
            if (!r.decidesTags()) {
                continue;
            }
            List<String> failed = new ArrayList<>();
            if (r.keepLast() != null) {
                if (rank < r.keepLast()) {
                    return null;
                }
                failed.add("not among the " + r.keepLast() + " most recently pushed (" + ordinal(rank + 1) + ")");
            }
            if (r.keepDays() != null) {
                Long pulled = tagPulls.get(t.name());
                if (within(t.pushedAt(), r.keepDays()) || (pulled != null && within(pulled, r.keepDays()))) {
                    return null;
                }
                failed.add("pushed " + ago(t.pushedAt()) + (pulled == null ? ", no pull recorded" : ", last pulled " + ago(pulled))
                        + ": not within " + r.keepDays() + " days");
            }
            if (!r.keepTags().isEmpty()) {
                if (Glob.firstMatch(r.keepTags(), t.name()) != null) {
                    return null;
                }
                failed.add("matches none of " + String.join(", ", r.keepTags()));
            }
            why.add("rule " + n.number() + ": " + String.join("; ", failed));
        }
        return why.isEmpty() ? null : "kept by no rule (" + String.join(" | ", why) + ")";
    }

    /**
     * Manifests that lose (or never had) every tag, that a rule with deleteUntagged covers, that are older
     * than the grace and not pushed or pulled within any rule's keepDays — less those an index that stays
     * lists, and referrers whose subject stays (repeated until nothing changes: a kept index keeps its
     * children, which may keep their referrers).
     */
    private Set<Digest> deletedManifests(List<TagRow> tags, Set<TagRow> deletedTags, Set<TagRow> deletedNamed) {
        if (rules.stream().noneMatch(n -> n.rule().deleteUntagged())) {
            return Set.of();
        }
        Set<Digest> tagged = new HashSet<>();
        for (TagRow t : tags) {
            if (!deletedTags.contains(t) && !deletedNamed.contains(t)) {
                tagged.add(t.digest());
            }
        }
        Set<Digest> candidates = new HashSet<>();
        for (ManifestRow m : manifests.values()) {
            if (!tagged.contains(m.digest()) && m.createdAt() < now - grace && !keptByDays(m)) {
                candidates.add(m.digest());
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Digest c : List.copyOf(candidates)) {
                ManifestRow m = manifests.get(c);
                boolean listed = parents.getOrDefault(c, List.of()).stream().anyMatch(p -> manifests.containsKey(p) && !candidates.contains(p));
                boolean subjectStays = m.subject() != null && manifests.containsKey(m.subject()) && !candidates.contains(m.subject());
                if (listed || subjectStays) {
                    candidates.remove(c);
                    changed = true;
                }
            }
        }
        return candidates;
    }

    private boolean keptByDays(ManifestRow m) {
        Long pulled = manifestPulls.get(m.digest());
        for (Numbered n : rules) {
            Integer days = n.rule().keepDays();
            if (days != null && (within(m.createdAt(), days) || (pulled != null && within(pulled, days)))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The order of manifest and cosign-tag deletions: an index before what it lists, a subject before its
     * referrers, a manifest before the cosign tag named after it, which goes before the manifest it points
     * at. Each deletion then finds, when it runs, that nothing that stays still needs it.
     */
    private final class Order {
        private final Map<Digest, List<String>> tagsDeletedByDigest = new HashMap<>();
        private final Map<TagRow, Digest> deletedNamed;
        private final Set<Digest> deleted;
        private final Set<Object> visited = new HashSet<>();
        private final List<Item> out = new ArrayList<>();

        Order(List<TagRow> tags, Set<TagRow> deletedTags, Map<TagRow, Digest> deletedNamed, Set<Digest> deleted) {
            this.deletedNamed = deletedNamed;
            this.deleted = deleted;
            for (TagRow t : tags) {
                if (deletedTags.contains(t) || deletedNamed.containsKey(t)) {
                    tagsDeletedByDigest.computeIfAbsent(t.digest(), k -> new ArrayList<>()).add(t.name());
                }
            }
        }

        List<Item> items() {
            for (Digest d : new TreeSet<>(deleted)) {
                manifest(d);
            }
            deletedNamed.keySet().stream().sorted(Comparator.comparing(TagRow::name)).forEach(this::namedTag);
            return out;
        }

        private void manifest(Digest d) {
            if (!visited.add(d)) {
                return;
            }
            ManifestRow m = manifests.get(d);
            List<Digest> deletedParents = parents.getOrDefault(d, List.of()).stream().filter(deleted::contains).sorted().toList();
            deletedParents.forEach(this::manifest);
            if (m.subject() != null && deleted.contains(m.subject())) {
                manifest(m.subject());
            }
            deletedNamed.keySet().stream().filter(t -> t.digest().equals(d)).sorted(Comparator.comparing(TagRow::name)).forEach(this::namedTag);
            out.add(new Item(repository, null, d, m.createdAt(), null, untaggedReason(m, deletedParents)));
        }

        private void namedTag(TagRow t) {
            if (!visited.add(t)) {
                return;
            }
            Digest names = deletedNamed.get(t);
            manifest(names);
            out.add(new Item(repository, t.name(), t.digest(), t.pushedAt(), names, "names " + shortDigest(names) + ", which this run deletes"));
        }

        private String untaggedReason(ManifestRow m, List<Digest> deletedParents) {
            List<String> why = new ArrayList<>();
            List<String> lostTags = tagsDeletedByDigest.getOrDefault(m.digest(), List.of());
            why.add(lostTags.isEmpty() ? "untagged" : "untagged once this run deletes " + String.join(", ", lostTags.stream().sorted().toList()));
            why.add("pushed " + ago(m.createdAt()));
            if (!deletedParents.isEmpty()) {
                why.add("listed only by " + deletedParents.stream().map(RetentionPlanner::shortDigest).collect(Collectors.joining(", "))
                        + ", which this run deletes");
            }
            if (m.subject() != null) {
                why.add("refers to " + shortDigest(m.subject()) + (manifests.containsKey(m.subject())
                        ? ", which this run deletes" : ", which is not in the repository"));
            }
            List<Integer> days = rules.stream().map(n -> n.rule().keepDays()).filter(java.util.Objects::nonNull).distinct().sorted().toList();
            if (!days.isEmpty()) {
                Long pulled = manifestPulls.get(m.digest());
                why.add((pulled == null ? "no pull recorded" : "last pulled " + ago(pulled)) + ": not within " + days.getLast() + " days");
            }
            List<String> deleting = rules.stream().filter(n -> n.rule().deleteUntagged()).map(n -> String.valueOf(n.number())).toList();
            why.add(deleting.size() == 1 ? "rule " + deleting.getFirst() + " deletes untagged manifests"
                    : "rules " + String.join(", ", deleting) + " delete untagged manifests");
            return String.join("; ", why);
        }
    }

    private boolean within(long at, int days) {
        return at >= now - days * DAY;
    }

    private String ago(long at) {
        long days = Math.max(0, now - at) / DAY;
        return days == 1 ? "1 day ago" : days + " days ago";
    }

    static String shortDigest(Digest d) {
        return d.algorithm() + ":" + d.hex().substring(0, 12);
    }

    private static String ordinal(int n) {
        int mod100 = n % 100;
        String suffix = mod100 >= 11 && mod100 <= 13 ? "th" : switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return n + suffix;
    }
}
