package io.berth.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Names are reused: a namespace or user that is deleted must take its repositories, roles and token
 * grants with it, so that whoever gets the name next starts empty and sees nothing of the old owner's.
 * Everything is checked from outside, as a client would: catalog, tags, manifests, blobs, admin API.
 */
class NameLifecycleTest {
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
    void aNamespaceThatHoldsRepositoriesIsDeletedOnlyWhenForcedAndLeavesNothingBehind() {
        f.namespace("secret", false);
        String digest = f.admin.pushImage("secret/only", "v1", "{\"s\":1}".getBytes(), "secret-layer".getBytes());
        f.admin.pushImage("secret/two", "v1", "{\"s\":2}".getBytes(), "secret-layer-2".getBytes());
        String layer = Http.sha256("secret-layer".getBytes());

        HttpResponse<byte[]> refused = f.admin.method("DELETE", "/api/v1/namespaces/secret", null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(Http.errorCode(refused)).isEqualTo("CONFLICT");
        assertThat(Http.json(refused).path("errors").path(0).path("message").asText()).contains("2 repositories", "force=true");
        assertThat(Http.json(refused).path("errors").path(0).path("detail").path("repositories").asLong()).isEqualTo(2);
        assertThat(f.admin.get("/v2/secret/only/manifests/v1").statusCode()).as("a refused delete changes nothing").isEqualTo(200);

        assertThat(f.admin.method("DELETE", "/api/v1/namespaces/secret?force=true", null).statusCode()).isEqualTo(204);
        assertGone(f.admin, "secret/only", digest, layer);
        assertThat(f.admin.get("/api/v1/namespaces/secret").statusCode()).isEqualTo(404);

        // Whoever gets the name next (here: a user, whose personal namespace it becomes) starts empty.
        f.user("secret");
        Http heir = f.as("secret", AuthFixture.PASSWORD);
        assertGone(heir, "secret/only", digest, layer);
        assertThat(Http.json(heir.get("/api/v1/repositories?namespace=secret"))).isEmpty();
    }

    @Test
    void anEmptyNamespaceIsDeletedWithoutForce() {
        f.namespace("hollow", false);
        assertThat(f.admin.method("DELETE", "/api/v1/namespaces/hollow", null).statusCode()).isEqualTo(204);
        assertThat(f.admin.get("/api/v1/namespaces/hollow").statusCode()).isEqualTo(404);
        assertThat(f.admin.method("DELETE", "/api/v1/namespaces/hollow?force=yes", null).statusCode()).isIn(400, 404);
    }

    @Test
    void deletingANamespaceSparesNamesThatOnlyShareItsPrefix() {
        f.namespace("pfx", false);
        f.admin.pushImage("pfx", "v1", "{\"p\":0}".getBytes(), "p0".getBytes()); // a one-segment name is its own namespace
        f.admin.pushImage("pfx/app", "v1", "{\"p\":1}".getBytes(), "p1".getBytes());
        f.admin.pushImage("pfx/deep/app", "v1", "{\"p\":2}".getBytes(), "p2".getBytes());
        for (String other : new String[]{"pfxb/app", "pfx-b/app", "pfx.b", "pfx_b/app"}) {
            f.admin.pushImage(other, "v1", ("{\"o\":\"" + other + "\"}").getBytes(), other.getBytes());
        }
        HttpResponse<byte[]> refused = f.admin.method("DELETE", "/api/v1/namespaces/pfx", null);
        assertThat(Http.json(refused).path("errors").path(0).path("detail").path("repositories").asLong()).isEqualTo(3);
        assertThat(f.admin.method("DELETE", "/api/v1/namespaces/pfx?force=true", null).statusCode()).isEqualTo(204);
        String catalog = Http.json(f.admin.get("/v2/_catalog?n=1000")).path("repositories").toString();
        assertThat(catalog).doesNotContain("\"pfx\"", "\"pfx/app\"", "\"pfx/deep/app\"")
                .contains("\"pfxb/app\"", "\"pfx-b/app\"", "\"pfx.b\"", "\"pfx_b/app\"");
        assertThat(f.admin.get("/v2/pfxb/app/manifests/v1").statusCode()).isEqualTo(200);
        assertThat(f.admin.get("/v2/pfx-b/app/tags/list").statusCode()).isEqualTo(200);
    }

    @Test
    void aRecreatedRepositoryDoesNotServeTheOldTagList() {
        f.namespace("stale", false);
        f.admin.pushImage("stale/app", "old", "{\"t\":1}".getBytes(), "t1".getBytes());
        assertThat(Http.json(f.admin.get("/v2/stale/app/tags/list")).path("tags").toString()).isEqualTo("[\"old\"]");
        assertThat(f.admin.method("DELETE", "/api/v1/namespaces/stale?force=true", null).statusCode()).isEqualTo(204);
        f.namespace("stale", false);
        f.admin.pushImage("stale/app", "new", "{\"t\":2}".getBytes(), "t2".getBytes());
        assertThat(Http.json(f.admin.get("/v2/stale/app/tags/list")).path("tags").toString()).isEqualTo("[\"new\"]");
        assertThat(f.admin.get("/v2/stale/app/manifests/old").statusCode()).isEqualTo(404);
    }

    @Test
    void deletingANamespaceRemovesItsMembersAndTheTokenGrantsOnIt() {
        f.user("tok");
        f.namespace("granted", false);
        f.member("granted", "tok", "writer");
        f.admin.pushImage("granted/app", "v1", "{\"g\":1}".getBytes(), "g1".getBytes());
        String only = f.apiToken("tok", "only", "[{\"namespace\":\"granted\",\"actions\":[\"pull\"]}]");
        String both = f.apiToken("tok", "both", "[{\"namespace\":\"granted\",\"actions\":[\"pull\"]},{\"namespace\":\"tok\",\"actions\":[\"pull\",\"push\"]}]");
        assertThat(f.as("tok+only", only).get("/v2/granted/app/manifests/v1").statusCode()).isEqualTo(200);

        assertThat(f.admin.method("DELETE", "/api/v1/namespaces/granted?force=true", null).statusCode()).isEqualTo(204);
        // A token whose every grant was on the namespace is revoked; others keep the grants on what remains.
        assertThat(f.as("tok+only", only).get("/v2/").statusCode()).isEqualTo(401);
        Http tokUser = f.as("tok", AuthFixture.PASSWORD);
        JsonNode tokens = Http.json(tokUser.get("/api/v1/tokens"));
        assertThat(tokens.toString()).doesNotContain("\"granted\"");
        for (JsonNode t : tokens) {
            assertThat(t.path("revoked").asBoolean()).as(t.toString()).isEqualTo(t.path("name").asText().equals("only"));
        }
        assertThat(Http.json(tokUser.get("/api/v1/me")).path("namespaces").toString()).doesNotContain("granted");

        // The name is created again, for someone else: the old member and the old token get nothing.
        f.namespace("granted", false);
        f.admin.pushImage("granted/app", "v2", "{\"g\":2}".getBytes(), "g2".getBytes());
        assertThat(tokUser.get("/v2/granted/app/manifests/v2").statusCode()).isEqualTo(403);
        assertThat(f.as("tok+both", both).get("/v2/granted/app/manifests/v2").statusCode()).isEqualTo(403);
        assertThat(f.as("tok+both", both).pushImage("tok/app", "v1", "{}".getBytes(), "tokl".getBytes())).startsWith("sha256:");
    }

    @Test
    void aUserCannotBeCreatedUnderANameThatIsTaken() {
        f.namespace("taken", false);
        f.admin.pushImage("taken/app", "v1", "{\"k\":1}".getBytes(), "k1".getBytes());
        HttpResponse<byte[]> r = f.admin.method("POST", "/api/v1/users",
                ("{\"name\":\"taken\",\"password\":\"" + AuthFixture.PASSWORD + "\"}").getBytes());
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(Http.json(r).path("errors").path(0).path("message").asText()).contains("namespace taken");
        // Nobody got the namespace: no such login, and no owner row was added.
        assertThat(f.as("taken", AuthFixture.PASSWORD).get("/v2/taken/app/manifests/v1").statusCode()).isEqualTo(401);
        assertThat(Http.json(f.admin.get("/api/v1/namespaces/taken/members"))).isEmpty();
    }

    @Test
    void deletingAUserWithRepositoriesIsRefusedUnlessForcedAndTheHeirStartsEmpty() {
        f.user("leaver");
        f.namespace("club", false);
        f.member("club", "leaver", "reader");
        Http leaver = f.as("leaver", AuthFixture.PASSWORD);
        String digest = leaver.pushImage("leaver/private", "v1", "{\"l\":1}".getBytes(), "leaver-layer".getBytes());
        String token = f.apiToken("leaver", "ci", "[{\"namespace\":\"leaver\",\"actions\":[\"pull\"]}]");

        HttpResponse<byte[]> refused = f.admin.method("DELETE", "/api/v1/users/leaver", null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(Http.json(refused).path("errors").path(0).path("message").asText()).contains("1 repositor", "force=true");
        assertThat(leaver.get("/v2/").statusCode()).as("a refused delete changes nothing").isEqualTo(200);

        assertThat(f.admin.method("DELETE", "/api/v1/users/leaver?force=true", null).statusCode()).isEqualTo(204);
        assertThat(leaver.get("/v2/").statusCode()).isEqualTo(401);
        assertThat(f.as("leaver+ci", token).get("/v2/").statusCode()).isEqualTo(401);
        assertGone(f.admin, "leaver/private", digest, Http.sha256("leaver-layer".getBytes()));

        f.user("leaver");
        Http heir = f.as("leaver", AuthFixture.PASSWORD);
        assertGone(heir, "leaver/private", digest, Http.sha256("leaver-layer".getBytes()));
        assertThat(Http.json(heir.get("/api/v1/tokens"))).as("the old account's tokens are gone").isEmpty();
        assertThat(Http.json(heir.get("/api/v1/me")).path("namespaces").toString()).doesNotContain("club");
        // The old token names are free again.
        assertThat(f.apiToken("leaver", "ci", "[{\"namespace\":\"leaver\",\"actions\":[\"pull\"]}]")).startsWith("berth_");
    }

    @Test
    void deletingAUserWithAnEmptyNamespaceNeedsNoForce() {
        f.user("brief");
        assertThat(f.admin.method("DELETE", "/api/v1/users/brief", null).statusCode()).isEqualTo(204);
        assertThat(f.admin.get("/api/v1/namespaces/brief").statusCode()).isEqualTo(404);
        f.user("brief");
        JsonNode members = Http.json(f.admin.get("/api/v1/namespaces/brief/members"));
        assertThat(members).hasSize(1);
        assertThat(members.get(0).path("user").asText()).isEqualTo("brief");
        assertThat(members.get(0).path("role").asText()).isEqualTo("owner");
    }

    @Test
    void aBearerTokenIssuedBeforeADeleteGrantsNothingOnWhatTheNameHoldsNext() {
        // The user case: a token of the deleted account must not act as the new account of the same name.
        f.user("renamed");
        Http old = f.as("renamed", AuthFixture.PASSWORD);
        old.pushImage("renamed/app", "v1", "{\"r\":1}".getBytes(), "r1".getBytes());
        String oldToken = f.token("renamed", AuthFixture.PASSWORD, "repository:renamed/app:pull,push");
        assertThat(f.admin.method("DELETE", "/api/v1/users/renamed?force=true", null).statusCode()).isEqualTo(204);
        sleepPastTheSecond();
        f.user("renamed");
        f.as("renamed", AuthFixture.PASSWORD).pushImage("renamed/app", "v1", "{\"r\":2}".getBytes(), "r2".getBytes());
        Http withOldToken = new Http(server.url());
        assertThat(withOldToken.get("/v2/renamed/app/manifests/v1", "Authorization", "Bearer " + oldToken).statusCode()).isIn(401, 403);
        assertThat(withOldToken.get("/v2/renamed/app/tags/list", "Authorization", "Bearer " + oldToken).statusCode()).isIn(401, 403);
        assertThat(withOldToken.method("POST", "/v2/renamed/app/blobs/uploads/", null, "Authorization", "Bearer " + oldToken)
                .statusCode()).isIn(401, 403);

        // The namespace case: a member's token from before the delete gets nothing from the namespace made again.
        f.user("member");
        f.namespace("again", false);
        f.member("again", "member", "reader");
        f.admin.pushImage("again/app", "v1", "{\"a\":1}".getBytes(), "a1".getBytes());
        String memberToken = f.token("member", AuthFixture.PASSWORD, "repository:again/app:pull");
        assertThat(withOldToken.get("/v2/again/app/manifests/v1", "Authorization", "Bearer " + memberToken).statusCode()).isEqualTo(200);
        assertThat(f.admin.method("DELETE", "/api/v1/namespaces/again?force=true", null).statusCode()).isEqualTo(204);
        f.namespace("again", false);
        f.admin.pushImage("again/app", "v1", "{\"a\":2}".getBytes(), "a2".getBytes());
        assertThat(withOldToken.get("/v2/again/app/manifests/v1", "Authorization", "Bearer " + memberToken).statusCode()).isIn(401, 403);
        // A token fetched now is intersected with the member's rights now: none.
        String fresh = f.token("member", AuthFixture.PASSWORD, "repository:again/app:pull");
        assertThat(withOldToken.get("/v2/again/app/manifests/v1", "Authorization", "Bearer " + fresh).statusCode()).isIn(401, 403);
    }

    /** Token times are whole seconds: a new account is told apart from tokens of an old one issued in an earlier second. */
    private static void sleepPastTheSecond() {
        try {
            Thread.sleep(1100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Nothing of a deleted repository is visible to {@code client}: not listed, no tags, manifest or blob. */
    private static void assertGone(Http client, String repository, String manifest, String layer) {
        assertThat(Http.json(client.get("/v2/_catalog?n=1000")).path("repositories").toString()).doesNotContain("\"" + repository + "\"");
        assertThat(client.get("/v2/" + repository + "/tags/list").statusCode()).isIn(403, 404);
        assertThat(client.get("/v2/" + repository + "/manifests/v1").statusCode()).isIn(403, 404);
        assertThat(client.get("/v2/" + repository + "/manifests/" + manifest).statusCode()).isIn(403, 404);
        assertThat(client.get("/v2/" + repository + "/blobs/" + layer).statusCode()).isIn(403, 404);
        assertThat(client.get("/api/v1/repositories/" + repository).statusCode()).isEqualTo(404);
        assertThat(Http.json(client.get("/api/v1/repositories?n=1000")).toString()).doesNotContain("\"" + repository + "\"");
    }
}
