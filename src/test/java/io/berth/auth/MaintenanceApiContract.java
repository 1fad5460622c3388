package io.berth.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.UsageRecount;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.berth.auth.AuthFixture.call;
import static io.berth.auth.AuthFixture.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Garbage collection, the usage statistics and creating and deleting repositories through the admin API, over
 * real HTTP: what an admin's dry run lists and a real run frees (the bytes gone from the data directory), who may
 * NOT collect (anonymous, a user, an admin's API token), what a user who is no admin learns of the statistics
 * (nothing of a namespace they may not read), and who may create and delete a repository (an outsider cannot tell
 * a private repository from a missing one; a name deleted and pushed again starts empty; the counters stay
 * exact). Run on SQLite ({@link MaintenanceApiOnSqliteTest}) and PostgreSQL ({@link MaintenanceApiOnPostgresTest}).
 * The rules are MaintenanceAdmin's and RepositoryAdmin's, which the web UI calls too.
 */
abstract class MaintenanceApiContract {
    static final int GRACE_SECONDS = 2;
    static TestServer server;
    static AuthFixture f;
    static Http mia;   // maintainer of "shared"
    static Http nina;  // reader of "shared"
    static Http otto;  // nobody's member
    static Http adminRobot;
    static Http miaRobot;
    static String jdbcUrl;

    /** Starts the class's server on the database {@code settings} name (none: SQLite in the data directory). */
    static void startServer(Map<String, String> settings, String databaseUrl) {
        Map<String, String> env = new HashMap<>(settings);
        env.put("BERTH_GC_GRACE", GRACE_SECONDS + "s");
        env.put("BERTH_GC_ENABLED", "false"); // the tests collect
        server = TestServer.start(env);
        jdbcUrl = databaseUrl != null ? databaseUrl : "jdbc:sqlite:" + server.dataDir().resolve("berth.db");
        f = new AuthFixture(server);
        for (String u : new String[]{"mia", "nina", "otto"}) {
            f.user(u);
        }
        f.namespace("shared", false);
        f.member("shared", "mia", "maintainer");
        f.member("shared", "nina", "reader");
        f.namespace("secret", false);
        mia = f.as("mia", AuthFixture.PASSWORD);
        nina = f.as("nina", AuthFixture.PASSWORD);
        otto = f.as("otto", AuthFixture.PASSWORD);
        HttpResponse<byte[]> token = call(f.admin, "POST", "/tokens", "{\"name\":\"ops\",\"scopes\":[{\"namespace\":\"shared\",\"actions\":[\"pull\"]}]}");
        adminRobot = f.as("admin+ops", ok(token, 201).path("token").asText());
        miaRobot = f.as("mia+ci", f.apiToken("mia", "ci", "[{\"namespace\":\"shared\",\"actions\":[\"pull\",\"push\",\"delete\"]}]"));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }

    // --- garbage collection -------------------------------------------------------------------

    @Test
    void anAdminsDryRunListsWhatWouldGoAndTheRunThenFreesItsBytes() throws Exception {
        byte[] kept = Http.random(1, 70_000);
        byte[] gone = Http.random(2, 90_000);
        byte[] goneConfig = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"gc\":\"gone\"}".getBytes();
        f.admin.pushImage("gcapi/app", "kept", "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(), kept);
        String goneManifest = f.admin.pushImage("gcapi/app", "gone", goneConfig, gone);
        assertThat(f.admin.method("DELETE", "/v2/gcapi/app/manifests/" + goneManifest, null).statusCode()).isEqualTo(202);
        String goneLayer = Http.sha256(gone);
        Thread.sleep(GRACE_SECONDS * 1000L + 400);

        JsonNode dry = ok(call(f.admin, "POST", "/gc?wait=true", "{\"dryRun\":true}"), 200);
        assertThat(dry.path("running").asBoolean()).isFalse();
        JsonNode last = dry.path("last");
        assertThat(last.path("dryRun").asBoolean()).isTrue();
        assertThat(last.path("trigger").asText()).isEqualTo("api");
        assertThat(last.path("markMs").isIntegralNumber()).as(last.toString()).isTrue();
        List<String> blobs = new ArrayList<>();
        last.path("items").forEach(i -> {
            if (i.path("kind").asText().equals("blob")) {
                blobs.add(i.path("digest").asText() + " " + i.path("size").asLong());
            }
        });
        assertThat(blobs).contains(goneLayer + " " + gone.length, Http.sha256(goneConfig) + " " + goneConfig.length)
                .doesNotContain(Http.sha256(kept) + " " + kept.length);
        assertThat(last.path("bytesFreed").asLong()).isGreaterThanOrEqualTo(gone.length + goneConfig.length);
        assertThat(server.blobFile(goneLayer)).as("a dry run deletes nothing").exists();

        // A real run answers at once; while it runs (it waits out the condemnation delay) another is refused.
        HttpResponse<byte[]> started = call(f.admin, "POST", "/gc", null);
        assertThat(started.statusCode()).as(new String(started.body())).isEqualTo(202);
        assertThat(started.headers().firstValue("Location")).hasValue("/api/v1/gc");
        assertThat(Http.json(started).path("running").asBoolean()).isTrue();
        HttpResponse<byte[]> busy = call(f.admin, "POST", "/gc", "{\"dryRun\":true}");
        assertThat(busy.statusCode()).isEqualTo(409);
        assertThat(Http.errorCode(busy)).isEqualTo("CONFLICT");
        assertThat(Http.json(busy).path("errors").path(0).path("message").asText()).contains("running on ").contains(" since ");
        server.awaitGcIdle();

        JsonNode status = ok(call(f.admin, "GET", "/gc", null), 200);
        assertThat(status.path("running").asBoolean()).isFalse();
        assertThat(status.path("graceSeconds").asLong()).isEqualTo(GRACE_SECONDS);
        assertThat(status.path("schedule").path("enabled").asBoolean()).isFalse();
        assertThat(status.path("last").path("dryRun").asBoolean()).isFalse();
        assertThat(status.path("last").path("blobsSwept").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(status.path("last").path("sweepMs").isIntegralNumber()).isTrue();
        assertThat(server.blobFile(goneLayer)).as("the bytes are gone from the data directory").doesNotExist();
        assertThat(server.blobFile(Http.sha256(kept))).exists();
        JsonNode history = status.path("history");
        assertThat(history.path(0).path("dryRun").asBoolean()).isFalse();
        assertThat(history.path(1).path("dryRun").asBoolean()).isTrue();
        assertThat(history.path(0).path("id").asLong()).isGreaterThan(history.path(1).path("id").asLong());
        assertThat(history.path(0).path("node").asText()).isEqualTo(status.path("last").path("node").asText()).isNotEmpty();
        assertThat(ok(call(f.admin, "GET", "/gc?limit=1", null), 200).path("history").size()).isEqualTo(1);
        assertThat(f.admin.get("/v2/gcapi/app/manifests/kept").statusCode()).isEqualTo(200);

        server.server().access().flushAudit();
        List<String> details = texts(ok(call(f.admin, "GET", "/audit?action=gc.run&actor=admin&n=10", null), 200), "detail");
        assertThat(details).contains("dry run, trigger api", "collection, trigger api");
    }

    @Test
    void nobodyButAnAdminWithAPasswordMayCollect() {
        for (String path : new String[]{"/gc", "/gc?wait=true"}) {
            assertThat(call(server.anonymous(), "POST", path, null).statusCode()).isEqualTo(401);
            assertThat(Http.errorCode(call(nina, "POST", path, null))).isEqualTo("DENIED");
            assertThat(Http.errorCode(call(mia, "POST", path, "{\"dryRun\":true}"))).isEqualTo("DENIED");
            HttpResponse<byte[]> token = call(adminRobot, "POST", path, "{\"dryRun\":true}");
            assertThat(token.statusCode()).isEqualTo(403);
            assertThat(new String(token.body())).contains("API tokens may only read");
        }
        assertThat(call(server.anonymous(), "GET", "/gc", null).statusCode()).isEqualTo(401);
        assertThat(call(nina, "GET", "/gc", null).statusCode()).as("its status and history name every repository").isEqualTo(403);
        assertThat(call(otto, "GET", "/gc", null).statusCode()).isEqualTo(403);
        int runs = server.server().garbageCollector().history(100).size();
        assertThat(Http.errorCode(call(f.admin, "POST", "/gc", "{\"dryRun\":1}"))).isEqualTo("BAD_REQUEST");
        HttpResponse<byte[]> typo = call(f.admin, "POST", "/gc", "{\"dryrun\":true}");
        assertThat(Http.errorCode(typo)).as("a misspelt dry run is no collection").isEqualTo("BAD_REQUEST");
        assertThat(new String(typo.body())).contains("unknown field dryrun");
        assertThat(Http.errorCode(call(f.admin, "POST", "/gc?wait=soon", null))).isEqualTo("BAD_REQUEST");
        assertThat(Http.errorCode(call(f.admin, "GET", "/gc?limit=many", null))).isEqualTo("BAD_REQUEST");
        assertThat(call(f.admin, "DELETE", "/gc", null).statusCode()).isEqualTo(405);
        assertThat(server.server().garbageCollector().history(100)).as("nothing refused ran").hasSize(runs);
    }

    // --- statistics -----------------------------------------------------------------------------

    @Test
    void aUserSeesStatisticsOfWhatTheyMayReadOnly() {
        mia.pushImage("shared/web", "1", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":\"web\"}".getBytes(), Http.random(10, 5_000));
        f.admin.pushImage("secret/vault", "1", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":\"vault\"}".getBytes(),
                Http.random(11, 777_777));
        f.admin.pushImage("secret/vault2", "1", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":\"vault2\"}".getBytes(),
                Http.random(12, 333_333));

        JsonNode all = ok(call(f.admin, "GET", "/stats", null), 200);
        assertThat(texts(all.path("byNamespace"), "namespace")).contains("secret", "shared");
        assertThat(all.has("users") && all.has("apiTokens") && all.has("permissionGrants")).isTrue();
        assertThat(all.path("users").asLong()).isGreaterThanOrEqualTo(4);

        for (Http reader : new Http[]{nina, mia, miaRobot}) {
            String body = new String(call(reader, "GET", "/stats", null).body());
            JsonNode mine = Http.json(call(reader, "GET", "/stats", null));
            assertThat(body).doesNotContain("secret");
            assertThat(texts(mine.path("byNamespace"), "namespace")).contains("shared");
            assertThat(mine.has("users") || mine.has("apiTokens") || mine.has("permissionGrants")).as(body).isFalse();
            // every total is the sum of what the caller may read
            JsonNode shown = mine.path("byNamespace");
            assertThat(mine.path("repositories").asLong()).isEqualTo(sum(shown, "repositories"));
            assertThat(mine.path("tags").asLong()).isEqualTo(sum(shown, "tags"));
            assertThat(mine.path("images").path("total").asLong()).isEqualTo(sum(shown, "images", "total"));
            assertThat(mine.path("storage").path("logicalBytes").asLong()).isEqualTo(sum(shown, "logicalBytes")).isLessThan(333_333);
            assertThat(mine.path("storage").path("physicalBytes").asLong()).isEqualTo(sum(shown, "uniqueBytes"));
            assertThat(mine.path("namespaces").asLong()).isEqualTo(shown.size());
            assertThat(mine.path("activity").path("pushes").asLong()).isEqualTo(sum(shown, "pushes"));
            assertThat(mine.path("repositories").asLong()).isLessThan(all.path("repositories").asLong() - 1);
        }
        JsonNode outsider = ok(call(otto, "GET", "/stats", null), 200);
        assertThat(outsider.path("byNamespace").size()).as("otto reads no namespace (his own holds nothing)").isLessThanOrEqualTo(1);
        assertThat(outsider.path("repositories").asLong()).isZero();
        assertThat(outsider.path("storage").path("logicalBytes").asLong()).isZero();
        assertThat(call(server.anonymous(), "GET", "/stats", null).statusCode()).isEqualTo(401);
        assertThat(call(nina, "POST", "/stats", null).statusCode()).isEqualTo(405);
    }

    // --- repositories ---------------------------------------------------------------------------

    @Test
    void aRepositoryIsCreatedWithThePushRightAndIsAsVisibleAsItsNamespace() {
        JsonNode made = ok(call(mia, "POST", "/repositories", "{\"name\":\"shared/made\",\"description\":\"made by hand\"}"), 201);
        assertThat(made.path("name").asText()).isEqualTo("shared/made");
        assertThat(made.path("description").asText()).isEqualTo("made by hand");
        assertThat(made.path("tags").asLong()).isZero();
        assertThat(ok(call(nina, "GET", "/repositories/shared/made", null), 200).path("description").asText()).isEqualTo("made by hand");
        assertThat(new String(nina.get("/v2/shared/made/tags/list").body())).contains("\"shared/made\"");
        assertThat(call(otto, "GET", "/repositories/shared/made", null).statusCode()).isEqualTo(404);

        assertThat(Http.errorCode(call(mia, "POST", "/repositories", "{\"name\":\"shared/made\"}"))).isEqualTo("CONFLICT");
        assertThat(Http.errorCode(call(mia, "POST", "/repositories", "{\"name\":\"shared/Made\"}"))).isEqualTo("NAME_INVALID");
        assertThat(Http.errorCode(call(mia, "POST", "/repositories", "{\"name\":\"shared//x\"}"))).isEqualTo("NAME_INVALID");
        assertThat(Http.errorCode(call(mia, "POST", "/repositories", "{\"description\":\"x\"}"))).isEqualTo("BAD_REQUEST");
        assertThat(Http.errorCode(call(nina, "POST", "/repositories", "{\"name\":\"shared/mine\"}"))).isEqualTo("DENIED");
        assertThat(Http.errorCode(call(otto, "POST", "/repositories", "{\"name\":\"secret/mine\"}"))).isEqualTo("DENIED");
        assertThat(Http.errorCode(call(miaRobot, "POST", "/repositories", "{\"name\":\"shared/bot\"}"))).isEqualTo("DENIED");
        assertThat(call(server.anonymous(), "POST", "/repositories", "{\"name\":\"shared/anon\"}").statusCode()).isEqualTo(401);
        for (String refused : new String[]{"shared/mine", "secret/mine", "shared/bot", "shared/anon"}) {
            assertThat(call(f.admin, "GET", "/repositories/" + refused, null).statusCode()).as(refused).isEqualTo(404);
        }

        // a first push's rule: a user may make their personal namespace, private, their own
        ok(call(otto, "POST", "/repositories", "{\"name\":\"otto/tools\"}"), 201);
        assertThat(call(nina, "GET", "/repositories/otto/tools", null).statusCode()).isEqualTo(404);
        server.server().access().flushAudit();
        assertThat(texts(ok(call(f.admin, "GET", "/audit?action=repository.create&n=10", null), 200), "target"))
                .contains("shared/made", "otto/tools");
    }

    @Test
    void aRepositoryIsDeletedWithTheDeleteRightAndItsNameStartsEmptyAgain() {
        mia.pushImage("shared/old", "v1", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":\"old1\"}".getBytes(), Http.random(20, 4_000));
        mia.pushImage("shared/old", "v2", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":\"old2\"}".getBytes(), Http.random(21, 4_000));
        f.admin.pushImage("secret/hidden", "v1", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":\"hidden\"}".getBytes(), Http.random(22, 100));

        assertThat(Http.errorCode(call(nina, "DELETE", "/repositories/shared/old", null))).as("a reader").isEqualTo("DENIED");
        assertThat(Http.errorCode(call(miaRobot, "DELETE", "/repositories/shared/old", null))).as("an API token").isEqualTo("DENIED");
        assertThat(call(server.anonymous(), "DELETE", "/repositories/shared/old", null).statusCode()).isEqualTo(401);
        HttpResponse<byte[]> hidden = call(otto, "DELETE", "/repositories/secret/hidden", null);
        HttpResponse<byte[]> missing = call(otto, "DELETE", "/repositories/secret/nothing", null);
        assertThat(hidden.statusCode()).isEqualTo(404);
        assertThat(Http.errorCode(hidden)).isEqualTo("NOT_FOUND");
        assertThat(new String(hidden.body()).replace("hidden", "X")).as("an outsider learns nothing")
                .isEqualTo(new String(missing.body()).replace("nothing", "X"));
        assertThat(f.admin.get("/v2/secret/hidden/tags/list").statusCode()).isEqualTo(200);
        assertThat(nina.get("/v2/shared/old/tags/list").statusCode()).as("nothing deleted by the refusals").isEqualTo(200);

        // an immutable tag stays: deleting its repository would delete it
        ok(call(f.admin, "PUT", "/namespaces/shared/immutable-tags", "{\"patterns\":[\"v2\"]}"), 200);
        HttpResponse<byte[]> immutable = call(mia, "DELETE", "/repositories/shared/old", null);
        assertThat(Http.errorCode(immutable)).isEqualTo("DENIED");
        assertThat(new String(immutable.body())).contains("tag v2 is immutable (rule v2 of namespace shared)");
        assertThat(nina.get("/v2/shared/old/manifests/v1").statusCode()).as("nothing deleted").isEqualTo(200);
        ok(call(f.admin, "PUT", "/namespaces/shared/immutable-tags", "{\"patterns\":[]}"), 200);

        assertThat(call(mia, "DELETE", "/repositories/shared/old", null).statusCode()).isEqualTo(204);
        assertThat(Http.errorCode(call(mia, "DELETE", "/repositories/shared/old", null))).isEqualTo("NOT_FOUND");
        assertThat(Http.errorCode(nina.get("/v2/shared/old/tags/list"))).isEqualTo("NAME_UNKNOWN");
        server.server().access().flushAudit();
        JsonNode audit = ok(call(f.admin, "GET", "/audit?action=repository.delete&target=shared/old", null), 200);
        assertThat(audit.path(0).path("actor").asText()).isEqualTo("mia");
        assertThat(audit.path(0).path("detail").asText()).startsWith("2 tags, 2 manifests, ");

        mia.pushImage("shared/old", "fresh", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":\"fresh\"}".getBytes(), Http.random(23, 1_000));
        JsonNode again = ok(call(nina, "GET", "/repositories/shared/old", null), 200);
        assertThat(again.path("tags").asLong()).as("nothing inherited").isEqualTo(1);
        assertThat(again.path("manifests").asLong()).isEqualTo(1);
        assertThat(again.path("tagNames").toString()).isEqualTo("[\"fresh\"]");
        assertThat(nina.get("/v2/shared/old/manifests/v1").statusCode()).isEqualTo(404);

        ok(call(mia, "POST", "/repositories", "{\"name\":\"shared/empty\"}"), 201); // created empty, counted as a push counts it
        assertThat(((io.berth.metadata.jdbc.JdbcMetadataStore) server.server().metadata()).usageStore().counters()).as("counters equal a recount").isEqualTo(UsageRecount.of(jdbcUrl));
    }

    /** The sum of a field (or a nested one) over an array's objects. */
    static long sum(JsonNode array, String... field) {
        long total = 0;
        for (JsonNode n : array) {
            JsonNode v = n;
            for (String name : field) {
                v = v.path(name);
            }
            total += v.asLong();
        }
        return total;
    }
}
