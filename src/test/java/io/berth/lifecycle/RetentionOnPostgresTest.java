package io.berth.lifecycle;

/** {@link RetentionTest} with the metadata on PostgreSQL. */
class RetentionOnPostgresTest extends RetentionTest {
    @Override
    boolean postgres() {
        return true;
    }
}
