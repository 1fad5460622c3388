package io.berth.ui;

import io.berth.testing.WebClient;
import io.berth.testing.Browser;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An image's page, an index's, two tags compared and a manifest deleted, in a real browser, on real OCI
 * content (configs with env, labels, entrypoint, history; an index of two platforms; an SBOM that refers to
 * an image); and what a reader and an outsider may not see or do.
 */
class WebUiImageTest {
    private static final String PASSWORD = "image-test-password";
    /** A label and an env value that would run or restyle the page if they were not shown as text. */
    private static final String HOSTILE = "<script>alert('label')</script>\"><img src=x onerror=alert(1)>";
    private static TestServer server;
    private static WebClient web;
    private static OciImages.Pushed v1;
    private static OciImages.Pushed v2;
    private static OciImages.Pushed arm;
    private static OciImages.Pushed doomed;
    private static String index;
    private static String sbom;
    private static String baseLayer;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        web = new WebClient(server.url());
        Http admin = server.http();
        for (String user : new String[]{"alice", "bob", "mallory"}) {
            assertThat(admin.method("POST", "/api/v1/users", ("{\"name\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}")
                    .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
        }
        OciImages.Target alice = OciImages.over(new Http(server.url(), "alice", PASSWORD));
        String base = "base layer: a small root file system";
        baseLayer = Http.sha256(base.getBytes(StandardCharsets.UTF_8));
        v1 = OciImages.Image.linux("amd64")
                .env("PATH=/usr/local/bin:/usr/bin", "VERSION=1.0", "DEBUG=1", "NOTE=" + HOSTILE)
                .label("org.opencontainers.image.title", "app").label("hostile", HOSTILE)
                .entrypoint("/app").cmd("--serve", "--port=8080").user("app").workingDir("/srv").port("8080/tcp").volume("/data")
                .layer(base, "ADD rootfs.tar /").step("ENV VERSION=1.0").layer("the app, version 1.0", "COPY app /app")
                .push(alice, "alice/app", "1.0");
        alice.manifest("alice/app", "stable", OciImages.MANIFEST, rawManifest("1.0"));
        v2 = OciImages.Image.linux("amd64")
                .env("PATH=/usr/local/bin:/usr/bin", "VERSION=2.0", "NEW=yes", "NOTE=" + HOSTILE)
                .label("org.opencontainers.image.title", "app").label("org.opencontainers.image.version", "2.0").label("hostile", HOSTILE)
                .entrypoint("/app").cmd("--serve", "--port=9090").user("app").workingDir("/srv").port("8080/tcp").port("9090/tcp")
                .volume("/data")
                .layer(base, "ADD rootfs.tar /").step("ENV VERSION=2.0").layer("the app, version 2.0", "COPY app /app")
                .push(alice, "alice/app", "2.0");
        arm = new OciImages.Image("linux", "arm64", "v8").env("VERSION=1.0").entrypoint("/app")
                .layer("an arm64 root file system", "ADD rootfs.tar /").layer("the app, version 1.0, for arm64", "COPY app /app")
                .push(alice, "alice/app", null);
        index = OciImages.index(alice, "alice/app", "multi", List.of(v1, arm), List.of("linux/amd64", "linux/arm64/v8"));
        sbom = OciImages.referrer(alice, "alice/app", v1, "application/spdx+json", "{\"spdxVersion\":\"SPDX-2.3\"}");
        doomed = OciImages.Image.linux("amd64").layer(base, "ADD rootfs.tar /").layer("a layer only the doomed image has", "COPY x /x")
                .push(alice, "alice/app", "doomed");
        alice.manifest("alice/app", "doomed-too", OciImages.MANIFEST, rawManifest("doomed"));
        // bob may read alice's namespace, not change it; mallory has no right to it at all.
        assertThat(admin.method("PUT", "/api/v1/namespaces/alice/members/bob", "{\"role\":\"reader\"}".getBytes()).statusCode())
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theImagePageShowsConfigLayersHistoryReferrersTagsAndWhatDeletingFrees() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "alice", PASSWORD);
            d.get(server.url() + "/r/alice/app");
            browser.clickAndWait(By.linkText("1.0"));
            assertThat(d.getCurrentUrl()).endsWith("/r/alice/app/m/" + v1.digest());
            String facts = d.findElement(By.cssSelector("main .panel dl")).getText();
            assertThat(facts).contains(v1.digest(), "OCI image", "application/vnd.oci.image.manifest.v1+json", "1.0", "stable");
            // Deleting it frees its config and its own layer; the base layer is shared with 2.0.
            long ownLayer = "the app, version 1.0".length();
            assertThat(facts).contains("Deleting it frees\n" + Format.bytes(v1.configSize() + ownLayer) + " (2 blobs");
            String config = d.findElements(By.cssSelector("main .panel dl")).get(1).getText();
            assertThat(config).contains("linux/amd64", "app", "/srv", "[\"/app\"]", "[\"--serve\",\"--port=8080\"]", "8080/tcp", "/data");
            assertThat(rowOf(d, "VERSION").getText()).contains("1.0");
            assertThat(rowOf(d, "hostile").getText()).contains(HOSTILE); // shown as text: nothing ran
            assertThat(rowOf(d, "NOTE").getText()).contains(HOSTILE);
            assertNoAlert(d);
            List<WebElement> layers = d.findElements(By.xpath("//h2[starts-with(., 'Layers')]/following::table[1]/tbody/tr"));
            assertThat(layers).hasSize(3); // the config and two layers
            assertThat(layers.get(1).getText()).contains(Format.shortDigest(io.berth.oci.Digest.parse(baseLayer)), "shared");
            assertThat(layers.get(2).getText()).contains(Format.bytes(ownLayer), "freed");
            String history = d.findElement(By.xpath("//h2[starts-with(., 'History')]/following::table[1]")).getText();
            assertThat(history).contains("ADD rootfs.tar /", "ENV VERSION=1.0", "COPY app /app");
            String referrers = d.findElement(By.xpath("//h2[starts-with(., 'Referrers')]/following::table[1]")).getText();
            assertThat(referrers).contains("application/spdx+json", "2025-06-02T08:30:00Z");
            assertThat(d.findElement(By.cssSelector("pre.json")).getText()).contains("\"schemaVersion\": 2", v1.layers().get(1));
            assertThat(d.findElement(By.cssSelector("button[data-copy^='docker pull']")).getAttribute("data-copy"))
                    .endsWith("/alice/app@" + v1.digest());
            shots(browser, "image");

            // The SBOM's own page names the image it refers to.
            d.findElement(By.linkText(Format.shortDigest(io.berth.oci.Digest.parse(sbom)))).click();
            assertThat(d.findElement(By.cssSelector("main .panel dl")).getText()).contains("OCI artifact", "application/spdx+json", "Refers to\n" + v1.digest());
            assertThat(d.findElement(By.tagName("main")).getText()).contains("This artifact has no config of its own");

            // The index: its platforms, each a link to its image.
            d.get(server.url() + "/r/alice/app/m/" + index);
            String platforms = d.findElement(By.xpath("//h2[starts-with(., 'Platforms')]/following::table[1]")).getText();
            assertThat(platforms).contains("linux/amd64", "linux/arm64/v8");
            // Deleting the index frees the arm64 image (untagged, nothing else keeps it), not 1.0 (tagged).
            long armBytes = arm.configSize() + "an arm64 root file system".length() + "the app, version 1.0, for arm64".length();
            assertThat(d.findElement(By.cssSelector("main .panel dl")).getText()).contains(Format.bytes(armBytes) + " (3 blobs");
            shots(browser, "index");
            d.findElement(By.linkText(Format.shortDigest(io.berth.oci.Digest.parse(arm.digest())))).click();
            assertThat(d.findElements(By.cssSelector("main .panel dl")).get(1).getText()).contains("linux/arm64/v8");
            assertThat(browser.consoleLog()).noneMatch(e -> e.getMessage().contains("Content Security Policy"));
        }
    }

    @Test
    void twoTagsComparedShowTheirEnvLabelPortAndLayerDifferences() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "alice", PASSWORD);
            d.get(server.url() + "/r/alice/app");
            d.findElement(By.id("compare-a")).sendKeys("1.0");
            d.findElement(By.id("compare-b")).sendKeys("2.0");
            browser.clickAndWait(By.cssSelector("form.compare-form button"));
            assertThat(d.getCurrentUrl()).endsWith("/r/alice/app/compare?a=1.0&b=2.0");
            assertThat(d.findElement(By.cssSelector("tr.change.changed")).getText()).contains("Manifest");
            assertThat(change(d, "Environment", "VERSION")).isEqualTo("change changed");
            assertThat(change(d, "Environment", "DEBUG")).isEqualTo("change removed");
            assertThat(change(d, "Environment", "NEW")).isEqualTo("change added");
            assertThat(change(d, "Environment", "PATH")).isEmpty();
            assertThat(change(d, "Labels", "org.opencontainers.image.version")).isEqualTo("change added");
            assertThat(change(d, "Labels", "org.opencontainers.image.title")).isEmpty();
            assertThat(change(d, "Exposed ports", "9090/tcp")).isEqualTo("change added");
            assertThat(change(d, "Image", "Command")).isEqualTo("change changed");
            assertThat(change(d, "Image", "Entrypoint")).isEmpty();
            String layers = d.findElement(By.xpath("//h2[starts-with(., 'Layers')]/following::table[1]")).getText();
            assertThat(layers).contains("shared", "only in a", "only in b");
            WebElement base = d.findElement(By.xpath("//tr[.//a[normalize-space(.)='" + Format.shortDigest(io.berth.oci.Digest.parse(baseLayer)) + "']]"));
            assertThat(base.getText()).startsWith("1 1").contains("shared");
            assertNoAlert(d);
            shots(browser, "compare");
        }
        // An index compares as its linux/amd64 image, unless another platform is asked for.
        String alice = web.login("alice", PASSWORD);
        assertThat(web.page("/r/alice/app/compare?a=multi&b=1.0", alice)).contains("multi is an index: comparing its linux/amd64 image")
                .contains("the same image.");
        assertThat(web.page("/r/alice/app/compare?a=multi&b=1.0&platform=linux/arm64/v8", alice)).contains("its linux/arm64/v8 image");
        HttpResponse<String> missing = web.get("/r/alice/app/compare?a=1.0&b=nope", alice);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("There is no tag nope in alice/app.");
    }

    @Test
    void aMaintainerDeletesAManifestAfterAConfirmationThatSaysWhatGoes() {
        try (Browser browser = Browser.start()) {
            ChromeDriver d = browser.driver();
            web.logIn(d, "alice", PASSWORD);
            d.get(server.url() + "/r/alice/app/m/" + doomed.digest());
            WebElement form = d.findElement(By.cssSelector("form[action='/r/alice/app/m/" + doomed.digest() + "/delete']"));
            long freed = doomed.configSize() + "a layer only the doomed image has".length();
            String says = form.getAttribute("data-confirm");
            assertThat(says).contains("doomed, doomed-too go with it", Format.bytes(freed));
            form.findElement(By.tagName("button")).click();
            Alert confirm = d.switchTo().alert();
            assertThat(confirm.getText()).isEqualTo(says);
            confirm.dismiss(); // changing one's mind keeps it
            assertThat(server.http().get("/v2/alice/app/manifests/" + doomed.digest()).statusCode()).isEqualTo(200);
            d.findElement(By.cssSelector("form[action$='/delete'] button")).click();
            d.switchTo().alert().accept();
            assertThat(d.getCurrentUrl()).endsWith("/r/alice/app?done=manifest");
            assertThat(browser.flash("Manifest deleted, with its tags.")).isEqualTo("Manifest deleted, with its tags.");
        }
        assertThat(server.http().get("/v2/alice/app/manifests/" + doomed.digest()).statusCode()).isEqualTo(404);
        assertThat(server.http().get("/v2/alice/app/manifests/doomed").statusCode()).isEqualTo(404);
        assertThat(server.http().get("/v2/alice/app/manifests/doomed-too").statusCode()).isEqualTo(404);
        assertThat(server.http().get("/v2/alice/app/manifests/1.0").statusCode()).isEqualTo(200);
    }

    @Test
    void anOutsiderGetsTheSame404ForAPrivateImageAsForAMissingOneAndLearnsNoDigest() {
        String missing = "sha256:" + "0".repeat(64);
        for (String session : new String[]{null, web.login("mallory", PASSWORD)}) {
            HttpResponse<String> none = web.get("/r/alice/app/m/" + missing, session);
            assertThat(none.statusCode()).isEqualTo(404);
            for (String digest : List.of(v1.digest(), index, sbom, arm.digest())) {
                HttpResponse<String> r = web.get("/r/alice/app/m/" + digest, session);
                assertThat(r.statusCode()).isEqualTo(404);
                assertThat(r.body()).isEqualTo(none.body()).doesNotContain("sha256:", "rootfs", "VERSION");
            }
            assertThat(web.page("/r/alice/nothing/m/" + v1.digest(), session).replace("alice/nothing", "alice/app")).isEqualTo(none.body());
            HttpResponse<String> compare = web.get("/r/alice/app/compare?a=1.0&b=2.0", session);
            assertThat(compare.statusCode()).isEqualTo(404);
            assertThat(compare.body()).isEqualTo(web.page("/r/alice/nothing/compare?a=1.0&b=2.0", session).replace("alice/nothing", "alice/app"))
                    .doesNotContain("sha256:", "VERSION");
        }
        // mallory's own valid token does not let her delete what she cannot see: the same 404.
        String mallory = web.login("mallory", PASSWORD);
        HttpResponse<String> forged = web.post("/r/alice/app/m/" + v1.digest() + "/delete", mallory,
                "csrf=" + WebClient.csrfOf(web.page("/", mallory)), null);
        assertThat(forged.statusCode()).isEqualTo(404);
        assertThat(server.http().get("/v2/alice/app/manifests/" + v1.digest()).statusCode()).isEqualTo(200);
    }

    @Test
    void aReaderSeesTheImageWithoutADeleteButtonAndAForgedDeleteIsRefused() {
        String bob = web.login("bob", PASSWORD);
        HttpResponse<String> page = web.get("/r/alice/app/m/" + v1.digest(), bob);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("VERSION", baseLayer.substring(0, 19)).doesNotContain("/delete\"", "data-confirm");
        HttpResponse<String> forged = web.post("/r/alice/app/m/" + v1.digest() + "/delete", bob, "csrf=" + WebClient.csrfOf(page.body()), null);
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(server.http().get("/v2/alice/app/manifests/" + v1.digest()).statusCode()).isEqualTo(200);
    }

    @Test
    void aMalformedDigestIsTheMissingManifestsPageNeverAnError() {
        String alice = web.login("alice", PASSWORD);
        String missing = web.page("/r/alice/app/m/sha256:" + "0".repeat(64), alice);
        for (String bad : List.of("sha256:abc", "sha256:" + "A".repeat(64), "md5:" + "0".repeat(32), "sha256:", "x:y",
                "sha256:" + "0".repeat(64) + "/extra", "sha256:%3Cscript%3E", "sha512:" + "0".repeat(64))) {
            HttpResponse<String> r = web.get("/r/alice/app/m/" + bad, alice);
            assertThat(r.statusCode()).as(bad).isEqualTo(404);
            assertThat(r.body()).as(bad).isEqualTo(missing);
        }
        HttpResponse<String> delete = web.post("/r/alice/app/m/sha256:abc/delete", alice, "csrf=" + WebClient.csrfOf(missing), null);
        assertThat(delete.statusCode()).isEqualTo(404);
        // Without a or b, NAME/compare is a repository's name like any other.
        assertThat(web.get("/r/alice/app/compare", alice).body()).contains("There is no repository alice/app/compare");
    }

    // --- helpers --------------------------------------------------------------------------------

    private static byte[] rawManifest(String reference) {
        return server.http().get("/v2/alice/app/manifests/" + reference, "Accept", OciImages.MANIFEST).body();
    }

    /** The table row whose first cell is {@code key}. */
    private static WebElement rowOf(ChromeDriver d, String key) {
        return d.findElement(By.xpath("//tr[td[1][normalize-space(.)='" + key + "']]"));
    }

    /** The change class of {@code key}'s row in the section titled {@code section}. */
    private static String change(ChromeDriver d, String section, String key) {
        WebElement row = d.findElement(By.xpath("//h2[starts-with(normalize-space(.), '" + section + " ')]/following::table[1]"
                + "//tr[td[1][normalize-space(.)='" + key + "']]"));
        String css = row.getAttribute("class");
        return css == null ? "" : css;
    }

    private static void assertNoAlert(ChromeDriver d) {
        assertThatThrownBy(() -> d.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    }

    /**
     * Screenshots at a desktop and a phone's width, each of the whole page; at the narrow width nothing may
     * make the page scroll sideways (long digests and commands wrap, or scroll inside their own box).
     */
    private static void shots(Browser browser, String name) {
        ChromeDriver d = browser.driver();
        for (int width : new int[]{1280, 400}) {
            d.manage().window().setSize(new Dimension(width, 900));
            long height = ((Number) d.executeScript("return document.documentElement.scrollHeight")).longValue();
            d.manage().window().setSize(new Dimension(width, (int) Math.min(height + 120, 6000)));
            browser.screenshot(name + (width == 400 ? "-narrow" : ""));
            long overflow = ((Number) d.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth"))
                    .longValue();
            assertThat(overflow).as("%s at %dpx scrolls sideways", name, width).isLessThanOrEqualTo(0);
        }
        d.manage().window().setSize(new Dimension(1280, 900));
    }
}
