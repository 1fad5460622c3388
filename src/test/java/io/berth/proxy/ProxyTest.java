package io.berth.proxy;

import io.berth.testing.Http;
import io.berth.testing.Registry2;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pull-through cache against real upstreams on loopback: CNCF distribution (registry:2) and a
 * second Berth with authentication on. Upstream request counts come from the upstream itself.
 */
class ProxyTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private static String upstreamYaml(String name, String url, String ttl, String user, String password) {
        return """
                berth:
                  proxy:
                    upstreams:
                      - name: %s
                        url: %s
                        ttl: %s
                %s""".formatted(name, url, ttl, user == null ? "" : "        username: " + user + "\n        password: " + password + "\n");
    }

    /** An upstream Berth with a private image and a reader account the cache logs in with. */
    private TestServer authenticatedUpstream() {
        TestServer up = keep(TestServer.start());
        Http admin = up.http();
        assertThat(admin.method("POST", "/api/v1/users", "{\"name\":\"mirror\",\"password\":\"mirror-pw\"}".getBytes()).statusCode()).isEqualTo(201);
        assertThat(admin.method("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"visibility\":\"private\"}".getBytes()).statusCode()).isEqualTo(201);
        assertThat(admin.method("PUT", "/api/v1/namespaces/team/members/mirror", "{\"role\":\"reader\"}".getBytes()).statusCode()).isEqualTo(200);
        return up;
    }

    private static double upstreamManifestGets(TestServer up) {
        return up.metric("berth_http_requests_total{method=\"GET\",route=\"manifest\",status=\"200\"}");
    }

    @Test
    void tagsAreTrustedForTheirTtlThenRevalidatedWithOneLoginReused() throws Exception {
        TestServer up = authenticatedUpstream();
        String v1 = up.http().pushImage("team/app", "latest", "{\"v\":1}".getBytes(), "layer-1".getBytes());
        TestServer cache = keep(TestServer.startWithConfig(upstreamYaml("up", up.url(), "2s", "mirror", "mirror-pw"), Map.of()));
        Http client = cache.http();

        HttpResponse<byte[]> first = client.get("/v2/up/team/app/manifests/latest");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(Http.sha256(first.body())).isEqualTo(v1);
        double gets = upstreamManifestGets(up);
        for (int i = 0; i < 5; i++) {
            assertThat(client.get("/v2/up/team/app/manifests/latest").statusCode()).isEqualTo(200);
        }
        assertThat(upstreamManifestGets(up)).as("within the TTL nothing is asked upstream").isEqualTo(gets);

        Thread.sleep(2200);
        assertThat(client.get("/v2/up/team/app/manifests/latest").statusCode()).isEqualTo(200);
        assertThat(up.metric("berth_http_requests_total{method=\"HEAD\",route=\"manifest\",status=\"200\"}"))
                .as("past the TTL: one HEAD to revalidate").isEqualTo(1);
        assertThat(upstreamManifestGets(up)).as("unchanged upstream: no new GET").isEqualTo(gets);

        String v2 = up.http().pushImage("team/app", "latest", "{\"v\":2}".getBytes(), "layer-2".getBytes());
        Thread.sleep(2200);
        HttpResponse<byte[]> changed = client.get("/v2/up/team/app/manifests/latest");
        assertThat(Http.sha256(changed.body())).isEqualTo(v2);
        // The layer comes through the cache, byte for byte.
        String layer = Http.json(changed).path("layers").path(0).path("digest").asText();
        assertThat(client.get("/v2/up/team/app/blobs/" + layer).body()).isEqualTo("layer-2".getBytes());

        // One login per token lifetime, not one per pull.
        up.server().access().flushAudit();
        HttpResponse<byte[]> tokens = up.http().get("/api/v1/audit?actor=mirror&action=token&n=100");
        assertThat(Http.json(tokens).size()).isLessThanOrEqualTo(2);
        assertThat(cache.metric("berth_proxy_revalidations_total")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void cachedContentIsServedWhenTheUpstreamIsDown() {
        Registry2 up = keep(Registry2.start());
        String digest = up.http().pushImage("team/tool", "1", "{}".getBytes(), "tool-layer".getBytes());
        TestServer cache = keep(TestServer.startWithConfig(upstreamYaml("r2", up.url(), "1ms", null, null), Map.of()));
        Http client = cache.http();
        HttpResponse<byte[]> m = client.get("/v2/r2/team/tool/manifests/1");
        assertThat(m.statusCode()).isEqualTo(200);
        String layer = Http.json(m).path("layers").path(0).path("digest").asText();
        assertThat(client.get("/v2/r2/team/tool/blobs/" + layer).body()).isEqualTo("tool-layer".getBytes());

        up.stop();
        HttpResponse<byte[]> stale = client.get("/v2/r2/team/tool/manifests/1");
        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(Http.sha256(stale.body())).isEqualTo(digest);
        assertThat(client.get("/v2/r2/team/tool/manifests/" + digest).statusCode()).isEqualTo(200);
        assertThat(client.get("/v2/r2/team/tool/blobs/" + layer).body()).isEqualTo("tool-layer".getBytes());
        assertThat(cache.metric("berth_proxy_stale_served_total")).isGreaterThanOrEqualTo(1);
        // Nothing cached and the upstream down: the spec's error, not a hang or a 500.
        HttpResponse<byte[]> never = client.get("/v2/r2/team/other/manifests/1");
        assertThat(never.statusCode()).isEqualTo(503);
        assertThat(Http.errorCode(never)).isEqualTo("UNAVAILABLE");
    }

    @Test
    void unknownUpstreamContentIsMappedToTheSpecsCodes() {
        Registry2 up = keep(Registry2.start());
        TestServer cache = keep(TestServer.startWithConfig(upstreamYaml("r2", up.url(), "5m", null, null), Map.of()));
        HttpResponse<byte[]> r = cache.http().get("/v2/r2/nothing/here/manifests/latest");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(Http.errorCode(r)).isEqualTo("MANIFEST_UNKNOWN");
        HttpResponse<byte[]> b = cache.http().get("/v2/r2/nothing/here/blobs/" + Http.sha256("x".getBytes()));
        assertThat(b.statusCode()).isEqualTo(404);
        assertThat(Http.errorCode(b)).isEqualTo("BLOB_UNKNOWN");
    }

    @Test
    void sixteenColdPullsOfOneBlobMakeOneUpstreamFetch() throws Exception {
        TestServer up = authenticatedUpstream();
        byte[] big = new byte[64 * 1024 * 1024];
        new Random(1).nextBytes(big);
        up.http().pushImage("team/big", "1", "{}".getBytes(), big);
        String digest = Http.sha256(big);
        TestServer cache = keep(TestServer.startWithConfig(upstreamYaml("up", up.url(), "5m", "mirror", "mirror-pw"), Map.of()));
        double before = up.metric("berth_http_requests_total{method=\"GET\",route=\"blob\",status=\"200\"}");
        CyclicBarrier together = new CyclicBarrier(16);
        List<Future<String>> pulls = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) {
                int n = i;
                pulls.add(pool.submit(() -> {
                    together.await();
                    if (n == 0) {
                        // One client gives up early: the fill goes on for the others.
                        try (var in = new java.net.URI(cache.url() + "/v2/up/team/big/blobs/" + digest).toURL().openStream()) {
                            return "abandoned";
                        } catch (java.io.IOException expected) {
                            return "abandoned";
                        }
                    }
                    return Http.sha256(cache.http().get("/v2/up/team/big/blobs/" + digest).body());
                }));
            }
            for (Future<String> f : pulls) {
                String got = f.get();
                if (!got.equals("abandoned")) {
                    assertThat(got).isEqualTo(digest);
                }
            }
        }
        assertThat(up.metric("berth_http_requests_total{method=\"GET\",route=\"blob\",status=\"200\"}") - before).isEqualTo(1);
        // Now cached: served with no upstream request at all.
        assertThat(Http.sha256(cache.http().get("/v2/up/team/big/blobs/" + digest).body())).isEqualTo(digest);
        assertThat(up.metric("berth_http_requests_total{method=\"GET\",route=\"blob\",status=\"200\"}") - before).isEqualTo(1);
    }

    @Test
    void cachedRepositoriesAreReadOnlyAndOthersStayWritable() {
        Registry2 up = keep(Registry2.start());
        up.http().pushImage("team/tool", "1", "{}".getBytes(), "l".getBytes());
        TestServer cache = keep(TestServer.startWithConfig(upstreamYaml("r2", up.url(), "5m", null, null), Map.of()));
        HttpResponse<byte[]> push = cache.http().method("POST", "/v2/r2/team/tool/blobs/uploads/", null);
        assertThat(push.statusCode()).isEqualTo(403);
        assertThat(Http.errorCode(push)).isEqualTo("DENIED");
        assertThat(Http.json(push).path("errors").path(0).path("message").asText()).contains("read-only cache");
        assertThat(cache.http().pushImage("local/app", "1", "{}".getBytes(), "l".getBytes())).startsWith("sha256:");
        // Nor can the admin API create a repository in the cache's namespace, as a push cannot.
        HttpResponse<byte[]> create = cache.http().method("POST", "/api/v1/repositories", "{\"name\":\"r2/team/made\"}".getBytes());
        assertThat(Http.errorCode(create)).isEqualTo("DENIED");
        assertThat(new String(create.body())).contains("read-only cache");
        assertThat(cache.http().method("POST", "/api/v1/repositories", "{\"name\":\"local/made\"}".getBytes()).statusCode()).isEqualTo(201);
        // The ns= parameter (a mirror request for that upstream's host) maps into the cache namespace.
        assertThat(cache.http().get("/v2/team/tool/manifests/1?ns=" + up.host()).statusCode()).isEqualTo(200);
        // Listings show where a cached repository comes from.
        assertThat(Http.json(cache.http().get("/api/v1/repositories/r2/team/tool")).path("upstream").asText()).startsWith(up.url());
    }

    @Test
    void onlyWritersMayTriggerUpstreamFetchesWhenSoConfigured() {
        Registry2 up = keep(Registry2.start());
        String digest = up.http().pushImage("team/tool", "1", "{}".getBytes(), "l".getBytes());
        TestServer cache = keep(TestServer.startWithConfig(upstreamYaml("r2", up.url(), "5m", null, null)
                + "        fetchers: writers\n", Map.of()));
        Http admin = cache.http();
        admin.method("POST", "/api/v1/users", "{\"name\":\"reader\",\"password\":\"reader-pw\"}".getBytes());
        admin.method("POST", "/api/v1/namespaces", "{\"name\":\"r2\",\"visibility\":\"private\"}".getBytes());
        admin.method("PUT", "/api/v1/namespaces/r2/members/reader", "{\"role\":\"reader\"}".getBytes());
        Http reader = new Http(cache.url(), "reader", "reader-pw");
        HttpResponse<byte[]> cold = reader.get("/v2/r2/team/tool/manifests/1");
        assertThat(cold.statusCode()).isEqualTo(404);
        assertThat(Http.json(cold).path("errors").path(0).path("message").asText()).contains("only those who may push");
        assertThat(admin.get("/v2/r2/team/tool/manifests/1").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> warm = reader.get("/v2/r2/team/tool/manifests/1");
        assertThat(warm.statusCode()).isEqualTo(200);
        assertThat(Http.sha256(warm.body())).isEqualTo(digest);

        // Listing tags asks the upstream too, so a reader lists what the cache holds; a writer sees the upstream's.
        up.http().pushImage("team/tool", "2", "{}".getBytes(), "l".getBytes());
        assertThat(Http.json(reader.get("/v2/r2/team/tool/tags/list")).path("tags").toString()).isEqualTo("[\"1\"]");
        assertThat(Http.json(admin.get("/v2/r2/team/tool/tags/list")).path("tags").toString()).isEqualTo("[\"1\",\"2\"]");
    }

    @Test
    void aBlobWhoseBytesDoNotMatchItsDigestIsNeverCached() throws Exception {
        Registry2 up = keep(Registry2.start());
        byte[] layer = "genuine layer bytes".getBytes();
        up.http().pushImage("team/tool", "1", "{}".getBytes(), layer);
        String digest = Http.sha256(layer);
        // The upstream's disk goes bad: it serves other bytes under the same digest (same length).
        java.nio.file.Files.write(up.blobFile(digest), "damaged layer bytes".getBytes());
        TestServer cache = keep(TestServer.startWithConfig(upstreamYaml("r2", up.url(), "5m", null, null), Map.of()));
        try {
            HttpResponse<byte[]> r = cache.http().get("/v2/r2/team/tool/blobs/" + digest);
            // The client sees a failure (an error or a cut connection), never the wrong bytes as the blob.
            assertThat(r.statusCode() != 200 || !Http.sha256(r.body()).equals(digest) ? "failed" : "served").isEqualTo("failed");
        } catch (RuntimeException cut) {
            // the connection was cut mid-body: the right answer to a fill that failed verification
        }
        assertThat(cache.metric("berth_proxy_upstream_errors_total")).isGreaterThanOrEqualTo(1);
        // Nothing was stored: once the upstream is healthy again the genuine bytes come through.
        java.nio.file.Files.write(up.blobFile(digest), layer);
        assertThat(cache.http().get("/v2/r2/team/tool/blobs/" + digest).body()).isEqualTo(layer);
    }

    @Test
    void basicAuthUpstreamLikeRegistry2WithHtpasswd() {
        String hash = at.favre.lib.crypto.bcrypt.BCrypt.with(at.favre.lib.crypto.bcrypt.BCrypt.Version.VERSION_2Y)
                .hashToString(5, "r2-secret".toCharArray());
        Registry2 up = keep(Registry2.start("puller:" + hash + "\n"));
        Http upstreamClient = new Http(up.url(), "puller", "r2-secret");
        String digest = upstreamClient.pushImage("team/private", "1", "{}".getBytes(), "secret layer".getBytes());
        TestServer cache = keep(TestServer.startWithConfig(upstreamYaml("r2", up.url(), "5m", "puller", "r2-secret"), Map.of()));
        HttpResponse<byte[]> r = cache.http().get("/v2/r2/team/private/manifests/1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Http.sha256(r.body())).isEqualTo(digest);
        // Wrong credentials: the upstream's refusal is reported as such, not as a crash.
        TestServer wrong = keep(TestServer.startWithConfig(upstreamYaml("r2", up.url(), "5m", "puller", "nope"), Map.of()));
        HttpResponse<byte[]> denied = wrong.http().get("/v2/r2/team/private/manifests/1");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(Http.json(denied).path("errors").path(0).path("message").asText()).contains("upstream credentials");
    }

    @Test
    void registry2StyleMirrorOfOneUpstreamAtTheRoot() {
        Registry2 up = keep(Registry2.start());
        String digest = up.http().pushImage("library/hello", "latest", "{}".getBytes(), "hello".getBytes());
        TestServer mirror = keep(TestServer.start(Map.of("REGISTRY_PROXY_REMOTEURL", up.url())));
        HttpResponse<byte[]> r = mirror.http().get("/v2/library/hello/manifests/latest");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Http.sha256(r.body())).isEqualTo(digest);
        assertThat(mirror.http().method("POST", "/v2/library/hello/blobs/uploads/", null).statusCode()).isEqualTo(403);
    }

    /** A Berth upstream holding library/hello in a public namespace, as Docker Hub serves it to anyone. */
    private TestServer publicUpstream() {
        TestServer up = keep(TestServer.start());
        assertThat(up.http().method("POST", "/api/v1/namespaces", "{\"name\":\"library\",\"visibility\":\"public\"}".getBytes())
                .statusCode()).isEqualTo(201);
        up.http().pushImage("library/hello", "latest", "{}".getBytes(), "hello-layer".getBytes());
        return up;
    }

    @Test
    void aMirrorAnswersAnonymousPullsAsRegistry2DoesSoDockerRegistryMirrorsWork() {
        TestServer up = publicUpstream();
        TestServer mirror = keep(TestServer.start(Map.of("REGISTRY_PROXY_REMOTEURL", up.url())));
        Http anonymous = mirror.anonymous();
        // docker's flow: /v2/ challenges, an anonymous token is fetched, the pull goes with it.
        HttpResponse<byte[]> ping = anonymous.get("/v2/");
        assertThat(ping.statusCode()).isEqualTo(401);
        assertThat(ping.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer ");
        HttpResponse<byte[]> token = anonymous.get("/auth/token?service=berth&scope=repository:library/hello:pull");
        assertThat(token.statusCode()).isEqualTo(200);
        String bearer = "Bearer " + Http.json(token).path("token").asText();
        HttpResponse<byte[]> manifest = anonymous.get("/v2/library/hello/manifests/latest", "Authorization", bearer);
        assertThat(manifest.statusCode()).as(new String(manifest.body())).isEqualTo(200);
        String layer = Http.sha256("hello-layer".getBytes());
        assertThat(anonymous.get("/v2/library/hello/blobs/" + layer, "Authorization", bearer).body()).isEqualTo("hello-layer".getBytes());
        // Without any token too, as registry:2 answers.
        assertThat(anonymous.get("/v2/library/hello/manifests/latest").statusCode()).isEqualTo(200);
        assertThat(anonymous.method("POST", "/v2/library/hello/blobs/uploads/", null).statusCode()).isEqualTo(401);
        // A push someone may attempt is refused, and does not leave a (private) namespace that would end anonymous pulls.
        assertThat(mirror.http().method("POST", "/v2/library/hello/blobs/uploads/", null).statusCode()).isEqualTo(403);
        assertThat(anonymous.get("/v2/library/hello/manifests/latest").statusCode()).isEqualTo(200);
    }

    @Test
    void aPrivateMirrorWantsALogin() {
        TestServer up = publicUpstream();
        TestServer mirror = keep(TestServer.start(Map.of("REGISTRY_PROXY_REMOTEURL", up.url(), "BERTH_PROXY_PRIVATE", "true")));
        assertThat(mirror.anonymous().get("/v2/library/hello/manifests/latest").statusCode()).isEqualTo(401);
        HttpResponse<byte[]> token = mirror.anonymous().get("/auth/token?service=berth&scope=repository:library/hello:pull");
        HttpResponse<byte[]> withToken = mirror.anonymous().get("/v2/library/hello/manifests/latest",
                "Authorization", "Bearer " + Http.json(token).path("token").asText());
        assertThat(withToken.statusCode()).isIn(401, 403);
        assertThat(mirror.http().get("/v2/library/hello/manifests/latest").statusCode()).isEqualTo(200);
    }

    @Test
    void aMirrorWithHtpasswdAuthWantsALoginAsRegistry2Does(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TestServer up = publicUpstream();
        java.nio.file.Path htpasswd = dir.resolve("htpasswd");
        java.nio.file.Files.writeString(htpasswd, "puller:" + at.favre.lib.crypto.bcrypt.BCrypt.with(at.favre.lib.crypto.bcrypt.BCrypt.Version.VERSION_2Y)
                .hashToString(4, "pull-pw".toCharArray()) + "\n");
        TestServer mirror = keep(TestServer.start(Map.of("REGISTRY_PROXY_REMOTEURL", up.url(),
                "REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString(), "BERTH_ADMIN_PASSWORD", "")));
        assertThat(mirror.anonymous().get("/v2/library/hello/manifests/latest").statusCode()).isEqualTo(401);
        assertThat(new Http(mirror.url(), "puller", "pull-pw").get("/v2/library/hello/manifests/latest").statusCode()).isEqualTo(200);
    }
}
