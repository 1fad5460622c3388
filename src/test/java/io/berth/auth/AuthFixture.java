package io.berth.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** Users, namespaces and tokens set up through the real admin API of a test server. */
final class AuthFixture {
    static final String PASSWORD = "s3cret-pass";
    final TestServer server;
    final Http admin;

    AuthFixture(TestServer server) {
        this.server = server;
        this.admin = server.http();
    }

    void user(String name) {
        HttpResponse<byte[]> r = admin.method("POST", "/api/v1/users",
                ("{\"name\":\"" + name + "\",\"password\":\"" + PASSWORD + "\"}").getBytes(), "Content-Type", "application/json");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
    }

    void namespace(String name, boolean isPublic) {
        HttpResponse<byte[]> r = admin.method("POST", "/api/v1/namespaces",
                ("{\"name\":\"" + name + "\",\"visibility\":\"" + (isPublic ? "public" : "private") + "\"}").getBytes());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
    }

    void member(String ns, String user, String role) {
        HttpResponse<byte[]> r = admin.method("PUT", "/api/v1/namespaces/" + ns + "/members/" + user,
                ("{\"role\":\"" + role + "\"}").getBytes());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
    }

    /** The cast of a namespace's rights tests: its owner, a reader, a user with no role there, and the owner's API token. */
    record Team(Http owner, Http reader, Http outsider, Http robot) {
    }

    /**
     * Users oscar (owner), rita (reader) and otto (no role) around a new private namespace {@code ns}, and oscar's
     * API token "ci" with pull, push and delete there.
     */
    Team team(String ns) {
        for (String u : new String[]{"oscar", "rita", "otto"}) {
            user(u);
        }
        namespace(ns, false);
        member(ns, "oscar", "owner");
        member(ns, "rita", "reader");
        return new Team(as("oscar", PASSWORD), as("rita", PASSWORD), as("otto", PASSWORD),
                as("oscar+ci", apiToken("oscar", "ci", "[{\"namespace\":\"" + ns + "\",\"actions\":[\"pull\",\"push\",\"delete\"]}]")));
    }

    /** Creates an API token as {@code owner}; returns the secret. */
    String apiToken(String owner, String name, String scopesJson) {
        Http as = as(owner, PASSWORD);
        HttpResponse<byte[]> r = as.method("POST", "/api/v1/tokens",
                ("{\"name\":\"" + name + "\",\"scopes\":" + scopesJson + "}").getBytes());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return Http.json(r).path("token").asText();
    }

    Http as(String user, String password) {
        return new Http(server.url(), user, password);
    }

    /** A bearer token from the token endpoint (anonymous when user is null). */
    String token(String user, String password, String... scopes) {
        StringBuilder q = new StringBuilder("/auth/token?service=berth");
        for (String s : scopes) {
            q.append("&scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> r = user == null ? server.anonymous().get(q.toString())
                : server.anonymous().get(q.toString(), "Authorization", basic(user, password));
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        return Http.json(r).path("token").asText();
    }

    /** An admin API request ({@code path} after /api/v1) with a JSON body, or none. */
    static HttpResponse<byte[]> call(Http as, String method, String path, String body) {
        return as.method(method, "/api/v1" + path, body == null ? null : body.getBytes(), "Content-Type", "application/json");
    }

    /** The answer's JSON (null for an empty body), asserting its status. */
    static JsonNode ok(HttpResponse<byte[]> r, int status) {
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(status);
        return r.body().length == 0 ? null : Http.json(r);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
