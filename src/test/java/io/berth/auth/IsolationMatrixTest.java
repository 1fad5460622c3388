package io.berth.auth;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each caller can see, through real HTTP: (anonymous, a user with no role, reader, writer, a robot
 * token narrower than its owner, admin) × (private, public and pull-through cache namespaces) × (every
 * path that answers with content or existence), with Basic credentials and with bearer tokens fetched
 * the way docker does (follow the challenge's scope). A repository that exists but may not be read
 * must answer exactly as one that does not exist; the cache namespace serves only what its upstream has.
 */
class IsolationMatrixTest {
    enum Who { ANONYMOUS, NO_ROLE, READER, WRITER, ROBOT_NARROW, ADMIN }

    enum Space {
        PRIVATE("priv/app"), PUBLIC("pub/app"), CACHE("hub/lib/app");

        final String repo;

        Space(String repo) {
            this.repo = repo;
        }
    }

    enum Op { MANIFEST_GET_TAG, MANIFEST_HEAD_TAG, MANIFEST_GET_DIGEST, MANIFEST_HEAD_DIGEST, BLOB_GET, BLOB_HEAD, TAGS, REFERRERS, CATALOG, MOUNT }

    static TestServer upstream;
    static TestServer server;
    static AuthFixture f;
    static final Map<Who, String[]> CREDENTIALS = new EnumMap<>(Who.class);
    /** Per space: the image's manifest digest and its layer's digest. */
    static final Map<Space, String[]> IMAGES = new EnumMap<>(Space.class);
    static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeAll
    static void setUp() {
        upstream = TestServer.start();
        Http up = upstream.http();
        assertThat(up.method("POST", "/api/v1/namespaces", "{\"name\":\"lib\",\"visibility\":\"public\"}".getBytes()).statusCode()).isEqualTo(201);
        String upManifest = up.pushImage("lib/app", "v1", "{\"up\":1}".getBytes(), "upstream-layer".getBytes());
        up.pushImage("lib/other", "v1", "{\"up\":2}".getBytes(), "other-upstream-layer".getBytes());

        server = TestServer.startWithConfig("""
                berth:
                  proxy:
                    upstreams:
                      - name: hub
                        url: %s
                        ttl: 1h
                """.formatted(upstream.url()), Map.of());
        f = new AuthFixture(server);
        for (String u : List.of("nora", "rita", "wendy")) {
            f.user(u);
        }
        f.namespace("priv", false);
        f.namespace("pub", true);
        f.namespace("hub", true);
        for (String ns : List.of("priv", "pub")) {
            f.member(ns, "rita", "reader");
            f.member(ns, "wendy", "writer");
            byte[] layer = ("layer-of-" + ns).getBytes();
            String manifest = f.admin.pushImage(ns + "/app", "v1", ("{\"ns\":\"" + ns + "\"}").getBytes(), layer);
            IMAGES.put(ns.equals("priv") ? Space.PRIVATE : Space.PUBLIC, new String[]{manifest, Http.sha256(layer)});
        }
        // The cache holds the upstream's image once someone pulled it.
        assertThat(f.admin.get("/v2/hub/lib/app/manifests/v1").statusCode()).isEqualTo(200);
        String upLayer = Http.sha256("upstream-layer".getBytes());
        assertThat(f.admin.get("/v2/hub/lib/app/blobs/" + upLayer).statusCode()).isEqualTo(200);
        IMAGES.put(Space.CACHE, new String[]{upManifest, upLayer});

        CREDENTIALS.put(Who.NO_ROLE, new String[]{"nora", AuthFixture.PASSWORD});
        CREDENTIALS.put(Who.READER, new String[]{"rita", AuthFixture.PASSWORD});
        CREDENTIALS.put(Who.WRITER, new String[]{"wendy", AuthFixture.PASSWORD});
        CREDENTIALS.put(Who.ROBOT_NARROW, new String[]{"wendy+narrow",
                f.apiToken("wendy", "narrow", "[{\"namespace\":\"wendy\",\"actions\":[\"pull\",\"push\"]}]")});
        CREDENTIALS.put(Who.ADMIN, new String[]{"admin", TestServer.ADMIN_PASSWORD});
    }

    @AfterAll
    static void tearDown() {
        server.close();
        upstream.close();
    }

    static boolean mayRead(Who who, Space space) {
        return switch (who) {
            case ADMIN -> true;
            case READER, WRITER -> true;
            case ANONYMOUS, NO_ROLE, ROBOT_NARROW -> space != Space.PRIVATE;
        };
    }

    /** A repository the caller may push to (the destination of its mounts); null for anonymous. */
    static String ownRepository(Who who) {
        return switch (who) {
            case ANONYMOUS -> null;
            case NO_ROLE -> "nora/dst";
            case READER -> "rita/dst";
            case WRITER, ROBOT_NARROW -> "wendy/dst";
            case ADMIN -> "scratch/dst";
        };
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String mode : List.of("basic", "bearer")) {
            for (Who who : Who.values()) {
                for (Space space : Space.values()) {
                    for (Op op : Op.values()) {
                        if (op == Op.MOUNT && who == Who.ANONYMOUS) {
                            continue;
                        }
                        out.add(Arguments.of(mode, who, space, op, mayRead(who, space)));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1} {3} in {2} → {4}")
    @MethodSource("cases")
    void matrix(String mode, Who who, Space space, Op op, boolean allowed) {
        HttpResponse<byte[]> r = perform(mode, who, op, space.repo, IMAGES.get(space));
        boolean succeeded = switch (op) {
            case CATALOG -> r.statusCode() == 200 && Http.json(r).path("repositories").toString().contains("\"" + space.repo + "\"");
            case MOUNT -> r.statusCode() == 201;
            default -> r.statusCode() == 200;
        };
        if (!succeeded) {
            // A refusal is one of these, never a 5xx; a refused mount is an ordinary upload session.
            List<Integer> refusals = switch (op) {
                case MOUNT -> List.of(202);
                case CATALOG -> List.of(200);
                default -> List.of(401, 403, 404);
            };
            assertThat(r.statusCode()).as(new String(r.body())).isIn(refusals);
        }
        assertThat(succeeded).as("%s %s on %s: %d %s", who, op, space.repo, r.statusCode(), new String(r.body())).isEqualTo(allowed);
    }

    static Stream<Arguments> outsiders() {
        List<Arguments> out = new ArrayList<>();
        for (String mode : List.of("basic", "bearer")) {
            for (Who who : List.of(Who.ANONYMOUS, Who.NO_ROLE, Who.ROBOT_NARROW)) {
                for (Op op : Op.values()) {
                    if (op != Op.CATALOG && !(op == Op.MOUNT && who == Who.ANONYMOUS)) {
                        out.add(Arguments.of(mode, who, op));
                    }
                }
            }
        }
        return out.stream();
    }

    /**
     * To someone who may not read it, a private repository answers exactly as a missing repository of
     * the same namespace and as a repository of a namespace that does not exist: same status, same
     * error code, same challenge (but for the name).
     */
    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("outsiders")
    void aPrivateRepositoryLooksMissing(String mode, Who who, Op op) {
        String[] image = IMAGES.get(Space.PRIVATE);
        HttpResponse<byte[]> existing = perform(mode, who, op, "priv/app", image);
        for (String missing : List.of("priv/missing", "ghost/app")) {
            HttpResponse<byte[]> other = perform(mode, who, op, missing, image);
            assertThat(other.statusCode()).as("%s vs priv/app", missing).isEqualTo(existing.statusCode());
            if (op != Op.MANIFEST_HEAD_TAG && op != Op.MANIFEST_HEAD_DIGEST && op != Op.BLOB_HEAD && op != Op.MOUNT) {
                assertThat(Http.errorCode(other)).isEqualTo(Http.errorCode(existing));
            }
            assertThat(other.headers().firstValue("WWW-Authenticate").map(h -> h.replace(missing, "priv/app")))
                    .isEqualTo(existing.headers().firstValue("WWW-Authenticate"));
        }
    }

    /** The admin API gives an outsider no more than the registry API: a private name looks missing there too. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(value = Who.class, names = {"ANONYMOUS", "NO_ROLE", "ROBOT_NARROW"})
    void theAdminApiShowsAnOutsiderNothingOfAPrivateName(Who who) {
        String[] cred = CREDENTIALS.get(who);
        Http client = cred == null ? server.anonymous() : f.as(cred[0], cred[1]);
        List<List<String>> alike = List.of(
                List.of("/api/v1/repositories/priv/app", "/api/v1/repositories/priv/missing", "/api/v1/repositories/ghost/app"),
                List.of("/api/v1/namespaces/priv", "/api/v1/namespaces/ghost"),
                List.of("/api/v1/namespaces/priv/members", "/api/v1/namespaces/ghost/members"));
        for (List<String> paths : alike) {
            HttpResponse<byte[]> first = client.get(paths.getFirst());
            assertThat(first.statusCode()).as(paths.getFirst()).isIn(401, 403, 404);
            for (String other : paths.subList(1, paths.size())) {
                HttpResponse<byte[]> r = client.get(other);
                assertThat(r.statusCode()).as(other).isEqualTo(first.statusCode());
                assertThat(Http.errorCode(r)).as(other).isEqualTo(Http.errorCode(first));
            }
        }
        for (String listing : List.of("/api/v1/repositories", "/api/v1/namespaces")) {
            HttpResponse<byte[]> r = client.get(listing);
            if (r.statusCode() == 200) {
                assertThat(new String(r.body())).as(listing).doesNotContain("\"priv\"", "priv/");
            } else {
                assertThat(r.statusCode()).isIn(401, 403);
            }
        }
    }

    // --- the pull-through cache namespace -----------------------------------------------------

    @Test
    void theCacheNeverServesABlobItsUpstreamDoesNotHold() {
        String privateLayer = IMAGES.get(Space.PRIVATE)[1];
        double upstreamHeads = upstreamBlobRequests("HEAD");
        for (Http client : List.of(server.anonymous(), f.admin)) {
            for (String repo : List.of("hub/anything", "hub/lib/app", "hub/lib/other")) {
                HttpResponse<byte[]> r = client.get("/v2/" + repo + "/blobs/" + privateLayer);
                assertThat(r.statusCode()).as(repo + ": " + new String(r.body())).isEqualTo(404);
                assertThat(Http.errorCode(r)).isEqualTo("BLOB_UNKNOWN");
                assertThat(client.head("/v2/" + repo + "/blobs/" + privateLayer).statusCode()).isEqualTo(404);
            }
        }
        // The admin may trigger upstream fetches, so the upstream was asked (and said no); anonymous got
        // nothing either way.
        assertThat(upstreamBlobRequests("HEAD") + upstreamBlobRequests("GET")).isGreaterThan(upstreamHeads);
        assertThat(catalog()).doesNotContain("hub/anything").doesNotContain("hub/lib/other");
    }

    @Test
    void aStoredBlobIsLinkedToAnotherCachedRepositoryOnlyWhenItsUpstreamConfirmsIt() {
        String appLayer = IMAGES.get(Space.CACHE)[1];
        // lib/other upstream does not hold lib/app's layer, though the cache stores its bytes.
        assertThat(f.admin.get("/v2/hub/lib/other/blobs/" + appLayer).statusCode()).isEqualTo(404);
        // The upstream pushes the same layer into lib/third: now the cache may serve it there, from its own copy.
        upstream.http().pushImage("lib/third", "v1", "{\"up\":3}".getBytes(), "upstream-layer".getBytes());
        double upstreamGets = upstreamBlobRequests("GET");
        HttpResponse<byte[]> r = f.admin.get("/v2/hub/lib/third/blobs/" + appLayer);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body())).isEqualTo("upstream-layer");
        assertThat(upstreamBlobRequests("GET")).as("confirmed with a HEAD, not fetched again").isEqualTo(upstreamGets);
    }

    @Test
    void aMissNeverCreatesARepository() {
        assertThat(f.admin.get("/v2/hub/lib/nothing/manifests/v1").statusCode()).isEqualTo(404);
        assertThat(server.anonymous().get("/v2/hub/lib/nothing2/blobs/" + Http.sha256("nope".getBytes())).statusCode()).isEqualTo(404);
        assertThat(f.admin.get("/v2/hub/lib/nothing3/blobs/" + Http.sha256("nope".getBytes())).statusCode()).isEqualTo(404);
        assertThat(f.admin.get("/v2/priv/nothing/manifests/v1").statusCode()).isEqualTo(404);
        assertThat(catalog()).noneMatch(n -> n.contains("nothing"));
        HttpResponse<byte[]> listed = f.admin.get("/api/v1/repositories?namespace=hub");
        assertThat(new String(listed.body())).doesNotContain("nothing");
    }

    // --- upload sessions ----------------------------------------------------------------------

    /** An upload session belongs to its repository: its id alone opens nothing elsewhere, whoever asks. */
    @Test
    void anUploadSessionIsReachableOnlyThroughItsOwnRepository() {
        Http wendy = f.as("wendy", AuthFixture.PASSWORD);
        HttpResponse<byte[]> started = wendy.method("POST", "/v2/priv/app/blobs/uploads/", null);
        assertThat(started.statusCode()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();
        String id = location.substring(location.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
        assertThat(wendy.method("PATCH", location, "secret-bytes".getBytes(), "Content-Type", "application/octet-stream").statusCode())
                .isEqualTo(202);

        Http nora = f.as("nora", AuthFixture.PASSWORD);
        // Through her own repository, where she may push: unknown.
        for (String method : List.of("GET", "PATCH", "PUT", "DELETE")) {
            String path = "/v2/nora/dst/blobs/uploads/" + id + (method.equals("PUT") ? "?digest=" + Http.sha256("secret-bytes".getBytes()) : "");
            HttpResponse<byte[]> r = nora.method(method, path, method.equals("PATCH") ? "x".getBytes() : null);
            assertThat(r.statusCode()).as(method + " " + new String(r.body())).isEqualTo(404);
            assertThat(Http.errorCode(r)).isEqualTo("BLOB_UPLOAD_UNKNOWN");
        }
        // Through the session's own repository, where she may not push: denied, as for any id.
        HttpResponse<byte[]> denied = nora.get("/v2/priv/app/blobs/uploads/" + id);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(nora.get("/v2/priv/app/blobs/uploads/" + java.util.UUID.randomUUID()).statusCode()).isEqualTo(403);
        // The session is intact for its owner.
        HttpResponse<byte[]> status = wendy.get(location);
        assertThat(status.statusCode()).isEqualTo(204);
        assertThat(status.headers().firstValue("Range")).hasValue("0-11");
    }

    // --- mounts with token auth ---------------------------------------------------------------

    /** docker and podman ask the token endpoint for what the challenge names: it must name the mount's source. */
    @Test
    void theMountChallengeAsksForPullOnTheSource() {
        String[] image = IMAGES.get(Space.PRIVATE);
        HttpResponse<byte[]> r = server.anonymous().method("POST", "/v2/wendy/m1/blobs/uploads/?mount=" + image[1] + "&from=priv/app", null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("scope=\"repository:wendy/m1:pull,push repository:priv/app:pull\"");

        // A token for the destination alone is sent back for one that also names the source.
        String narrow = f.token("wendy", AuthFixture.PASSWORD, "repository:wendy/m1:pull,push");
        HttpResponse<byte[]> again = new PermissionMatrixTest.BearerHttp(server.url(), narrow)
                .method("POST", "/v2/wendy/m1/blobs/uploads/?mount=" + image[1] + "&from=priv/app", null);
        assertThat(again.statusCode()).isEqualTo(401);
        assertThat(again.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("insufficient_scope")
                .contains("repository:priv/app:pull");
    }

    // --- helpers ------------------------------------------------------------------------------

    private static HttpResponse<byte[]> perform(String mode, Who who, Op op, String repo, String[] image) {
        String path = switch (op) {
            case MANIFEST_GET_TAG, MANIFEST_HEAD_TAG -> "/v2/" + repo + "/manifests/v1";
            case MANIFEST_GET_DIGEST, MANIFEST_HEAD_DIGEST -> "/v2/" + repo + "/manifests/" + image[0];
            case BLOB_GET, BLOB_HEAD -> "/v2/" + repo + "/blobs/" + image[1];
            case TAGS -> "/v2/" + repo + "/tags/list";
            case REFERRERS -> "/v2/" + repo + "/referrers/" + image[0];
            case CATALOG -> "/v2/_catalog?n=1000";
            case MOUNT -> "/v2/" + ownRepository(who) + "-" + COUNTER.incrementAndGet() + "/blobs/uploads/?mount=" + image[1]
                    + "&from=" + URLEncoder.encode(repo, StandardCharsets.UTF_8);
        };
        String method = switch (op) {
            case MANIFEST_HEAD_TAG, MANIFEST_HEAD_DIGEST, BLOB_HEAD -> "HEAD";
            case MOUNT -> "POST";
            default -> "GET";
        };
        String[] cred = CREDENTIALS.get(who);
        if (mode.equals("basic")) {
            Http client = cred == null ? server.anonymous() : f.as(cred[0], cred[1]);
            return client.method(method, path, null);
        }
        // As docker: a token for the operation's own scope first; on a challenge, a token for what it names.
        String scope = switch (op) {
            case CATALOG -> "registry:catalog:*";
            case MOUNT -> "repository:" + path.substring(4, path.indexOf("/blobs/")) + ":pull,push";
            default -> "repository:" + repo + ":pull";
        };
        HttpResponse<byte[]> r = new PermissionMatrixTest.BearerHttp(server.url(), token(cred, scope)).method(method, path, null);
        String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
        Matcher m = Pattern.compile("scope=\"([^\"]*)\"").matcher(challenge);
        if (r.statusCode() == 401 && m.find()) {
            r = new PermissionMatrixTest.BearerHttp(server.url(), token(cred, m.group(1).split(" "))).method(method, path, null);
        }
        return r;
    }

    private static String token(String[] cred, String... scopes) {
        return cred == null ? f.token(null, null, scopes) : f.token(cred[0], cred[1], scopes);
    }

    private static List<String> catalog() {
        List<String> out = new ArrayList<>();
        Http.json(f.admin.get("/v2/_catalog?n=1000")).path("repositories").forEach(n -> out.add(n.asText()));
        return out;
    }

    private static double upstreamBlobRequests(String method) {
        double sum = 0;
        for (String status : List.of("200", "404", "307")) {
            sum += upstream.metric("berth_http_requests_total{method=\"" + method + "\",route=\"blob\",status=\"" + status + "\"}");
        }
        return sum;
    }
}
