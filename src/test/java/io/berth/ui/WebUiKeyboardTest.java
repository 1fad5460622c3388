package io.berth.ui;

import io.berth.testing.Browser;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pages with the keyboard alone, as someone who does not use a mouse works: log in, search, open a
 * repository, copy its pull command (the clipboard really holds it), with Tab and Enter only.
 */
class WebUiKeyboardTest {
    private static final String PASSWORD = "kim-password-12";
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        assertThat(server.http().method("POST", "/api/v1/users", ("{\"name\":\"kim\",\"password\":\"" + PASSWORD + "\"}")
                .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
        new Http(server.url(), "kim", PASSWORD).pushImage("kim/tools", "v1", "{}".getBytes(), "kim's layer".getBytes());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Presses Tab until the focused element is what {@code wanted} accepts (at most 40 times). */
    private static WebElement tabTo(ChromeDriver d, Predicate<WebElement> wanted, String what) {
        for (int i = 0; i < 40; i++) {
            WebElement focused = d.switchTo().activeElement();
            if (wanted.test(focused)) {
                return focused;
            }
            new Actions(d).sendKeys(Keys.TAB).perform();
        }
        throw new AssertionError("Tab never reached " + what + " on " + d.getCurrentUrl());
    }

    private static void enterAndWait(ChromeDriver d, WebElement focused) {
        new Actions(d).sendKeys(Keys.ENTER).perform();
        Browser.awaitGone(focused);
    }

    @Test
    void logInSearchOpenARepositoryAndCopyItsPullCommandWithTheKeyboardAlone() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            d.executeCdpCommand("Browser.grantPermissions", Map.of("origin", server.url(),
                    "permissions", List.of("clipboardReadWrite", "clipboardSanitizedWrite")));
            d.get(server.url() + "/login");
            WebElement name = tabTo(d, e -> "username".equals(e.getAttribute("name")), "the user name field");
            new Actions(d).sendKeys("kim").sendKeys(Keys.TAB).sendKeys(PASSWORD).perform();
            enterAndWait(d, name);
            assertThat(d.findElement(By.tagName("body")).getText()).contains("kim");

            WebElement search = tabTo(d, e -> "search".equals(e.getAttribute("type")), "the search field");
            new Actions(d).sendKeys("tools").perform();
            enterAndWait(d, search);
            assertThat(d.getCurrentUrl()).contains("/search");

            WebElement link = tabTo(d, e -> "a".equals(e.getTagName()) && e.getAttribute("href") != null
                    && e.getAttribute("href").endsWith("/r/kim/tools"), "the repository's link");
            enterAndWait(d, link);
            assertThat(d.findElement(By.tagName("h1")).getText()).isEqualTo("kim/tools");

            String expected = "podman pull " + URI.create(server.url()).getAuthority() + "/kim/tools:v1";
            tabTo(d, e -> expected.equals(e.getAttribute("data-copy")), "the podman pull button");
            new Actions(d).sendKeys(Keys.ENTER).perform();
            Object copied = d.executeAsyncScript("var done = arguments[arguments.length - 1];"
                    + "setTimeout(function () { navigator.clipboard.readText().then(done, function (e) { done('failed: ' + e); }); }, 100);");
            assertThat(copied).isEqualTo(expected);
        }
    }
}
