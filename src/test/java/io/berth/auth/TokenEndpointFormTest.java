package io.berth.auth;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The OAuth2 grants of POST /auth/token take their parameters from the form body only (RFC 6749 §4.3.2). */
class TokenEndpointFormTest {
    static TestServer server;
    static AuthFixture f;

    @BeforeAll
    static void setUp() {
        server = TestServer.start();
        f = new AuthFixture(server);
        f.user("urluser");
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    private static HttpResponse<byte[]> post(String query, String body, String contentType) {
        return server.anonymous().method("POST", "/auth/token" + query, body == null ? null : body.getBytes(),
                "Content-Type", contentType);
    }

    @Test
    void credentialsInTheQueryAreNotAccepted() {
        String creds = "grant_type=password&username=urluser&password=" + AuthFixture.PASSWORD + "&service=berth&client_id=t";
        HttpResponse<byte[]> empty = post("?" + creds, null, "application/x-www-form-urlencoded");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(Http.json(empty).path("errors").path(0).path("message").asText()).contains("form body");
        HttpResponse<byte[]> partial = post("?username=urluser&password=" + AuthFixture.PASSWORD,
                "grant_type=password&service=berth&client_id=t", "application/x-www-form-urlencoded");
        assertThat(partial.statusCode()).isEqualTo(401);
        assertThat(partial.body()).asString().doesNotContain("token\"");
        // In the body, as the RFC says, the same credentials work.
        assertThat(post("", creds, "application/x-www-form-urlencoded").statusCode()).isEqualTo(200);
        assertThat(post("", creds, "application/x-www-form-urlencoded; charset=UTF-8").statusCode()).isEqualTo(200);
    }

    @Test
    void aBodyThatIsNotAFormIsABadRequest() {
        HttpResponse<byte[]> json = post("", "{\"grant_type\":\"password\"}", "application/json");
        assertThat(json.statusCode()).isEqualTo(400);
        assertThat(Http.json(json).path("errors").path(0).path("message").asText()).contains("application/x-www-form-urlencoded");
        assertThat(post("", "grant_type=password&username=%zz", "application/x-www-form-urlencoded").statusCode()).isBetween(400, 401);
    }
}
