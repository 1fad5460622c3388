package io.berth.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.Receiver;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static io.berth.auth.AuthFixture.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /api/v1/namespaces/{ns}/quota}: readers see limits and usage, only admins set or remove limits (an owner
 * cannot raise their own, an API token changes nothing), an outsider cannot tell a private namespace from a
 * missing one, bad input is a 400 naming the field, changes are audited, and a refused push reaches the
 * namespace's webhooks subscribed to quota_exceeded.
 */
class QuotaApiTest {
    static TestServer server;
    static AuthFixture f;
    static Http owner;
    static Http reader;
    static Http outsider;
    static Http robot;

    @BeforeAll
    static void setUp() {
        server = TestServer.start(Map.of("BERTH_WEBHOOKS_ALLOWPRIVATE", "true", "BERTH_WEBHOOKS_BACKOFF", "100ms"));
        f = new AuthFixture(server);
        AuthFixture.Team team = f.team("team");
        owner = team.owner();
        reader = team.reader();
        outsider = team.outsider();
        robot = team.robot();
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    static HttpResponse<byte[]> call(Http as, String method, String path, String body) {
        return AuthFixture.call(as, method, "/namespaces/" + path, body);
    }

    @Test
    void readersSeeTheQuotaAndOnlyAdminsChangeIt() {
        JsonNode none = ok(call(reader, "GET", "team/quota", null), 200);
        assertThat(none.path("limits").path("maxBytes").isNull()).isTrue();
        assertThat(none.path("usage").path("bytes").asLong()).isZero();

        JsonNode set = ok(call(f.admin, "PUT", "team/quota", "{\"maxBytes\":1000000,\"maxTags\":10}"), 200);
        assertThat(set.path("namespace").asText()).isEqualTo("team");
        assertThat(set.path("limits").path("maxBytes").asLong()).isEqualTo(1_000_000);
        assertThat(set.path("limits").path("maxRepositories").isNull()).isTrue();
        assertThat(set.path("limits").path("maxTags").asLong()).isEqualTo(10);

        owner.pushImage("team/app", "v1", "{}".getBytes(), "layer".getBytes());
        for (Http readsIt : new Http[]{reader, owner, robot}) {
            JsonNode q = ok(call(readsIt, "GET", "team/quota", null), 200);
            assertThat(q.path("limits").path("maxTags").asLong()).isEqualTo(10);
            assertThat(q.path("usage").path("repositories").asLong()).isEqualTo(1);
            assertThat(q.path("usage").path("tags").asLong()).isEqualTo(1);
            assertThat(q.path("usage").path("bytes").asLong()).isGreaterThan(0);
        }

        for (Http refused : new Http[]{owner, reader, robot}) {
            HttpResponse<byte[]> raise = call(refused, "PUT", "team/quota", "{\"maxBytes\":999999999}");
            assertThat(raise.statusCode()).as(new String(raise.body())).isEqualTo(403);
            assertThat(Http.errorCode(raise)).isEqualTo("DENIED");
            assertThat(call(refused, "DELETE", "team/quota", null).statusCode()).isEqualTo(403);
        }
        assertThat(new String(call(owner, "PUT", "team/quota", "{\"maxBytes\":1}").body())).contains("needs an administrator");
        assertThat(server.anonymous().get("/api/v1/namespaces/team/quota").statusCode()).isEqualTo(401);
        assertThat(ok(call(owner, "GET", "team/quota", null), 200).path("limits").path("maxBytes").asLong()).as("unchanged")
                .isEqualTo(1_000_000);

        assertThat(call(f.admin, "DELETE", "team/quota", null).statusCode()).isEqualTo(204);
        assertThat(ok(call(owner, "GET", "team/quota", null), 200).path("limits").path("maxTags").isNull()).isTrue();
        JsonNode audit = ok(AuthFixture.call(f.admin, "GET", "/audit?action=quota.set&target=team&n=10", null), 200);
        assertThat(audit.findValuesAsText("detail")).contains("none", "maxBytes=1000000, maxRepositories=null, maxTags=10");
    }

    @Test
    void anOutsiderCannotTellAPrivateNamespaceFromAMissingOne() {
        String[][] requests = {{"GET", null}, {"PUT", "{\"maxBytes\":1}"}, {"DELETE", null}};
        for (String[] r : requests) {
            HttpResponse<byte[]> team = call(outsider, r[0], "team/quota", r[1]);
            HttpResponse<byte[]> none = call(outsider, r[0], "nosuchns/quota", r[1]);
            assertThat(team.statusCode()).as(r[0] + ": " + new String(team.body())).isEqualTo(404);
            assertThat(none.statusCode()).isEqualTo(404);
            assertThat(new String(team.body()).replace("team", "NS")).isEqualTo(new String(none.body()).replace("nosuchns", "NS"));
        }
        assertThat(call(f.admin, "GET", "nosuchns/quota", null).statusCode()).isEqualTo(404);
    }

    @Test
    void badInputIsA400NamingTheField() {
        String[][] cases = {
                {"{\"maxBytes\":-1}", "maxBytes must be a non-negative whole number"},
                {"{\"maxTags\":1.5}", "maxTags must be a non-negative whole number"},
                {"{\"maxRepositories\":\"10\"}", "maxRepositories must be a non-negative whole number"},
                {"{\"maxBytes\":1e30}", "maxBytes must be a non-negative whole number"},
                {"{\"maxbytes\":10}", "unknown field maxbytes"},
                {"[1]", "must be a JSON object"},
                {"{", "not valid JSON"}};
        for (String[] c : cases) {
            HttpResponse<byte[]> r = call(f.admin, "PUT", "team/quota", c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(new String(r.body())).as(c[0]).contains(c[1]);
        }
        assertThat(call(f.admin, "POST", "team/quota", "{}").statusCode()).isEqualTo(405);
        assertThat(call(f.admin, "GET", "team/quota/x", null).statusCode()).isEqualTo(404);
    }

    @Test
    void aQuotaGoesWithItsNamespaceAndIsNotInherited() {
        f.namespace("gone", false);
        ok(call(f.admin, "PUT", "gone/quota", "{\"maxTags\":3}"), 200);
        assertThat(call(f.admin, "DELETE", "gone", null).statusCode()).isEqualTo(204);
        assertThat(call(f.admin, "GET", "gone/quota", null).statusCode()).isEqualTo(404);
        f.namespace("gone", false);
        assertThat(ok(call(f.admin, "GET", "gone/quota", null), 200).path("limits").path("maxTags").isNull()).isTrue();
    }

    @Test
    void aRefusedPushReachesTheWebhooksSubscribedToQuotaExceeded() {
        f.namespace("shop", false);
        f.member("shop", "oscar", "owner");
        try (Receiver receiver = Receiver.start()) {
            ok(call(owner, "POST", "shop/webhooks", "{\"url\":\"" + receiver.url("/quota") + "\",\"events\":[\"quota_exceeded\"]}"), 201);
            ok(call(f.admin, "PUT", "shop/quota", "{\"maxTags\":1}"), 200);
            owner.pushImage("shop/app", "v1", "{}".getBytes(), "layer".getBytes());
            HttpResponse<byte[]> refused = owner.method("PUT", "/v2/shop/app/manifests/v2",
                    owner.get("/v2/shop/app/manifests/v1", "Accept", "application/vnd.oci.image.manifest.v1+json").body(),
                    "Content-Type", "application/vnd.oci.image.manifest.v1+json");
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(new String(refused.body())).contains("quota exceeded: namespace shop uses 1 of 1 tags");

            Receiver.Received got = receiver.await(1, Duration.ofSeconds(20)).getFirst();
            assertThat(got.header("X-Berth-Event")).isEqualTo("quota_exceeded");
            JsonNode body = got.json();
            assertThat(body.path("kind").asText()).isEqualTo("quota_exceeded");
            assertThat(body.path("namespace").asText()).isEqualTo("shop");
            assertThat(body.path("repository").asText()).isEqualTo("shop/app");
            assertThat(body.path("limit").asText()).isEqualTo("tags");
            assertThat(body.path("used").asLong()).isEqualTo(1);
            assertThat(body.path("max").asLong()).isEqualTo(1);
            assertThat(body.path("adding").asLong()).isEqualTo(1);
            assertThat(body.path("actor").asText()).isEqualTo("oscar");
        }
    }
}
