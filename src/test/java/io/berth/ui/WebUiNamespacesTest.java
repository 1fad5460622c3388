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
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Namespaces in a real browser: an owner creates one, grants and changes a role, makes it public (then it is
 * visible logged out), removes a member and deletes it with its repositories; and what others may not do —
 * a reader cannot change members or visibility, nobody else learns a private namespace exists, and no change
 * goes through without the session's CSRF token.
 */
class WebUiNamespacesTest {
    private static final String PASSWORD = "namespace-test-password";
    private static TestServer server;
    private static WebClient web;

    @BeforeAll
    static void start() {
        // Users may create namespaces here (BERTH_AUTH_USERNAMESPACES), so an owner's whole path runs without an admin.
        server = TestServer.start(Map.of("BERTH_AUTH_USERNAMESPACES", "true"));
        web = new WebClient(server.url());
        for (String user : new String[]{"alice", "bob", "mallory"}) {
            createUser(user);
        }
        // crew: alice owns it, bob reads it, mallory is nobody there.
        Http admin = server.http();
        assertThat(admin.method("POST", "/api/v1/namespaces", "{\"name\":\"crew\"}".getBytes()).statusCode()).isEqualTo(201);
        setMember("crew", "alice", "owner");
        setMember("crew", "bob", "reader");
        new Http(server.url(), "alice", PASSWORD).pushImage("crew/tool", "v1", "{}".getBytes(), "crew layer".getBytes());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anOwnerCreatesANamespaceGrantsARoleMakesItPublicAndDeletesIt() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "alice", PASSWORD);
            d.get(server.url() + "/namespaces");
            assertThat(d.findElement(By.cssSelector("main table")).getText()).contains("alice", "crew", "owner");
            d.findElement(By.id("name")).sendKeys("team");
            browser.clickAndWait(By.cssSelector("form[method='post'][action='/namespaces'] button"));
            assertThat(browser.flash("Namespace created.")).isEqualTo("Namespace created.");
            assertThat(d.findElement(By.tagName("h1")).getText()).startsWith("team").endsWith("private");
            new Http(server.url(), "alice", PASSWORD).pushImage("team/app", "v1", "{}".getBytes(), "team layer".getBytes());

            d.findElement(By.id("member-user")).sendKeys("bob");
            new Select(d.findElement(By.id("member-role"))).selectByValue("writer");
            browser.clickAndWait(By.cssSelector("form[action='/namespaces/team/members'] button.align-end"));
            assertThat(browser.flash("bob's role is now writer.")).isEqualTo("bob's role is now writer.");
            assertThat(role("team", "bob")).isEqualTo("writer");
            assertThat(d.findElement(By.cssSelector("main table")).getText()).contains("team/app");
            browser.screenshots("namespace");

            // Change bob's role in his row, then see that nobody logged out can tell the namespace exists.
            new Select(d.findElement(By.cssSelector("select[aria-label='Role of bob']"))).selectByValue("reader");
            browser.clickAndWait(By.xpath("//select[@aria-label='Role of bob']/following-sibling::button"));
            assertThat(role("team", "bob")).isEqualTo("reader");
            assertThat(web.page("/namespaces", null) + web.page("/repositories", null)).doesNotContain("href=\"/namespaces/team\"", "href=\"/r/team/");
            assertThat(web.get("/namespaces/team", null).statusCode()).isEqualTo(404);

            d.findElement(By.cssSelector("form[action='/namespaces/team/visibility'] button")).click();
            Alert ask = d.switchTo().alert();
            assertThat(ask.getText()).contains("Make team public?", "without logging in");
            ask.accept();
            assertThat(browser.flash("The namespace is public")).startsWith("The namespace is public");
            assertThat(Http.json(server.http().get("/api/v1/namespaces/team")).path("visibility").asText()).isEqualTo("public");
            assertThat(web.page("/namespaces", null)).contains("href=\"/namespaces/team\"");
            assertThat(web.page("/namespaces/team", null)).contains("/r/team/app").doesNotContain("Members");
            assertThat(web.get("/r/team/app", null).statusCode()).isEqualTo(200);

            d.findElement(By.cssSelector("form[action='/namespaces/team/members/bob/remove'] button")).click();
            d.switchTo().alert().accept();
            assertThat(browser.flash("bob is no longer a member.")).isEqualTo("bob is no longer a member.");
            assertThat(role("team", "bob")).isNull();

            d.findElement(By.cssSelector("form[action='/namespaces/team/delete'] button")).click();
            ask = d.switchTo().alert();
            assertThat(ask.getText()).isEqualTo("Delete namespace team and its repository? This cannot be undone.");
            ask.accept();
            assertThat(browser.flash("Namespace team deleted.")).isEqualTo("Namespace team deleted.");
            assertThat(server.http().get("/api/v1/namespaces/team").statusCode()).isEqualTo(404);
            assertThat(server.http().get("/v2/team/app/manifests/v1").statusCode()).isEqualTo(404);
            d.get(server.url() + "/namespaces");
            browser.screenshots("namespaces");
            assertThat(browser.consoleLog()).noneMatch(e -> e.getMessage().contains("Content Security Policy"));
        }
    }

    @Test
    void aReaderCannotChangeMembersVisibilityOrDeleteAndNothingChanges() {
        String bob = web.login("bob", PASSWORD);
        String page = web.page("/namespaces/crew", bob);
        assertThat(page).contains("/r/crew/tool").doesNotContain("action=\"/namespaces/crew/members\"", "/visibility", "/delete");
        for (String[] change : new String[][]{
                {"/namespaces/crew/members", "user=bob&role=owner"},
                {"/namespaces/crew/members", "user=mallory&role=reader"},
                {"/namespaces/crew/members/alice/remove", ""},
                {"/namespaces/crew/visibility", "visibility=public"},
                {"/namespaces/crew/delete", "force=true"}}) {
            HttpResponse<String> r = web.postWithToken(change[0], bob, "/namespaces/crew", change[1]);
            assertThat(r.statusCode()).as(change[0]).isEqualTo(403);
        }
        assertThat(role("crew", "bob")).isEqualTo("reader");
        assertThat(role("crew", "alice")).isEqualTo("owner");
        assertThat(role("crew", "mallory")).isNull();
        assertThat(Http.json(server.http().get("/api/v1/namespaces/crew")).path("visibility").asText()).isEqualTo("private");
        assertThat(server.http().get("/v2/crew/tool/manifests/v1").statusCode()).isEqualTo(200);
    }

    @Test
    void aPrivateNamespaceNeverAppearsToOthers() {
        String mallory = web.login("mallory", PASSWORD);
        for (String session : new String[]{null, mallory}) {
            assertThat(web.page("/namespaces", session) + web.page("/namespaces?q=cr", session) + web.page("/repositories", session))
                    .doesNotContain("crew");
            // Private and missing look the same, and so do the refusals of a change to either.
            assertThat(web.page("/namespaces/crew", session))
                    .isEqualTo(web.page("/namespaces/nothing", session).replace("nothing", "crew"));
        }
        HttpResponse<String> toPrivate = web.postWithToken("/namespaces/crew/visibility", mallory, "/namespaces", "visibility=public");
        HttpResponse<String> toMissing = web.postWithToken("/namespaces/nothing/visibility", mallory, "/namespaces", "visibility=public");
        assertThat(toPrivate.statusCode()).isEqualTo(toMissing.statusCode()).isEqualTo(404);
        assertThat(toPrivate.body()).isEqualTo(toMissing.body().replace("nothing", "crew"));
    }

    @Test
    void aChangeWithoutTheSessionsCsrfTokenOrFromAnotherSiteIsRefused() {
        String alice = web.login("alice", PASSWORD);
        assertThat(web.post("/namespaces/crew/visibility", alice, "visibility=public", null).statusCode()).isEqualTo(403);
        assertThat(web.post("/namespaces/crew/visibility", alice, "visibility=public&csrf=forged", null).statusCode()).isEqualTo(403);
        String token = WebClient.csrfOf(web.page("/namespaces/crew", alice));
        assertThat(web.post("/namespaces/crew/members", alice, "user=mallory&role=owner&csrf=" + WebClient.encode(token),
                "https://evil.example").statusCode()).isEqualTo(403);
        assertThat(web.post("/namespaces", alice, "name=forged", null).statusCode()).isEqualTo(403);
        assertThat(Http.json(server.http().get("/api/v1/namespaces/crew")).path("visibility").asText()).isEqualTo("private");
        assertThat(role("crew", "mallory")).isNull();
        assertThat(server.http().get("/api/v1/namespaces/forged").statusCode()).isEqualTo(404);
    }

    @Test
    void deletingANamespaceThatGainedRepositoriesAsksAgainWithTheirCount() {
        createUser("dora");
        String dora = web.login("dora", PASSWORD);
        assertThat(web.postWithToken("/namespaces", dora, "/namespaces", "name=dock&visibility=private").statusCode()).isEqualTo(303);
        Http asDora = new Http(server.url(), "dora", PASSWORD);
        asDora.pushImage("dock/one", "v1", "{}".getBytes(), "one".getBytes());
        asDora.pushImage("dock/two", "v1", "{}".getBytes(), "two".getBytes());
        // Sent without force (as from a page that showed no repositories): the answer names how many would go.
        HttpResponse<String> ask = web.postWithToken("/namespaces/dock/delete", dora, "/namespaces/dock", "");
        assertThat(ask.statusCode()).isEqualTo(409);
        assertThat(ask.body()).contains("Namespace dock holds 2 repositories", "name=\"force\" value=\"true\"");
        assertThat(server.http().get("/v2/dock/one/manifests/v1").statusCode()).isEqualTo(200);
        HttpResponse<String> forced = web.postWithToken("/namespaces/dock/delete", dora, "/namespaces/dock", "force=true");
        assertThat(forced.statusCode()).isEqualTo(303);
        assertThat(forced.headers().firstValue("Location")).contains("/namespaces?done=deleted&name=dock");
        assertThat(server.http().get("/v2/dock/one/manifests/v1").statusCode()).isEqualTo(404);
    }

    @Test
    void aBadNameOrAnUnknownUserIsShownOnTheFormNotAsAnErrorPage() {
        String alice = web.login("alice", PASSWORD);
        HttpResponse<String> badName = web.postWithToken("/namespaces", alice, "/namespaces", "name=Bad%20Name");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(badName.body()).contains("class=\"flash error\"", "invalid namespace name", "value=\"Bad Name\"");
        HttpResponse<String> taken = web.postWithToken("/namespaces", alice, "/namespaces", "name=crew");
        assertThat(taken.statusCode()).isEqualTo(409);
        assertThat(taken.body()).contains("namespace crew already exists");
        HttpResponse<String> nobody = web.postWithToken("/namespaces/crew/members", alice, "/namespaces/crew", "user=nobody&role=reader");
        assertThat(nobody.statusCode()).isEqualTo(404);
        assertThat(nobody.body()).contains("user nobody not found", "action=\"/namespaces/crew/members\"");
    }

    private static void createUser(String name) {
        assertThat(server.http().method("POST", "/api/v1/users", ("{\"name\":\"" + name + "\",\"password\":\"" + PASSWORD + "\"}")
                .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
    }

    private static void setMember(String ns, String user, String role) {
        assertThat(server.http().method("PUT", "/api/v1/namespaces/" + ns + "/members/" + user, ("{\"role\":\"" + role + "\"}").getBytes())
                .statusCode()).isEqualTo(200);
    }

    /** The user's role in the namespace, as the admin API tells it; null for none. */
    private static String role(String ns, String user) {
        for (JsonNode m : Http.json(server.http().get("/api/v1/namespaces/" + ns + "/members"))) {
            if (m.path("user").asText().equals(user)) {
                return m.path("role").asText();
            }
        }
        return null;
    }
}
