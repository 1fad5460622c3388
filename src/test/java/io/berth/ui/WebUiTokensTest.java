package io.berth.ui;

import io.berth.testing.Browser;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * API tokens in a real browser: one is created with a scope, its secret is shown once and logs in as docker
 * login would (Basic on /v2/) until it is revoked; a session logged in with a token only looks; a token never
 * holds more than its creator.
 */
class WebUiTokensTest {
    private static final String PASSWORD = "token-test-password";
    private static TestServer server;
    private static WebClient web;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        web = new WebClient(server.url());
        for (String user : new String[]{"alice", "bob", "tess"}) {
            assertThat(server.http().method("POST", "/api/v1/users", ("{\"name\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}")
                    .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
        }
        new Http(server.url(), "alice", PASSWORD).pushImage("alice/app", "v1", "{}".getBytes(), "alice layer".getBytes());
        new Http(server.url(), "tess", PASSWORD).pushImage("tess/app", "v1", "{}".getBytes(), "tess layer".getBytes());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aTokenIsShownOnceLogsInLikeDockerLoginAndStopsWhenRevoked() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "tess", PASSWORD); // tess has no token but this one: the other tests make theirs as alice and bob
            browser.clickAndWait(By.linkText("API tokens"));
            assertThat(d.findElement(By.tagName("main")).getText()).contains("You have no API tokens yet.");
            d.findElement(By.id("token-name")).sendKeys("ci");
            d.findElement(By.cssSelector("input[aria-label='pull in tess']")).click();
            d.findElement(By.id("token-days")).sendKeys("30");
            browser.screenshots("tokens-form");
            browser.clickAndWait(By.cssSelector("form[action='/tokens'] button[type=submit]"));

            assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("Token ci created");
            String secret = d.findElement(By.id("secret")).getText();
            assertThat(secret).startsWith("berth_");
            assertThat(d.findElement(By.cssSelector("button[data-copy^='berth_']")).getAttribute("data-copy")).isEqualTo(secret);
            assertThat(d.findElement(By.cssSelector("button[data-copy^='docker login']")).getAttribute("data-copy"))
                    .isEqualTo("docker login " + server.host() + " -u tess+ci");
            browser.screenshots("token-created");

            // docker login sends the token as a Basic password: it pulls within its scope, nothing more.
            Http token = new Http(server.url(), "tess+ci", secret);
            assertThat(token.get("/v2/").statusCode()).isEqualTo(200);
            assertThat(token.get("/v2/tess/app/manifests/v1").statusCode()).isEqualTo(200);
            assertThat(token.method("DELETE", "/v2/tess/app/manifests/v1", null).statusCode()).isIn(401, 403);

            d.get(server.url() + "/tokens");
            assertThat(d.getPageSource()).doesNotContain(secret);
            // Expires in the 30 days asked; last used just now, by the pulls above.
            assertThat(d.findElement(By.cssSelector("main table")).getText()).contains("ci", "tess: pull",
                    java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(30).toString()).doesNotContain("never");
            browser.screenshots("tokens");
            d.findElement(By.cssSelector("form[action$='/revoke'] button")).click();
            Alert ask = d.switchTo().alert();
            assertThat(ask.getText()).startsWith("Revoke token ci?");
            ask.accept();
            assertThat(browser.flash("Token revoked: it no longer logs in.")).isEqualTo("Token revoked: it no longer logs in.");
            assertThat(d.findElement(By.cssSelector("main table")).getText()).contains("revoked");
            assertThat(d.findElements(By.cssSelector("form[action$='/revoke']"))).isEmpty();
            assertThat(token.get("/v2/tess/app/manifests/v1").statusCode()).isEqualTo(401);
            assertThat(browser.consoleLog()).noneMatch(e -> e.getMessage().contains("Content Security Policy"));
        }
    }

    @Test
    void aSessionLoggedInWithATokenOnlyLooks() {
        String alice = web.login("alice", PASSWORD);
        String secret = createToken(alice, "reader", "ns1=alice&pull1=on&push1=on&delete1=on");
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "alice+reader", secret);
            d.get(server.url() + "/r/alice/app");
            assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("alice/app");
            assertThat(d.findElements(By.linkText("API tokens"))).as("no token pages for a token").isEmpty();
            assertThat(d.findElements(By.cssSelector("form[action$='/delete']"))).as("no delete buttons").isEmpty();
            d.get(server.url() + "/namespaces/alice");
            assertThat(d.findElements(By.cssSelector("form[action^='/namespaces/alice/']"))).isEmpty();
        }
        String robot = web.login("alice+reader", secret);
        assertThat(web.get("/tokens", robot).statusCode()).isEqualTo(403);
        assertThat(web.get("/admin/users", robot).statusCode()).isEqualTo(403);
        for (String[] change : new String[][]{
                {"/r/alice/app/tags/v1/delete", ""},
                {"/namespaces/alice/visibility", "visibility=public"},
                {"/namespaces/alice/members", "user=bob&role=owner"},
                {"/namespaces", "name=robots"},
                {"/tokens", "name=more&ns0=*&pull0=on"}}) {
            HttpResponse<String> r = web.postWithToken(change[0], robot, "/r/alice/app", change[1]);
            assertThat(r.statusCode()).as(change[0]).isEqualTo(403);
            assertThat(r.body()).contains("API tokens may only look");
        }
        assertThat(server.http().get("/v2/alice/app/manifests/v1").statusCode()).isEqualTo(200);
        assertThat(Http.json(server.http().get("/api/v1/namespaces/alice")).path("visibility").asText()).isEqualTo("private");
        assertThat(server.http().get("/api/v1/namespaces/robots").statusCode()).isEqualTo(404);
        assertThat(Http.json(server.http().get("/api/v1/tokens?all=true")).findValuesAsText("name")).doesNotContain("more");
    }

    @Test
    void aTokenCannotHoldMoreThanItsCreatorAndTheFormSaysWhy() {
        String bob = web.login("bob", PASSWORD);
        HttpResponse<String> more = web.postWithToken("/tokens", bob, "/tokens", "name=grab&ns2=alice&pull2=on");
        assertThat(more.statusCode()).isEqualTo(403);
        assertThat(more.body()).contains("class=\"flash error\"", "a token cannot hold more than its creator", "value=\"grab\"");
        HttpResponse<String> nothing = web.postWithToken("/tokens", bob, "/tokens", "name=empty");
        assertThat(nothing.statusCode()).isEqualTo(400);
        assertThat(nothing.body()).contains("Choose what the token may do");
        HttpResponse<String> badDays = web.postWithToken("/tokens", bob, "/tokens", "name=days&ns0=*&pull0=on&days=soon");
        assertThat(badDays.statusCode()).isEqualTo(400);
        assertThat(badDays.body()).contains("whole number of days", "value=\"soon\"");
        assertThat(web.post("/tokens", bob, "name=forged&ns0=*&pull0=on", null).statusCode()).as("no CSRF token").isEqualTo(403);
        assertThat(Http.json(server.http().get("/api/v1/tokens?all=true")).findValuesAsText("name")).doesNotContain("grab", "forged");
        // Another user's token cannot be revoked by guessing its id.
        String alice = web.login("alice", PASSWORD);
        createToken(alice, "kept", "ns0=*&pull0=on");
        String id = Http.json(server.http().get("/api/v1/tokens?all=true")).findParents("name").stream()
                .filter(t -> t.path("name").asText().equals("kept")).findFirst().orElseThrow().path("id").asText();
        assertThat(web.postWithToken("/tokens/" + id + "/revoke", bob, "/tokens", "").statusCode()).isEqualTo(404);
        assertThat(Http.json(server.http().get("/api/v1/tokens?all=true")).toString()).contains("\"name\":\"kept\"");
        assertThat(Http.json(server.http().get("/api/v1/tokens?all=true")).findParents("name").stream()
                .filter(t -> t.path("name").asText().equals("kept")).findFirst().orElseThrow().path("revoked").asBoolean()).isFalse();
    }

    /** Creates a token through the form; returns its secret, read off the answer page. */
    private static String createToken(String session, String name, String scopes) {
        HttpResponse<String> r = web.postWithToken("/tokens", session, "/tokens", "name=" + name + "&" + scopes);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        int at = r.body().indexOf("id=\"secret\">") + "id=\"secret\">".length();
        return r.body().substring(at, r.body().indexOf('<', at));
    }
}
