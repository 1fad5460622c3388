package io.berth.ui;

import io.berth.testing.WebClient;
import io.berth.metadata.RepositoryBrowser;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.oci.Digest;
import io.berth.registry.LocalRegistry;
import io.berth.registry.Registry;
import io.berth.storage.filesystem.FilesystemDriver;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image and compare pages ask the core and the metadata store's browser the same few questions (each
 * browser method is one statement) whether an image has one layer or forty, an index two platforms or twelve,
 * a manifest no referrer or five: no question per layer, child or referrer. Counted at the interfaces the
 * pages read through, on a real core and database.
 */
class WebUiImageQueriesTest {
    @TempDir
    static Path dir;
    private static JdbcMetadataStore store;
    private static Server jetty;
    private static String base;
    private static final Map<String, Integer> CALLS = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        store = JdbcMetadataStore.sqlite(dir.resolve("berth.db"));
        LocalRegistry core = new LocalRegistry(new FilesystemDriver(dir.resolve("data"), false), store, Registry.Options.defaults(),
                Clock.systemUTC());
        jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        jetty.addConnector(connector);
        jetty.setHandler(new WebUi(counting(Registry.class, core), null, counting(RepositoryBrowser.class, store.browser()),
                new SystemInfo("test", "test", "filesystem", "sqlite", java.time.Instant.now(), java.util.List.of())));
        jetty.start();
        base = "http://127.0.0.1:" + connector.getLocalPort();

        OciImages.Target target = new OciImages.Target() {
            @Override
            public void blob(String repository, byte[] data) {
                core.putBlob(repository, Digest.sha256(data), consumer -> consumer.accept(ByteBuffer.wrap(data)));
            }

            @Override
            public String manifest(String repository, String reference, String mediaType, byte[] json) {
                return core.putManifest(repository, reference, json, mediaType).digest().toString();
            }
        };
        List<OciImages.Pushed> images = new ArrayList<>();
        for (int n : new int[]{1, 40, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
            OciImages.Image image = OciImages.Image.linux("amd64").env("N=" + n).label("n", String.valueOf(n));
            for (int i = 0; i < n; i++) {
                image.layer("layer " + i + " of " + n, "RUN step " + i).step("ENV I=" + i);
            }
            images.add(image.push(target, "lib/app", n == 1 ? "small" : n == 40 ? "big" : null));
        }
        OciImages.index(target, "lib/app", "small-index", images.subList(0, 2), List.of("linux/amd64", "linux/arm64"));
        List<String> platforms = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            platforms.add("linux/arch" + i);
        }
        OciImages.index(target, "lib/app", "big-index", images, platforms);
        for (int i = 0; i < 5; i++) {
            OciImages.referrer(target, "lib/app", images.get(1), "application/vnd.example.signature." + i, "signature " + i);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        jetty.stop();
        store.close();
    }

    @Test
    void anImagesPageAsksAsMuchForFortyLayersAndFiveReferrersAsForOne() {
        Map<String, Integer> small = callsOf("/r/lib/app/m/" + digestOf("small"));
        assertThat(callsOf("/r/lib/app/m/" + digestOf("big"))).isEqualTo(small);
        assertThat(small.values().stream().mapToInt(Integer::intValue).sum()).as("%s", small).isLessThanOrEqualTo(6);
    }

    @Test
    void anIndexsPageAsksAsMuchForTwelvePlatformsAsForTwo() {
        Map<String, Integer> small = callsOf("/r/lib/app/m/" + digestOf("small-index"));
        assertThat(callsOf("/r/lib/app/m/" + digestOf("big-index"))).isEqualTo(small);
        assertThat(small).containsEntry("RepositoryBrowser.childContent", 1);
    }

    @Test
    void comparingAsksAsMuchForBigImagesAsForSmallOnes() {
        assertThat(callsOf("/r/lib/app/compare?a=big&b=big-index")).isEqualTo(callsOf("/r/lib/app/compare?a=small&b=small-index"));
    }

    private static String digestOf(String tag) {
        return store.browser().tags("lib/app", RepositoryBrowser.TagOrder.NAME, null, 100).stream()
                .filter(t -> t.tag().equals(tag)).findFirst().orElseThrow().digest().toString();
    }

    /** What the pages asked while rendering {@code path} (which must answer 200). */
    private static synchronized Map<String, Integer> callsOf(String path) {
        CALLS.clear();
        assertThat(new WebClient(base).get(path, null).statusCode()).as(path).isEqualTo(200);
        return new TreeMap<>(CALLS);
    }

    @SuppressWarnings("unchecked")
    private static <T> T counting(Class<T> type, T target) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (proxy, method, args) -> {
            CALLS.merge(type.getSimpleName() + "." + method.getName(), 1, Integer::sum);
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
