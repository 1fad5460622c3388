package io.berth.config;

import io.berth.storage.factory.StorageConfig;
import io.berth.storage.azure.AzureSettings;
import io.berth.storage.gcs.GcsSettings;
import io.berth.storage.s3.S3Settings;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The {@code storage:} section in registry:2's layout: exactly one driver, named either by
 * {@code REGISTRY_STORAGE=s3} (storage.type) or by being the one driver mapping under storage, with
 * that driver's parameters under {@code storage.<driver>} (REGISTRY_STORAGE_S3_BUCKET, ...).
 */
final class StorageSettings {
    private static final Set<String> NOT_DRIVERS = Set.of("type", "delete", "maintenance", "cache", "redirect", "tag");
    private static final List<String> DRIVERS = List.of("filesystem", "s3", "gcs", "azure");

    private StorageSettings() {
    }

    static StorageConfig from(Settings s) {
        String driver = driverName(s);
        return switch (driver) {
            case "filesystem" -> new StorageConfig.Filesystem(Path.of(s.string("storage.filesystem.rootdirectory", "./data")),
                    s.bool("berth.storage.directio", true));
            case "s3" -> new StorageConfig.S3(s3(s));
            case "gcs" -> new StorageConfig.Gcs(gcs(s));
            case "azure" -> new StorageConfig.Azure(azure(s));
            default -> throw new ConfigException("storage driver \"" + driver + "\" (REGISTRY_STORAGE) is not supported; use one of "
                    + String.join(", ", DRIVERS));
        };
    }

    private static String driverName(Settings s) {
        if (s.has("storage.type")) {
            return s.string("storage.type", "filesystem").trim().toLowerCase(java.util.Locale.ROOT);
        }
        if (!s.has("storage")) {
            return "filesystem";
        }
        if (!s.keys("storage").isEmpty() || s.string("storage", "").isEmpty()) {
            List<String> named = s.keys("storage").stream().filter(k -> !NOT_DRIVERS.contains(k)).toList();
            if (named.size() > 1) {
                throw new ConfigException("more than one storage driver is configured (" + String.join(", ", named)
                        + "); configure one, or choose with REGISTRY_STORAGE");
            }
            return named.isEmpty() ? "filesystem" : named.getFirst();
        }
        return s.string("storage", "filesystem").trim().toLowerCase(java.util.Locale.ROOT);
    }

    private static String required(Settings s, String dotted, String driver) {
        String v = s.string(dotted, "").trim();
        if (v.isEmpty()) {
            throw new ConfigException("setting " + dotted + " (" + Settings.envName(dotted) + ") is required with the "
                    + driver + " storage driver");
        }
        return v;
    }

    private static String optional(Settings s, String dotted) {
        String v = s.string(dotted, "").trim();
        return v.isEmpty() ? null : v;
    }

    private static S3Settings s3(Settings s) {
        String bucket = required(s, "storage.s3.bucket", "s3");
        URI endpoint = null;
        String regionEndpoint = optional(s, "storage.s3.regionendpoint");
        if (regionEndpoint != null) {
            if (!regionEndpoint.contains("://")) {
                regionEndpoint = (s.bool("storage.s3.secure", true) ? "https://" : "http://") + regionEndpoint;
            }
            try {
                endpoint = URI.create(regionEndpoint);
            } catch (IllegalArgumentException e) {
                throw Settings.invalid("storage.s3.regionendpoint", regionEndpoint, "a URL such as http://minio:9000");
            }
            if (endpoint.getHost() == null) {
                throw Settings.invalid("storage.s3.regionendpoint", regionEndpoint, "a URL such as http://minio:9000");
            }
        }
        String region = optional(s, "storage.s3.region");
        if (region == null && endpoint == null) {
            throw new ConfigException("setting storage.s3.region (REGISTRY_STORAGE_S3_REGION) is required with the s3 storage "
                    + "driver, unless storage.s3.regionendpoint (REGISTRY_STORAGE_S3_REGIONENDPOINT) names the store");
        }
        String storageClass = s.string("storage.s3.storageclass", "STANDARD").trim().toUpperCase(java.util.Locale.ROOT);
        if (!storageClass.matches("[A-Z_]+")) {
            throw Settings.invalid("storage.s3.storageclass", storageClass, "a storage class such as STANDARD, or NONE");
        }
        long maxPart = 5L * 1024 * 1024 * 1024;
        try {
            return new S3Settings(bucket, region, endpoint,
                    s.bool("storage.s3.forcepathstyle", false),
                    optional(s, "storage.s3.accesskey"), optional(s, "storage.s3.secretkey"),
                    optional(s, "storage.s3.rootdirectory"),
                    s.bool("storage.s3.encrypt", false), optional(s, "storage.s3.keyid"), storageClass,
                    (int) s.number("storage.s3.chunksize", 10L * 1024 * 1024, S3Settings.MIN_CHUNK_SIZE, 1L << 30),
                    s.number("storage.s3.multipartcopychunksize", 32L * 1024 * 1024, S3Settings.MIN_CHUNK_SIZE, maxPart),
                    s.number("storage.s3.multipartcopythresholdsize", 32L * 1024 * 1024, 0, maxPart),
                    (int) s.number("storage.s3.multipartcopymaxconcurrency", 100, 1, 1000));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("invalid s3 storage settings: " + e.getMessage());
        }
    }

    private static GcsSettings gcs(Settings s) {
        String bucket = required(s, "storage.gcs.bucket", "gcs");
        String keyFile = optional(s, "storage.gcs.keyfile");
        if (keyFile != null && !java.nio.file.Files.isReadable(Path.of(keyFile))) {
            throw Settings.invalid("storage.gcs.keyfile", keyFile, "a readable service account key file (JSON)");
        }
        long chunk = s.number("storage.gcs.chunksize", GcsSettings.DEFAULT_CHUNK_SIZE, 256 * 1024, 1L << 30);
        if (chunk % (256 * 1024) != 0) {
            throw Settings.invalid("storage.gcs.chunksize", String.valueOf(chunk), "a multiple of 262144 (256 KiB)");
        }
        return new GcsSettings(bucket, keyFile == null ? null : Path.of(keyFile), optional(s, "storage.gcs.rootdirectory"), (int) chunk);
    }

    private static AzureSettings azure(Settings s) {
        String container = required(s, "storage.azure.container", "azure");
        String connectionString = optional(s, "storage.azure.connectionstring");
        String type = optional(s, "storage.azure.credentials.type");
        if (type != null && !type.equals("shared_key")) {
            throw Settings.invalid("storage.azure.credentials.type", type,
                    "shared_key (with accountname and accountkey), or a connectionstring; " + type + " is not supported");
        }
        String account = optional(s, "storage.azure.accountname");
        String key = optional(s, "storage.azure.accountkey");
        if (connectionString == null && (account == null || key == null)) {
            throw new ConfigException("the azure storage driver needs storage.azure.accountname and storage.azure.accountkey "
                    + "(REGISTRY_STORAGE_AZURE_ACCOUNTNAME, REGISTRY_STORAGE_AZURE_ACCOUNTKEY), or storage.azure.connectionstring "
                    + "(REGISTRY_STORAGE_AZURE_CONNECTIONSTRING)");
        }
        String serviceUrl = optional(s, "storage.azure.serviceurl");
        if (serviceUrl == null) {
            serviceUrl = optional(s, "storage.azure.endpoint");
        }
        URI url = null;
        if (serviceUrl != null) {
            try {
                url = URI.create(serviceUrl);
            } catch (IllegalArgumentException e) {
                url = null;
            }
            if (url == null || url.getHost() == null) {
                throw Settings.invalid("storage.azure.serviceurl", serviceUrl, "a URL such as https://account.blob.core.windows.net");
            }
        }
        try {
            return new AzureSettings(account, key, container, optional(s, "storage.azure.rootdirectory"),
                    optional(s, "storage.azure.realm"), url, connectionString,
                    (int) s.number("storage.azure.chunksize", AzureSettings.DEFAULT_CHUNK_SIZE, 64 * 1024, 100L * 1024 * 1024));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("invalid azure storage settings: " + e.getMessage());
        }
    }
}
