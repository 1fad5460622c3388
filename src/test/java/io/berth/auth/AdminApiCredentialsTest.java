package io.berth.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Who may use the admin API with what: passwords may; API tokens may only read; registry bearer tokens
 * may not at all; disabled users may not; changing one's own password takes the current one; API
 * tokens live no longer than the configured maximum.
 */
class AdminApiCredentialsTest {
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

    private static HttpResponse<byte[]> createToken(Http as, String name, String extra) {
        return as.method("POST", "/api/v1/tokens", ("{\"name\":\"" + name
                + "\",\"scopes\":[{\"namespace\":\"*\",\"actions\":[\"pull\",\"push\"]}]" + extra + "}").getBytes());
    }

    @Test
    void anAnonymousBearerTokenCannotUseTheAdminApi() {
        Http anon = new PermissionMatrixTest.BearerHttp(server.url(), f.token(null, null));
        HttpResponse<byte[]> r = createToken(anon, "sneaky", "");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(Http.json(r).path("errors").path(0).path("message").asText()).contains("bearer");
        assertThat(anon.get("/api/v1/me").statusCode()).isEqualTo(401);
    }

    @Test
    void aUsersBearerTokenCannotCreateTokensOrChangeThePassword() {
        f.user("bea");
        Http bearer = new PermissionMatrixTest.BearerHttp(server.url(), f.token("bea", AuthFixture.PASSWORD));
        assertThat(createToken(bearer, "forever", "").statusCode()).isEqualTo(401);
        assertThat(bearer.method("PATCH", "/api/v1/users/bea", "{\"password\":\"taken-over\"}".getBytes()).statusCode()).isEqualTo(401);
        assertThat(bearer.get("/api/v1/me").statusCode()).isEqualTo(401);
        assertThat(f.as("bea", AuthFixture.PASSWORD).get("/v2/").statusCode()).isEqualTo(200);
        assertThat(Http.json(f.as("bea", AuthFixture.PASSWORD).get("/api/v1/tokens"))).isEmpty();
    }

    @Test
    void aDisabledUserCannotUseTheAdminApi() {
        f.user("dis");
        Http bearer = new PermissionMatrixTest.BearerHttp(server.url(), f.token("dis", AuthFixture.PASSWORD));
        f.admin.method("PATCH", "/api/v1/users/dis", "{\"disabled\":true}".getBytes());
        Http basic = f.as("dis", AuthFixture.PASSWORD);
        assertThat(createToken(basic, "t", "").statusCode()).isEqualTo(401);
        assertThat(basic.method("PATCH", "/api/v1/users/dis", ("{\"password\":\"x-new-pass\",\"current_password\":\""
                + AuthFixture.PASSWORD + "\"}").getBytes()).statusCode()).isEqualTo(401);
        assertThat(createToken(bearer, "t", "").statusCode()).isEqualTo(401);
        assertThat(basic.get("/api/v1/me").statusCode()).isEqualTo(401);
    }

    @Test
    void apiTokensMayOnlyRead() {
        f.user("ro");
        f.as("ro", AuthFixture.PASSWORD).pushImage("ro/app", "v1", "{}".getBytes(), "r".getBytes());
        String secret = f.apiToken("ro", "all", "[{\"namespace\":\"ro\",\"actions\":[\"pull\",\"push\",\"delete\"]}]");
        Http robot = f.as("ro+all", secret);
        assertThat(Http.json(robot.get("/api/v1/me")).path("robot").asBoolean()).isTrue();
        assertThat(robot.get("/api/v1/repositories/ro/app").statusCode()).isEqualTo(200);
        assertThat(createToken(robot, "child", "").statusCode()).isEqualTo(403);
        HttpResponse<byte[]> edit = robot.method("PATCH", "/api/v1/repositories/ro/app", "{\"description\":\"by a robot\"}".getBytes());
        assertThat(edit.statusCode()).isEqualTo(403);
        assertThat(Http.json(edit).path("errors").path(0).path("message").asText()).contains("API token");
        assertThat(robot.method("PATCH", "/api/v1/users/ro", "{\"password\":\"by-a-robot\"}".getBytes()).statusCode()).isEqualTo(403);
        assertThat(Http.json(f.as("ro", AuthFixture.PASSWORD).get("/api/v1/repositories/ro/app")).path("description").isNull()).isTrue();
    }

    @Test
    void changingOnesOwnPasswordTakesTheCurrentOne() {
        f.user("cpw");
        Http self = f.as("cpw", AuthFixture.PASSWORD);
        HttpResponse<byte[]> missing = self.method("PATCH", "/api/v1/users/cpw", "{\"password\":\"new-password-1\"}".getBytes());
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(Http.json(missing).path("errors").path(0).path("message").asText()).contains("current_password");
        HttpResponse<byte[]> wrong = self.method("PATCH", "/api/v1/users/cpw",
                "{\"password\":\"new-password-1\",\"current_password\":\"not-it\"}".getBytes());
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(self.method("PATCH", "/api/v1/users/cpw", "{\"password\":\"new-password-1\",\"current_password\":42}".getBytes())
                .statusCode()).isEqualTo(400);
        assertThat(f.as("cpw", AuthFixture.PASSWORD).get("/v2/").statusCode()).isEqualTo(200);
        assertThat(self.method("PATCH", "/api/v1/users/cpw", ("{\"password\":\"new-password-1\",\"current_password\":\""
                + AuthFixture.PASSWORD + "\"}").getBytes()).statusCode()).isEqualTo(200);
        assertThat(f.as("cpw", "new-password-1").get("/v2/").statusCode()).isEqualTo(200);
        // An admin resetting someone else's password needs no current password; their own, they do.
        assertThat(f.admin.method("PATCH", "/api/v1/users/cpw", "{\"password\":\"reset-by-admin\"}".getBytes()).statusCode()).isEqualTo(200);
        assertThat(f.admin.method("PATCH", "/api/v1/users/admin", "{\"password\":\"admin-new-pass\"}".getBytes()).statusCode()).isEqualTo(400);
    }

    @Test
    void tokenExpiryIsValidated() {
        f.user("exp");
        Http as = f.as("exp", AuthFixture.PASSWORD);
        for (String bad : new String[]{"\"soon\"", "0", "-3", "1.5", "99999999999"}) {
            HttpResponse<byte[]> r = createToken(as, "t", ",\"expiresInDays\":" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(Http.json(r).path("errors").path(0).path("message").asText()).contains("expiresInDays");
        }
        // No maximum configured: a token without expiry is still allowed.
        assertThat(Http.json(createToken(as, "forever", "")).path("expires").isNull()).isTrue();
    }

    @Test
    void apiTokenLifetimeIsCappedWhenConfigured() {
        try (TestServer capped = TestServer.start(Map.of("BERTH_AUTH_APITOKENMAXTTL", "720h"))) {
            AuthFixture cf = new AuthFixture(capped);
            cf.user("cap");
            Http as = cf.as("cap", AuthFixture.PASSWORD);
            HttpResponse<byte[]> unlimited = createToken(as, "default", "");
            assertThat(unlimited.statusCode()).isEqualTo(201);
            Instant expires = Instant.parse(Http.json(unlimited).path("expires").asText());
            assertThat(Duration.between(Instant.now(), expires)).isBetween(Duration.ofDays(29), Duration.ofDays(30));
            HttpResponse<byte[]> tooLong = createToken(as, "long", ",\"expiresInDays\":31");
            assertThat(tooLong.statusCode()).isEqualTo(400);
            assertThat(Http.json(tooLong).path("errors").path(0).path("message").asText()).contains("30");
            JsonNode ok = Http.json(createToken(as, "short", ",\"expiresInDays\":7"));
            assertThat(Duration.between(Instant.now(), Instant.parse(ok.path("expires").asText()))).isBetween(Duration.ofDays(6), Duration.ofDays(7));
        }
        assertThatThrownBy(() -> TestServer.start(Map.of("BERTH_AUTH_APITOKENMAXTTL", "10m")))
                .hasMessageContaining("berth.auth.apitokenmaxttl");
    }
}
