package io.berth.lifecycle;

import io.berth.oci.Digest;

import java.time.Instant;
import java.util.List;

/**
 * What a retention run deletes, in the order it deletes it, and why: the preview shows it, and a run
 * computes the same plan at its start and deletes exactly its items (those still as planned).
 *
 * @param namespace null for a plan over every namespace with rules
 * @param repositories how many repositories the rules applied to
 * @param tagsKept     tags left in those repositories
 * @param manifestsKept manifests left in those repositories
 */
public record RetentionPlan(String namespace, Instant at, List<Item> items, int repositories, int tagsKept, int manifestsKept) {
    public RetentionPlan {
        items = List.copyOf(items);
    }

    /**
     * One deletion: a tag ({@code tag} set; {@code digest} is where it points) or an untagged manifest
     * ({@code tag} null).
     *
     * @param pushedAt      the tag's last push, or the manifest's creation (epoch millis): the run deletes it only if unchanged
     * @param unlessPresent for a tag that names another manifest (cosign's {@code sha256-<hex>.sig}): that manifest,
     *                      which must be gone (this run deletes it first); null otherwise
     * @param reason        why no rule keeps it
     */
    public record Item(String repository, String tag, Digest digest, long pushedAt, Digest unlessPresent, String reason) {
        public boolean isTag() {
            return tag != null;
        }

        /** {@code repo:tag} or {@code repo@digest}, as the audit log names it. */
        public String target() {
            return isTag() ? repository + ":" + tag : repository + "@" + digest;
        }
    }

    public List<Item> tags() {
        return items.stream().filter(Item::isTag).toList();
    }

    public List<Item> manifests() {
        return items.stream().filter(i -> !i.isTag()).toList();
    }
}
