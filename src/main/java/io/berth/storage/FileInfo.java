package io.berth.storage;

import java.time.Instant;

/** What a driver knows of one stored object. */
public record FileInfo(String path, long size, Instant modified, boolean directory) {
}
