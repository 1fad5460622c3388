package io.berth.metadata;

import io.berth.testing.Http;
import io.berth.testing.Postgres;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** BERTH_DATABASE_URL in the postgres://user@host:port/db form selects PostgreSQL for the whole registry. */
class RegistryOnPostgresTest {
    private String database;

    @BeforeEach
    void createDatabase() {
        Postgres.require();
        database = Postgres.createDatabase();
    }

    @AfterEach
    void dropDatabase() {
        if (database != null) {
            Postgres.dropDatabase(database);
        }
    }

    @Test
    void pushAndPullWithPostgresMetadata() {
        String url = "postgres://postgres@127.0.0.1:5432/" + database;
        if (System.getenv("BERTH_TEST_POSTGRES_URL") != null) {
            url = Postgres.jdbcUrl(database);
        }
        try (TestServer server = TestServer.start(Map.of("BERTH_DATABASE_URL", url))) {
            Http http = server.http();
            String digest = http.pushImage("pg/app", "v1", "{}".getBytes(), "layer".getBytes());
            assertThat(Http.sha256(http.get("/v2/pg/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json").body()))
                    .isEqualTo(digest);
            assertThat(Http.json(http.get("/v2/pg/app/tags/list")).path("tags").path(0).asText()).isEqualTo("v1");
            assertThat(server.dataDir().resolve("berth.db")).doesNotExist();
        }
    }
}
