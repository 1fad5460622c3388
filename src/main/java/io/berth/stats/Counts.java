package io.berth.stats;

import java.util.Arrays;

/** The values of every {@link Counter} in one scope (the registry, or a namespace). Immutable. */
public final class Counts {
    public static final Counts ZERO = new Counts(new long[Counter.COUNT]);

    private final long[] values;

    private Counts(long[] values) {
        this.values = values;
    }

    /** {@code values} in the order of {@link Counter#values()}. */
    public static Counts of(long... values) {
        if (values.length != Counter.COUNT) {
            throw new IllegalArgumentException("expected " + Counter.COUNT + " counter values, got " + values.length);
        }
        return new Counts(values.clone());
    }

    public long get(Counter c) {
        return values[c.ordinal()];
    }

    /** Manifests of every kind. */
    public long manifests() {
        return get(Counter.IMAGE_MANIFESTS) + get(Counter.INDEX_MANIFESTS) + get(Counter.ARTIFACT_MANIFESTS);
    }

    /** Storage as each repository sees it: every blob it links, plus its manifests. */
    public long logicalBytes() {
        return get(Counter.LINKED_BLOB_BYTES) + get(Counter.MANIFEST_BYTES);
    }

    /** Unique bytes in the scope: each blob once (per registry, or per namespace), plus the manifests. */
    public long uniqueBytes() {
        return get(Counter.BLOB_BYTES) + get(Counter.MANIFEST_BYTES);
    }

    /** Both scopes' values added, counter by counter (the namespaces a caller may read, summed). */
    public Counts plus(Counts other) {
        long[] sum = values.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.values[i];
        }
        return new Counts(sum);
    }

    public boolean isZero() {
        for (long v : values) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Counts c && Arrays.equals(values, c.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("{");
        for (Counter c : Counter.values()) {
            s.append(s.length() > 1 ? ", " : "").append(c.column()).append('=').append(values[c.ordinal()]);
        }
        return s.append('}').toString();
    }
}
