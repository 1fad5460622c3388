package io.berth.lifecycle;

/** {@link QuotaTest} with the metadata on PostgreSQL, where concurrent pushes really run in parallel transactions. */
class QuotaOnPostgresTest extends QuotaTest {
    @Override
    boolean postgres() {
        return true;
    }
}
