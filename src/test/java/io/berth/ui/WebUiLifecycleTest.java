package io.berth.ui;

import io.berth.testing.Browser;
import io.berth.testing.Http;
import io.berth.testing.Receiver;
import io.berth.testing.TestServer;
import io.berth.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A namespace's immutable tags, retention and webhooks in a real browser: its owner sets a pattern and a rule,
 * sees the preview list a tag, runs retention (the tag is gone from /v2/) and creates a webhook whose secret is
 * shown once; a reader sees the rules without forms and whose POSTs are refused with nothing changed; an
 * outsider cannot tell the namespace from a missing one. The rules are LifecycleAdmin's, as the admin API's.
 */
class WebUiLifecycleTest {
    private static final String PASSWORD = "lifecycle-test-password";
    private static TestServer server;
    private static Receiver receiver;
    private static WebClient web;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("BERTH_WEBHOOKS_ALLOWPRIVATE", "true"));
        receiver = Receiver.start();
        web = new WebClient(server.url());
        for (String user : new String[]{"alice", "bob", "mallory"}) {
            assertThat(server.http().method("POST", "/api/v1/users", ("{\"name\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}")
                    .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
        }
        api("POST", "/api/v1/namespaces", "{\"name\":\"crew\"}", 201);
        api("PUT", "/api/v1/namespaces/crew/members/alice", "{\"role\":\"owner\"}", 200);
        api("PUT", "/api/v1/namespaces/crew/members/bob", "{\"role\":\"reader\"}", 200);
        Http alice = new Http(server.url(), "alice", PASSWORD);
        alice.pushImage("crew/app", "old", "{\"n\":1}".getBytes(), "old layer".getBytes());
        alice.pushImage("crew/app", "new", "{\"n\":2}".getBytes(), "new layer".getBytes());
    }

    @AfterAll
    static void stop() {
        server.close();
        receiver.close();
    }

    static String api(String method, String path, String body, int status) {
        HttpResponse<byte[]> r = server.http().method(method, path, body == null ? null : body.getBytes(), "Content-Type", "application/json");
        assertThat(r.statusCode()).as(method + " " + path + ": " + new String(r.body())).isEqualTo(status);
        return new String(r.body());
    }

    @Test
    void anOwnerSetsRulesRunsRetentionAndCreatesAWebhook() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "alice", PASSWORD);
            d.get(server.url() + "/namespaces/crew");

            WebElement patterns = d.findElement(By.id("patterns"));
            patterns.clear();
            patterns.sendKeys("v*\nstable");
            browser.clickAndWait(By.cssSelector("form[action='/namespaces/crew/immutable-tags'] button"));
            assertThat(browser.flash("Immutable tag patterns saved.")).isEqualTo("Immutable tag patterns saved.");
            assertThat(api("GET", "/api/v1/namespaces/crew/immutable-tags", null, 200)).isEqualTo("{\"patterns\":[\"v*\",\"stable\"]}");
            assertThat(d.findElement(By.cssSelector(".patterns")).getText()).contains("v*", "stable");

            // A rule the service refuses is shown on the page, as typed, and nothing is saved.
            WebElement rules = d.findElement(By.id("rules"));
            rules.sendKeys("[{\"keepLast\": 0}]");
            browser.clickAndWait(By.cssSelector("form[action='/namespaces/crew/retention'] button"));
            assertThat(d.findElement(By.cssSelector(".flash.error")).getText()).contains("keepLast must be from 1");
            assertThat(d.findElement(By.id("rules")).getAttribute("value")).isEqualTo("[{\"keepLast\": 0}]");
            assertThat(api("GET", "/api/v1/namespaces/crew/retention", null, 200)).isEqualTo("{\"rules\":[]}");

            rules = d.findElement(By.id("rules"));
            rules.clear();
            rules.sendKeys("[{\"repositories\": [\"crew/app\"], \"keepLast\": 1}]");
            browser.clickAndWait(By.cssSelector("form[action='/namespaces/crew/retention'] button"));
            assertThat(browser.flash("Retention rules saved.")).isEqualTo("Retention rules saved.");
            String preview = d.findElement(By.cssSelector("table.preview")).getText();
            assertThat(preview).contains("crew/app", "old", "not among the 1 most recently pushed").doesNotContain("new");
            assertThat(d.findElement(By.cssSelector("#preview + p")).getText()).isEqualTo("1 tag and 0 untagged manifests; 1 tag stays.");
            browser.screenshots("namespace-lifecycle");

            d.findElement(By.cssSelector("form[action='/namespaces/crew/retention/run'] button")).click();
            Alert ask = d.switchTo().alert();
            assertThat(ask.getText()).contains("Run retention on crew now?", "deletes 1 tag and 0 untagged manifests");
            ask.accept();
            assertThat(browser.flash("Retention ran: 1 tag and 0 untagged manifests deleted.")).isEqualTo("Retention ran: 1 tag and 0 untagged manifests deleted.");
            String tags = new String(server.http().get("/v2/crew/app/tags/list").body());
            assertThat(tags).contains("\"new\"").doesNotContain("\"old\"");

            d.findElement(By.id("webhook-url")).sendKeys(receiver.url("/hook"));
            d.findElement(By.id("event-delete")).click();
            browser.clickAndWait(By.cssSelector("form[action='/namespaces/crew/webhooks'] button"));
            assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("Webhook created");
            String secret = d.findElement(By.id("secret")).getText();
            assertThat(secret).startsWith("whsec_");
            browser.screenshot("webhook-created");
            d.get(server.url() + "/namespaces/crew");
            assertThat(d.findElement(By.cssSelector("table.webhooks")).getText()).contains(receiver.url("/hook"), "push, delete");
            assertThat(d.getPageSource()).doesNotContain(secret);

            browser.clickAndWait(By.cssSelector("table.webhooks form[action$='/test'] button"));
            assertThat(browser.flash("The ping was delivered.")).isEqualTo("The ping was delivered.");
            assertThat(d.findElement(By.cssSelector("table.deliveries")).getText()).contains("ping", "200", "delivered");
            assertThat(d.getPageSource()).doesNotContain(secret);
            browser.screenshot("webhook");
            assertThat(browser.consoleLog()).noneMatch(e -> e.getMessage().contains("Content Security Policy"));
        }
    }

    @Test
    void aReaderSeesTheRulesAndMayChangeNothing() {
        api("PUT", "/api/v1/namespaces/crew/immutable-tags", "{\"patterns\":[\"release-*\"]}", 200);
        String before = api("GET", "/api/v1/namespaces/crew/retention", null, 200);
        String hooks = api("GET", "/api/v1/namespaces/crew/webhooks", null, 200);
        String bob = web.login("bob", PASSWORD);
        String page = web.page("/namespaces/crew", bob);
        assertThat(page).contains("Immutable tags", "release-*", "Retention")
                .doesNotContain("action=\"/namespaces/crew/immutable-tags\"", "action=\"/namespaces/crew/retention\"", "/retention/run",
                        "id=\"webhooks\"");
        for (String[] change : new String[][]{
                {"/namespaces/crew/immutable-tags", "patterns="},
                {"/namespaces/crew/retention", "rules=" + WebClient.encode("[{\"keepLast\":1}]")},
                {"/namespaces/crew/retention/run", ""},
                {"/namespaces/crew/webhooks", "url=" + WebClient.encode(receiver.url("/x")) + "&events=push"}}) {
            HttpResponse<String> r = web.postWithToken(change[0], bob, "/namespaces/crew", change[1]);
            assertThat(r.statusCode()).as(change[0]).isEqualTo(403);
        }
        assertThat(web.get("/namespaces/crew/webhooks/wh_x", bob).statusCode()).isEqualTo(403);
        assertThat(api("GET", "/api/v1/namespaces/crew/immutable-tags", null, 200)).isEqualTo("{\"patterns\":[\"release-*\"]}");
        assertThat(api("GET", "/api/v1/namespaces/crew/retention", null, 200)).isEqualTo(before);
        assertThat(api("GET", "/api/v1/namespaces/crew/webhooks", null, 200)).isEqualTo(hooks);
    }

    @Test
    void anOutsiderCannotTellThemFromAMissingNamespace() {
        String mallory = web.login("mallory", PASSWORD);
        for (String[] change : new String[][]{{"/immutable-tags", "patterns="}, {"/retention/run", ""}, {"/webhooks", "url=x&events=push"}}) {
            HttpResponse<String> toPrivate = web.postWithToken("/namespaces/crew" + change[0], mallory, "/namespaces", change[1]);
            HttpResponse<String> toMissing = web.postWithToken("/namespaces/nothing" + change[0], mallory, "/namespaces", change[1]);
            assertThat(toPrivate.statusCode()).isEqualTo(toMissing.statusCode()).isEqualTo(404);
            assertThat(toPrivate.body()).isEqualTo(toMissing.body().replace("nothing", "crew"));
        }
    }
}
