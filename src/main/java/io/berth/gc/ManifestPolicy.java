package io.berth.gc;

import io.berth.metadata.GcStore.CacheGraph;
import io.berth.metadata.GcStore.CachedTag;
import io.berth.metadata.GcStore.ManifestNode;
import io.berth.metadata.GcStore.Reference;
import io.berth.metadata.GcStore.RepositoryGraph;
import io.berth.oci.Digest;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which manifests of one repository the policies delete, in an order the database's re-checks accept: an
 * index before its children, a subject before its referrers. The dry run lists the plan; a collection
 * carries it out, each deletion re-checked on the row it holds ({@code GcStore.deleteUntaggedManifest},
 * {@code deleteDanglingReferrer}).
 */
final class ManifestPolicy {

    /** A manifest to delete; {@code referrer}: as a referrer whose subject is gone (with its tags), else as untagged. */
    record Deletion(Digest digest, boolean referrer) {
    }

    /** A cached tag ({@code tag} set, pointing at {@code digest}) or manifest ({@code tag} null) to evict. */
    record Eviction(String tag, Digest digest) {
    }

    private final Map<Digest, ManifestNode> manifests = new LinkedHashMap<>();
    /** manifest → the manifests of the repository it references (an index's children) */
    private final Map<Digest, List<Digest>> children = new HashMap<>();
    /** manifest → the manifests referencing it */
    private final Map<Digest, List<Digest>> parents = new HashMap<>();
    /** subject → its referrers */
    private final Map<Digest, List<Digest>> referrers = new HashMap<>();

    private ManifestPolicy(RepositoryGraph graph) {
        for (ManifestNode m : graph.manifests()) {
            manifests.put(m.digest(), m);
        }
        for (Reference r : graph.references()) {
            if (manifests.containsKey(r.target())) {
                children.computeIfAbsent(r.manifest(), k -> new ArrayList<>()).add(r.target());
                parents.computeIfAbsent(r.target(), k -> new ArrayList<>()).add(r.manifest());
            }
        }
        for (ManifestNode m : graph.manifests()) {
            if (m.subject() != null && manifests.containsKey(m.subject())) {
                referrers.computeIfAbsent(m.subject(), k -> new ArrayList<>()).add(m.digest());
            }
        }
    }

    /**
     * The deletions for one repository. {@code untaggedBefore} (or null): untagged manifests created before
     * it go, unless a kept manifest holds them as a child or is their subject (kept: tagged, or newer).
     * {@code referrersBefore} (or null): then referrers whose subject is not in the repository go, with
     * their tags, if created before it and no manifest holds them.
     */
    static List<Deletion> plan(RepositoryGraph graph, Long untaggedBefore, Long referrersBefore) {
        return new ManifestPolicy(graph).plan(untaggedBefore, referrersBefore);
    }

    /**
     * What the cache eviction deletes in one cached repository: its tags last used (filled or pulled) before
     * {@code usedBefore}, then every manifest no kept manifest reaches — kept: under a tag that stays, or used
     * since — in the untagged policy's order (an index before its children, a subject before its referrers), so a
     * child of an index that stays is never evicted.
     */
    static List<Eviction> evictions(CacheGraph cache, long usedBefore) {
        List<Eviction> out = new ArrayList<>();
        Set<Digest> stillTagged = new HashSet<>();
        for (CachedTag t : cache.tags()) {
            if (t.lastUsedAt() < usedBefore) {
                out.add(new Eviction(t.name(), t.digest()));
            } else {
                stillTagged.add(t.digest());
            }
        }
        List<ManifestNode> afterTags = cache.graph().manifests().stream()
                .map(m -> new ManifestNode(m.digest(), m.createdAt(), m.subject(), stillTagged.contains(m.digest()))).toList();
        for (Digest d : new ManifestPolicy(new RepositoryGraph(afterTags, cache.graph().references())).untagged(usedBefore)) {
            out.add(new Eviction(null, d));
        }
        return out;
    }

    private List<Deletion> plan(Long untaggedBefore, Long referrersBefore) {
        List<Deletion> out = new ArrayList<>();
        Set<Digest> present = new HashSet<>(manifests.keySet());
        if (untaggedBefore != null) {
            for (Digest d : untagged(untaggedBefore)) {
                out.add(new Deletion(d, false));
                present.remove(d);
            }
        }
        if (referrersBefore != null) {
            for (boolean changed = true; changed; ) {
                changed = false;
                for (ManifestNode m : manifests.values()) {
                    if (present.contains(m.digest()) && m.subject() != null && !present.contains(m.subject())
                            && m.createdAt() < referrersBefore && none(parents.get(m.digest()), present)) {
                        out.add(new Deletion(m.digest(), true));
                        present.remove(m.digest());
                        changed = true; // its own referrers may dangle now
                    }
                }
            }
        }
        return out;
    }

    /**
     * Everything not reachable from a kept manifest (tagged or newer) through children and referrers, ordered
     * so that each comes after its parents and its subject: all of those are unreachable too (else it would be
     * reachable), so each deletion finds them gone.
     */
    private List<Digest> untagged(long before) {
        Set<Digest> live = new HashSet<>();
        Deque<Digest> todo = new ArrayDeque<>();
        for (ManifestNode m : manifests.values()) {
            if (m.tagged() || m.createdAt() >= before) {
                live.add(m.digest());
                todo.add(m.digest());
            }
        }
        while (!todo.isEmpty()) {
            Digest d = todo.poll();
            for (Digest next : concat(children.get(d), referrers.get(d))) {
                if (live.add(next)) {
                    todo.add(next);
                }
            }
        }
        Map<Digest, Integer> blockers = new LinkedHashMap<>();
        for (ManifestNode m : manifests.values()) {
            if (!live.contains(m.digest())) {
                int n = parents.getOrDefault(m.digest(), List.of()).size() + (m.subject() != null && manifests.containsKey(m.subject()) ? 1 : 0);
                blockers.put(m.digest(), n);
            }
        }
        Deque<Digest> ready = new ArrayDeque<>();
        blockers.forEach((d, n) -> {
            if (n == 0) {
                ready.add(d);
            }
        });
        List<Digest> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            Digest d = ready.poll();
            order.add(d);
            for (Digest next : concat(children.get(d), referrers.get(d))) {
                Integer n = blockers.get(next);
                if (n != null && blockers.put(next, n - 1) == 1) {
                    ready.add(next);
                }
            }
        }
        return order;
    }

    private static boolean none(List<Digest> digests, Set<Digest> in) {
        return digests == null || digests.stream().noneMatch(in::contains);
    }

    private static List<Digest> concat(List<Digest> a, List<Digest> b) {
        List<Digest> out = new ArrayList<>(a == null ? List.of() : a);
        if (b != null) {
            out.addAll(b);
        }
        return out;
    }
}
