package io.berth.storage.gcs;

import com.google.cloud.ReadChannel;
import com.google.cloud.spi.ServiceRpcFactory;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import com.google.cloud.storage.contrib.nio.testing.ComposingFakeStorageRpc;
import com.google.cloud.storage.spi.v1.StorageRpc;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageDriverContract;
import io.berth.storage.StorageWriter;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract against the in-memory Cloud Storage fake of google-cloud-nio (LocalStorageHelper's
 * FakeStorageRpc), as no GCS server runs offline. The fake has two gaps, filled here: it does not
 * compose (ComposingFakeStorageRpc adds that), and it is not thread-safe, so every call into it is
 * serialised; the concurrency case then tests the driver's own thread safety, not the service's.
 */
class GcsDriverTest extends StorageDriverContract {

    @Override
    protected StorageDriver openDriver() {
        StorageRpc fake = new ComposingFakeStorageRpc();
        Storage storage = StorageOptions.newBuilder()
                .setProjectId("berth-test")
                .setServiceRpcFactory((ServiceRpcFactory<StorageOptions>) options -> fake)
                .build().getService();
        return new GcsDriver(serialised(storage), new GcsSettings("berth", null, "/registry-root/", 1024 * 1024));
    }

    /** The Storage client with all calls, and reads from the channels it opens, under one lock. */
    private static Storage serialised(Storage storage) {
        Object lock = new Object();
        return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[]{Storage.class}, (proxy, method, args) -> {
            synchronized (lock) {
                Object result = invoke(method, storage, args);
                if (result instanceof ReadChannel channel) {
                    return Proxy.newProxyInstance(ReadChannel.class.getClassLoader(), new Class<?>[]{ReadChannel.class},
                            (p, m, a) -> {
                                synchronized (lock) {
                                    return invoke(m, channel, a);
                                }
                            });
                }
                return result;
            }
        });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void partsAreComposedAndRemovedOnCommit() {
        GcsDriver gcs = (GcsDriver) driver;
        String p = path("parts/data");
        try (StorageWriter w = driver.writer(p, true)) {
            w.write(ByteBuffer.wrap(randomBytes(1, 3 * MiB + 5)));
        }
        assertThat(gcs.storage.list("berth", Storage.BlobListOption.prefix("registry-root/.berth-parts/" + p + "/")).iterateAll())
                .hasSize(4);
        try (StorageWriter w = driver.writer(p, true)) {
            w.commit();
        }
        assertThat(gcs.storage.list("berth", Storage.BlobListOption.prefix("registry-root/.berth-parts/" + p + "/")).iterateAll())
                .isEmpty();
        assertThat(driver.stat(p)).hasValueSatisfying(i -> assertThat(i.size()).isEqualTo(3 * MiB + 5));
        assertThat(driver.list("/")).containsExactly("contract");
    }

    @Test
    void thePartsPrefixIsReserved() {
        assertThatThrownBy(() -> driver.putContent(".berth-parts/x", bytes("x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> driver.list(".berth-parts")).isInstanceOf(IllegalArgumentException.class);
    }

    /** With a service-account key, URLs are V4-signed locally (no call to GCS); without one the driver streams. */
    @Test
    void signsV4RedirectUrlsWithAServiceAccountKey() throws Exception {
        java.security.KeyPairGenerator gen = java.security.KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        com.google.auth.oauth2.ServiceAccountCredentials key = com.google.auth.oauth2.ServiceAccountCredentials.newBuilder()
                .setClientEmail("berth@berth-test.iam.gserviceaccount.com").setClientId("1")
                .setPrivateKey(gen.generateKeyPair().getPrivate()).setPrivateKeyId("k1").setProjectId("berth-test").build();
        Storage signing = StorageOptions.newBuilder().setProjectId("berth-test").setCredentials(key).build().getService();
        try (GcsDriver d = new GcsDriver(signing, new GcsSettings("berth", null, "/registry-root/", 1024 * 1024))) {
            java.net.URI url = d.redirectUrl("docker/registry/v2/blobs/sha256/ab/abc/data", java.time.Duration.ofMinutes(20)).orElseThrow();
            assertThat(url.getPath()).isEqualTo("/berth/registry-root/docker/registry/v2/blobs/sha256/ab/abc/data");
            assertThat(url.getQuery()).contains("X-Goog-Algorithm=GOOG4-RSA-SHA256", "X-Goog-Expires=1200", "X-Goog-Signature=");
        }
        assertThat(driver.redirectUrl("docker/registry/v2/blobs/sha256/ab/abc/data", java.time.Duration.ofMinutes(20))).isEmpty();
    }
}
