package io.berth.lifecycle;

/** {@link ImmutableTagsTest} with the metadata on PostgreSQL, where racing pushes really run concurrently. */
class ImmutableTagsOnPostgresTest extends ImmutableTagsTest {
    @Override
    boolean postgres() {
        return true;
    }
}
