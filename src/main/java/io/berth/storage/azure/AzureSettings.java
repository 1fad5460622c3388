package io.berth.storage.azure;

import java.net.URI;

/**
 * How to reach a blob container, with registry:2's parameter names. Either a connection string, or
 * an account name and key (the service URL then defaults to {@code https://<account>.blob.<realm>}).
 * {@link #toString()} never shows the key or the connection string.
 *
 * @param chunkSize bytes buffered per staged block
 */
public record AzureSettings(String accountName, String accountKey, String container, String rootDirectory,
                            String realm, URI serviceUrl, String connectionString, int chunkSize) {

    public static final int DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

    public AzureSettings {
        if (container == null || container.isBlank()) {
            throw new IllegalArgumentException("the Azure container must be named");
        }
        boolean hasConnectionString = connectionString != null && !connectionString.isBlank();
        if (!hasConnectionString && (accountName == null || accountName.isBlank() || accountKey == null || accountKey.isBlank())) {
            throw new IllegalArgumentException("Azure needs an account name and key, or a connection string");
        }
        if (realm == null || realm.isBlank()) {
            realm = "core.windows.net";
        }
        if (serviceUrl == null && !hasConnectionString) {
            serviceUrl = URI.create("https://" + accountName + ".blob." + realm);
        }
        if (chunkSize < 64 * 1024 || chunkSize > 100 * 1024 * 1024) {
            throw new IllegalArgumentException("the Azure chunk size must be from 64 KiB to 100 MiB");
        }
    }

    public static AzureSettings withKey(String accountName, String accountKey, String container, URI serviceUrl, String rootDirectory) {
        return new AzureSettings(accountName, accountKey, container, rootDirectory, null, serviceUrl, null, DEFAULT_CHUNK_SIZE);
    }

    boolean usesConnectionString() {
        return connectionString != null && !connectionString.isBlank();
    }

    @Override
    public String toString() {
        return "AzureSettings[container=" + container + ", account=" + (usesConnectionString() ? "from connection string" : accountName)
                + ", serviceUrl=" + serviceUrl + ", rootDirectory=" + rootDirectory + ", chunkSize=" + chunkSize + "]";
    }
}
