package io.berth.storage.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.BinaryData;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobCopyInfo;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.models.CopyStatusType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import com.azure.storage.blob.sas.BlobSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.berth.storage.FileInfo;
import io.berth.storage.ObjectKeys;
import io.berth.storage.PathNotFoundException;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageException;
import io.berth.storage.StorageWriter;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Objects as block blobs in an Azure Storage container, under an optional root prefix. Writers stage
 * blocks and commit the block list (see {@link AzureWriter}); moves are server-side copies.
 */
public final class AzureDriver implements StorageDriver {
    private static final Duration COPY_TIMEOUT = Duration.ofMinutes(30);

    final AzureSettings settings;
    private final BlobContainerClient container;
    private final ObjectKeys keys;

    public AzureDriver(AzureSettings settings) {
        this.settings = settings;
        this.keys = new ObjectKeys(settings.rootDirectory());
        // A store that refuses connections or stops answering fails the call instead of hanging it.
        HttpClient http = new JdkHttpClientBuilder().connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofSeconds(30)).readTimeout(Duration.ofSeconds(30)).build();
        // Bounded retries (the SDK's default waits up to minutes): 3 tries, exponential backoff from 0.5 s
        // to 4 s, each try limited to 2 minutes (a block is at most the chunk size), so an outage is a
        // 503 within seconds.
        RequestRetryOptions retries = new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, 3, 120, 500L, 4000L, null);
        BlobServiceClientBuilder b = new BlobServiceClientBuilder().httpClient(http).retryOptions(retries);
        if (settings.usesConnectionString()) {
            b.connectionString(settings.connectionString());
        } else {
            b.endpoint(settings.serviceUrl().toString())
                    .credential(new StorageSharedKeyCredential(settings.accountName(), settings.accountKey()));
        }
        this.container = b.buildClient().getBlobContainerClient(settings.container());
        try {
            container.createIfNotExists(); // as registry:2 does; a key without that right still works on an existing container
        } catch (BlobStorageException e) {
            if (e.getStatusCode() != 403) {
                throw failure("create container " + settings.container(), "", e);
            }
        }
    }

    @Override
    public String name() {
        return "azure";
    }

    private BlockBlobClient blob(String name) {
        return container.getBlobClient(name).getBlockBlobClient();
    }

    // --- reading ----------------------------------------------------------------------------

    @Override
    public Optional<FileInfo> stat(String path) {
        String name = keys.object(path);
        try {
            BlobProperties p = container.getBlobClient(name).getProperties();
            return Optional.of(new FileInfo(keys.pathOf(name), p.getBlobSize(), p.getLastModified().toInstant(), false));
        } catch (BlobStorageException e) {
            if (!missingBlob(e)) {
                throw failure("stat", path, e);
            }
        }
        try {
            // A directory exists while some blob is under it; it has the time of the first one.
            Iterator<BlobItem> under = container.listBlobs(new ListBlobsOptions().setPrefix(name + "/").setMaxResultsPerPage(1), null).iterator();
            if (!under.hasNext()) {
                return Optional.empty();
            }
            BlobItem first = under.next();
            return Optional.of(new FileInfo(keys.pathOf(name), 0, first.getProperties().getLastModified().toInstant(), true));
        } catch (BlobStorageException e) {
            throw failure("stat", path, e);
        }
    }

    @Override
    public byte[] getContent(String path) {
        try {
            return container.getBlobClient(keys.object(path)).downloadContent().toBytes();
        } catch (BlobStorageException e) {
            throw missingBlob(e) ? new PathNotFoundException(path) : failure("read", path, e);
        }
    }

    @Override
    public InputStream reader(String path, long offset) {
        BlobClient blob = container.getBlobClient(keys.object(path));
        try {
            BlobProperties p = blob.getProperties();
            if (offset >= p.getBlobSize()) {
                return InputStream.nullInputStream();
            }
            // every chunk read from the version we just saw, never a mix of two
            return blob.openInputStream(new BlobInputStreamOptions().setRange(new BlobRange(offset))
                    .setRequestConditions(new BlobRequestConditions().setIfMatch(p.getETag())));
        } catch (BlobStorageException e) {
            throw missingBlob(e) ? new PathNotFoundException(path) : failure("read", path, e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        String under = keys.children(prefix);
        TreeSet<String> children = new TreeSet<>();
        try {
            for (BlobItem item : container.listBlobsByHierarchy("/", new ListBlobsOptions().setPrefix(under), null)) {
                String name = item.getName();
                if (Boolean.TRUE.equals(item.isPrefix())) {
                    children.add(keys.pathOf(name.substring(0, name.length() - 1)));
                } else if (!name.equals(under)) {
                    children.add(keys.pathOf(name));
                }
            }
        } catch (BlobStorageException e) {
            throw failure("list", prefix, e);
        }
        return List.copyOf(children);
    }

    // --- writing ----------------------------------------------------------------------------

    @Override
    public void putContent(String path, byte[] content) {
        try {
            blob(keys.object(path)).upload(BinaryData.fromBytes(content), true);
        } catch (BlobStorageException e) {
            throw failure("write", path, e);
        }
    }

    @Override
    public StorageWriter writer(String path, boolean append) {
        return AzureWriter.open(this, path, blob(keys.object(path)), append);
    }

    /** The blob's size, or -1 when it does not exist (as a committed blob). */
    long sizeIfExists(BlockBlobClient blob) {
        try {
            return blob.getProperties().getBlobSize();
        } catch (BlobStorageException e) {
            if (missingBlob(e)) {
                return -1;
            }
            throw e;
        }
    }

    // --- moving and deleting ----------------------------------------------------------------

    @Override
    public void move(String source, String destination) {
        String from = keys.object(source);
        String to = keys.object(destination);
        BlobClient src = container.getBlobClient(from);
        try {
            BlobProperties p;
            try {
                p = src.getProperties();
            } catch (BlobStorageException e) {
                if (missingBlob(e)) {
                    throw new PathNotFoundException(source);
                }
                throw e;
            }
            if (from.equals(to)) {
                return;
            }
            // Copy Blob within one account is authorised by the request itself and done by the service.
            SyncPoller<BlobCopyInfo, Void> copy = container.getBlobClient(to).beginCopy(src.getBlobUrl(), null, null, null,
                    new BlobRequestConditions().setIfMatch(p.getETag()), null, Duration.ofMillis(200));
            PollResponse<BlobCopyInfo> done = copy.waitForCompletion(COPY_TIMEOUT);
            if (done.getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED
                    || done.getValue().getCopyStatus() != CopyStatusType.SUCCESS) {
                throw new StorageException("azure copy of " + source + " to " + destination + " ended with "
                        + done.getValue().getCopyStatus() + ": " + done.getValue().getError());
            }
            src.delete();
        } catch (BlobStorageException e) {
            throw failure("move", source + " -> " + destination, e);
        }
    }

    @Override
    public void delete(String path) {
        String name = keys.deletable(path);
        try {
            deleteBlob(blob(name));
            // everything under it, including blobs that so far have only uncommitted blocks
            ListBlobsOptions under = new ListBlobsOptions().setPrefix(name + "/")
                    .setDetails(new BlobListDetails().setRetrieveUncommittedBlobs(true));
            for (BlobItem item : container.listBlobs(under, null)) {
                deleteBlob(blob(item.getName()));
            }
        } catch (BlobStorageException e) {
            throw failure("delete", path, e);
        }
    }

    /** Deletes a blob with its uncommitted blocks; nothing when there is neither. */
    void deleteBlob(BlockBlobClient blob) {
        try {
            blob.delete();
            return;
        } catch (BlobStorageException e) {
            if (!missingBlob(e)) {
                throw e;
            }
        }
        // No committed blob, but maybe blocks a writer staged: committing an empty list drops them,
        // leaving an empty blob to delete.
        try {
            if (blob.listBlocks(BlockListType.UNCOMMITTED).getUncommittedBlocks().isEmpty()) {
                return;
            }
        } catch (BlobStorageException e) {
            if (missingBlob(e)) {
                return;
            }
            throw e;
        }
        blob.commitBlockList(List.of(), true);
        blob.delete();
    }

    /**
     * A read-only service SAS for the one blob, expiring after {@code lifetime}. Signing is local and
     * needs the account key; with other credentials (a SAS connection string) it is empty and Berth streams.
     */
    @Override
    public Optional<URI> redirectUrl(String path, Duration lifetime) {
        try {
            BlobClient b = container.getBlobClient(keys.object(path));
            String sas = b.generateSas(new BlobServiceSasSignatureValues(OffsetDateTime.now().plus(lifetime),
                    new BlobSasPermission().setReadPermission(true)));
            return Optional.of(URI.create(b.getBlobUrl() + "?" + sas));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public void checkHealth() {
        try {
            container.listBlobs(new ListBlobsOptions().setPrefix(keys.root()).setMaxResultsPerPage(1), null).iterableByPage().iterator().next();
        } catch (BlobStorageException e) {
            throw failure("health check on container " + settings.container(), "", e);
        } catch (RuntimeException e) {
            throw new StorageException("azure health check on container " + settings.container() + " failed: " + e.getMessage(), e);
        }
    }

    /** A 404 about the blob, not the container (a missing container is a configuration error, never "not found"). */
    static boolean missingBlob(BlobStorageException e) {
        return e.getStatusCode() == 404 && !BlobErrorCode.CONTAINER_NOT_FOUND.equals(e.getErrorCode());
    }

    static StorageException failure(String op, String path, BlobStorageException e) {
        // the service's message names the error code and request id; it never carries the account key
        String detail = e.getErrorCode() != null ? e.getErrorCode() + " (HTTP " + e.getStatusCode() + ")" : "HTTP " + e.getStatusCode();
        return new StorageException("azure " + op + (path.isEmpty() ? "" : " of " + path) + " failed: " + detail, e);
    }
}
