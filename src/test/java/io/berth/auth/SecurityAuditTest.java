package io.berth.auth;

import io.berth.testing.TestServer;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An admin change is answered only once its audit row is committed (with SQLite's WAL fsync), not up to
 * 100 ms later with the next batch: a 2xx for a security change means the record of it is durable too.
 */
class SecurityAuditTest {
    @Test
    void anAdminChangesAuditRowIsCommittedBeforeItsAnswer() throws Exception {
        try (TestServer server = TestServer.start()) {
            AuthFixture f = new AuthFixture(server);
            String db = "jdbc:sqlite:" + server.dataDir().resolve("berth.db");
            for (int i = 0; i < 5; i++) {
                String name = "audited" + i;
                f.user(name); // answered 201
                try (Connection c = DriverManager.getConnection(db);
                     PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM audit_events WHERE action = 'user.create' AND target = ?")) {
                    ps.setString(1, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).as("audit row of %s when its 201 arrived", name).isEqualTo(1);
                    }
                }
            }
        }
    }
}
