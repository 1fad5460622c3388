package io.berth.testing;

import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web UI as plain HTTP, the way an attacker's script (or a forged form) would send it: log in through the
 * form, fetch pages with a session cookie, POST forms with or without the CSRF token and an Origin.
 */
public final class WebClient {
    private static final HttpClient CLIENT = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final String base;

    public WebClient(String base) {
        this.base = base;
    }

    /** Logs in through the form; returns the session cookie's value. */
    public String login(String user, String password) {
        HttpResponse<String> r = post("/login", null, "username=" + encode(user) + "&password=" + encode(password), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly", "SameSite=Lax");
        return setCookie.substring("berth_session=".length(), setCookie.indexOf(';'));
    }

    /** A page's HTML (whatever its status), for {@code session} (null: logged out). */
    public String page(String path, String session) {
        return get(path, session).body();
    }

    public HttpResponse<String> get(String path, String session) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (session != null) {
            b.header("Cookie", "berth_session=" + session);
        }
        return send(b.build());
    }

    /** POSTs a form (already URL-encoded) with the session cookie, and an Origin header unless {@code origin} is null. */
    public HttpResponse<String> post(String path, String session, String form, String origin) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (session != null) {
            b.header("Cookie", "berth_session=" + session);
        }
        if (origin != null) {
            b.header("Origin", origin);
        }
        return send(b.build());
    }

    /** POSTs a form as one of our own pages would: with the session's CSRF token, read from {@code page}. */
    public HttpResponse<String> postWithToken(String path, String session, String page, String form) {
        return post(path, session, "csrf=" + encode(csrfOf(page(page, session))) + (form.isEmpty() ? "" : "&" + form), null);
    }

    /** The CSRF token of the first form on a page. */
    public static String csrfOf(String html) {
        int at = html.indexOf("name=\"csrf\" value=\"");
        assertThat(at).as("a form with a CSRF token").isPositive();
        int start = at + "name=\"csrf\" value=\"".length();
        return html.substring(start, html.indexOf('"', start));
    }

    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Logs the browser in through the login form. */
    public void logIn(ChromeDriver d, String user, String password) {
        d.get(base + "/login");
        d.findElement(By.id("username")).sendKeys(user);
        d.findElement(By.id("password")).sendKeys(password);
        d.findElement(By.cssSelector("form[action='/login'] button")).click();
        // The click may return before the answer's cookie is set, on a busy machine.
        new WebDriverWait(d, Duration.ofSeconds(30)).withMessage("logged in as " + user)
                .until(driver -> driver.manage().getCookieNamed("berth_session") != null);
        org.assertj.core.api.Assertions.assertThat(d.manage().getCookieNamed("berth_session").isHttpOnly()).as("HttpOnly").isTrue();
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
