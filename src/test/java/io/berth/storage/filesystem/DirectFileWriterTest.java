package io.berth.storage.filesystem;

import io.berth.storage.StorageWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The direct-I/O writer's own hazards, beyond the driver contract: stage and block boundaries, partial
 * last blocks read back by the next writer, closes finishing in the background, running out of stages.
 */
class DirectFileWriterTest {
    private static final int STAGE = StageBuffers.SIZE;

    @TempDir
    Path root;
    private FilesystemDriver driver;

    @BeforeEach
    void open() {
        driver = new FilesystemDriver(root);
    }

    @Test
    void commonLocalFileSystemsGetDirectIo() throws IOException {
        String type = Files.getFileStore(root).type();
        assumeTrue(Set.of("ext4", "xfs", "btrfs").contains(type), "file system " + type);
        assertThat(driver.writesDirect()).isTrue();
        assertThat(new FilesystemDriver(root, false).writesDirect()).isFalse();
    }

    @Test
    void appendsOfAwkwardSizesAcrossManyWritersKeepEveryByte() {
        assumeTrue(driver.writesDirect(), "direct I/O unavailable here");
        int[] sizes = {1, 4095, 4097, STAGE - 1, 2, STAGE + 1, 2 * STAGE, 3, 12_345_678, 4096, 0, 77};
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < sizes.length; i++) {
            byte[] chunk = random(sizes[i], i);
            // Each writer opens right after the previous one closed, whose last blocks may still be in flight.
            StorageWriter w = driver.writer("up/data", true);
            assertThat(w.size()).as("size seen by writer %d", i).isEqualTo(expected.size());
            write(w, chunk, 65_521);
            expected.writeBytes(chunk);
            assertThat(w.size()).isEqualTo(expected.size());
            if (i == sizes.length - 1) {
                w.commit();
            } else {
                w.close();
            }
        }
        assertThat(sha256(driver.getContent("up/data"))).isEqualTo(sha256(expected.toByteArray()));
        assertThat(driver.stat("up/data")).hasValueSatisfying(f -> assertThat(f.size()).isEqualTo(expected.size()));
    }

    @Test
    void moreConcurrentWritersThanStagesStillWriteExactly() throws Exception {
        int writers = StageBuffers.MAX_IN_USE + 8; // some fall back to the page cache
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch allOpen = new CountDownLatch(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                int id = i;
                done.add(pool.submit(() -> {
                    byte[] data = random(2 * STAGE + 123 + id, 100 + id);
                    StorageWriter w = driver.writer("many/" + id, false);
                    allOpen.countDown();
                    allOpen.await(30, TimeUnit.SECONDS); // all writers open at once, holding every stage
                    write(w, data, 1_000_003);
                    w.commit();
                    assertThat(sha256(driver.getContent("many/" + id))).isEqualTo(sha256(data));
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCancelledWriterLeavesNothingAndTheNextStartsAfresh() {
        StorageWriter w = driver.writer("gone/data", true);
        write(w, random(STAGE * 2 + 5, 1), 70_000);
        w.cancel();
        assertThat(driver.stat("gone/data")).isEmpty();
        byte[] small = random(10, 2);
        StorageWriter next = driver.writer("gone/data", true);
        assertThat(next.size()).isZero();
        write(next, small, 10);
        next.commit();
        assertThat(driver.getContent("gone/data")).isEqualTo(small);
    }

    @Test
    void aBackgroundFailureIsReportedOnceByTheNextAwait() throws Exception {
        FileTasks tasks = new FileTasks();
        Path file = root.resolve("f");
        AtomicInteger lastRan = new AtomicInteger();
        tasks.queue(file, () -> {
            throw new IOException("disk on fire");
        }, lastRan::incrementAndGet);
        tasks.queue(file, () -> { }, lastRan::incrementAndGet); // still runs after a failure
        assertThatThrownBy(() -> tasks.await(file)).hasMessage("disk on fire");
        assertThat(lastRan.get()).isEqualTo(2);
        tasks.await(file); // reported once

        tasks.queue(file, () -> {
            throw new IOException("again");
        }, () -> { });
        Thread.sleep(100);
        tasks.forget(file);
        tasks.await(file); // forgotten with the file
    }

    private static void write(StorageWriter w, byte[] data, int chunk) {
        for (int off = 0; off < data.length; off += chunk) {
            w.write(ByteBuffer.wrap(data, off, Math.min(chunk, data.length - off)));
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
