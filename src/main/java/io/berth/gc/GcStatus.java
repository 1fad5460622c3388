package io.berth.gc;

import java.time.Instant;

/**
 * Whether a collection is running (here, or on another node by its lease), the phase of one running here,
 * and the last one this node ran.
 *
 * @param phase  policies, mark, condemn, orphans, waiting, sweep or delete; null unless running here
 * @param last   the last result on this node (with its items), or null
 */
public record GcStatus(boolean running, String node, Instant since, String phase, GcResult last) {
}
