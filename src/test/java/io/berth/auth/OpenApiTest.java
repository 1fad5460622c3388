package io.berth.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document at /api/v1/openapi.json holds true, through real HTTP: a table of real requests
 * exercises every documented operation (so every documented route exists) and every request's route is in
 * the document (so every route is documented); each answer's status is a documented one for its operation,
 * and its JSON body validates (JSON Schema 2020-12, as OpenAPI 3.1 uses) against the documented schema.
 */
class OpenApiTest {
    private static final String BASE = "/api/v1";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    static TestServer server;
    static io.berth.testing.Receiver receiver;
    static AuthFixture f;
    static JsonNode doc;
    static SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    @BeforeAll
    static void setUp() {
        server = TestServer.start(Map.of("BERTH_WEBHOOKS_ALLOWPRIVATE", "true")); // the webhook calls reach a Receiver on loopback
        receiver = io.berth.testing.Receiver.start();
        f = new AuthFixture(server);
        HttpResponse<byte[]> r = server.anonymous().get(BASE + "/openapi.json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        doc = Http.json(r);
    }

    @AfterAll
    static void tearDown() {
        server.close();
        receiver.close();
    }

    /** One request of the table: who sends it, and the status this scenario expects. */
    record Call(Http as, String method, String path, String body, int expect) {
    }

    record Operation(String method, String template) {
        @Override
        public String toString() {
            return method.toUpperCase(Locale.ROOT) + " " + template;
        }
    }

    @Test
    void everyRouteIsDocumentedEveryDocumentedRouteExistsAndAnswersMatchTheSchemas() {
        assertThat(doc.path("openapi").asText()).startsWith("3.1.");
        Http admin = f.admin;
        Http anonymous = server.anonymous();
        String pw = AuthFixture.PASSWORD;
        Http olive = f.as("olive", pw);

        List<Call> calls = new ArrayList<>(List.of(
                new Call(anonymous, "GET", "/openapi.json", null, 200),
                new Call(admin, "POST", "/users", "{\"name\":\"olive\",\"password\":\"" + pw + "\"}", 201),
                new Call(admin, "POST", "/users", "{\"name\":\"olive\",\"password\":\"" + pw + "\"}", 409),
                new Call(admin, "POST", "/users", "{not json", 400),
                new Call(admin, "POST", "/users", "{\"name\":\"pete\",\"password\":\"" + pw + "\",\"admin\":false}", 201),
                new Call(admin, "GET", "/users", null, 200),
                new Call(olive, "GET", "/users", null, 403),
                new Call(olive, "GET", "/users/olive", null, 200),
                new Call(admin, "GET", "/users/nobody", null, 404),
                new Call(admin, "PATCH", "/users/pete", "{\"disabled\":true}", 200),
                new Call(olive, "PATCH", "/users/olive", "{\"password\":\"another-pass\"}", 400),
                new Call(admin, "GET", "/me", null, 200),
                new Call(olive, "GET", "/me", null, 200),
                new Call(anonymous, "GET", "/me", null, 401),
                new Call(admin, "POST", "/namespaces", "{\"name\":\"team\",\"visibility\":\"private\"}", 201),
                new Call(admin, "POST", "/namespaces", "{\"name\":\"team\"}", 409),
                new Call(admin, "GET", "/namespaces", null, 200),
                new Call(admin, "GET", "/namespaces/team", null, 200),
                new Call(olive, "GET", "/namespaces/team", null, 404),
                new Call(admin, "PATCH", "/namespaces/team", "{\"visibility\":\"public\"}", 200),
                new Call(admin, "PUT", "/namespaces/team/members/olive", "{\"role\":\"maintainer\"}", 200),
                new Call(admin, "PUT", "/namespaces/team/members/nobody", "{\"role\":\"reader\"}", 404),
                new Call(admin, "GET", "/namespaces/team/members", null, 200),
                new Call(olive, "GET", "/namespaces/team/members", null, 403)));
        Map<Call, HttpResponse<byte[]>> answers = new LinkedHashMap<>();
        run(calls, answers);

        // An image in a repository whose name has slashes, then the repository, token and audit calls.
        assertThat(olive.pushImage("team/app/web", "1.0", "{}".getBytes(), "layer".getBytes())).startsWith("sha256:");
        List<Call> more = new ArrayList<>(List.of(
                new Call(admin, "GET", "/repositories", null, 200),
                new Call(olive, "GET", "/repositories?namespace=team&q=app&n=1", null, 200),
                new Call(admin, "GET", "/repositories?n=1&last=a", null, 200),
                new Call(olive, "GET", "/repositories/team/app/web", null, 200),
                new Call(olive, "GET", "/repositories/team/nothing", null, 404),
                new Call(olive, "PATCH", "/repositories/team/app/web", "{\"description\":\"the web front end\"}", 200),
                new Call(olive, "POST", "/tokens", "{\"name\":\"ci\",\"scopes\":[{\"namespace\":\"team\",\"actions\":[\"pull\"]}],\"expiresInDays\":30}", 201),
                new Call(olive, "POST", "/tokens", "{\"name\":\"wide\",\"scopes\":[{\"namespace\":\"admin\",\"actions\":[\"pull\"]}]}", 403),
                new Call(olive, "GET", "/tokens", null, 200),
                new Call(admin, "GET", "/tokens?all=true", null, 200)));
        run(more, answers);
        calls.addAll(more);
        String tokenId = Http.json(answers.get(more.get(6))).path("id").asText();
        String secret = Http.json(answers.get(more.get(6))).path("token").asText();
        Http robot = f.as("olive+ci", secret);

        // Immutable tags, retention, quotas and webhooks: olive is a maintainer of team (reads, may not change), the robot reads.
        assertThat(olive.pushImage("team/app/web", "0.1", "{\"old\":1}".getBytes(), "old layer".getBytes())).startsWith("sha256:");
        String ns = "/namespaces/team";
        List<Call> lifecycle = new ArrayList<>(List.of(
                new Call(admin, "PUT", ns + "/immutable-tags", "{\"patterns\":[\"v*\",\"stable\"]}", 200),
                new Call(admin, "PUT", ns + "/immutable-tags", "{\"patterns\":\"v*\"}", 400),
                new Call(olive, "PUT", ns + "/immutable-tags", "{\"patterns\":[]}", 403),
                new Call(robot, "PUT", ns + "/immutable-tags", "{\"patterns\":[]}", 403),
                new Call(olive, "GET", ns + "/immutable-tags", null, 200),
                new Call(robot, "GET", ns + "/immutable-tags", null, 200),
                new Call(olive, "GET", "/namespaces/admin/immutable-tags", null, 404),
                new Call(admin, "PUT", ns + "/retention", "{\"rules\":[{\"repositories\":[\"team/app/*\"],\"keepTags\":[\"1.*\"],"
                        + "\"deleteUntagged\":true},{\"keepLast\":100}]}", 200),
                new Call(admin, "PUT", ns + "/retention", "{\"rules\":[{\"keepLast\":0}]}", 400),
                new Call(olive, "PUT", ns + "/retention", "{\"rules\":[]}", 403),
                new Call(olive, "GET", ns + "/retention", null, 200),
                new Call(olive, "GET", "/namespaces/nothing/retention", null, 404),
                new Call(olive, "GET", ns + "/retention/preview", null, 200),
                new Call(olive, "POST", ns + "/retention/run", null, 403),
                new Call(admin, "GET", "/retention/preview", null, 200),
                new Call(olive, "GET", "/retention/preview", null, 403),
                new Call(olive, "POST", "/retention/run", null, 403),
                new Call(admin, "POST", "/retention/run", null, 200),
                new Call(admin, "PUT", ns + "/retention", "{\"rules\":[{\"repositories\":[\"team/app/*\"],\"keepLast\":1}]}", 200),
                new Call(admin, "POST", ns + "/retention/run", null, 200),
                new Call(admin, "POST", ns + "/webhooks", "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"push\",\"retention_run\"]}", 201),
                new Call(admin, "POST", ns + "/webhooks", "{\"url\":\"ftp://example.com/\",\"events\":[\"push\"]}", 400),
                new Call(olive, "POST", ns + "/webhooks", "{\"url\":\"" + receiver.url("/hook") + "\",\"events\":[\"push\"]}", 403),
                new Call(olive, "GET", ns + "/webhooks", null, 403),
                new Call(admin, "GET", ns + "/webhooks", null, 200),
                new Call(admin, "GET", "/notifications/endpoints/nobody/deliveries?limit=10", null, 200),
                new Call(olive, "GET", "/notifications/endpoints/nobody/deliveries", null, 403),
                new Call(admin, "PUT", ns + "/quota", "{\"maxBytes\":1000000000,\"maxTags\":100}", 200),
                new Call(admin, "PUT", ns + "/quota", "{\"maxBytes\":-1}", 400),
                new Call(olive, "PUT", ns + "/quota", "{\"maxBytes\":null}", 403),
                new Call(robot, "PUT", ns + "/quota", "{}", 403),
                new Call(olive, "GET", ns + "/quota", null, 200),
                new Call(robot, "GET", ns + "/quota", null, 200),
                new Call(olive, "GET", "/namespaces/nothing/quota", null, 404),
                new Call(olive, "DELETE", ns + "/quota", null, 403),
                new Call(admin, "DELETE", ns + "/quota", null, 204)));
        run(lifecycle, answers);
        calls.addAll(lifecycle);
        String hookId = Http.json(answers.get(lifecycle.get(20))).path("id").asText();
        String hook = ns + "/webhooks/" + hookId;
        List<Call> hooks = List.of(
                new Call(admin, "GET", hook, null, 200),
                new Call(olive, "GET", hook, null, 403),
                new Call(admin, "GET", ns + "/webhooks/wh_nothing", null, 404),
                new Call(admin, "POST", hook + "/test", null, 200),
                new Call(admin, "GET", hook + "/deliveries?limit=5", null, 200),
                new Call(admin, "GET", hook + "/deliveries?limit=0", null, 400),
                new Call(olive, "DELETE", hook, null, 403),
                new Call(admin, "DELETE", hook, null, 204),
                new Call(admin, "DELETE", hook, null, 404));
        run(hooks, answers);
        calls.addAll(hooks);
        // Repositories created and deleted, garbage collection and the statistics (the rules: MaintenanceApiTest, RepositoryLifecycleApiTest).
        List<Call> maintenance = List.of(
                new Call(olive, "POST", "/repositories", "{\"name\":\"team/made\",\"description\":\"made by hand\"}", 201),
                new Call(olive, "POST", "/repositories", "{\"name\":\"team/made\"}", 409),
                new Call(olive, "POST", "/repositories", "{\"name\":\"team/Upper\"}", 400),
                new Call(olive, "DELETE", "/repositories/team/made", null, 204),
                new Call(olive, "DELETE", "/repositories/team/made", null, 404),
                new Call(admin, "POST", "/gc?wait=true", "{\"dryRun\":true}", 200),
                new Call(admin, "POST", "/gc", "{\"dryRun\":true}", 202),
                new Call(olive, "POST", "/gc", null, 403),
                new Call(admin, "POST", "/gc", "{\"dryRun\":\"yes\"}", 400),
                new Call(admin, "GET", "/gc?limit=5", null, 200),
                new Call(admin, "GET", "/gc?limit=0", null, 400),
                new Call(olive, "GET", "/gc", null, 403),
                new Call(admin, "GET", "/stats", null, 200),
                new Call(olive, "GET", "/stats", null, 200),
                new Call(robot, "GET", "/stats", null, 200),
                new Call(anonymous, "GET", "/stats", null, 401));
        run(maintenance, answers);
        calls.addAll(maintenance);
        server.awaitGcIdle();
        List<Call> last = List.of(
                new Call(robot, "GET", "/me", null, 200),
                new Call(robot, "GET", "/repositories/team/app/web", null, 200),
                new Call(robot, "DELETE", "/tokens/" + tokenId, null, 403),
                new Call(olive, "DELETE", "/tokens/" + tokenId, null, 204),
                new Call(olive, "DELETE", "/tokens/" + tokenId, null, 204), // revoking twice is no error
                new Call(olive, "DELETE", "/tokens/no-such-token", null, 404),
                new Call(admin, "DELETE", "/namespaces/team/members/olive", null, 204),
                new Call(admin, "DELETE", "/namespaces/team/members/olive", null, 404),
                new Call(admin, "DELETE", "/namespaces/team", null, 409),
                new Call(admin, "DELETE", "/namespaces/team?force=maybe", null, 400),
                new Call(admin, "DELETE", "/namespaces/team?force=true", null, 204),
                new Call(admin, "GET", "/audit", null, 200),
                new Call(admin, "GET", "/audit?action=namespace.create&actor=admin&target=team&n=5", null, 200),
                new Call(admin, "GET", "/audit?since=2020-01-01T00:00:00Z&before=1000000&n=2", null, 200),
                new Call(admin, "GET", "/audit?since=yesterday", null, 400),
                new Call(olive, "GET", "/audit", null, 403),
                new Call(admin, "DELETE", "/users/pete", null, 204),
                new Call(admin, "DELETE", "/users/pete", null, 404),
                new Call(admin, "DELETE", "/users/olive?force=true", null, 204));
        run(last, answers);
        calls.addAll(last);

        Set<Operation> documented = documentedOperations();
        Set<Operation> exercised = new LinkedHashSet<>();
        for (Call c : calls) {
            HttpResponse<byte[]> r = answers.get(c);
            String label = c.method + " " + c.path + " → " + r.statusCode() + " " + new String(r.body());
            Optional<Operation> op = operationOf(c.method, c.path);
            assertThat(op).as("documented: " + label).isPresent();
            exercised.add(op.get());
            assertThat(r.statusCode()).as(label).isEqualTo(c.expect);
            if (r.statusCode() == 404) {
                assertThat(Http.json(r).path("errors").path(0).path("message").asText()).as(label).doesNotStartWith("no admin API endpoint");
            }
            JsonNode response = doc.path("paths").path(op.get().template).path(op.get().method).path("responses").path(Integer.toString(r.statusCode()));
            assertThat(response.isMissingNode()).as("status documented for " + op.get() + ": " + label).isFalse();
            response = resolve(response);
            JsonNode schema = response.path("content").path("application/json").path("schema");
            if (schema.isMissingNode()) {
                assertThat(r.body()).as("no body documented: " + label).isEmpty();
                continue;
            }
            assertThat(r.headers().firstValue("Content-Type")).as(label).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
            List<Error> errors = validator(schema).validate(new String(r.body()), InputFormat.JSON);
            assertThat(errors).as("schema of " + op.get() + " " + r.statusCode() + ": " + label).isEmpty();
        }
        assertThat(exercised).as("every documented operation was exercised").containsExactlyInAnyOrderElementsOf(documented);
    }

    /** The check above has teeth: a wrong type, a missing field or an undocumented field fails validation. */
    @Test
    void theSchemasRefuseWhatTheDocumentDoesNotSay() {
        Schema user = validator(ref("User"));
        assertThat(user.validate("{\"name\":\"a\",\"admin\":false,\"disabled\":false,\"created\":\"2026-01-01T00:00:00Z\"}", InputFormat.JSON)).isEmpty();
        assertThat(user.validate("{\"name\":1,\"admin\":false,\"disabled\":false,\"created\":\"2026-01-01T00:00:00Z\"}", InputFormat.JSON)).isNotEmpty();
        assertThat(user.validate("{\"name\":\"a\",\"admin\":false,\"created\":\"2026-01-01T00:00:00Z\"}", InputFormat.JSON)).isNotEmpty();
        assertThat(user.validate("{\"name\":\"a\",\"admin\":false,\"disabled\":false,\"created\":\"2026-01-01T00:00:00Z\",\"password\":\"x\"}", InputFormat.JSON)).isNotEmpty();
        Schema created = validator(ref("NewTokenCreated"));
        assertThat(created.validate("{\"id\":\"1\",\"owner\":\"a\",\"name\":\"ci\",\"scopes\":[],\"created\":\"2026-01-01T00:00:00Z\","
                + "\"expires\":null,\"lastUsed\":null,\"revoked\":false}", InputFormat.JSON)).as("the secret is required").isNotEmpty();
        assertThat(validator(ref("Error")).validate("{\"errors\":[{\"code\":\"DENIED\"}]}", InputFormat.JSON)).isNotEmpty();
    }

    private static JsonNode ref(String component) {
        return Http.JSON.createObjectNode().put("$ref", "#/components/schemas/" + component);
    }

    @Test
    void anUndocumentedPathIsNotFoundAndNotInTheDocument() {
        for (String path : List.of("/nothing", "/namespaces/admin/nothing")) {
            HttpResponse<byte[]> r = f.admin.get(BASE + path);
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(Http.json(r).path("errors").path(0).path("message").asText()).startsWith("no admin API endpoint");
            assertThat(operationOf("GET", path)).isEmpty();
        }
    }

    @Test
    void theDocumentNeedsNoCredentialsAndSaysBearerTokensAreRefused() {
        assertThat(server.anonymous().head(BASE + "/openapi.json").statusCode()).isEqualTo(200);
        assertThat(doc.path("paths").path("/openapi.json").path("get").path("security").isEmpty()).isTrue();
        assertThat(doc.path("components").path("securitySchemes").path("basic").path("scheme").asText()).isEqualTo("basic");
        assertThat(doc.path("components").path("securitySchemes").path("basic").path("description").asText()).contains("Bearer tokens are refused");
        // Everything else still needs a login.
        assertThat(server.anonymous().get(BASE + "/users").statusCode()).isEqualTo(401);
    }

    private static void run(List<Call> calls, Map<Call, HttpResponse<byte[]>> answers) {
        for (Call c : calls) {
            byte[] body = c.body == null ? null : c.body.getBytes();
            answers.put(c, body == null ? c.as.method(c.method, BASE + c.path, null)
                    : c.as.method(c.method, BASE + c.path, body, "Content-Type", "application/json"));
        }
    }

    private static Set<Operation> documentedOperations() {
        Set<Operation> out = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
            path.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m)) {
                    out.add(new Operation(m, path.getKey()));
                }
            });
        }
        return out;
    }

    /**
     * The documented operation a request falls under. A path parameter matches one segment, except a
     * repository name, which may hold slashes (as in the registry's /v2/ names).
     */
    static Optional<Operation> operationOf(String method, String pathAndQuery) {
        String path = URI.create(pathAndQuery).getRawPath();
        for (Operation op : documentedOperations()) {
            if (!op.method.equalsIgnoreCase(method)) {
                continue;
            }
            String regex = Pattern.quote(op.template).replace("{name}", "\\E" + (op.template.startsWith("/repositories/") ? ".+" : "[^/]+") + "\\Q");
            regex = regex.replaceAll("\\{[a-z]+}", "\\\\E[^/]+\\\\Q");
            if (path.matches(regex)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }

    /** A response object, following a $ref to components/responses. */
    private static JsonNode resolve(JsonNode node) {
        return node.has("$ref") ? doc.at(node.path("$ref").asText().substring(1)) : node;
    }

    /** A schema with the document's component schemas beside it (as $defs), so that its $refs resolve. */
    private static Schema validator(JsonNode schema) {
        Function<String, String> refs = s -> s.replace("\"#/components/schemas/", "\"#/$defs/");
        ObjectNode root = Http.JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("$defs", doc.path("components").path("schemas"));
        root.set("allOf", Http.JSON.createArrayNode().add(schema));
        return schemas.getSchema(refs.apply(root.toString()), InputFormat.JSON);
    }
}
