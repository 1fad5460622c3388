package io.berth.ui;

import io.berth.testing.Browser;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logging in, browsing, searching and deleting a tag in a real browser, and what the same pages show
 * (nothing private) to someone logged out, to another user, or to a forged request.
 */
class WebUiBrowseTest {
    private static final String PASSWORD = "alice-password-1";
    private static TestServer server;
    private static WebClient web;
    private static String layerDigest;
    private static String imageDigest;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        web = new WebClient(server.url());
        Http admin = server.http();
        for (String user : new String[]{"alice", "mallory"}) {
            assertThat(admin.method("POST", "/api/v1/users", ("{\"name\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}")
                    .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
        }
        Http alice = new Http(server.url(), "alice", PASSWORD);
        byte[] layer = "alice's private layer".getBytes(StandardCharsets.UTF_8);
        layerDigest = Http.sha256(layer);
        imageDigest = alice.pushImage("alice/app", "v1", "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(), layer);
        alice.pushImage("alice/app", "v2", "{}".getBytes(), "another layer".getBytes());
        alice.pushImage("alice/app", "keep", "{}".getBytes(), "kept layer".getBytes());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aUserLogsInBrowsesSearchesByDigestCopiesThePullCommandAndDeletesATag() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            d.get(server.url() + "/r/alice/app");
            // A private repository is not found for nobody; logging in shows it.
            assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("Not found");
            logIn(d, "alice");
            d.get(server.url() + "/repositories");
            assertThat(d.findElement(By.linkText("alice/app")).isDisplayed()).isTrue();
            browser.clickAndWait(By.linkText("alice/app"));
            assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("alice/app");
            assertThat(d.findElements(By.cssSelector("tbody tr"))).hasSize(3);
            WebElement copy = d.findElement(By.cssSelector("button[data-copy^='podman pull']"));
            assertThat(copy.getAttribute("data-copy")).isEqualTo("podman pull " + URI.create(server.url()).getAuthority() + "/alice/app:keep");
            browser.screenshot("repository");

            d.get(server.url() + "/search?q=" + layerDigest);
            assertThat(d.findElement(By.cssSelector("main table")).getText()).contains("alice/app", "v1", "blob");
            browser.screenshot("search-digest");

            d.get(server.url() + "/r/alice/app");
            d.findElement(By.cssSelector("form[action='/r/alice/app/tags/v2/delete'] button")).click();
            d.switchTo().alert().accept(); // the confirmation says what deleting frees
            assertThat(browser.flash("Tag v2 deleted.")).isEqualTo("Tag v2 deleted.");
            assertThat(server.http().get("/v2/alice/app/manifests/v2").statusCode()).isEqualTo(404);
            assertThat(server.http().get("/v2/alice/app/manifests/v1").statusCode()).isEqualTo(200);
            assertThat(browser.consoleLog()).noneMatch(e -> e.getMessage().contains("Content Security Policy"));

            browser.clickAndWait(By.cssSelector("form[action='/logout'] button"));
            d.get(server.url() + "/r/alice/app");
            assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("Not found");
        }
    }

    @Test
    void anotherUserAndNobodyLearnNothingOfAPrivateRepository() {
        String mallory = login("mallory");
        for (String cookie : new String[]{null, mallory}) {
            String list = page("/repositories", cookie);
            String search = page("/search?q=app", cookie);
            String digest = page("/search?q=" + layerDigest, cookie);
            assertThat(list + search + digest).doesNotContain("alice/app");
            // Missing and private look the same.
            assertThat(page("/r/alice/app", cookie)).isEqualTo(page("/r/alice/nothing", cookie).replace("alice/nothing", "alice/app"));
        }
        assertThat(page("/r/alice/app/m/" + imageDigest, mallory)).doesNotContain(layerDigest);
    }

    @Test
    void aChangeWithoutTheSessionsTokenOrFromAnotherSiteIsRefused() {
        String alice = login("alice");
        HttpResponse<String> noToken = post("/r/alice/app/tags/keep/delete", alice, "", null);
        assertThat(noToken.statusCode()).isEqualTo(403);
        String token = csrfOf(page("/r/alice/app", alice));
        HttpResponse<String> otherSite = post("/r/alice/app/tags/keep/delete", alice, "csrf=" + token, "https://evil.example");
        assertThat(otherSite.statusCode()).isEqualTo(403);
        HttpResponse<String> wrongSession = post("/r/alice/app/tags/keep/delete", login("mallory"), "csrf=" + token, null);
        assertThat(wrongSession.statusCode()).isEqualTo(403);
        assertThat(server.http().get("/v2/alice/app/manifests/keep").statusCode()).isEqualTo(200);
        // The session cookie is not a registry token, nor the other way round.
        assertThat(new Http(server.url()).get("/v2/alice/app/tags/list", "Authorization", "Bearer " + alice).statusCode()).isEqualTo(401);
    }

    @Test
    void aDisabledUsersSessionStopsAtOnce() throws Exception {
        assertThat(server.http().method("POST", "/api/v1/users", ("{\"name\":\"bob\",\"password\":\"" + PASSWORD + "\"}")
                .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
        String bob = login("bob");
        assertThat(page("/", bob)).contains("bob");
        assertThat(server.http().method("PATCH", "/api/v1/users/bob", "{\"disabled\":true}".getBytes()).statusCode()).isEqualTo(200);
        assertThat(page("/", bob)).doesNotContain(">bob<").contains("Log in");
    }

    private static void logIn(ChromeDriver d, String user) {
        web.logIn(d, user, PASSWORD);
        assertThat(d.manage().getCookieNamed("berth_session")).extracting(Cookie::isHttpOnly).isEqualTo(true);
    }

    // --- plain HTTP, as an attacker's script would send it ----------------------------------------

    private static String login(String user) {
        return web.login(user, PASSWORD);
    }

    private static String page(String path, String session) {
        return web.page(path, session);
    }

    private static HttpResponse<String> post(String path, String session, String form, String origin) {
        return web.post(path, session, form, origin);
    }

    private static String csrfOf(String html) {
        return WebClient.csrfOf(html);
    }
}
