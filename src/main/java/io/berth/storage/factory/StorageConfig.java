package io.berth.storage.factory;

import io.berth.storage.azure.AzureSettings;
import io.berth.storage.gcs.GcsSettings;
import io.berth.storage.s3.S3Settings;

import java.nio.file.Path;

/** Which store holds the registry's objects, with that store's own settings. */
public sealed interface StorageConfig {

    /** The driver's name as registry:2 spells it. */
    String driverName();

    /** Objects in a directory on this machine; blobs written with direct I/O where the file system allows. */
    record Filesystem(Path rootDirectory, boolean directIo) implements StorageConfig {
        public Filesystem(Path rootDirectory) {
            this(rootDirectory, true);
        }

        @Override
        public String driverName() {
            return "filesystem";
        }
    }

    /** Objects in an S3 bucket or an S3-compatible store. */
    record S3(S3Settings settings) implements StorageConfig {
        @Override
        public String driverName() {
            return "s3";
        }
    }

    /** Objects in a Google Cloud Storage bucket. */
    record Gcs(GcsSettings settings) implements StorageConfig {
        @Override
        public String driverName() {
            return "gcs";
        }
    }

    /** Objects as block blobs in an Azure Storage container. */
    record Azure(AzureSettings settings) implements StorageConfig {
        @Override
        public String driverName() {
            return "azure";
        }
    }
}
