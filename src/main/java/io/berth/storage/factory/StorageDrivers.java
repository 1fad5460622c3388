package io.berth.storage.factory;

import io.berth.storage.FailureMapping;
import io.berth.storage.StorageDriver;
import io.berth.storage.azure.AzureDriver;
import io.berth.storage.filesystem.FilesystemDriver;
import io.berth.storage.gcs.GcsDriver;
import io.berth.storage.s3.S3Driver;

/** Builds the configured storage driver: the one place that knows every driver. */
public final class StorageDrivers {
    private StorageDrivers() {
    }

    public static StorageDriver fromConfig(StorageConfig config) {
        return switch (config) {
            case StorageConfig.Filesystem fs -> new FilesystemDriver(fs.rootDirectory(), fs.directIo());
            case StorageConfig.S3 s3 -> FailureMapping.around(new S3Driver(s3.settings()));
            case StorageConfig.Gcs gcs -> FailureMapping.around(GcsDriver.connect(gcs.settings()));
            case StorageConfig.Azure azure -> FailureMapping.around(new AzureDriver(azure.settings()));
        };
    }
}
