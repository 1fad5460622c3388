package io.berth.metadata.jdbc;

import io.berth.testing.Postgres;
import io.berth.testing.UsageRecount;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** A database from before the usage counters (V4) starts V6 with counters equal to a recount of its rows. */
class UsageMigrationTest {
    @TempDir
    Path dir;
    private String database;

    @AfterEach
    void drop() {
        if (database != null) {
            Postgres.dropDatabase(database);
        }
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void anUpgradedDatabaseStartsWithItsCountersRight(Dialect dialect) throws Exception {
        String url;
        if (dialect == Dialect.POSTGRESQL) {
            Postgres.require();
            database = Postgres.createDatabase();
            url = Postgres.jdbcUrl(database);
        } else {
            url = "jdbc:sqlite:" + dir.resolve("berth.db");
        }
        Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration")
                .placeholders(dialect.migrationPlaceholders()).target("4").load().migrate();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            for (String repo : new String[]{"team/app", "team/web", "loose"}) {
                st.executeUpdate("INSERT INTO repositories (name, created_at) VALUES ('" + repo + "', 0)");
            }
            st.executeUpdate("INSERT INTO blobs (digest, size, created_at) VALUES ('sha256:a', 100, 0), ('sha256:b', 7, 0), ('sha256:orphan', 50, 0)");
            st.executeUpdate("INSERT INTO repository_blobs (repository, digest, created_at) VALUES "
                    + "('team/app', 'sha256:a', 0), ('team/app', 'sha256:b', 0), ('team/web', 'sha256:a', 0), ('loose', 'sha256:a', 0)");
            String manifests = "INSERT INTO manifests (repository, digest, media_type, artifact_type, size, content, created_at) VALUES ";
            st.executeUpdate(manifests + "('team/app', 'sha256:m1', 'application/vnd.oci.image.manifest.v1+json', "
                    + "'application/vnd.oci.image.config.v1+json', 300, " + bytes(dialect) + ", 0)");
            st.executeUpdate(manifests + "('team/app', 'sha256:m2', 'application/vnd.oci.image.index.v1+json', NULL, 200, " + bytes(dialect) + ", 0)");
            st.executeUpdate(manifests + "('team/web', 'sha256:m3', 'application/vnd.oci.image.manifest.v1+json', "
                    + "'application/vnd.cncf.helm.config.v1+json', 150, " + bytes(dialect) + ", 0)");
            st.executeUpdate("INSERT INTO tags (repository, name, digest, updated_at) VALUES ('team/app', 'v1', 'sha256:m1', 0), "
                    + "('team/app', 'latest', 'sha256:m2', 0), ('team/web', 'chart', 'sha256:m3', 0)");
            st.executeUpdate("INSERT INTO users (name, password_hash, admin, disabled, created_at, updated_at) VALUES "
                    + "('ann', 'h', FALSE, FALSE, 0, 0), ('ben', 'h', TRUE, FALSE, 0, 0)");
            st.executeUpdate("INSERT INTO namespaces (name, visibility, created_at) VALUES ('ann', 'private', 0), ('team', 'public', 0)");
            st.executeUpdate("INSERT INTO namespace_members (namespace, username, role) VALUES ('ann', 'ann', 'owner'), "
                    + "('team', 'ann', 'writer'), ('team', 'ben', 'owner')");
            st.executeUpdate("INSERT INTO api_tokens (id, owner, name, secret_hash, scopes, created_at, revoked) VALUES "
                    + "('t1', 'ann', 'ci', 's1', '[]', 0, FALSE), ('t2', 'ann', 'old', 's2', '[]', 0, TRUE)");
        }
        try (JdbcMetadataStore store = dialect == Dialect.POSTGRESQL ? JdbcMetadataStore.postgres(url, 2)
                : JdbcMetadataStore.sqlite(dir.resolve("berth.db"))) {
            var counters = store.usageStore().counters();
            assertThat(counters).isEqualTo(UsageRecount.of(url));
            assertThat(counters.namespaces()).containsOnlyKeys("ann", "loose", "team");
            assertThat(counters.namespaces().get("team").uniqueBytes()).isEqualTo(107 + 650);
            assertThat(counters.registry().logicalBytes()).isEqualTo(307 + 650);
            assertThat(store.usageStore().reconcile().corrected()).isEmpty();
        }
    }

    private static String bytes(Dialect dialect) {
        return dialect == Dialect.POSTGRESQL ? "'\\x7b7d'::bytea" : "X'7B7D'";
    }
}
