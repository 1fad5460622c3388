package io.berth.ui;

import io.berth.testing.Browser;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A namespace's quota on its page, in a real browser: an admin sets limits (storage with a unit) and sees the
 * usage against them as bars, a bad limit is shown as refused with nothing saved, and the quota is removed; the
 * namespace's owner and a reader see the usage and the note that each blob counts once, but no form, and their
 * POSTs are refused with nothing changed; an outsider cannot tell the namespace from a missing one.
 */
class WebUiQuotaTest {
    private static final String PASSWORD = "quota-test-password";
    private static TestServer server;
    private static WebClient web;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of());
        web = new WebClient(server.url());
        for (String user : new String[]{"alice", "bob", "mallory"}) {
            api("POST", "/api/v1/users", "{\"name\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}", 201);
        }
        api("POST", "/api/v1/namespaces", "{\"name\":\"crew\"}", 201);
        api("PUT", "/api/v1/namespaces/crew/members/alice", "{\"role\":\"owner\"}", 200);
        api("PUT", "/api/v1/namespaces/crew/members/bob", "{\"role\":\"reader\"}", 200);
        new Http(server.url(), "alice", PASSWORD).pushImage("crew/app", "v1", "{\"n\":1}".getBytes(), "a layer".getBytes());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String api(String method, String path, String body, int status) {
        HttpResponse<byte[]> r = server.http().method(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(r.statusCode()).as(method + " " + path + ": " + new String(r.body())).isEqualTo(status);
        return new String(r.body());
    }

    @Test
    void anAdminSetsAndRemovesTheQuota() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "admin", TestServer.ADMIN_PASSWORD);
            d.get(server.url() + "/namespaces/crew");
            assertThat(d.findElement(By.cssSelector("dl.quota")).getText()).contains("Storage", "(no limit)");

            d.findElement(By.id("maxBytes")).sendKeys("-5");
            browser.clickAndWait(By.cssSelector("form[action='/namespaces/crew/quota'] button"));
            assertThat(d.findElement(By.cssSelector(".flash.error")).getText()).contains("maxBytes must be a non-negative whole number");
            assertThat(api("GET", "/api/v1/namespaces/crew/quota", null, 200)).contains("\"maxBytes\":null");

            WebElement bytes = d.findElement(By.id("maxBytes"));
            bytes.clear();
            bytes.sendKeys("2 KiB");
            d.findElement(By.id("maxTags")).sendKeys("1");
            browser.clickAndWait(By.cssSelector("form[action='/namespaces/crew/quota'] button"));
            assertThat(browser.flash("Quota saved.")).isEqualTo("Quota saved.");
            assertThat(api("GET", "/api/v1/namespaces/crew/quota", null, 200))
                    .contains("\"maxBytes\":2048", "\"maxRepositories\":null", "\"maxTags\":1");
            String shown = d.findElement(By.cssSelector("dl.quota")).getText();
            assertThat(shown).contains("of 2.0 KB", "1 of 1", "(no limit)");
            assertThat(d.findElements(By.cssSelector("meter.quota-bar"))).hasSize(2);
            assertThat(d.findElement(By.id("maxBytes")).getAttribute("value")).isEqualTo("2048");
            browser.screenshots("namespace-quota");

            browser.clickAndWait(By.cssSelector("form[action='/namespaces/crew/quota/delete'] button"));
            assertThat(browser.flash("Quota removed: no limits.")).isEqualTo("Quota removed: no limits.");
            assertThat(api("GET", "/api/v1/namespaces/crew/quota", null, 200)).contains("\"maxBytes\":null", "\"maxTags\":null");
            assertThat(browser.consoleLog()).noneMatch(e -> e.getMessage().contains("Content Security Policy"));
        }
    }

    @Test
    void ownersAndReadersSeeTheUsageButMayNotSetIt() {
        api("PUT", "/api/v1/namespaces/crew/quota", "{\"maxBytes\":1000000}", 200);
        for (String user : new String[]{"alice", "bob"}) {
            String session = web.login(user, PASSWORD);
            String page = web.page("/namespaces/crew", session);
            assertThat(page).as(user).contains("id=\"quota\"", "counts each blob once in the namespace", "of 1.0 MB", "meter")
                    .doesNotContain("action=\"/namespaces/crew/quota\"", "/quota/delete");
            for (String[] change : new String[][]{{"/namespaces/crew/quota", "maxBytes=" + WebClient.encode("1 TB")},
                    {"/namespaces/crew/quota/delete", ""}}) {
                HttpResponse<String> r = web.postWithToken(change[0], session, "/namespaces/crew", change[1]);
                assertThat(r.statusCode()).as(user + " " + change[0]).isEqualTo(403);
            }
        }
        assertThat(api("GET", "/api/v1/namespaces/crew/quota", null, 200)).contains("\"maxBytes\":1000000");

        String mallory = web.login("mallory", PASSWORD);
        HttpResponse<String> toPrivate = web.postWithToken("/namespaces/crew/quota", mallory, "/namespaces", "maxBytes=1");
        HttpResponse<String> toMissing = web.postWithToken("/namespaces/nothing/quota", mallory, "/namespaces", "maxBytes=1");
        assertThat(toPrivate.statusCode()).isEqualTo(toMissing.statusCode()).isEqualTo(404);
        assertThat(toPrivate.body()).isEqualTo(toMissing.body().replace("nothing", "crew"));
    }
}
