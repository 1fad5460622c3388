package io.berth.ui;

import com.sun.net.httpserver.HttpServer;
import io.berth.testing.Browser;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.Upstreams;
import io.berth.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Administration → Upstreams in a real browser: a caching Berth with a real upstream Berth (logged in with a
 * password the page never shows), a hostile upstream whose challenge makes an error out of markup, and a disabled
 * one. An admin sees each with its status, hits, misses and bytes; nobody else reaches the page or its link.
 */
class WebUiUpstreamsTest {
    private static final String UPSTREAM_PASSWORD = "upstream-secret-pw-4711";
    private static final String HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>javascript:alert(3)";
    private static final String PASSWORD = "alice-test-password";
    private static TestServer upstream;
    private static HttpServer hostile;
    private static TestServer cache;
    private static WebClient web;

    @BeforeAll
    static void start() throws Exception {
        upstream = Upstreams.privateBerth(UPSTREAM_PASSWORD);
        Http admin = upstream.http();
        admin.pushImage("team/app", "1", "{\"app\":1}".getBytes(), "app layer".getBytes());

        // Asks for a token at a realm that is markup, not a URL: the cache's error quotes it.
        hostile = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hostile.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + HOSTILE + "\",service=\"evil\"");
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        hostile.start();

        cache = TestServer.startWithConfig(Upstreams.yaml("up", upstream, UPSTREAM_PASSWORD, """
                        ttl: 10m
                      - name: evil
                        url: http://127.0.0.1:%d/
                      - name: paused
                        url: https://registry.example.com/
                        enabled: false
                """.formatted(hostile.getAddress().getPort())), Map.of());
        web = new WebClient(cache.url());
        assertThat(cache.http().method("POST", "/api/v1/users", ("{\"name\":\"alice\",\"password\":\"" + PASSWORD + "\"}")
                .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        cache.close();
        hostile.stop(0);
        upstream.close();
    }

    private static List<String> cells(WebElement row) {
        return row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
    }

    @Test
    void anAdminSeesEachUpstreamWithItsHitsAndItsLastErrorAsText() {
        Http client = cache.http();
        HttpResponse<byte[]> first = client.get("/v2/up/team/app/manifests/1");
        assertThat(first.statusCode()).isEqualTo(200);
        String layer = Http.json(first).path("layers").path(0).path("digest").asText();
        assertThat(client.get("/v2/up/team/app/blobs/" + layer).body()).isEqualTo("app layer".getBytes());
        assertThat(client.get("/v2/up/team/app/manifests/1").statusCode()).as("a hit, within the ttl").isEqualTo(200);
        assertThat(client.get("/v2/evil/x/manifests/1").statusCode()).isNotEqualTo(200);

        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "admin", TestServer.ADMIN_PASSWORD);
            browser.clickAndWait(By.linkText("Administration"));
            browser.clickAndWait(By.linkText("Upstreams"));
            assertThat(d.getCurrentUrl()).endsWith("/admin/upstreams");
            List<WebElement> rows = d.findElements(By.cssSelector("main table.upstreams tbody tr"));
            assertThat(rows).hasSize(3);

            List<String> up = cells(rows.get(0));
            assertThat(up.get(0)).contains("up", upstream.url(), "cached as up/", "tags trusted 10m");
            assertThat(up.get(1)).startsWith("reachable").contains("last answered");
            assertThat(Long.parseLong(up.get(2))).as("hits").isGreaterThanOrEqualTo(1);
            assertThat(Long.parseLong(up.get(3))).as("misses: the manifest and the layer").isEqualTo(2);
            assertThat(up.get(4)).isNotEqualTo("0 B");

            List<String> evil = cells(rows.get(1));
            assertThat(evil.get(1)).startsWith("failing").contains("last error", HOSTILE);
            List<String> paused = cells(rows.get(2));
            assertThat(paused.get(0)).contains("paused", "https://registry.example.com/");
            assertThat(paused.get(1)).isEqualTo("disabled");

            assertThat(d.findElements(By.cssSelector("main script, main img"))).isEmpty();
            assertThat(((Number) d.executeScript("return document.querySelectorAll('[onerror]').length")).intValue()).isZero();
            assertThat(d.findElements(By.cssSelector("a[href^='javascript:']"))).isEmpty();
            assertThat(d.getPageSource()).doesNotContain(UPSTREAM_PASSWORD);
            assertThat(d.getTitle()).as("no dialog opened").endsWith("· Berth");
            browser.screenshots("admin-upstreams");
        }
    }

    @Test
    void nobodyButAnAdminReachesTheUpstreams() {
        String alice = web.login("alice", PASSWORD);
        assertThat(web.page("/", alice)).doesNotContain("href=\"/admin").doesNotContain("/admin/upstreams");
        HttpResponse<String> refused = web.get("/admin/upstreams", alice);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).doesNotContain("127.0.0.1:" + hostile.getAddress().getPort()).doesNotContain("registry.example.com")
                .doesNotContain("reachable");
        HttpResponse<String> anonymous = web.get("/admin/upstreams", null);
        assertThat(anonymous.statusCode()).isEqualTo(303);
        assertThat(anonymous.headers().firstValue("Location")).contains("/login?next=%2Fadmin%2Fupstreams");
        String admin = web.login("admin", TestServer.ADMIN_PASSWORD);
        assertThat(web.page("/admin/upstreams", admin)).doesNotContain(UPSTREAM_PASSWORD).contains("registry.example.com");
        assertThat(web.postWithToken("/admin/upstreams", admin, "/admin/upstreams", "x=1").statusCode()).isEqualTo(404);
    }

    @Test
    void withoutACacheThePageSaysSo() {
        try (TestServer plain = TestServer.start()) {
            WebClient client = new WebClient(plain.url());
            String page = client.page("/admin/upstreams", client.login("admin", TestServer.ADMIN_PASSWORD));
            assertThat(page).contains("No upstream is configured").doesNotContain("<table class=\"upstreams\"");
        }
    }
}
