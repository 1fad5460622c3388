package io.berth.metadata.jdbc;

import io.berth.metadata.MetadataUnavailableException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit on SQLite's single writer. Every write transaction is handed to one writer thread;
 * whatever arrives while a commit (and its fsync, with {@code synchronous=FULL}) is in progress joins
 * the next group. A group runs as one SQLite transaction with each caller's work inside its own
 * savepoint, so one failing piece of work is rolled back alone and gets its own error while the others
 * commit. A caller is answered only after the commit that holds its work has returned, that is after
 * the WAL is on disk: one fsync serves a whole group of acknowledgements.
 */
final class GroupCommit implements AutoCloseable {
    /** Enough to absorb a burst of concurrent pushes; bounded so one group's latency stays small. */
    private static final int MAX_GROUP = 256;

    /** Test hook: sees every commit before any of its callers is answered. */
    interface Listener {
        Listener NONE = (size, tags) -> { };

        /** {@code tags} are the callers' {@link Pending#tag}s of the group's committed work. */
        void committed(int size, List<Object> tags);
    }

    private final DataSource writer;
    private final Listener listener;
    private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    /** Set once the writer thread has stopped taking work; anything queued after is refused. */
    private volatile boolean stopped;
    /** The open transaction's connection; touched by the writer thread only. */
    private Connection current;

    GroupCommit(DataSource writer, Listener listener) {
        this.writer = writer;
        this.listener = listener;
        this.thread = Thread.ofPlatform().daemon().name("berth-sqlite-writer").start(this::loop);
    }

    /** One caller's transaction, waiting for its group's commit. */
    private static final class Pending<T> {
        final Sql.Work<T> work;
        final Object tag;
        final CompletableFuture<T> done = new CompletableFuture<>();
        T result;
        Throwable failure;

        Pending(Sql.Work<T> work, Object tag) {
            this.work = work;
            this.tag = tag;
        }
    }

    /** Runs {@code work} in the next group; returns once it is committed and durable, or throws its own failure. */
    <T> T submit(Sql.Work<T> work, Object tag) throws SQLException {
        if (Thread.currentThread() == thread) {
            // Work that writes again from inside a transaction joins that transaction instead of deadlocking.
            return work.run(current);
        }
        if (closed) {
            throw new MetadataUnavailableException("metadata database is closed", null);
        }
        Pending<T> p = new Pending<>(work, tag);
        queue.add(p);
        if (stopped && queue.remove(p)) {
            throw new MetadataUnavailableException("metadata database is closed", null);
        }
        try {
            return p.done.join();
        } catch (CompletionException e) {
            throw rethrow(e.getCause());
        }
    }

    private static SQLException rethrow(Throwable t) {
        if (t instanceof SQLException s) {
            return s;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    private void loop() {
        List<Pending<?>> group = new ArrayList<>();
        while (!closed || !queue.isEmpty()) {
            try {
                Pending<?> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                run(group);
            } catch (InterruptedException e) {
                closed = true;
            } finally {
                group.clear();
            }
        }
        // Whatever raced the close is refused, never left waiting (submit checks `stopped` after queueing).
        stopped = true;
        List<Pending<?>> late = new ArrayList<>();
        queue.drainTo(late);
        failAll(late, new MetadataUnavailableException("metadata database is closed", null));
    }

    private void run(List<Pending<?>> group) {
        try (Connection c = writer.getConnection()) {
            current = c;
            c.setAutoCommit(false);
            try {
                List<Object> committed = runAll(c, group);
                c.commit();
                listener.committed(group.size(), committed);
            } catch (SQLException | RuntimeException | Error e) {
                Sql.rollbackQuietly(c);
                failAll(group, e);
                return;
            } finally {
                c.setAutoCommit(true);
                current = null;
            }
        } catch (SQLException e) {
            failAll(group, e);
            return;
        }
        for (Pending<?> p : group) {
            complete(p);
        }
    }

    /** Each piece of work in its own savepoint; a failure rolls back that piece alone. Returns the tags that succeeded. */
    private static List<Object> runAll(Connection c, List<Pending<?>> group) throws SQLException {
        List<Object> committed = new ArrayList<>(group.size());
        boolean alone = group.size() == 1;
        for (Pending<?> p : group) {
            Savepoint sp = alone ? null : c.setSavepoint();
            try {
                runOne(c, p);
                if (sp != null) {
                    c.releaseSavepoint(sp);
                }
                committed.add(p.tag);
            } catch (SQLException | RuntimeException e) {
                if (sp == null) {
                    throw e; // the whole (one-piece) transaction rolls back
                }
                c.rollback(sp); // throws if the connection itself is broken: then the whole group fails
                c.releaseSavepoint(sp);
                p.failure = e;
            }
        }
        return committed;
    }

    private static <T> void runOne(Connection c, Pending<T> p) throws SQLException {
        p.result = p.work.run(c);
    }

    private static <T> void complete(Pending<T> p) {
        if (p.failure != null) {
            p.done.completeExceptionally(p.failure);
        } else {
            p.done.complete(p.result);
        }
    }

    private static void failAll(List<Pending<?>> group, Throwable e) {
        for (Pending<?> p : group) {
            p.done.completeExceptionally(p.failure != null ? p.failure : e);
        }
    }

    /** Writes waiting for the next group (for tests that build a group deterministically). */
    int queued() {
        return queue.size();
    }

    /** Commits what is queued, then stops the writer thread. */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
