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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Administration in a real browser: an admin creates a user, disables and enables them, resets their password,
 * makes them an admin and deletes them; reads the audit log with filters, a page at a time; sees the system's
 * version, health and configuration without secrets. Nobody else gets any of it.
 */
class WebUiAdminTest {
    private static final String PASSWORD = "admin-test-password";
    private static TestServer server;
    private static WebClient web;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("BERTH_AUTH_APITOKENMAXTTL", "2160h"));
        web = new WebClient(server.url());
        createUser("alice");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anAdminCreatesDisablesResetsPromotesAndDeletesAUser() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "admin", TestServer.ADMIN_PASSWORD);
            browser.clickAndWait(By.linkText("Administration"));
            assertThat(d.getCurrentUrl()).endsWith("/admin/users");
            d.findElement(By.id("new-name")).sendKeys("carol");
            d.findElement(By.id("new-password")).sendKeys("carol-password-1");
            browser.screenshots("admin-users");
            browser.clickAndWait(By.cssSelector("form[action='/admin/users'] button"));
            assertThat(browser.flash("User created")).startsWith("User created");
            assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("carol");
            Http carol = new Http(server.url(), "carol", "carol-password-1");
            assertThat(carol.get("/api/v1/me").statusCode()).isEqualTo(200);
            String carolsSession = web.login("carol", "carol-password-1");

            d.findElement(By.cssSelector("form[action='/admin/users/carol/disabled'] button")).click();
            Alert ask = d.switchTo().alert();
            assertThat(ask.getText()).startsWith("Disable carol?");
            ask.accept();
            assertThat(browser.flash("User disabled")).startsWith("User disabled");
            assertThat(d.findElement(By.tagName("h1")).getText()).contains("disabled");
            assertThat(new Http(server.url(), "carol", "carol-password-1").get("/api/v1/me").statusCode()).isEqualTo(401);
            assertThat(web.page("/", carolsSession)).as("the disabled user's session ends").doesNotContain(">carol<");
            browser.clickAndWait(By.cssSelector("form[action='/admin/users/carol/disabled'] button")); // enabling asks nothing
            assertThat(browser.flash("User enabled.")).isEqualTo("User enabled.");
            assertThat(new Http(server.url(), "carol", "carol-password-1").get("/api/v1/me").statusCode()).isEqualTo(200);

            d.findElement(By.id("password")).sendKeys("carol-password-2");
            browser.clickAndWait(By.cssSelector("form[action='/admin/users/carol/password'] button"));
            assertThat(browser.flash("Password changed.")).isEqualTo("Password changed.");
            assertThat(new Http(server.url(), "carol", "carol-password-1").get("/api/v1/me").statusCode()).isEqualTo(401);
            assertThat(new Http(server.url(), "carol", "carol-password-2").get("/api/v1/me").statusCode()).isEqualTo(200);

            d.findElement(By.cssSelector("form[action='/admin/users/carol/admin'] button")).click();
            d.switchTo().alert().accept();
            assertThat(browser.flash("The user is now an admin.")).isEqualTo("The user is now an admin.");
            assertThat(Http.json(server.http().get("/api/v1/users/carol")).path("admin").asBoolean()).isTrue();
            browser.screenshots("admin-user");

            d.findElement(By.cssSelector("form[action='/admin/users/carol/delete'] button")).click();
            ask = d.switchTo().alert();
            assertThat(ask.getText()).startsWith("Delete user carol");
            ask.accept();
            assertThat(browser.flash("User carol deleted.")).isEqualTo("User carol deleted.");
            assertThat(d.findElement(By.cssSelector("main table")).getText()).contains("admin", "alice").doesNotContain("carol");
            assertThat(server.http().get("/api/v1/users/carol").statusCode()).isEqualTo(404);

            d.get(server.url() + "/admin/audit?action=user.create");
            assertThat(d.findElement(By.cssSelector("main table")).getText()).contains("admin", "user.create", "carol", "alice");
            d.findElement(By.id("f-target")).sendKeys("carol");
            browser.clickAndWait(By.cssSelector("form.filters button"));
            assertThat(d.findElements(By.cssSelector("main table tbody tr"))).hasSize(1);
            d.get(server.url() + "/admin/audit?target=carol");
            assertThat(d.findElement(By.cssSelector("main table")).getText())
                    .contains("user.create", "user.update", "user.password", "user.delete", "disabled=true", "admin=true");
            browser.screenshots("admin-audit");

            d.get(server.url() + "/admin/system");
            String system = d.findElement(By.tagName("main")).getText();
            assertThat(system).contains("Version", "reachable", "filesystem at", "SQLite in", "http.addr", "berth.auth.apitokenmaxttl", "2160h");
            assertThat(d.findElement(By.cssSelector("table.settings")).getText()).contains("berth.admin.password (set)");
            assertThat(d.getPageSource()).doesNotContain(TestServer.ADMIN_PASSWORD);
            browser.screenshots("admin-system");
            assertThat(browser.consoleLog()).noneMatch(e -> e.getMessage().contains("Content Security Policy"));
        }
    }

    @Test
    void theAuditLogGoesBackAPageAtATimeKeepingItsFilters() {
        assertThat(server.http().method("POST", "/api/v1/namespaces", "{\"name\":\"flip\"}".getBytes()).statusCode()).isEqualTo(201);
        for (int i = 0; i < 55; i++) {
            String visibility = i % 2 == 0 ? "public" : "private";
            assertThat(server.http().method("PATCH", "/api/v1/namespaces/flip", ("{\"visibility\":\"" + visibility + "\"}").getBytes())
                    .statusCode()).isEqualTo(200);
        }
        String admin = web.login("admin", TestServer.ADMIN_PASSWORD);
        String first = web.page("/admin/audit?action=namespace.visibility", admin);
        assertThat(first.split("<td class=\"mono\">namespace.visibility</td>", -1)).hasSize(51);
        int at = first.indexOf("href=\"/admin/audit?");
        assertThat(at).as("a link to older events").isPositive();
        String next = first.substring(at + "href=\"".length(), first.indexOf('"', at + "href=\"".length())).replace("&amp;", "&");
        assertThat(next).contains("action=namespace.visibility", "before=");
        String second = web.page(next, admin);
        assertThat(second.split("<td class=\"mono\">namespace.visibility</td>", -1)).hasSize(6);
        assertThat(second).doesNotContain("Older events");
        HttpResponse<String> badTime = web.get("/admin/audit?since=yesterday", admin);
        assertThat(badTime.statusCode()).isEqualTo(400);
        assertThat(badTime.body()).contains("Give the time as");
        assertThat(web.page("/admin/audit?action=namespace.visibility&since=2999-01-01", admin)).contains("No events match these filters");
    }

    @Test
    void nobodyButAnAdminReachesAdministration() {
        String alice = web.login("alice", PASSWORD);
        assertThat(web.page("/", alice)).contains(">alice<").doesNotContain("href=\"/admin\"");
        for (String path : new String[]{"/admin", "/admin/users", "/admin/users/admin", "/admin/audit", "/admin/system", "/admin/nothing"}) {
            HttpResponse<String> r = web.get(path, alice);
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(r.body()).as(path).doesNotContain("user.create", "reachable", TestServer.ADMIN_PASSWORD);
        }
        assertThat(web.postWithToken("/admin/users", alice, "/", "name=eve&password=eve-password-1&admin=on").statusCode()).isEqualTo(403);
        assertThat(web.postWithToken("/admin/users/alice/admin", alice, "/", "admin=true").statusCode()).isEqualTo(403);
        assertThat(web.postWithToken("/admin/users/admin/disabled", alice, "/", "disabled=true").statusCode()).isEqualTo(403);
        assertThat(server.http().get("/api/v1/users/eve").statusCode()).isEqualTo(404);
        assertThat(Http.json(server.http().get("/api/v1/users/alice")).path("admin").asBoolean()).isFalse();
        assertThat(Http.json(server.http().get("/api/v1/users/admin")).path("disabled").asBoolean()).isFalse();
        // Logged out, administration asks for a login (and tells nothing).
        HttpResponse<String> anonymous = web.get("/admin/system", null);
        assertThat(anonymous.statusCode()).isEqualTo(303);
        assertThat(anonymous.headers().firstValue("Location")).contains("/login?next=%2Fadmin%2Fsystem");
        // Even an admin's change needs the session's CSRF token.
        String admin = web.login("admin", TestServer.ADMIN_PASSWORD);
        assertThat(web.post("/admin/users", admin, "name=eve&password=eve-password-1", null).statusCode()).isEqualTo(403);
        assertThat(server.http().get("/api/v1/users/eve").statusCode()).isEqualTo(404);
    }

    @Test
    void aRefusedUserIsShownOnTheForm() {
        String admin = web.login("admin", TestServer.ADMIN_PASSWORD);
        HttpResponse<String> taken = web.postWithToken("/admin/users", admin, "/admin/users", "name=alice&password=whatever-1");
        assertThat(taken.statusCode()).isEqualTo(409);
        assertThat(taken.body()).contains("class=\"flash error\"", "user alice already exists", "value=\"alice\"");
        HttpResponse<String> badName = web.postWithToken("/admin/users", admin, "/admin/users", "name=Eve%21&password=whatever-1");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(badName.body()).contains("user names are");
        HttpResponse<String> ownWithoutCurrent = web.postWithToken("/admin/users/admin/password", admin, "/admin/users/admin",
                "password=new-admin-password&current=wrong");
        assertThat(ownWithoutCurrent.statusCode()).isEqualTo(403);
        assertThat(ownWithoutCurrent.body()).contains("current_password is not your current password");
        assertThat(new Http(server.url(), "admin", TestServer.ADMIN_PASSWORD).get("/api/v1/me").statusCode()).isEqualTo(200);
    }

    @Test
    void hostileTextInTheAuditLogAndInDescriptionsRendersAsText() throws Exception {
        String hostile = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>javascript:alert(3)";
        // A failed login writes its user name, as typed, into the audit log; a description is anyone's text.
        assertThat(web.post("/login", null, "username=" + WebClient.encode(hostile) + "&password=wrong", null).statusCode()).isEqualTo(401);
        new Http(server.url(), "alice", PASSWORD).pushImage("alice/hostile", "v1", "{}".getBytes(), "hostile layer".getBytes());
        byte[] description = Http.JSON.writeValueAsBytes(Map.of("description", hostile));
        assertThat(server.http().method("PATCH", "/api/v1/repositories/alice/hostile", description).statusCode()).isEqualTo(200);
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "admin", TestServer.ADMIN_PASSWORD);
            for (String path : new String[]{"/admin/audit?action=login", "/namespaces/alice", "/admin/audit?target=alice%2Fhostile"}) {
                d.get(server.url() + path);
                assertThat(d.findElement(By.tagName("main")).getText()).as(path).contains(path.contains("target") ? "repository.update" : hostile);
                assertThat(d.findElements(By.cssSelector("main script, main img"))).as(path).isEmpty();
                assertThat(d.findElements(By.cssSelector("a[href^='javascript:']"))).as(path).isEmpty();
                assertThat(((Number) d.executeScript("return document.querySelectorAll('[onerror]').length")).intValue()).isZero();
            }
            // No dialog opened: the driver would refuse to read the page while one is open.
            assertThat(d.getTitle()).endsWith("· Berth");
        }
    }

    private static void createUser(String name) {
        assertThat(server.http().method("POST", "/api/v1/users", ("{\"name\":\"" + name + "\",\"password\":\"" + PASSWORD + "\"}")
                .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
    }
}
