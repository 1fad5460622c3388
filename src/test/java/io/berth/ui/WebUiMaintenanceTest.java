package io.berth.ui;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Browser;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The dashboard's statistics, Administration → Garbage collection and deleting a repository, in a real browser: an
 * admin's dry run lists what would go (deleting nothing) and a confirmed run frees it; the dashboard's numbers are the
 * admin API's, for an admin and for a user who is no admin, whose dashboard names no namespace they cannot read;
 * such a user gets no GC page, no link to it, and a refused POST; a hostile description renders as text; a
 * maintainer deletes a repository after a confirmation that says what it holds, a reader is offered nothing and
 * refused. The rules are MaintenanceAdmin's and RepositoryAdmin's, as the admin API's.
 */
class WebUiMaintenanceTest {
    private static final String PASSWORD = "maintenance-test-password";
    private static final String HOSTILE = "<script>alert('description')</script>\"><img src=x onerror=alert(1)>";
    private static TestServer server;
    private static WebClient web;
    private static Http ada;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("BERTH_GC_GRACE", "2s", "BERTH_GC_ENABLED", "false"));
        web = new WebClient(server.url());
        for (String user : new String[]{"ada", "bob"}) {
            api(server.http(), "POST", "/api/v1/users", "{\"name\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}", 201);
        }
        api(server.http(), "POST", "/api/v1/namespaces", "{\"name\":\"crew\"}", 201);
        api(server.http(), "PUT", "/api/v1/namespaces/crew/members/ada", "{\"role\":\"maintainer\"}", 200);
        api(server.http(), "PUT", "/api/v1/namespaces/crew/members/bob", "{\"role\":\"reader\"}", 200);
        api(server.http(), "POST", "/api/v1/namespaces", "{\"name\":\"vault\"}", 201);
        ada = new Http(server.url(), "ada", PASSWORD);
        ada.pushImage("crew/app", "1.0", "{\"n\":\"app\"}".getBytes(), Http.random(1, 20_000));
        ada.pushImage("crew/app", "1.1", "{\"n\":\"app11\"}".getBytes(), Http.random(2, 30_000));
        ada.pushImage("crew/old", "v1", "{\"n\":\"old\"}".getBytes(), Http.random(3, 5_000));
        api(ada, "POST", "/api/v1/repositories", "{\"name\":\"crew/evil\",\"description\":" + Http.JSON.valueToTree(HOSTILE) + "}", 201);
        server.http().pushImage("vault/secret", "v1", "{\"n\":\"vault\"}".getBytes(), Http.random(4, 123_456));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String api(Http as, String method, String path, String body, int status) {
        HttpResponse<byte[]> r = as.method(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        assertThat(r.statusCode()).as(method + " " + path + ": " + new String(r.body())).isEqualTo(status);
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void anAdminRunsADryRunSeesTheItemsAndThenCollects() throws Exception {
        byte[] gone = Http.random(10, 44_444);
        String manifest = server.http().pushImage("gcui/app", "gone", "{\"n\":\"gcui\"}".getBytes(), gone);
        assertThat(server.http().method("DELETE", "/v2/gcui/app/manifests/" + manifest, null).statusCode()).isEqualTo(202);
        String layer = Http.sha256(gone);
        Thread.sleep(2_400);
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "admin", TestServer.ADMIN_PASSWORD);
            d.get(server.url() + "/admin");
            browser.clickAndWait(By.linkText("Garbage collection"));
            assertThat(d.findElement(By.id("gc-state")).getText()).isEqualTo("idle");
            assertThat(d.findElement(By.tagName("main")).getText()).contains("off", "2s");

            browser.clickAndWait(By.id("gc-dry-run"));
            assertThat(browser.flash("Dry run finished")).startsWith("Dry run finished");
            String items = d.findElement(By.cssSelector("table.gc-items")).getText();
            assertThat(items).contains(layer, "blob");
            assertThat(d.findElement(By.id("gc-summary")).getText()).contains("would be freed");
            assertThat(server.blobFile(layer)).as("a dry run deletes nothing").exists();
            browser.screenshots("admin-gc");

            d.findElement(By.id("gc-run")).click();
            Alert ask = d.switchTo().alert();
            assertThat(ask.getText()).contains("Collect garbage now?");
            ask.accept();
            assertThat(browser.flash("Garbage collection started.")).isEqualTo("Garbage collection started.");
            server.awaitGcIdle();
            d.navigate().refresh();
            assertThat(d.findElement(By.id("gc-state")).getText()).isEqualTo("idle");
            assertThat(d.findElement(By.cssSelector("table.gc-history")).getText()).contains("collection", "dry run", "ui");
            assertThat(server.blobFile(layer)).as("the run freed it").doesNotExist();
            assertThat(browser.consoleLog()).noneMatch(e -> e.getMessage().contains("Content Security Policy"));
        }
    }

    @Test
    void theDashboardsNumbersAreTheApisAndANonAdminSeesNoPrivateNamespace() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "admin", TestServer.ADMIN_PASSWORD);
            d.get(server.url() + "/");
            JsonNode all = Http.json(server.http().get("/api/v1/stats"));
            assertNumbers(d, all);
            assertThat(d.findElement(By.id("stat-users")).getText()).isEqualTo(all.path("users").asText());
            assertThat(d.findElement(By.cssSelector("table.namespaces-usage")).getText()).contains("vault", "crew");
            assertThat(d.findElements(By.cssSelector("svg.bars rect"))).hasSize(60);
            assertThat(d.findElement(By.cssSelector("table.activity")).getText()).contains("admin", "login");
            browser.screenshots("dashboard");
        }
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "bob", PASSWORD);
            d.get(server.url() + "/");
            JsonNode mine = Http.json(new Http(server.url(), "bob", PASSWORD).get("/api/v1/stats"));
            assertNumbers(d, mine);
            assertThat(d.findElements(By.id("stat-users"))).isEmpty();
            assertThat(d.findElements(By.cssSelector("table.activity"))).as("the audit log is admins'").isEmpty();
            assertThat(d.getPageSource()).doesNotContain("vault").doesNotContain("/admin");
            assertThat(d.findElement(By.id("scope")).getText()).contains("namespaces you may read");
            browser.screenshots("dashboard-reader");
        }
    }

    private static void assertNumbers(ChromeDriver d, JsonNode stats) {
        assertThat(d.findElement(By.id("stat-repositories")).getText()).isEqualTo(stats.path("repositories").asText());
        assertThat(d.findElement(By.id("stat-images")).getText()).isEqualTo(stats.path("images").path("total").asText());
        assertThat(d.findElement(By.id("stat-tags")).getText()).isEqualTo(stats.path("tags").asText());
        assertThat(d.findElement(By.id("stat-namespaces")).getText()).isEqualTo(stats.path("namespaces").asText());
        assertThat(d.findElement(By.id("stat-logical")).getText()).isEqualTo(Format.bytes(stats.path("storage").path("logicalBytes").asLong()));
        assertThat(d.findElement(By.id("stat-physical")).getText()).isEqualTo(Format.bytes(stats.path("storage").path("physicalBytes").asLong()));
    }

    @Test
    void aUserWhoIsNoAdminGetsNoGcPage() {
        String bob = web.login("bob", PASSWORD);
        assertThat(web.get("/admin/gc", bob).statusCode()).isEqualTo(403);
        assertThat(web.page("/", bob)).doesNotContain("/admin/gc");
        int runs = server.server().garbageCollector().history(100).size();
        for (String action : new String[]{"/admin/gc/run", "/admin/gc/dry-run"}) {
            assertThat(web.postWithToken(action, bob, "/", "").statusCode()).as(action).isEqualTo(403);
        }
        assertThat(server.server().garbageCollector().history(100)).as("nothing ran").hasSize(runs);
        assertThat(web.get("/admin/gc", null).statusCode()).as("logged out: to the login").isEqualTo(303);
        String loggedOut = web.page("/", null);
        assertThat(loggedOut).contains("id=\"stat-repositories\">0<").doesNotContain("vault").doesNotContain("crew");
    }

    @Test
    void aHostileDescriptionRendersAsText() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "ada", PASSWORD);
            d.get(server.url() + "/");
            String shown = d.findElement(By.xpath("//a[.='crew/evil']/following-sibling::span[@class='description']")).getText();
            assertThat(shown).isEqualTo(HOSTILE);
            assertThat(d.findElements(By.cssSelector("ul.recent img"))).isEmpty();
            assertThatThrownBy(() -> d.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        }
    }

    @Test
    void aMaintainerDeletesARepositoryAfterAConfirmationAndAReaderMayNot() {
        String bob = web.login("bob", PASSWORD);
        String page = web.page("/r/crew/old", bob);
        assertThat(page).contains("crew/old").doesNotContain("delete-repository");
        assertThat(web.postWithToken("/r/crew/old/delete-repository", bob, "/r/crew/old", "").statusCode()).isEqualTo(403);
        assertThat(server.http().get("/v2/crew/old/tags/list").statusCode()).isEqualTo(200);
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "ada", PASSWORD);
            d.get(server.url() + "/r/crew/old");
            assertThat(d.findElement(By.id("delete")).getText()).isEqualTo("Delete the repository");
            d.findElement(By.id("delete-repository")).click();
            Alert ask = d.switchTo().alert();
            assertThat(ask.getText()).contains("Delete repository crew/old?", "1 tag, 1 manifest and ");
            ask.accept();
            assertThat(browser.flash("Repository crew/old deleted")).startsWith("Repository crew/old deleted");
            assertThat(d.getCurrentUrl()).contains("/repositories");
        }
        assertThat(server.http().get("/v2/crew/old/tags/list").statusCode()).isEqualTo(404);
    }
}
