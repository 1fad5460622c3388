package io.berth.auth;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may do what: every principal × operation × visibility, through real HTTP, once with Basic
 * credentials on the registry API (rights checked live) and once with bearer tokens from the token
 * endpoint (rights intersected at issue time).
 */
class PermissionMatrixTest {
    enum Who { ANONYMOUS, READER, WRITER, MAINTAINER, OWNER, OTHER_USER, ADMIN, ROBOT_IN_SCOPE, ROBOT_OUT_OF_SCOPE }

    enum Op { PULL, PUSH, DELETE, CATALOG, TAGS, REFERRERS, ADMIN_API }

    static TestServer server;
    static AuthFixture f;
    static final Map<Who, String[]> CREDENTIALS = new HashMap<>();
    static final Map<String, String> IMAGE = new HashMap<>();
    static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeAll
    static void setUp() {
        server = TestServer.start();
        f = new AuthFixture(server);
        for (String u : List.of("rita", "wendy", "mike", "olivia", "oscar")) {
            f.user(u);
        }
        for (String ns : List.of("priv", "pub")) {
            f.namespace(ns, ns.equals("pub"));
            f.member(ns, "rita", "reader");
            f.member(ns, "wendy", "writer");
            f.member(ns, "mike", "maintainer");
            f.member(ns, "olivia", "owner");
            IMAGE.put(ns, f.admin.pushImage(ns + "/app", "v1", "{}".getBytes(), ("layer-" + ns).getBytes()));
        }
        CREDENTIALS.put(Who.READER, new String[]{"rita", AuthFixture.PASSWORD});
        CREDENTIALS.put(Who.WRITER, new String[]{"wendy", AuthFixture.PASSWORD});
        CREDENTIALS.put(Who.MAINTAINER, new String[]{"mike", AuthFixture.PASSWORD});
        CREDENTIALS.put(Who.OWNER, new String[]{"olivia", AuthFixture.PASSWORD});
        CREDENTIALS.put(Who.OTHER_USER, new String[]{"oscar", AuthFixture.PASSWORD});
        CREDENTIALS.put(Who.ADMIN, new String[]{"admin", TestServer.ADMIN_PASSWORD});
        // Robots of the writer: one for every namespace (pull, push), one for a namespace that does not matter here.
        CREDENTIALS.put(Who.ROBOT_IN_SCOPE, new String[]{"wendy+ci",
                f.apiToken("wendy", "ci", "[{\"namespace\":\"*\",\"actions\":[\"pull\",\"push\"]}]")});
        CREDENTIALS.put(Who.ROBOT_OUT_OF_SCOPE, new String[]{"wendy+other",
                f.apiToken("wendy", "other", "[{\"namespace\":\"wendy\",\"actions\":[\"pull\",\"push\"]}]")});
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    /** The expected answer: allowed or not. */
    static boolean expected(Who who, Op op, boolean isPublic) {
        boolean readOp = Set.of(Op.PULL, Op.CATALOG, Op.TAGS, Op.REFERRERS).contains(op);
        return switch (who) {
            case ADMIN -> true;
            case ANONYMOUS, OTHER_USER, ROBOT_OUT_OF_SCOPE -> readOp && isPublic;
            case READER -> readOp;
            case WRITER, ROBOT_IN_SCOPE -> readOp || op == Op.PUSH;
            case MAINTAINER -> readOp || op == Op.PUSH || op == Op.DELETE;
            case OWNER -> true;
        };
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String mode : List.of("basic", "bearer")) {
            for (Who who : Who.values()) {
                for (Op op : Op.values()) {
                    for (boolean isPublic : new boolean[]{false, true}) {
                        out.add(Arguments.of(mode, who, op, isPublic ? "pub" : "priv", expected(who, op, isPublic)));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1} {2} in {3} → {4}")
    @MethodSource("cases")
    void matrix(String mode, Who who, Op op, String ns, boolean allowed) {
        String repo = ns + "/app";
        Http client = client(mode, who, op, repo);
        boolean actual = switch (op) {
            case PULL -> ok(client.get("/v2/" + repo + "/manifests/v1"), 200);
            case PUSH -> ok(client.method("POST", "/v2/" + repo + "/blobs/uploads/?digest="
                    + Http.sha256(("blob-" + COUNTER.incrementAndGet()).getBytes()), ("blob-" + COUNTER.get()).getBytes()), 201);
            case DELETE -> {
                String tag = "del-" + COUNTER.incrementAndGet();
                f.admin.pushManifest(repo, tag, "application/vnd.oci.image.manifest.v1+json",
                        f.admin.get("/v2/" + repo + "/manifests/v1").body());
                yield ok(client.method("DELETE", "/v2/" + repo + "/manifests/" + tag, null), 202);
            }
            case CATALOG -> {
                HttpResponse<byte[]> r = client.get("/v2/_catalog");
                yield r.statusCode() == 200 && Http.json(r).path("repositories").toString().contains("\"" + repo + "\"");
            }
            case TAGS -> ok(client.get("/v2/" + repo + "/tags/list"), 200);
            case REFERRERS -> ok(client.get("/v2/" + repo + "/referrers/" + IMAGE.get(ns)), 200);
            case ADMIN_API -> ok(client.method("PATCH", "/api/v1/namespaces/" + ns,
                    ("{\"visibility\":\"" + (ns.equals("pub") ? "public" : "private") + "\"}").getBytes()), 200);
        };
        assertThat(actual).isEqualTo(allowed);
    }

    private static boolean ok(HttpResponse<byte[]> r, int success) {
        if (r.statusCode() == success) {
            return true;
        }
        // A refusal is always one of these, never a 5xx or a wrong success.
        assertThat(r.statusCode()).as(new String(r.body())).isIn(401, 403, 404);
        return false;
    }

    private static Http client(String mode, Who who, Op op, String repo) {
        String[] cred = CREDENTIALS.get(who);
        if (mode.equals("basic") || op == Op.ADMIN_API) {
            return cred == null ? server.anonymous() : f.as(cred[0], cred[1]);
        }
        String scope = switch (op) {
            case CATALOG -> "registry:catalog:*";
            case PUSH -> "repository:" + repo + ":pull,push";
            case DELETE -> "repository:" + repo + ":delete";
            default -> "repository:" + repo + ":pull";
        };
        String token = cred == null ? f.token(null, null, scope) : f.token(cred[0], cred[1], scope);
        return new BearerHttp(server.url(), token);
    }

    /** A client that sends a bearer token. */
    static final class BearerHttp extends Http {
        private final String token;

        BearerHttp(String base, String token) {
            super(base);
            this.token = token;
        }

        @Override
        public java.net.http.HttpRequest.Builder request(String pathOrUrl) {
            return super.request(pathOrUrl).header("Authorization", "Bearer " + token);
        }
    }
}
