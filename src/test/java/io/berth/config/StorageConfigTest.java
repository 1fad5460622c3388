package io.berth.config;

import io.berth.storage.factory.StorageConfig;
import io.berth.storage.s3.S3Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StorageConfigTest {

    private static BerthConfig env(Map<String, String> env) {
        return BerthConfig.from(Settings.load(null, env));
    }

    @Test
    void filesystemIsTheDefaultAndHoldsTheDatabase() {
        BerthConfig c = env(Map.of("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", "/srv/reg"));
        assertThat(c.storage()).isEqualTo(new StorageConfig.Filesystem(Path.of("/srv/reg")));
        assertThat(c.dataDirectory()).isEqualTo(Path.of("/srv/reg"));
    }

    @Test
    void directIoIsOnUnlessTurnedOff() {
        assertThat(((StorageConfig.Filesystem) env(Map.of()).storage()).directIo()).isTrue();
        assertThat(((StorageConfig.Filesystem) env(Map.of("BERTH_STORAGE_DIRECTIO", "false")).storage()).directIo()).isFalse();
        assertThatThrownBy(() -> env(Map.of("BERTH_STORAGE_DIRECTIO", "sometimes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("BERTH_STORAGE_DIRECTIO");
    }

    @Test
    void s3FromRegistry2EnvironmentVariables() {
        BerthConfig c = env(Map.ofEntries(
                Map.entry("REGISTRY_STORAGE", "s3"),
                Map.entry("REGISTRY_STORAGE_S3_BUCKET", "images"),
                Map.entry("REGISTRY_STORAGE_S3_REGION", "eu-central-1"),
                Map.entry("REGISTRY_STORAGE_S3_REGIONENDPOINT", "minio.local:9000"),
                Map.entry("REGISTRY_STORAGE_S3_SECURE", "false"),
                Map.entry("REGISTRY_STORAGE_S3_FORCEPATHSTYLE", "true"),
                Map.entry("REGISTRY_STORAGE_S3_ACCESSKEY", "AKID"),
                Map.entry("REGISTRY_STORAGE_S3_SECRETKEY", "s3cr3t-value"),
                Map.entry("REGISTRY_STORAGE_S3_ROOTDIRECTORY", "/reg"),
                Map.entry("REGISTRY_STORAGE_S3_ENCRYPT", "true"),
                Map.entry("REGISTRY_STORAGE_S3_STORAGECLASS", "reduced_redundancy")));
        S3Settings s = ((StorageConfig.S3) c.storage()).settings();
        assertThat(s.bucket()).isEqualTo("images");
        assertThat(s.region()).isEqualTo("eu-central-1");
        assertThat(s.endpoint()).isEqualTo(URI.create("http://minio.local:9000"));
        assertThat(s.forcePathStyle()).isTrue();
        assertThat(s.accessKey()).isEqualTo("AKID");
        assertThat(s.secretKey()).isEqualTo("s3cr3t-value");
        assertThat(s.rootDirectory()).isEqualTo("/reg");
        assertThat(s.encrypt()).isTrue();
        assertThat(s.storageClass()).isEqualTo("REDUCED_REDUNDANCY");
        assertThat(s.chunkSize()).isEqualTo(10 * 1024 * 1024);
        assertThat(c.dataDirectory()).isEqualTo(Path.of("./data"));
        assertThat(c.rootDirectory()).isNull();
        assertThat(c.toString()).doesNotContain("s3cr3t-value");
    }

    @Test
    void s3FromAYamlMappingWithTheDataDirectoryFromTheEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.yml");
        Files.writeString(file, """
                storage:
                  s3:
                    bucket: reg
                    region: us-west-2
                  delete:
                    enabled: true
                """);
        BerthConfig c = BerthConfig.from(Settings.load(file, Map.of("BERTH_DATA_DIR", "/var/lib/berth")));
        S3Settings s = ((StorageConfig.S3) c.storage()).settings();
        assertThat(s.bucket()).isEqualTo("reg");
        assertThat(s.endpoint()).isNull();
        assertThat(s.accessKey()).isNull();
        assertThat(c.dataDirectory()).isEqualTo(Path.of("/var/lib/berth"));
    }

    @Test
    void explicitDriverWinsOverOtherDriverSections() {
        BerthConfig c = env(Map.of("REGISTRY_STORAGE", "s3", "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", "/x",
                "REGISTRY_STORAGE_S3_BUCKET", "b", "REGISTRY_STORAGE_S3_REGION", "us-east-1"));
        assertThat(c.storage()).isInstanceOf(StorageConfig.S3.class);
    }

    @Test
    void mistakesAreNamedInOneLine() {
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE", "s3", "REGISTRY_STORAGE_S3_REGION", "us-east-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("REGISTRY_STORAGE_S3_BUCKET");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE", "s3", "REGISTRY_STORAGE_S3_BUCKET", "b")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("REGISTRY_STORAGE_S3_REGION");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE", "s3", "REGISTRY_STORAGE_S3_BUCKET", "b",
                "REGISTRY_STORAGE_S3_REGION", "r", "REGISTRY_STORAGE_S3_CHUNKSIZE", "1000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("REGISTRY_STORAGE_S3_CHUNKSIZE");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE", "swift")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("swift");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", "/x", "REGISTRY_STORAGE_S3_BUCKET", "b")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("more than one storage driver");
    }

    @Test
    void gcsFromRegistry2EnvironmentVariables() {
        BerthConfig c = env(Map.of("REGISTRY_STORAGE", "gcs", "REGISTRY_STORAGE_GCS_BUCKET", "images",
                "REGISTRY_STORAGE_GCS_ROOTDIRECTORY", "/reg"));
        var s = ((StorageConfig.Gcs) c.storage()).settings();
        assertThat(s.bucket()).isEqualTo("images");
        assertThat(s.keyFile()).isNull();
        assertThat(s.rootDirectory()).isEqualTo("/reg");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE", "gcs", "REGISTRY_STORAGE_GCS_BUCKET", "b",
                "REGISTRY_STORAGE_GCS_KEYFILE", "/no/such/key.json")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("REGISTRY_STORAGE_GCS_KEYFILE");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE", "gcs"))).hasMessageContaining("REGISTRY_STORAGE_GCS_BUCKET");
    }

    @Test
    void azureFromRegistry2EnvironmentVariables() {
        BerthConfig c = env(Map.of("REGISTRY_STORAGE", "azure", "REGISTRY_STORAGE_AZURE_ACCOUNTNAME", "acct",
                "REGISTRY_STORAGE_AZURE_ACCOUNTKEY", "a2V5LXZhbHVl", "REGISTRY_STORAGE_AZURE_CONTAINER", "reg",
                "REGISTRY_STORAGE_AZURE_ROOTDIRECTORY", "/r", "REGISTRY_STORAGE_AZURE_REALM", "core.chinacloudapi.cn"));
        var s = ((StorageConfig.Azure) c.storage()).settings();
        assertThat(s.accountName()).isEqualTo("acct");
        assertThat(s.container()).isEqualTo("reg");
        assertThat(s.serviceUrl()).isEqualTo(URI.create("https://acct.blob.core.chinacloudapi.cn"));
        assertThat(c.toString()).doesNotContain("a2V5LXZhbHVl");

        BerthConfig cs = env(Map.of("REGISTRY_STORAGE", "azure", "REGISTRY_STORAGE_AZURE_CONTAINER", "reg",
                "REGISTRY_STORAGE_AZURE_CONNECTIONSTRING", "AccountName=x;AccountKey=a2V5LXZhbHVl"));
        assertThat(((StorageConfig.Azure) cs.storage()).settings().connectionString()).contains("AccountName=x");
        assertThat(cs.toString()).doesNotContain("a2V5LXZhbHVl");

        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE", "azure", "REGISTRY_STORAGE_AZURE_CONTAINER", "reg")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("REGISTRY_STORAGE_AZURE_ACCOUNTKEY");
        assertThatThrownBy(() -> env(Map.of("REGISTRY_STORAGE", "azure", "REGISTRY_STORAGE_AZURE_ACCOUNTNAME", "a",
                "REGISTRY_STORAGE_AZURE_ACCOUNTKEY", "k")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("REGISTRY_STORAGE_AZURE_CONTAINER");
    }
}
