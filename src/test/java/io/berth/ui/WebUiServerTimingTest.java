package io.berth.ui;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Server-Timing header of the web interface's pages: for admins, the page's time in the server and its SQL
 * statements, which stay the same however many rows a page lists (no query per row); for nobody else, since
 * for them the figures could tell a private repository from a missing one.
 */
class WebUiServerTimingTest {
    private static final Pattern TIMING = Pattern.compile("page;dur=([0-9]+\\.[0-9]{3}), sql;desc=\"([0-9]+) statements\"");
    private static final String PASSWORD = "alice-password-1";
    private static TestServer server;
    private static WebClient web;
    private static String adminSession;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        web = new WebClient(server.url());
        Http admin = server.http();
        assertThat(admin.method("POST", "/api/v1/users", ("{\"name\":\"alice\",\"password\":\"" + PASSWORD + "\"}")
                .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
        new Http(server.url(), "alice", PASSWORD).pushImage("alice/app", "v1", "{}".getBytes(), "alice's layer".getBytes());
        admin.pushImage("shared/app0", "v0", "{}".getBytes(), "layer 0".getBytes());
        adminSession = web.login("admin", TestServer.ADMIN_PASSWORD);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anAdminSeesThePagesTimeAndStatementsWhichDoNotGrowWithTheRowsListed() {
        int listBefore = statements("/repositories");
        int tagsBefore = statements("/r/shared/app0");
        int searchBefore = statements("/search?q=app");
        Http admin = server.http();
        for (int i = 1; i <= 6; i++) {
            admin.pushImage("shared/app" + i, "v0", "{}".getBytes(), ("layer " + i).getBytes());
            admin.pushImage("shared/app0", "v" + i, "{}".getBytes(), ("layer 0." + i).getBytes());
        }
        assertThat(web.page("/r/shared/app0", adminSession)).contains("v6");
        assertThat(statements("/repositories")).isEqualTo(listBefore);
        assertThat(statements("/r/shared/app0")).isEqualTo(tagsBefore);
        assertThat(statements("/search?q=app")).isEqualTo(searchBefore);
        assertThat(listBefore).isPositive();
    }

    @Test
    void nobodyElseGetsIt() {
        String alice = web.login("alice", PASSWORD);
        for (String path : new String[]{"/repositories", "/r/alice/app", "/r/shared/app0", "/search?q=app"}) {
            assertThat(web.get(path, alice).headers().firstValue("Server-Timing")).as(path).isEmpty();
        }
        for (String path : new String[]{"/repositories", "/r/shared/app0", "/login"}) {
            assertThat(web.get(path, null).headers().firstValue("Server-Timing")).as(path).isEmpty();
        }
        // a private repository and a missing one look alike to those who may not see it, headers included
        HttpResponse<String> hidden = web.get("/r/alice/app", null);
        assertThat(hidden.statusCode()).isEqualTo(404);
        assertThat(hidden.headers().firstValue("Server-Timing")).isEmpty();
        assertThat(web.get("/r/nobody/here", alice).headers().firstValue("Server-Timing")).isEmpty();
    }

    @Test
    void anAdminsErrorPageCarriesItToo() {
        HttpResponse<String> missing = web.get("/r/nobody/here", adminSession);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Server-Timing")).hasValueSatisfying(v -> assertThat(v).matches(TIMING));
    }

    /** The statements of {@code path}'s page once warm (a first request may fill caches that later ones read). */
    private static int statements(String path) {
        statementsOnce(path);
        return statementsOnce(path);
    }

    private static int statementsOnce(String path) {
        HttpResponse<String> r = web.get(path, adminSession);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        String header = r.headers().firstValue("Server-Timing").orElseThrow(() -> new AssertionError("no Server-Timing on " + path));
        Matcher m = TIMING.matcher(header);
        assertThat(m.matches()).as(header).isTrue();
        return Integer.parseInt(m.group(2));
    }
}
