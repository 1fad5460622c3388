package io.berth.ui;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The size a repository's page shows for each tag: the manifest and the blobs it references, and for an index
 * its children's blobs too (summed in the page's one tag statement), among enough other tags that a sum over
 * the whole repository would show.
 */
class WebUiTagSizesTest {
    private static TestServer server;
    private static String session;
    private static long imageTotal;
    private static long indexTotal;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        Http admin = server.http();
        OciImages.Target target = OciImages.over(admin);
        String big = "a".repeat(30_000);
        String small = "b".repeat(7_000);
        OciImages.Pushed amd = OciImages.Image.linux("amd64").layer(big, "ADD rootfs.tar /").push(target, "sizes/app", "amd64");
        OciImages.Pushed arm = new OciImages.Image("linux", "arm64", "v8").layer(small, "ADD rootfs.tar /").push(target, "sizes/app", null);
        OciImages.index(target, "sizes/app", "multi", List.of(amd, arm), List.of("linux/amd64", "linux/arm64/v8"));
        long indexSize = admin.get("/v2/sizes/app/manifests/multi", "Accept", OciImages.INDEX).body().length;
        imageTotal = amd.size() + amd.configSize() + big.length();
        indexTotal = indexSize + amd.configSize() + big.length() + arm.configSize() + small.length();
        for (int i = 0; i < 5; i++) { // other tags of the repository, whose blobs no size above includes
            OciImages.Image.linux("amd64").layer("other layer " + i + "x".repeat(50_000), "ADD x /").push(target, "sizes/app", "other" + i);
        }
        session = new WebClient(server.url()).login("admin", TestServer.ADMIN_PASSWORD);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anImagesSizeIsItsManifestAndBlobsAndAnIndexsAddsItsChildrensBlobs() {
        String page = new WebClient(server.url()).page("/r/sizes/app", session);
        assertThat(row(page, "amd64")).contains(Format.bytes(imageTotal));
        assertThat(row(page, "multi")).contains(Format.bytes(indexTotal));
    }

    /** The table row of {@code tag} on a repository's page. */
    private static String row(String page, String tag) {
        int at = page.indexOf(">" + tag + "<");
        assertThat(at).as("tag " + tag + " on the page").isPositive();
        return page.substring(page.lastIndexOf("<tr", at), page.indexOf("</tr>", at));
    }
}
