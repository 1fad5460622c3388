package io.berth.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static io.berth.auth.AuthFixture.call;
import static io.berth.auth.AuthFixture.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may NOT change a namespace's immutable tags, retention and webhooks through the admin API, and that
 * nothing changed when refused; what a run really deletes; that a webhook's secret is shown at creation only;
 * and the audit events of the changes. The rules are LifecycleAdmin's, which the web UI calls too.
 */
class LifecycleApiTest {
    static TestServer server;
    static AuthFixture f;
    static Http owner;
    static Http reader;
    static Http outsider;
    static Http robot;

    @BeforeAll
    static void setUp() {
        server = TestServer.start(Map.of("BERTH_WEBHOOKS_ALLOWPRIVATE", "true"));
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

    @Test
    void readersSeeTheRulesAndMayNotChangeThem() {
        ok(call(owner, "PUT", "/namespaces/team/immutable-tags", "{\"patterns\":[\"v*\"]}"), 200);
        ok(call(owner, "PUT", "/namespaces/team/retention", "{\"rules\":[{\"keepLast\":5}]}"), 200);

        assertThat(ok(call(reader, "GET", "/namespaces/team/immutable-tags", null), 200).path("patterns").toString()).isEqualTo("[\"v*\"]");
        assertThat(ok(call(reader, "GET", "/namespaces/team/retention", null), 200).path("rules").path(0).path("keepLast").asInt()).isEqualTo(5);
        ok(call(reader, "GET", "/namespaces/team/retention/preview", null), 200);

        for (Http refused : new Http[]{reader, robot}) {
            assertThat(Http.errorCode(call(refused, "PUT", "/namespaces/team/immutable-tags", "{\"patterns\":[]}"))).isEqualTo("DENIED");
            assertThat(Http.errorCode(call(refused, "PUT", "/namespaces/team/retention", "{\"rules\":[]}"))).isEqualTo("DENIED");
            assertThat(Http.errorCode(call(refused, "POST", "/namespaces/team/retention/run", null))).isEqualTo("DENIED");
            assertThat(Http.errorCode(call(refused, "POST", "/namespaces/team/webhooks", "{\"url\":\"http://127.0.0.1:9/\",\"events\":[\"push\"]}")))
                    .isEqualTo("DENIED");
            assertThat(Http.errorCode(call(refused, "GET", "/namespaces/team/webhooks", null))).isEqualTo("DENIED");
            assertThat(call(refused, "PUT", "/namespaces/team/immutable-tags", "{\"patterns\":[]}").statusCode()).isEqualTo(403);
        }
        // nothing changed
        assertThat(ok(call(owner, "GET", "/namespaces/team/immutable-tags", null), 200).path("patterns").toString()).isEqualTo("[\"v*\"]");
        assertThat(ok(call(owner, "GET", "/namespaces/team/retention", null), 200).path("rules").size()).isEqualTo(1);
        // the robot reads
        ok(call(robot, "GET", "/namespaces/team/immutable-tags", null), 200);
        // every namespace's retention is the admins'
        assertThat(call(owner, "GET", "/retention/preview", null).statusCode()).isEqualTo(403);
        assertThat(call(owner, "POST", "/retention/run", null).statusCode()).isEqualTo(403);
        ok(call(f.admin, "GET", "/retention/preview", null), 200);
    }

    @Test
    void anOutsiderCannotTellAPrivateNamespaceFromAMissingOne() {
        String[][] requests = {
                {"GET", "/immutable-tags", null}, {"PUT", "/immutable-tags", "{\"patterns\":[\"x\"]}"},
                {"GET", "/retention", null}, {"PUT", "/retention", "{\"rules\":[]}"}, {"GET", "/retention/preview", null},
                {"POST", "/retention/run", null}, {"GET", "/webhooks", null}, {"POST", "/webhooks", "{\"url\":\"http://127.0.0.1:9/\",\"events\":[\"push\"]}"},
                {"GET", "/webhooks/wh_x", null}, {"DELETE", "/webhooks/wh_x", null}, {"POST", "/webhooks/wh_x/test", null},
                {"GET", "/webhooks/wh_x/deliveries", null}};
        for (String[] r : requests) {
            HttpResponse<byte[]> team = call(outsider, r[0], "/namespaces/team" + r[1], r[2]);
            HttpResponse<byte[]> none = call(outsider, r[0], "/namespaces/nosuchns" + r[1], r[2]);
            assertThat(team.statusCode()).as(r[0] + " " + r[1] + ": " + new String(team.body())).isEqualTo(404);
            assertThat(none.statusCode()).isEqualTo(404);
            assertThat(new String(team.body()).replace("team", "NS")).as(r[0] + " " + r[1]).isEqualTo(new String(none.body()).replace("nosuchns", "NS"));
        }
        assertThat(ok(call(owner, "GET", "/namespaces/team/immutable-tags", null), 200).path("patterns").toString()).doesNotContain("\"x\"");
    }

    @Test
    void aRunDeletesWhatThePreviewListedAndIsAudited() {
        f.namespace("shop", false);
        f.member("shop", "oscar", "owner");
        owner.pushImage("shop/app", "old", "{\"n\":1}".getBytes(), "one".getBytes());
        owner.pushImage("shop/app", "new", "{\"n\":2}".getBytes(), "two".getBytes());
        ok(call(owner, "PUT", "/namespaces/shop/retention", "{\"rules\":[{\"repositories\":[\"shop/app\"],\"keepLast\":1}]}"), 200);
        JsonNode preview = ok(call(owner, "GET", "/namespaces/shop/retention/preview", null), 200);
        assertThat(preview.path("items").size()).isEqualTo(1);
        assertThat(preview.path("items").path(0).path("tag").asText()).isEqualTo("old");
        assertThat(preview.path("items").path(0).path("reason").asText()).contains("not among the 1 most recently pushed");
        assertThat(new String(owner.get("/v2/shop/app/tags/list").body())).contains("\"old\"");

        JsonNode report = ok(call(owner, "POST", "/namespaces/shop/retention/run", null), 200);
        assertThat(report.path("deletedTags").asInt()).isEqualTo(1);
        assertThat(report.path("items").path(0).path("outcome").asText()).isEqualTo("deleted");
        String tags = new String(owner.get("/v2/shop/app/tags/list").body());
        assertThat(tags).contains("\"new\"").doesNotContain("\"old\"");

        ok(call(owner, "PUT", "/namespaces/shop/immutable-tags", "{\"patterns\":[\"new\"]}"), 200);
        JsonNode audit = ok(call(f.admin, "GET", "/audit?actor=oscar&n=100", null), 200);
        assertThat(audit.findValuesAsText("action")).contains("retention.set", "retention.run", "immutable-tags.set");
        assertThat(ok(call(f.admin, "GET", "/audit?action=retention.run&target=shop", null), 200).path(0).path("detail").asText())
                .isEqualTo("deleted 1 tags and 0 untagged manifests");
    }

    @Test
    void aWebhooksSecretIsShownOnceAtItsCreation() {
        f.namespace("hooks", false);
        f.member("hooks", "oscar", "owner");
        f.member("hooks", "rita", "reader");
        JsonNode created = ok(call(owner, "POST", "/namespaces/hooks/webhooks", "{\"url\":\"http://127.0.0.1:9/in\",\"events\":[\"push\"]}"), 201);
        String secret = created.path("secret").asText();
        String id = created.path("id").asText();
        assertThat(secret).startsWith("whsec_");
        String list = new String(call(owner, "GET", "/namespaces/hooks/webhooks", null).body());
        String one = new String(call(owner, "GET", "/namespaces/hooks/webhooks/" + id, null).body());
        assertThat(list).contains(id).doesNotContain(secret).doesNotContain("secret");
        assertThat(one).contains(id).doesNotContain(secret).doesNotContain("secret");
        assertThat(Http.errorCode(call(reader, "DELETE", "/namespaces/hooks/webhooks/" + id, null))).isEqualTo("DENIED");
        ok(call(owner, "GET", "/namespaces/hooks/webhooks/" + id, null), 200);
        ok(call(owner, "DELETE", "/namespaces/hooks/webhooks/" + id, null), 204);
        JsonNode audit = ok(call(f.admin, "GET", "/audit?actor=oscar&target=hooks:" + id, null), 200);
        assertThat(audit.findValuesAsText("action")).containsExactlyInAnyOrder("webhook.create", "webhook.delete");
        assertThat(audit.toString()).doesNotContain(secret);
    }
}
