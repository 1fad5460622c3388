package io.berth.storage.filesystem;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Disk work on upload files done in the background so that a request need not wait for it: an early
 * {@code fdatasync} ({@link FileWriter}) or a direct-I/O writer's last blocks ({@link DirectFileWriter}).
 * Tasks for one file run one after another; {@link #await} waits for them all.
 *
 * <p>A failure cannot be reported to the request that queued the task, which has been answered, so it is
 * kept against the file and thrown by the next {@link #await} — the one before the file is written
 * again or committed. (Linux reports a write-back error to one fsync only: losing it here would let a
 * damaged blob be published, since its digest is computed from the bytes received, not from the disk.)
 */
final class FileTasks {
    /** Work that may fail with an I/O error. */
    interface IoTask {
        void run() throws IOException;
    }

    private static final ExecutorService THREADS = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "berth-file-tasks");
        t.setDaemon(true);
        return t;
    });

    private final Map<Path, CompletableFuture<Void>> running = new ConcurrentHashMap<>();
    private final Map<Path, IOException> failures = new ConcurrentHashMap<>();

    /** Runs {@code task} after those already queued for {@code file}; {@code last} runs after it, even on failure. */
    CompletableFuture<Void> queue(Path file, IoTask task, Runnable last) {
        CompletableFuture<Void> next = running.compute(file, (f, previous) ->
                (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous.exceptionally(e -> null))
                        .thenRunAsync(() -> run(f, task, last), THREADS));
        next.whenComplete((ok, e) -> running.remove(file, next));
        return next;
    }

    /** Waits for the file's tasks and throws the first failure any of them saw. */
    void await(Path file) throws IOException {
        CompletableFuture<Void> last = running.get(file);
        if (last != null) {
            last.exceptionally(e -> null).join(); // run() records every failure
        }
        IOException failure = failures.remove(file);
        if (failure != null) {
            throw failure;
        }
    }

    /** The file is being deleted: its failures no longer matter. */
    void forget(Path file) {
        failures.remove(file);
    }

    private void run(Path file, IoTask task, Runnable last) {
        try {
            task.run();
        } catch (ClosedChannelException e) {
            // cancelled meanwhile: the file is being deleted
        } catch (IOException e) {
            failures.putIfAbsent(file, e);
        } catch (RuntimeException e) {
            failures.putIfAbsent(file, new IOException(e));
        } finally {
            last.run();
        }
    }
}
