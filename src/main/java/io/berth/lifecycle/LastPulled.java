package io.berth.lifecycle;

import io.berth.oci.Digest;

import java.util.Map;
import java.util.OptionalLong;

/**
 * When tags and manifests were last pulled (epoch millis), for the "pushed or pulled within D days" part
 * of retention. The recorder of pull times (batched, like the audit log) comes with the usage statistics;
 * until {@code BerthServer} passes it here, {@link #NOT_RECORDED} answers that nothing was ever pulled,
 * so {@code keepDays} counts pushes alone.
 */
public interface LastPulled {

    /** When the tag was last pulled, or empty when no pull is recorded. */
    OptionalLong lastPulled(String repository, String tag);

    /** Every tag of the repository with a recorded pull (bulk form of {@link #lastPulled}: one call per repository). */
    Map<String, Long> tags(String repository);

    /** Every manifest of the repository with a recorded pull (by tag or by digest), by digest. */
    Map<Digest, Long> manifests(String repository);

    LastPulled NOT_RECORDED = new LastPulled() {
        @Override
        public OptionalLong lastPulled(String repository, String tag) {
            return OptionalLong.empty();
        }

        @Override
        public Map<String, Long> tags(String repository) {
            return Map.of();
        }

        @Override
        public Map<Digest, Long> manifests(String repository) {
            return Map.of();
        }
    };
}
