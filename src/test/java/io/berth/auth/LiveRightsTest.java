package io.berth.auth;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bearer token grants no more than its holder may do now: what the token says, intersected on every
 * request with the live rights of its user or API token; a disabled or deleted user, a changed
 * password, a revoked or expired API token end the token at once.
 */
class LiveRightsTest {
    static TestServer server;
    static AuthFixture f;

    @BeforeAll
    static void setUp() {
        server = TestServer.start();
        f = new AuthFixture(server);
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    private static Http bearer(String token) {
        return new PermissionMatrixTest.BearerHttp(server.url(), token);
    }

    private static int pushStatus(Http client, String repository) {
        return client.method("POST", "/v2/" + repository + "/blobs/uploads/", null).statusCode();
    }

    @Test
    void aDisabledUsersTokenIsRefusedAtOnce() throws InterruptedException {
        f.user("dora");
        f.as("dora", AuthFixture.PASSWORD).pushImage("dora/app", "v1", "{}".getBytes(), "d".getBytes());
        Http token = bearer(f.token("dora", AuthFixture.PASSWORD, "repository:dora/app:pull,push"));
        assertThat(pushStatus(token, "dora/app")).isEqualTo(202);
        Thread.sleep(1100); // tokens count whole seconds: what the same second issued survives a re-enable, by design
        assertThat(f.admin.method("PATCH", "/api/v1/users/dora", "{\"disabled\":true}".getBytes()).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> pull = token.get("/v2/dora/app/manifests/v1");
        assertThat(pull.statusCode()).isEqualTo(401);
        assertThat(Http.errorCode(pull)).isEqualTo("UNAUTHORIZED");
        assertThat(pushStatus(token, "dora/app")).isEqualTo(401);
        assertThat(token.get("/v2/").statusCode()).isEqualTo(401);
        // Enabled again, the token stays void: a disable is how an incident is answered, and a token taken then
        // must not come back with the account (CredentialsElsewhereTest has the refresh token and the session).
        f.admin.method("PATCH", "/api/v1/users/dora", "{\"disabled\":false}".getBytes());
        assertThat(token.get("/v2/dora/app/manifests/v1").statusCode()).isEqualTo(401);
        assertThat(bearer(f.token("dora", AuthFixture.PASSWORD, "repository:dora/app:pull")).get("/v2/dora/app/manifests/v1").statusCode())
                .isEqualTo(200);
    }

    @Test
    void aDeletedUsersTokenIsRefusedAtOnce() {
        f.user("dean");
        Http token = bearer(f.token("dean", AuthFixture.PASSWORD, "repository:dean/app:pull,push"));
        assertThat(pushStatus(token, "dean/app")).isEqualTo(202);
        assertThat(f.admin.method("DELETE", "/api/v1/users/dean", null).statusCode()).isEqualTo(204);
        assertThat(pushStatus(token, "dean/app")).isEqualTo(401);
        assertThat(token.get("/v2/dean/app/tags/list").statusCode()).isEqualTo(401);
    }

    @Test
    void aPasswordChangeEndsTokensIssuedBeforeIt() {
        f.user("pat");
        Http before = bearer(f.token("pat", AuthFixture.PASSWORD, "repository:pat/app:pull,push"));
        assertThat(pushStatus(before, "pat/app")).isEqualTo(202);
        assertThat(f.admin.method("PATCH", "/api/v1/users/pat", "{\"password\":\"another-pass\"}".getBytes()).statusCode()).isEqualTo(200);
        assertThat(pushStatus(before, "pat/app")).isEqualTo(401);
        // A token issued after the change, with the new password, works at once (no clock granularity to wait out).
        Http after = bearer(f.token("pat", "another-pass", "repository:pat/app:pull,push"));
        assertThat(pushStatus(after, "pat/app")).isEqualTo(202);
    }

    @Test
    void aLostRoleIsLostForTokensAlreadyIssued() {
        f.user("wes");
        f.namespace("crew", false);
        f.member("crew", "wes", "writer");
        f.admin.pushImage("crew/app", "v1", "{}".getBytes(), "c".getBytes());
        Http token = bearer(f.token("wes", AuthFixture.PASSWORD, "repository:crew/app:pull,push"));
        assertThat(pushStatus(token, "crew/app")).isEqualTo(202);
        f.member("crew", "wes", "reader");
        HttpResponse<byte[]> push = token.method("POST", "/v2/crew/app/blobs/uploads/", null);
        assertThat(push.statusCode()).isEqualTo(403);
        assertThat(Http.errorCode(push)).isEqualTo("DENIED");
        assertThat(token.get("/v2/crew/app/manifests/v1").statusCode()).isEqualTo(200);
        assertThat(f.admin.method("DELETE", "/api/v1/namespaces/crew/members/wes", null).statusCode()).isEqualTo(204);
        assertThat(token.get("/v2/crew/app/manifests/v1").statusCode()).isEqualTo(403);
        assertThat(token.get("/v2/crew/app/tags/list").statusCode()).isEqualTo(403);
    }

    @Test
    void anAdminWhoIsDemotedLosesWhatOnlyAdminsHad() {
        f.admin.method("POST", "/api/v1/users", ("{\"name\":\"ada\",\"password\":\"" + AuthFixture.PASSWORD + "\",\"admin\":true}").getBytes());
        f.admin.pushImage("vault/app", "v1", "{}".getBytes(), "v".getBytes());
        Http token = bearer(f.token("ada", AuthFixture.PASSWORD, "repository:vault/app:pull,push"));
        assertThat(token.get("/v2/vault/app/manifests/v1").statusCode()).isEqualTo(200);
        f.admin.method("PATCH", "/api/v1/users/ada", "{\"admin\":false}".getBytes());
        assertThat(token.get("/v2/vault/app/manifests/v1").statusCode()).isEqualTo(403);
        assertThat(pushStatus(token, "vault/app")).isEqualTo(403);
    }

    @Test
    void aRevokedApiTokensBearerTokensAreRefused() {
        f.user("rob");
        String secret = f.apiToken("rob", "ci", "[{\"namespace\":\"rob\",\"actions\":[\"pull\",\"push\"]}]");
        Http token = bearer(f.token("rob+ci", secret, "repository:rob/app:pull,push"));
        assertThat(pushStatus(token, "rob/app")).isEqualTo(202);
        String id = Http.json(f.as("rob", AuthFixture.PASSWORD).get("/api/v1/tokens")).get(0).path("id").asText();
        assertThat(f.as("rob", AuthFixture.PASSWORD).method("DELETE", "/api/v1/tokens/" + id, null).statusCode()).isEqualTo(204);
        assertThat(pushStatus(token, "rob/app")).isEqualTo(401);
        assertThat(token.get("/v2/rob/app/tags/list").statusCode()).isEqualTo(401);
    }

    @Test
    void anApiTokensBearerTokensDieWithItsOwnersAccount() {
        f.user("owen");
        String secret = f.apiToken("owen", "ci", "[{\"namespace\":\"owen\",\"actions\":[\"pull\",\"push\"]}]");
        Http token = bearer(f.token("owen+ci", secret, "repository:owen/app:pull,push"));
        assertThat(pushStatus(token, "owen/app")).isEqualTo(202);
        f.admin.method("PATCH", "/api/v1/users/owen", "{\"disabled\":true}".getBytes());
        assertThat(pushStatus(token, "owen/app")).isEqualTo(401);
    }

    @Test
    void anExpiredApiTokensBearerTokensAreRefused() throws Exception {
        f.user("eve");
        String secret = f.apiToken("eve", "ci", "[{\"namespace\":\"eve\",\"actions\":[\"pull\",\"push\"]}]");
        Http token = bearer(f.token("eve+ci", secret, "repository:eve/app:pull,push"));
        assertThat(pushStatus(token, "eve/app")).isEqualTo(202);
        expireTokensOf("eve");
        f.user("eve-bystander"); // any change drops this node's caches, as the expiry would after at most 5 s
        assertThat(pushStatus(token, "eve/app")).isEqualTo(401);
        assertThat(f.as("eve+ci", secret).get("/v2/").statusCode()).isEqualTo(401);
    }

    @Test
    void anApiTokenUsedWithBasicStopsWhenItExpiresNotAMinuteLater() throws Exception {
        f.user("ivy");
        String secret = f.apiToken("ivy", "ci", "[{\"namespace\":\"ivy\",\"actions\":[\"pull\",\"push\"]}]");
        Http robot = f.as("ivy+ci", secret);
        assertThat(robot.get("/v2/").statusCode()).isEqualTo(200); // its check is now cached for 60 s
        expireTokensOf("ivy");
        Thread.sleep(Authorizer.CACHE_TTL.toMillis() + 500); // no change event: the token record's cache lapses
        assertThat(robot.get("/v2/").statusCode()).isEqualTo(401);
    }

    /** Makes the user's API tokens expired, straight in the database (nothing in the API shortens a token). */
    private static void expireTokensOf(String owner) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + server.dataDir().resolve("berth.db"));
             PreparedStatement st = c.prepareStatement("UPDATE api_tokens SET expires_at = ? WHERE owner = ?")) {
            c.createStatement().execute("PRAGMA busy_timeout = 5000");
            st.setLong(1, System.currentTimeMillis() - 1000);
            st.setString(2, owner);
            assertThat(st.executeUpdate()).isEqualTo(1);
        }
    }
}
