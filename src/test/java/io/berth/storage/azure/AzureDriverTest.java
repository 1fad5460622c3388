package io.berth.storage.azure;

import io.berth.storage.StorageDriver;
import io.berth.storage.StorageDriverContract;
import io.berth.testing.Azurite;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

/** The contract against Azurite, with small blocks so that multi-block paths run. */
class AzureDriverTest extends StorageDriverContract {
    private Azurite azurite;

    @Override
    protected boolean signsRedirectUrls() {
        return true;
    }

    @Override
    protected StorageDriver openDriver() throws Exception {
        azurite = Azurite.start();
        return new AzureDriver(new AzureSettings(Azurite.ACCOUNT, Azurite.KEY, "berth", "/registry-root/", null,
                azurite.serviceUrl(), null, 1024 * 1024));
    }

    @Override
    protected void closeStore() throws Exception {
        if (azurite != null) {
            azurite.close();
        }
    }

    @Test
    void connectionStringWorksToo() {
        String cs = "DefaultEndpointsProtocol=http;AccountName=" + Azurite.ACCOUNT + ";AccountKey=" + Azurite.KEY
                + ";BlobEndpoint=" + azurite.serviceUrl() + ";";
        try (AzureDriver other = new AzureDriver(new AzureSettings(null, null, "berth", "/registry-root/", null, null, cs,
                AzureSettings.DEFAULT_CHUNK_SIZE))) {
            driver.putContent(path("cs"), bytes("via key"));
            assertThat(other.getContent(path("cs"))).isEqualTo(bytes("via key"));
        }
    }

    @Test
    void settingsNeverShowTheKey() {
        AzureSettings s = AzureSettings.withKey("acct", "c2VjcmV0LWtleQ==", "c", URI.create("http://127.0.0.1:1/acct"), "");
        assertThat(s.toString()).doesNotContain("c2VjcmV0LWtleQ==");
        AzureSettings cs = new AzureSettings(null, null, "c", "", null, null, "AccountKey=c2VjcmV0LWtleQ==", AzureSettings.DEFAULT_CHUNK_SIZE);
        assertThat(cs.toString()).doesNotContain("c2VjcmV0LWtleQ==");
    }
}
