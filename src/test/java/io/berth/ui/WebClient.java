package io.berth.ui;

import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.chrome.ChromeDriver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The web UI over plain HTTP, as a script — or an attacker's — would use it: log in, fetch pages, post forms. */
final class WebClient {
    private static final HttpClient CLIENT = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final String base;

    WebClient(String base) {
        this.base = base;
    }

    /** Logs in through the form; returns the session cookie's value. */
    String login(String user, String password) {
        HttpResponse<String> r = post("/login", null, "username=" + user + "&password=" + password, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly", "SameSite=Lax");
        return setCookie.substring("berth_session=".length(), setCookie.indexOf(';'));
    }

    /** A page as {@code session} sees it (null: logged out). */
    HttpResponse<String> get(String path, String session) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (session != null) {
            b.header("Cookie", "berth_session=" + session);
        }
        return send(b);
    }

    String page(String path, String session) {
        return get(path, session).body();
    }

    HttpResponse<String> post(String path, String session, String form, String origin) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (session != null) {
            b.header("Cookie", "berth_session=" + session);
        }
        if (origin != null) {
            b.header("Origin", origin);
        }
        return send(b);
    }

    /** Logs the browser in through the login form. */
    void logIn(ChromeDriver d, String user, String password) {
        d.get(base + "/login");
        d.findElement(By.id("username")).sendKeys(user);
        d.findElement(By.id("password")).sendKeys(password);
        org.openqa.selenium.WebElement button = d.findElement(By.cssSelector("form[action='/login'] button"));
        button.click();
        io.berth.testing.Browser.awaitGone(button);
        // The click only starts the form's navigation: on a loaded machine the answer's cookie comes a moment later.
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (d.manage().getCookieNamed("berth_session") == null && System.nanoTime() < until) {
            pause();
        }
        assertThat(d.manage().getCookieNamed("berth_session")).extracting(Cookie::isHttpOnly).isEqualTo(true);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The CSRF token of a page's forms. */
    static String csrfOf(String html) {
        int at = html.indexOf("name=\"csrf\" value=\"");
        assertThat(at).as("a form with a CSRF token").isPositive();
        int start = at + "name=\"csrf\" value=\"".length();
        return html.substring(start, html.indexOf('"', start));
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
