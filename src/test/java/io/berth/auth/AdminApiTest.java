package io.berth.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin API under /api/v1 through real HTTP. */
class AdminApiTest {
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

    @Test
    void usersLifecycle() {
        f.user("carol");
        HttpResponse<byte[]> dup = f.admin.method("POST", "/api/v1/users", "{\"name\":\"carol\",\"password\":\"x\"}".getBytes());
        assertThat(dup.statusCode()).isEqualTo(409);
        assertThat(f.admin.method("POST", "/api/v1/users", "{\"name\":\"Bad Name\",\"password\":\"x\"}".getBytes()).statusCode()).isEqualTo(400);
        assertThat(f.admin.method("POST", "/api/v1/users", "{not json".getBytes()).statusCode()).isEqualTo(400);
        JsonNode list = Http.json(f.admin.get("/api/v1/users"));
        assertThat(list.toString()).contains("\"carol\"").doesNotContain("password");
        // Users see themselves, not others; only admins list users.
        Http carol = f.as("carol", AuthFixture.PASSWORD);
        assertThat(carol.get("/api/v1/users/carol").statusCode()).isEqualTo(200);
        assertThat(carol.get("/api/v1/users/admin").statusCode()).isEqualTo(403);
        assertThat(carol.get("/api/v1/users").statusCode()).isEqualTo(403);
        assertThat(carol.method("PATCH", "/api/v1/users/carol", "{\"admin\":true}".getBytes()).statusCode()).isEqualTo(403);
        assertThat(Http.json(carol.get("/api/v1/me")).path("namespaces").toString()).contains("\"carol\"", "owner");
        assertThat(f.admin.method("DELETE", "/api/v1/users/carol", null).statusCode()).isEqualTo(204);
        assertThat(carol.get("/api/v1/me").statusCode()).isEqualTo(401);
        assertThat(server.anonymous().get("/api/v1/me").statusCode()).isEqualTo(401);
    }

    @Test
    void apiTokensWorkAsPasswordsAndCanBeRevoked() {
        f.user("ci-owner");
        String secret = f.apiToken("ci-owner", "build", "[{\"namespace\":\"ci-owner\",\"actions\":[\"pull\",\"push\"]}]");
        assertThat(secret).startsWith("berth_");
        Http robot = f.as("ci-owner+build", secret);
        assertThat(robot.pushImage("ci-owner/app", "1", "{}".getBytes(), "x".getBytes())).startsWith("sha256:");
        // More than its creator may do is refused at creation.
        HttpResponse<byte[]> tooMuch = f.as("ci-owner", AuthFixture.PASSWORD).method("POST", "/api/v1/tokens",
                "{\"name\":\"x\",\"scopes\":[{\"namespace\":\"admin\",\"actions\":[\"pull\"]}]}".getBytes());
        assertThat(tooMuch.statusCode()).isEqualTo(403);
        JsonNode tokens = Http.json(f.as("ci-owner", AuthFixture.PASSWORD).get("/api/v1/tokens"));
        assertThat(tokens).hasSize(1);
        assertThat(tokens.get(0).has("token")).isFalse();
        assertThat(tokens.get(0).path("lastUsed").isNull()).isFalse();
        String id = tokens.get(0).path("id").asText();
        assertThat(f.as("ci-owner", AuthFixture.PASSWORD).method("DELETE", "/api/v1/tokens/" + id, null).statusCode()).isEqualTo(204);
        assertThat(robot.get("/v2/").statusCode()).isEqualTo(401);
    }

    @Test
    void namespacesMembersAndVisibility() {
        f.user("nina");
        f.user("ned");
        f.namespace("shared", false);
        f.member("shared", "nina", "owner");
        Http nina = f.as("nina", AuthFixture.PASSWORD);
        Http ned = f.as("ned", AuthFixture.PASSWORD);
        assertThat(ned.get("/api/v1/namespaces/shared").statusCode()).isEqualTo(404);
        assertThat(nina.method("PUT", "/api/v1/namespaces/shared/members/ned", "{\"role\":\"reader\"}".getBytes()).statusCode()).isEqualTo(200);
        assertThat(ned.get("/api/v1/namespaces/shared").statusCode()).isEqualTo(200);
        assertThat(ned.method("PATCH", "/api/v1/namespaces/shared", "{\"visibility\":\"public\"}".getBytes()).statusCode()).isEqualTo(403);
        assertThat(nina.method("PUT", "/api/v1/namespaces/shared/members/ned", "{\"role\":\"emperor\"}".getBytes()).statusCode()).isEqualTo(400);
        assertThat(Http.json(nina.get("/api/v1/namespaces/shared/members")).toString()).contains("\"ned\"", "reader");
        assertThat(nina.method("PATCH", "/api/v1/namespaces/shared", "{\"visibility\":\"public\"}".getBytes()).statusCode()).isEqualTo(200);
        assertThat(Http.json(server.anonymous().get("/v2/_catalog")).path("repositories")).isNotNull();
        assertThat(nina.method("DELETE", "/api/v1/namespaces/shared/members/ned", null).statusCode()).isEqualTo(204);
        // Ordinary users may not create namespaces unless the configuration allows it.
        assertThat(ned.method("POST", "/api/v1/namespaces", "{\"name\":\"mine\"}".getBytes()).statusCode()).isEqualTo(403);
    }

    @Test
    void repositoriesWithSizesAndDescriptions() {
        f.admin.pushImage("stats/app", "v1", "{}".getBytes(), new byte[1000]);
        f.admin.pushImage("stats/app", "v2", "{\"v\":2}".getBytes(), new byte[1000]);
        JsonNode list = Http.json(f.admin.get("/api/v1/repositories?namespace=stats"));
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("name").asText()).isEqualTo("stats/app");
        assertThat(list.get(0).path("tags").asLong()).isEqualTo(2);
        assertThat(list.get(0).path("sizeBytes").asLong()).isEqualTo(1000 + 2 + 7);
        assertThat(f.admin.method("PATCH", "/api/v1/repositories/stats/app", "{\"description\":\"the app\"}".getBytes()).statusCode()).isEqualTo(200);
        JsonNode one = Http.json(f.admin.get("/api/v1/repositories/stats/app"));
        assertThat(one.path("description").asText()).isEqualTo("the app");
        assertThat(one.path("tagNames").toString()).contains("v1", "v2");
        f.user("peeker");
        assertThat(f.as("peeker", AuthFixture.PASSWORD).get("/api/v1/repositories/stats/app").statusCode()).isEqualTo(404);
        assertThat(Http.json(f.as("peeker", AuthFixture.PASSWORD).get("/api/v1/repositories"))).isEmpty();
    }

    @Test
    void auditLogRecordsWhoDidWhatAndPaginates() {
        f.user("audited");
        Http a = f.as("audited", AuthFixture.PASSWORD);
        a.pushImage("audited/app", "v1", "{}".getBytes(), "l".getBytes());
        a.get("/v2/audited/app/manifests/v1");
        a.method("DELETE", "/v2/audited/app/manifests/v1", null);
        f.as("audited", "wrong").get("/v2/");
        JsonNode events = Http.json(f.admin.get("/api/v1/audit?actor=audited&n=100"));
        assertThat(events.toString()).contains("\"push\"", "\"pull\"", "\"delete\"", "audited/app:v1");
        JsonNode failures = Http.json(f.admin.get("/api/v1/audit?actor=audited&action=login"));
        assertThat(failures.toString()).contains("\"success\":false", "\"success\":true");
        HttpResponse<byte[]> page = f.admin.get("/api/v1/audit?n=2");
        assertThat(Http.json(page)).hasSize(2);
        String link = page.headers().firstValue("Link").orElseThrow();
        JsonNode next = Http.json(f.admin.get(link.substring(1, link.indexOf('>'))));
        assertThat(next.get(0).path("id").asLong()).isLessThan(Http.json(page).get(1).path("id").asLong());
        assertThat(a.get("/api/v1/audit").statusCode()).isEqualTo(403);
        // The audit log never holds a secret.
        assertThat(Http.json(f.admin.get("/api/v1/audit?n=1000")).toString()).doesNotContain(AuthFixture.PASSWORD, "wrong");
    }
}
