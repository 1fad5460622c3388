package io.berth.auth;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Credentials changed where this server's caches do not hear of it — `berth user` beside the running server,
 * or another node of a cluster — end within the user cache's 5 s, for Basic as for tokens; what was issued
 * before a disable stays void after a re-enable; a logged-out session is over wherever its cookie turns up.
 */
class CredentialsElsewhereTest {
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

    /** Runs SQL on the server's database behind its back, as another process or node would. */
    private static void elsewhere(String sql, Object... args) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + server.dataDir().resolve("berth.db"));
             PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setObject(i + 1, args[i]);
            }
            s.executeUpdate();
        }
    }

    private static void pastTheUserCache() throws InterruptedException {
        Thread.sleep(Authorizer.CACHE_TTL.toMillis() + 700);
    }

    private static HttpResponse<byte[]> refresh(String refreshToken) {
        return server.anonymous().method("POST", "/auth/token",
                ("grant_type=refresh_token&refresh_token=" + refreshToken + "&service=berth&client_id=t").getBytes(),
                "Content-Type", "application/x-www-form-urlencoded");
    }

    private static String refreshToken(String user) {
        HttpResponse<byte[]> r = server.anonymous().get("/auth/token?service=berth&offline_token=true",
                "Authorization", AuthFixture.basic(user, AuthFixture.PASSWORD));
        assertThat(r.statusCode()).isEqualTo(200);
        return Http.json(r).path("refresh_token").asText();
    }

    @Test
    void aPasswordChangedOrAUserReplacedElsewhereEndsTheOldPasswordWithinSeconds() throws Exception {
        f.user("olga");
        f.user("ivan");
        Http olga = f.as("olga", AuthFixture.PASSWORD);
        Http ivan = f.as("ivan", AuthFixture.PASSWORD);
        assertThat(olga.get("/api/v1/me").statusCode()).isEqualTo(200); // the credential is now cached
        assertThat(ivan.get("/api/v1/me").statusCode()).isEqualTo(200);
        String ivansRefresh = refreshToken("ivan");

        Passwords passwords = new Passwords(4);
        elsewhere("UPDATE users SET password_hash = ? WHERE name = ?", passwords.hash("olga-reset-1234"), "olga");
        // ivan is deleted and someone else gets the name, with a password of their own
        elsewhere("DELETE FROM users WHERE name = ?", "ivan");
        elsewhere("INSERT INTO users (name, password_hash, admin, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                "ivan", passwords.hash("new-ivan-5678"), false, false, System.currentTimeMillis(), System.currentTimeMillis());
        pastTheUserCache();

        assertThat(olga.get("/api/v1/me").statusCode()).as("the old password, cached a moment ago").isEqualTo(401);
        assertThat(f.as("olga", "olga-reset-1234").get("/api/v1/me").statusCode()).isEqualTo(200);
        assertThat(ivan.get("/api/v1/me").statusCode()).as("the deleted ivan's password on the new ivan").isEqualTo(401);
        assertThat(server.anonymous().get("/auth/token?service=berth&offline_token=true",
                "Authorization", AuthFixture.basic("ivan", AuthFixture.PASSWORD)).statusCode()).isEqualTo(401);
        assertThat(refresh(ivansRefresh).statusCode()).as("the deleted ivan's refresh token").isEqualTo(401);
    }

    @Test
    void whatWasIssuedBeforeADisableStaysVoidAfterTheReEnable() throws InterruptedException {
        f.user("rita");
        f.as("rita", AuthFixture.PASSWORD).pushImage("rita/app", "v1", "{}".getBytes(), "r".getBytes());
        Http bearer = new PermissionMatrixTest.BearerHttp(server.url(), f.token("rita", AuthFixture.PASSWORD, "repository:rita/app:pull"));
        String refresh = refreshToken("rita");
        WebClient web = new WebClient(server.url());
        String session = web.login("rita", AuthFixture.PASSWORD);
        assertThat(web.get("/tokens", session).statusCode()).isEqualTo(200);
        Thread.sleep(1100); // tokens count whole seconds: what the same second issued survives, by design

        assertThat(f.admin.method("PATCH", "/api/v1/users/rita", "{\"disabled\":true}".getBytes()).statusCode()).isEqualTo(200);
        assertThat(f.admin.method("PATCH", "/api/v1/users/rita", "{\"disabled\":false}".getBytes()).statusCode()).isEqualTo(200);

        assertThat(bearer.get("/v2/rita/app/manifests/v1").statusCode()).isEqualTo(401);
        assertThat(refresh(refresh).statusCode()).isEqualTo(401);
        assertThat(web.get("/tokens", session).statusCode()).as("the session from before the disable").isNotEqualTo(200);
        // The account itself works again: its password, and what it gets issued from now on.
        assertThat(f.as("rita", AuthFixture.PASSWORD).get("/v2/rita/app/manifests/v1").statusCode()).isEqualTo(200);
        String fresh = web.login("rita", AuthFixture.PASSWORD);
        assertThat(web.get("/tokens", fresh).statusCode()).isEqualTo(200);
    }

    @Test
    void aLoggedOutSessionIsRefusedEvenWhereACopyOfItsCookieSurvives() {
        f.user("lena");
        WebClient web = new WebClient(server.url());
        String session = web.login("lena", AuthFixture.PASSWORD);
        String other = web.login("lena", AuthFixture.PASSWORD); // another browser of hers
        String page = web.page("/tokens", session);
        assertThat(web.postWithToken("/logout", session, "/tokens", "").statusCode()).isEqualTo(303);

        assertThat(web.get("/tokens", session).statusCode()).as("the logged-out cookie").isNotEqualTo(200);
        HttpResponse<String> mint = web.post("/tokens", session, "csrf=" + WebClient.encode(WebClient.csrfOf(page))
                + "&name=afterlogout&ns1=lena&pull1=on", null);
        assertThat(mint.statusCode()).isNotIn(200, 201, 303);
        assertThat(f.as("lena", AuthFixture.PASSWORD).get("/api/v1/tokens").body()).asString().doesNotContain("afterlogout");
        assertThat(web.get("/tokens", other).statusCode()).as("her other session").isEqualTo(200);
    }

    @Test
    void metricsOnThePublicPortAnswerAdminsOnly() {
        f.user("mona");
        f.as("mona", AuthFixture.PASSWORD).pushImage("mona/secret", "v1", "{}".getBytes(), "m".getBytes());
        HttpResponse<byte[]> anonymous = server.anonymous().get("/metrics");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
        assertThat(new String(anonymous.body())).doesNotContain("mona");
        assertThat(f.as("mona", AuthFixture.PASSWORD).get("/metrics").statusCode()).as("a user, not an admin").isEqualTo(401);

        HttpResponse<byte[]> admin = server.http().get("/metrics");
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(new String(admin.body())).contains("namespace=\"mona\"");
        String token = Http.json(server.http().method("POST", "/api/v1/tokens",
                "{\"name\":\"prometheus\",\"scopes\":[{\"namespace\":\"*\",\"actions\":[\"pull\"]}]}".getBytes())).path("token").asText();
        assertThat(new Http(server.url(), "admin", token).get("/metrics").statusCode()).as("an admin's API token").isEqualTo(200);
    }

    @Test
    void aUsersNameIsTheirsForANamespaceToo() {
        f.user("nora");
        assertThat(f.admin.method("DELETE", "/api/v1/namespaces/nora?force=true", null).statusCode()).isEqualTo(204);
        HttpResponse<byte[]> made = f.admin.method("POST", "/api/v1/namespaces", "{\"name\":\"nora\",\"visibility\":\"public\"}".getBytes());
        assertThat(made.statusCode()).isEqualTo(201);
        // Made again by an admin, it is nora's again: she pushes to it, and it is hers to manage.
        Http nora = f.as("nora", AuthFixture.PASSWORD);
        nora.pushImage("nora/app", "v1", "{}".getBytes(), "n".getBytes());
        assertThat(nora.get("/api/v1/namespaces/nora/members").body()).asString().contains("\"nora\"", "owner");

        String long256 = "a".repeat(254);
        HttpResponse<byte[]> tooLong = f.admin.method("POST", "/api/v1/namespaces", ("{\"name\":\"" + long256 + "\"}").getBytes());
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(Http.errorCode(tooLong)).isEqualTo("NAME_INVALID");
        assertThat(new String(tooLong.body())).hasSizeLessThan(1000);
    }

    @Test
    void emptyPagesAndBadCursorsAreAnswersNotErrors() {
        HttpResponse<byte[]> none = server.http().get("/api/v1/repositories?n=0");
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(new String(none.body())).isEqualTo("[]");
        assertThat(server.http().get("/api/v1/audit?n=0").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> bad = server.http().get("/api/v1/audit?before=abc");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(new String(bad.body())).contains("before").doesNotContain("For input string");
    }

    @Test
    void aLoginsNextPageNeverLeavesTheSite() {
        f.user("tess");
        WebClient web = new WebClient(server.url());
        for (String next : new String[]{"/%09/evil.example", "//evil.example", "/%5Cevil.example", "/%0A/evil.example", "https://evil.example"}) {
            HttpResponse<String> r = web.post("/login", null, "username=tess&password=" + AuthFixture.PASSWORD + "&next=" + next, null);
            assertThat(r.statusCode()).isEqualTo(303);
            assertThat(r.headers().firstValue("Location")).as(next).hasValue("/");
        }
        HttpResponse<String> ok = web.post("/login", null, "username=tess&password=" + AuthFixture.PASSWORD + "&next=/tokens%3Fx%3D1", null);
        assertThat(ok.headers().firstValue("Location")).hasValue("/tokens?x=1");
    }
}
