package io.berth.testing;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

/**
 * A real browser: Debian's chromium, headless, driven through Debian's chromedriver (Selenium never
 * downloads anything). Missing, it skips the test — unless BERTH_REQUIRE_E2E=1 (as in CI), where it fails.
 */
public final class Browser implements AutoCloseable {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    public static Browser start() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "1".equals(System.getenv("BERTH_REQUIRE_E2E"))) {
            throw new AssertionError("chromium and chromium-driver are not installed, and BERTH_REQUIRE_E2E=1 requires the browser tests");
        }
        Assumptions.assumeTrue(present, "chromium or chromedriver is not installed; browser test skipped");
        try {
            Path profile = Files.createTempDirectory("berth-chromium-");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            // The flags of a closed network: no background connections that the sandbox would refuse.
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                    "--no-first-run", "--disable-extensions", "--window-size=1280,900", "--user-data-dir=" + profile);
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            options.setCapability("goog:loggingPrefs", logs);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            return new Browser(driver, profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    /**
     * Clicks what submits a form or follows a link, and waits until the page it was on is gone (a click does
     * not always wait for the navigation it starts, and a loaded machine shows the old page a moment longer).
     */
    public void clickAndWait(org.openqa.selenium.By by) {
        org.openqa.selenium.WebElement element = driver.findElement(by);
        element.click();
        awaitGone(element);
    }

    /** Waits (at most 15 s) until {@code element} no longer belongs to the page: the next page has replaced it. */
    public static void awaitGone(org.openqa.selenium.WebElement element) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try {
                element.isEnabled();
            } catch (org.openqa.selenium.WebDriverException gone) { // stale, or chromedriver's "node does not belong to the document"
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The page's one-line message once it starts with {@code expected} (after a form's POST and redirect,
     * which a confirmation dialog's accept does not wait for), or whatever it says after 15 s.
     */
    public String flash(String expected) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        String seen = "";
        while (System.nanoTime() < deadline) {
            try {
                seen = driver.findElement(org.openqa.selenium.By.cssSelector(".flash")).getText();
                if (seen.startsWith(expected)) {
                    return seen;
                }
            } catch (org.openqa.selenium.NoSuchElementException | org.openqa.selenium.StaleElementReferenceException navigating) {
                // the next page is not there yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return seen;
    }

    /** What the page logged to the console since the last call (CSP violations land here). */
    public List<LogEntry> consoleLog() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }

    /** A screenshot of the current page, for people to look at (target/screenshots/NAME.png). */
    public Path screenshot(String name) {
        try {
            Path dir = Path.of("target", "screenshots");
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".png");
            File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The current page whole, at a desktop width (1280 px) and a narrow one (400 px, a phone's): NAME.png and
     * NAME-narrow.png, and NAME-dark.png at the desktop width with the browser preferring dark. The viewport
     * is set through the DevTools protocol (a headless window does not grow past its screen), and given back
     * afterwards.
     */
    public void screenshots(String name) {
        fullPage(name, 1280);
        fullPage(name + "-narrow", 400);
        // The same page as a browser set to dark sees it (the stylesheet follows prefers-color-scheme).
        driver.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        fullPage(name + "-dark", 1280);
        driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
        driver.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    }

    private void fullPage(String name, int width) {
        viewport(width, 900);
        long height = ((Number) driver.executeScript("return document.documentElement.scrollHeight")).longValue();
        viewport(width, (int) Math.min(Math.max(height, 600), 4000));
        screenshot(name);
    }

    private void viewport(int width, int height) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
    }

    @Override
    public void close() {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary profile left behind is harmless
        }
    }
}
