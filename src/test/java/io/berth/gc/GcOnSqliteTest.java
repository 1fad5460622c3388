package io.berth.gc;

import java.util.Map;

/** Garbage collection with SQLite in the data directory. */
class GcOnSqliteTest extends GarbageCollectionContract {
    @Override
    protected Map<String, String> database() {
        return Map.of();
    }
}
