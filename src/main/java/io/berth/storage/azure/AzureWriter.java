package io.berth.storage.azure;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.models.Block;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.specialized.BlockBlobClient;
import io.berth.storage.StorageWriter;

import java.io.InputStream;
import java.nio.ByteBuffer;
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
final class AzureWriter implements StorageWriter {
    private static final Pattern OUR_BLOCK = Pattern.compile("berth-(\\d{10})");

    private enum State { OPEN, COMMITTED, CANCELLED, CLOSED }

    private final AzureDriver driver;
    private final String path;
    private final BlockBlobClient blob;
    private final int chunkSize;
    /** Block IDs in content order: the committed ones, then those staged since. */
    private final List<String> blocks = new ArrayList<>();
    /** Bytes in those blocks. */
    private long blocksSize;
    private long nextSequence;
    private byte[] buffer = new byte[0];
    private int buffered;
    private State state = State.OPEN;

    private AzureWriter(AzureDriver driver, String path, BlockBlobClient blob) {
        this.driver = driver;
        this.path = path;
        this.blob = blob;
        this.chunkSize = driver.settings.chunkSize();
    }

    static AzureWriter open(AzureDriver driver, String path, BlockBlobClient blob, boolean append) {
        AzureWriter w = new AzureWriter(driver, path, blob);
        if (!append) {
            // Start from nothing, as a truncating file open does: an empty commit also drops stale staged blocks.
            blob.commitBlockList(List.of(), true);
            return w;
        }
        BlockList list;
        try {
            list = blob.listBlocks(BlockListType.ALL);
        } catch (BlobStorageException e) {
            if (AzureDriver.missingBlob(e)) {
                return w; // nothing there: a new object
            }
            throw e;
        }
        List<Block> committed = list.getCommittedBlocks();
        boolean committedAreOurs = committed.stream().allMatch(b -> sequence(b) >= 0);
        if (committed.isEmpty() || !committedAreOurs) {
            long size = driver.sizeIfExists(blob);
            if (size > 0) {
                // written whole (Put Blob) or by another tool: re-stage its bytes as our blocks
                w.restage(size);
            }
        } else {
            for (Block b : committed) {
                w.adopt(b);
            }
        }
        List<Block> staged = new ArrayList<>(list.getUncommittedBlocks().stream().filter(b -> sequence(b) >= 0).toList());
        staged.sort(Comparator.comparingLong(AzureWriter::sequence));
        for (Block b : staged) {
            if (sequence(b) >= w.nextSequence) {
                w.adopt(b);
            }
        }
        return w;
    }

    private void adopt(Block b) {
        blocks.add(b.getName());
        blocksSize += b.getSizeLong();
        nextSequence = Math.max(nextSequence, sequence(b) + 1);
    }

    private void restage(long size) {
        try (InputStream in = blob.openInputStream()) {
            byte[] chunk = new byte[(int) Math.min(chunkSize, size)];
            for (int n; (n = in.readNBytes(chunk, 0, chunk.length)) > 0; ) {
                stage(chunk, n);
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

    private void stage(byte[] bytes, int length) {
        String id = Base64.getEncoder().encodeToString(String.format("berth-%010d", nextSequence).getBytes(StandardCharsets.US_ASCII));
        blob.stageBlock(id, BinaryData.fromBytes(length == bytes.length ? bytes : Arrays.copyOf(bytes, length)));
        nextSequence++;
        blocks.add(id);
        blocksSize += length;
    }

    @Override
    public void write(ByteBuffer src) {
        ensureOpen();
        try {
            while (src.hasRemaining()) {
                int n = Math.min(src.remaining(), chunkSize - buffered);
                ensureCapacity(buffered + n);
                src.get(buffer, buffered, n);
                buffered += n;
                if (buffered == chunkSize) {
                    stage(buffer, buffered);
                    buffered = 0;
                }
            }
        } catch (BlobStorageException e) {
            throw AzureDriver.failure("write", path, e);
        }
    }

    private void ensureCapacity(int needed) {
        if (buffer.length < needed) {
            int size = Math.max(needed, Math.min(chunkSize, Math.max(64 * 1024, buffer.length * 2)));
            buffer = Arrays.copyOf(buffer, size);
        }
    }

    @Override
    public long size() {
        ensureOpen();
        return blocksSize + buffered;
    }

    @Override
    public void commit() {
        ensureOpen();
        try {
            if (blocks.isEmpty()) {
                blob.upload(BinaryData.fromBytes(Arrays.copyOf(buffer, buffered)), true); // one request for small objects
            } else {
                if (buffered > 0) {
                    stage(buffer, buffered);
                    buffered = 0;
                }
                blob.commitBlockList(blocks, true);
            }
            finish(State.COMMITTED);
        } catch (BlobStorageException e) {
            throw AzureDriver.failure("commit", path, e);
        }
    }

    @Override
    public void cancel() {
        ensureOpen();
        finish(State.CANCELLED);
        try {
            driver.deleteBlob(blob);
        } catch (BlobStorageException e) {
            throw AzureDriver.failure("cancel", path, e);
        }
    }

    @Override
    public void close() {
        if (state != State.OPEN) {
            return;
        }
        try {
            if (buffered > 0) {
                stage(buffer, buffered); // left uncommitted for the next appending writer
            }
        } catch (BlobStorageException e) {
            throw AzureDriver.failure("close", path, e);
        } finally {
            finish(State.CLOSED);
        }
    }

    private void finish(State end) {
        state = end;
        buffer = new byte[0];
        buffered = 0;
    }

    private void ensureOpen() {
        if (state != State.OPEN) {
            throw new IllegalStateException("writer to " + path + " is " + state.name().toLowerCase());
        }
    }
}
