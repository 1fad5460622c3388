package io.berth.ui;

import io.berth.testing.Browser;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The UI's shell: served beside the APIs without touching them, with strict headers and cacheable assets. */
class WebUiShellTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void pagesCarryAStrictContentSecurityPolicyAndAreNeverFramed() {
        HttpResponse<byte[]> r = server.http().get("/no/such/page");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/html");
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe");
        assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        String html = new String(r.body(), StandardCharsets.UTF_8);
        // Every script is a file of Berth's own: no inline script, no handler attributes.
        assertThat(Pattern.compile("<script(?![^>]*\\ssrc=\"/static/)").matcher(html).find()).isFalse();
        assertThat(Pattern.compile("\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(html).find()).isFalse();
    }

    @Test
    void staticFilesAreVersionedByContentAndCachedForAYear() {
        String html = new String(server.http().get("/").body(), StandardCharsets.UTF_8);
        Matcher css = Pattern.compile("href=\"(/static/berth\\.[0-9a-f]{10}\\.css)\"").matcher(html);
        assertThat(css.find()).as("versioned stylesheet in %s", html).isTrue();
        HttpResponse<byte[]> r = server.http().get(css.group(1));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).contains("public, max-age=31536000, immutable");
        assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/css");
        String etag = r.headers().firstValue("ETag").orElseThrow();
        assertThat(server.http().get(css.group(1), "If-None-Match", etag).statusCode()).isEqualTo(304);
        assertThat(server.http().get("/static/berth.0000000000.css").statusCode()).isEqualTo(404);
    }

    @Test
    void theApisAreUntouchedByTheUi() {
        assertThat(server.http().get("/v2/").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> unknown = server.http().get("/v2/nothing/here/manifests/latest");
        assertThat(unknown.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(unknown.headers().firstValue("Content-Security-Policy")).isEmpty();
        assertThat(Http.json(server.http().get("/api/v1/openapi.json")).path("openapi").asText()).startsWith("3.1");
    }

    @Test
    void aRealBrowserRendersTheShellWithoutAContentSecurityPolicyViolation() {
        try (Browser browser = Browser.start()) {
            browser.driver().get(server.url() + "/no/such/page");
            assertThat(browser.driver().getTitle()).isEqualTo("Not found · Berth");
            assertThat(browser.driver().findElement(By.cssSelector("h1")).getText()).isEqualTo("Not found");
            // The stylesheet applied (it sets the header's flex layout): CSP let our own file in.
            assertThat(browser.driver().findElement(By.cssSelector("header.top")).getCssValue("display")).isEqualTo("flex");
            assertThat(browser.consoleLog()).noneMatch(e -> e.getMessage().contains("Content Security Policy"));
            browser.screenshot("shell-not-found");
        }
    }
}
