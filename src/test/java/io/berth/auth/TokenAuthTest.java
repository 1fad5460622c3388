package io.berth.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The Docker token flow, OAuth grants, Basic on /v2/, rate limiting and first-start bootstrap. */
class TokenAuthTest {
    static TestServer server;
    static AuthFixture f;

    @BeforeAll
    static void setUp() {
        server = TestServer.start();
        f = new AuthFixture(server);
        f.user("dev");
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    @Test
    void unauthenticatedRequestsGetTheBearerChallenge() {
        HttpResponse<byte[]> r = server.anonymous().get("/v2/");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(Http.errorCode(r)).isEqualTo("UNAUTHORIZED");
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue(
                "Bearer realm=\"" + server.url() + "/auth/token\",service=\"berth\"");
        HttpResponse<byte[]> push = server.anonymous().method("POST", "/v2/dev/app/blobs/uploads/", null);
        assertThat(push.statusCode()).isEqualTo(401);
        assertThat(push.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("scope=\"repository:dev/app:pull,push\"");
    }

    @Test
    void tokenEndpointGrantsWhatTheUserMayDo() {
        String token = f.token("dev", AuthFixture.PASSWORD, "repository:dev/app:pull,push", "repository:admin/x:pull");
        Http bearer = new PermissionMatrixTest.BearerHttp(server.url(), token);
        assertThat(bearer.get("/v2/").statusCode()).isEqualTo(200);
        assertThat(bearer.method("POST", "/v2/dev/app/blobs/uploads/", null).statusCode()).isEqualTo(202);
        // Not granted: another user's private namespace.
        HttpResponse<byte[]> denied = bearer.get("/v2/admin/x/tags/list");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(Http.errorCode(denied)).isEqualTo("DENIED");
        // Not requested at all: the client is told to fetch a token with that scope.
        HttpResponse<byte[]> other = bearer.get("/v2/dev/other/tags/list");
        assertThat(other.statusCode()).isEqualTo(401);
        assertThat(other.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"insufficient_scope\"");
    }

    @Test
    void tokenResponseHasTheDockerFields() {
        HttpResponse<byte[]> r = server.anonymous().get("/auth/token?service=berth&scope=repository:dev/app:pull&offline_token=true",
                "Authorization", AuthFixture.basic("dev", AuthFixture.PASSWORD));
        JsonNode body = Http.json(r);
        assertThat(body.path("token").asText()).isEqualTo(body.path("access_token").asText()).isNotEmpty();
        assertThat(body.path("expires_in").asInt()).isEqualTo(300);
        assertThat(body.path("issued_at").asText()).isNotEmpty();
        assertThat(body.path("refresh_token").asText()).isNotEmpty();
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void wrongPasswordIsRefusedClearly() {
        HttpResponse<byte[]> r = server.anonymous().get("/auth/token?service=berth", "Authorization", AuthFixture.basic("dev", "wrong"));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(Http.json(r).path("errors").path(0).path("message").asText()).contains("incorrect username or password");
        assertThat(f.as("dev", "wrong").get("/v2/").statusCode()).isEqualTo(401);
    }

    @Test
    void oauthPasswordAndRefreshGrants() {
        String form = "grant_type=password&username=dev&password=" + AuthFixture.PASSWORD
                + "&service=berth&client_id=test&access_type=offline&scope=repository:dev/app:pull";
        HttpResponse<byte[]> r = server.anonymous().method("POST", "/auth/token", form.getBytes(),
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        String refresh = Http.json(r).path("refresh_token").asText();
        assertThat(refresh).isNotEmpty();
        assertThat(Http.json(r).path("scope").asText()).isEqualTo("repository:dev/app:pull");

        HttpResponse<byte[]> again = server.anonymous().method("POST", "/auth/token",
                ("grant_type=refresh_token&refresh_token=" + refresh + "&service=berth&client_id=test&scope=repository:dev/app:push").getBytes(),
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(Http.json(again).path("access_token").asText()).isNotEmpty();
        assertThat(Http.json(again).path("refresh_token").asText()).isEqualTo(refresh);

        HttpResponse<byte[]> bad = server.anonymous().method("POST", "/auth/token",
                "grant_type=refresh_token&refresh_token=garbage&service=berth&client_id=test".getBytes(),
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(bad.statusCode()).isEqualTo(401);
    }

    @Test
    void passwordChangeRevokesRefreshTokensAndDisableLocksOut() {
        f.user("temp");
        HttpResponse<byte[]> r = server.anonymous().get("/auth/token?service=berth&offline_token=true",
                "Authorization", AuthFixture.basic("temp", AuthFixture.PASSWORD));
        String refresh = Http.json(r).path("refresh_token").asText();
        assertThat(f.as("temp", AuthFixture.PASSWORD).get("/v2/").statusCode()).isEqualTo(200);
        assertThat(f.admin.method("PATCH", "/api/v1/users/temp", "{\"password\":\"new-password\"}".getBytes()).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> stale = server.anonymous().method("POST", "/auth/token",
                ("grant_type=refresh_token&refresh_token=" + refresh + "&service=berth&client_id=t").getBytes(),
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(stale.statusCode()).isEqualTo(401);
        assertThat(f.as("temp", AuthFixture.PASSWORD).get("/v2/").statusCode()).isEqualTo(401);
        assertThat(f.as("temp", "new-password").get("/v2/").statusCode()).isEqualTo(200);
        f.admin.method("PATCH", "/api/v1/users/temp", "{\"disabled\":true}".getBytes());
        assertThat(f.as("temp", "new-password").get("/v2/").statusCode()).isEqualTo(401);
    }

    @Test
    void failedLoginsAreRateLimited() {
        f.user("victim");
        int limited = 0;
        for (int i = 0; i < 12; i++) {
            HttpResponse<byte[]> r = server.anonymous().get("/auth/token?service=berth", "Authorization", AuthFixture.basic("victim", "guess" + i));
            if (r.statusCode() == 429) {
                limited++;
                assertThat(Http.errorCode(r)).isEqualTo("TOOMANYREQUESTS");
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
            } else {
                assertThat(r.statusCode()).isEqualTo(401);
            }
        }
        assertThat(limited).isEqualTo(2);
        // From the address that failed, even the right password waits out the window (BruteForceTest: other addresses).
        assertThat(server.anonymous().get("/auth/token?service=berth", "Authorization",
                AuthFixture.basic("victim", AuthFixture.PASSWORD)).statusCode()).isEqualTo(429);
    }

    @Test
    void publicNamespacesArePullableWithoutCredentials() {
        f.namespace("library", true);
        f.admin.pushImage("library/hello", "latest", "{}".getBytes(), "l".getBytes());
        assertThat(server.anonymous().get("/v2/library/hello/manifests/latest").statusCode()).isEqualTo(200);
        String anon = f.token(null, null, "repository:library/hello:pull,push");
        Http bearer = new PermissionMatrixTest.BearerHttp(server.url(), anon);
        assertThat(bearer.get("/v2/library/hello/manifests/latest").statusCode()).isEqualTo(200);
        assertThat(bearer.method("POST", "/v2/library/hello/blobs/uploads/", null).statusCode()).isEqualTo(401);
    }

    @Test
    void firstStartWritesARandomAdminPasswordOnce(@TempDir Path dir) throws Exception {
        try (TestServer fresh = TestServer.start(dir, Map.of("BERTH_ADMIN_PASSWORD", ""))) {
            Path file = dir.resolve("initial-admin-password");
            assertThat(file).exists();
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            String password = Files.readString(file).strip();
            assertThat(password).hasSizeGreaterThanOrEqualTo(20);
            assertThat(new Http(fresh.url(), "admin", password).get("/v2/").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void htpasswdUsersOfRegistry2KeepWorking(@TempDir Path dir) throws Exception {
        // "alice:secret" as `htpasswd -nbB alice secret` writes it ($2y$).
        String hash = at.favre.lib.crypto.bcrypt.BCrypt.with(at.favre.lib.crypto.bcrypt.BCrypt.Version.VERSION_2Y)
                .hashToString(5, "secret".toCharArray());
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, "alice:" + hash + "\nbob:{SHA}notbcrypt\n");
        try (TestServer s = TestServer.start(Map.of("REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString()))) {
            assertThat(new Http(s.url(), "alice", "secret").get("/v2/").statusCode()).isEqualTo(200);
            assertThat(new Http(s.url(), "alice", "wrong").get("/v2/").statusCode()).isEqualTo(401);
            assertThat(new Http(s.url(), "bob", "x").get("/v2/").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void authCanBeTurnedOff() {
        try (TestServer open = TestServer.start(Map.of("BERTH_AUTH", "none"))) {
            assertThat(open.anonymous().get("/v2/").statusCode()).isEqualTo(200);
            assertThat(open.anonymous().pushImage("any/thing", "v1", "{}".getBytes(), "l".getBytes())).startsWith("sha256:");
        }
    }
}
