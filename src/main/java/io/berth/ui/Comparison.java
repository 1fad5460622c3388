package io.berth.ui;

import io.berth.oci.Digest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Two images side by side, as the compare page shows them: what changed from {@code a} to {@code b} in
 * their configs (each key of env and labels marked added, removed or changed) and which layers they share.
 *
 * @param facts the one-value fields (platform, user, entrypoint, …); when a config could not be read, none
 */
record Comparison(List<Row> facts, List<Row> env, List<Row> labels, List<Row> ports, List<Row> volumes, List<Layer> layers,
                  long sharedBytes, long onlyABytes, long onlyBBytes) {

    /** How a value went from a to b. */
    enum Change {
        SAME, CHANGED, ADDED, REMOVED;

        static Change of(String a, String b) {
            if (Objects.equals(a, b)) {
                return SAME;
            }
            return a == null ? ADDED : b == null ? REMOVED : CHANGED;
        }

        /** The word the page marks a row with (and its style's name); "" for an unchanged one. */
        String word() {
            return this == SAME ? "" : name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One key and its values in a and b (null where that image has none). */
    record Row(String key, String a, String b, Change change) {
        Row(String key, String a, String b) {
            this(key, a, b, Change.of(a, b));
        }

        /** The row's style: null for an unchanged one. */
        String css() {
            return change == Change.SAME ? null : "change " + change.word();
        }
    }

    /** A layer of either image, with its position in each (-1 where that image lacks it). */
    record Layer(Digest digest, String mediaType, long size, int inA, int inB) {
        String where() {
            return inA >= 0 && inB >= 0 ? "shared" : inA >= 0 ? "only in a" : "only in b";
        }
    }

    /** Counts the rows that differ: for the page's summary. */
    static long changed(List<Row> rows) {
        return rows.stream().filter(r -> r.change() != Change.SAME).count();
    }

    static Comparison of(ManifestView a, ImageConfig ca, ManifestView b, ImageConfig cb) {
        List<Row> facts = new ArrayList<>();
        facts.add(new Row("Manifest", a.digest().toString(), b.digest().toString()));
        facts.add(new Row("Size", Format.bytes(a.contentBytes()), Format.bytes(b.contentBytes())));
        facts.add(new Row("Layers", String.valueOf(a.layers().size()), String.valueOf(b.layers().size())));
        if (ca != null && cb != null) {
            facts.add(new Row("Platform", ca.platform(), cb.platform()));
            fact(facts, "Created", ca.created(), cb.created());
            fact(facts, "User", ca.user(), cb.user());
            fact(facts, "Working directory", ca.workingDir(), cb.workingDir());
            fact(facts, "Entrypoint", nullIfEmpty(ImageConfig.argv(ca.entrypoint())), nullIfEmpty(ImageConfig.argv(cb.entrypoint())));
            fact(facts, "Command", nullIfEmpty(ImageConfig.argv(ca.cmd())), nullIfEmpty(ImageConfig.argv(cb.cmd())));
            fact(facts, "Stop signal", ca.stopSignal(), cb.stopSignal());
        }
        List<Row> env = ca == null || cb == null ? List.of() : keyed(ca.envMap(), cb.envMap());
        List<Row> labels = ca == null || cb == null ? List.of() : keyed(ca.labels(), cb.labels());
        List<Row> ports = ca == null || cb == null ? List.of() : members(ca.exposedPorts(), cb.exposedPorts());
        List<Row> volumes = ca == null || cb == null ? List.of() : members(ca.volumes(), cb.volumes());

        Map<Digest, Integer> posA = positions(a.layers());
        Map<Digest, Integer> posB = positions(b.layers());
        List<Layer> layers = new ArrayList<>();
        Set<Digest> seen = new HashSet<>();
        long shared = 0;
        long onlyA = 0;
        long onlyB = 0;
        for (ManifestView.Blob l : a.layers()) {
            if (seen.add(l.digest())) {
                int inB = posB.getOrDefault(l.digest(), -1);
                layers.add(new Layer(l.digest(), l.mediaType(), l.size(), posA.get(l.digest()), inB));
                if (inB >= 0) {
                    shared += l.size();
                } else {
                    onlyA += l.size();
                }
            }
        }
        for (ManifestView.Blob l : b.layers()) {
            if (seen.add(l.digest())) { // every layer of a is seen: this one is b's alone
                layers.add(new Layer(l.digest(), l.mediaType(), l.size(), -1, posB.get(l.digest())));
                onlyB += l.size();
            }
        }
        return new Comparison(facts, env, labels, ports, volumes, layers, shared, onlyA, onlyB);
    }

    /** A field either image sets (one neither sets is no news). */
    private static void fact(List<Row> facts, String key, String a, String b) {
        if (a != null || b != null) {
            facts.add(new Row(key, a, b));
        }
    }

    /** Every key of a, in a's order, then b's new keys. */
    private static List<Row> keyed(Map<String, String> a, Map<String, String> b) {
        Set<String> keys = new LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        List<Row> rows = new ArrayList<>();
        for (String k : keys) {
            rows.add(new Row(k, a.get(k), b.get(k)));
        }
        return rows;
    }

    /** Set members (ports, volumes): each shown where it is. */
    private static List<Row> members(List<String> a, List<String> b) {
        Set<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        List<Row> rows = new ArrayList<>();
        for (String k : all) {
            rows.add(new Row(k, a.contains(k) ? k : null, b.contains(k) ? k : null));
        }
        return rows;
    }

    /** The first position of each layer (a layer may repeat: the same empty tar twice). */
    private static Map<Digest, Integer> positions(List<ManifestView.Blob> layers) {
        Map<Digest, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            out.putIfAbsent(layers.get(i).digest(), i);
        }
        return out;
    }

    private static String nullIfEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
