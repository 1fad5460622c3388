package io.berth.storage.azure;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.berth.storage.ChunkedObjectWriter;
import io.berth.storage.StorageWriter;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A writer as a block blob's block list. Bytes are staged as blocks of the chunk size; commit commits
 * the list. A writer closed without commit stages what it buffered and leaves the blocks uncommitted,
 * and the next appending writer reads the blob's committed and uncommitted block lists to continue:
 * the committed blocks (the object so far) first, then the uncommitted ones in staging order, which
 * the block IDs carry ("berth-" and a ten-digit sequence number; Azure wants equal-length IDs). Blocks
 * may be any size, so no read-back is ever needed, unlike S3's 5 MiB parts.
 */
final class AzureWriter extends ChunkedObjectWriter {
    private static final Pattern OUR_BLOCK = Pattern.compile("berth-(\\d{10})");

    private final AzureDriver driver;
    private final BlockBlobClient blob;
    /** Block IDs in content order: the committed ones, then those staged since. */
    private final List<String> blocks = new ArrayList<>();
    /** Bytes in those blocks. */
    private long blocksSize;
    private long nextSequence;

    private AzureWriter(AzureDriver driver, String path, BlockBlobClient blob) {
        super(path, driver.settings.chunkSize());
        this.driver = driver;
        this.blob = blob;
    }

    static StorageWriter open(AzureDriver driver, String path, BlockBlobClient blob, boolean append) {
        return new AzureWriter(driver, path, blob).begin(append);
    }

    @Override
    protected void start() {
        // An empty commit also drops stale staged blocks.
        blob.commitBlockList(List.of(), true);
    }

    @Override
    protected void resume() {
        BlockList list;
        try {
            list = blob.listBlocks(BlockListType.ALL);
        } catch (BlobStorageException e) {
            if (AzureDriver.missingBlob(e)) {
                return; // nothing there: a new object
            }
            throw e;
        }
        List<Block> committed = list.getCommittedBlocks();
        boolean committedAreOurs = committed.stream().allMatch(b -> sequence(b) >= 0);
        if (committed.isEmpty() || !committedAreOurs) {
            long size = driver.sizeIfExists(blob);
            if (size > 0) {
                // written whole (Put Blob) or by another tool: re-stage its bytes as our blocks
                restage(size);
            }
        } else {
            for (Block b : committed) {
                adopt(b);
            }
        }
        List<Block> staged = new ArrayList<>(list.getUncommittedBlocks().stream().filter(b -> sequence(b) >= 0).toList());
        staged.sort(Comparator.comparingLong(AzureWriter::sequence));
        for (Block b : staged) {
            if (sequence(b) >= nextSequence) {
                adopt(b);
            }
        }
    }

    private void adopt(Block b) {
        blocks.add(b.getName());
        blocksSize += b.getSizeLong();
        nextSequence = Math.max(nextSequence, sequence(b) + 1);
    }

    private void restage(long size) {
        try (InputStream in = blob.openInputStream()) {
            byte[] chunk = new byte[(int) Math.min(chunkSize(), size)];
            for (int n; (n = in.readNBytes(chunk, 0, chunk.length)) > 0; ) {
                storePart(chunk, n);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The sequence number in one of our block IDs, or -1 for a block someone else staged. */
    private static long sequence(Block b) {
        try {
            Matcher m = OUR_BLOCK.matcher(new String(Base64.getDecoder().decode(b.getName()), StandardCharsets.US_ASCII));
            return m.matches() ? Long.parseLong(m.group(1)) : -1;
        } catch (IllegalArgumentException notBase64) {
            return -1;
        }
    }

    /** Stages the bytes as our next block. */
    @Override
    protected void storePart(byte[] bytes, int length) {
        String id = Base64.getEncoder().encodeToString(String.format("berth-%010d", nextSequence).getBytes(StandardCharsets.US_ASCII));
        blob.stageBlock(id, BinaryData.fromBytes(length == bytes.length ? bytes : Arrays.copyOf(bytes, length)));
        nextSequence++;
        blocks.add(id);
        blocksSize += length;
    }

    @Override
    protected long storedSize() {
        return blocksSize;
    }

    @Override
    protected boolean commitWithoutParts(byte[] bytes, int length) {
        if (!blocks.isEmpty()) {
            return false;
        }
        blob.upload(BinaryData.fromBytes(Arrays.copyOf(bytes, length)), true); // one request for small objects
        return true;
    }

    @Override
    protected void completeParts() {
        blob.commitBlockList(blocks, true);
    }

    @Override
    protected void discard() {
        driver.deleteBlob(blob);
    }

    @Override
    protected RuntimeException failure(String op, RuntimeException e) {
        return e instanceof BlobStorageException b ? AzureDriver.failure(op, path(), b) : e;
    }
}
