package io.berth.metadata.jdbc;

import io.berth.metadata.MetadataUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Group commit on a real SQLite database: the commit (the WAL's fsync, with synchronous=FULL) of a
 * group precedes the answer to every write in it, one failing write fails alone, and concurrent writes
 * share commits.
 */
class GroupCommitTest {
    @TempDir
    Path dir;
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> groupSizes = Collections.synchronizedList(new ArrayList<>());
    private Database db;
    private Sql sql;

    @BeforeEach
    void open() {
        db = Database.sqlite(dir.resolve("berth.db"), 2, true, (size, tags) -> {
            groupSizes.add(size);
            events.add("commit " + tags);
        });
        sql = new Sql(db);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private void insert(String name) {
        sql.write(c -> Sql.update(c, "INSERT INTO repositories (name, created_at) VALUES (?, 0)", name), name);
    }

    private boolean present(String name) {
        return sql.read(c -> Sql.exists(c, "SELECT 1 FROM repositories WHERE name = ?", name));
    }

    @Test
    void commitsAreDurableByDefault() {
        int synchronous = sql.write(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA synchronous")) {
                rs.next();
                return rs.getInt(1);
            }
        });
        assertThat(synchronous).as("synchronous=FULL").isEqualTo(2);
    }

    @Test
    void everyAnswerFollowsTheCommitOfItsGroup() throws Exception {
        int writers = 32;
        int each = 25;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        String name = "r" + id + "-" + i;
                        insert(name);
                        events.add("ack " + name);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        List<String> log = List.copyOf(events);
        int acks = 0;
        for (int i = 0; i < log.size(); i++) {
            if (!log.get(i).startsWith("ack ")) {
                continue;
            }
            acks++;
            String name = log.get(i).substring(4);
            boolean committedBefore = false;
            for (int j = 0; j < i && !committedBefore; j++) {
                committedBefore = log.get(j).startsWith("commit ") && commitHolds(log.get(j), name);
            }
            assertThat(committedBefore).as("%s answered before its commit", name).isTrue();
        }
        assertThat(acks).isEqualTo(writers * each);
        assertThat(groupSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(writers * each);
        for (int w = 0; w < writers; w++) {
            assertThat(present("r" + w + "-" + (each - 1))).isTrue();
        }
    }

    private static boolean commitHolds(String commit, String name) {
        String list = commit.substring("commit [".length(), commit.length() - 1);
        for (String tag : list.split(", ")) {
            if (tag.equals(name)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void writesThatArriveDuringACommitShareTheNextOne() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> blocker = pool.submit(() -> sql.write(c -> {
                running.countDown();
                await(release);
                return Sql.update(c, "INSERT INTO repositories (name, created_at) VALUES ('blocker', 0)");
            }, "blocker"));
            await(running);
            List<Future<?>> joined = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String name = "joined-" + i;
                joined.add(pool.submit(() -> insert(name)));
            }
            waitUntil(() -> db.groupCommit.queued() == 20);
            release.countDown();
            blocker.get(10, TimeUnit.SECONDS);
            for (Future<?> f : joined) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(groupSizes).containsExactly(1, 20);
    }

    @Test
    void aFailingWriteInAGroupFailsAloneAndTheOthersCommit() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        insert("taken");
        groupSizes.clear();
        CountDownLatch running = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> blocker = pool.submit(() -> sql.write(c -> {
                running.countDown();
                await(release);
                return 0;
            }));
            await(running);
            Future<?> first = pool.submit(() -> insert("first"));
            waitUntil(() -> db.groupCommit.queued() == 1);
            Future<?> refused = pool.submit(() -> sql.write(c -> {
                Sql.update(c, "INSERT INTO repositories (name, created_at) VALUES ('half-written', 0)");
                throw new IllegalStateException("refused by its own rule");
            }));
            waitUntil(() -> db.groupCommit.queued() == 2);
            Future<?> duplicate = pool.submit(() -> insert("taken"));
            waitUntil(() -> db.groupCommit.queued() == 3);
            Future<?> last = pool.submit(() -> insert("last"));
            waitUntil(() -> db.groupCommit.queued() == 4);
            release.countDown();
            blocker.get(10, TimeUnit.SECONDS);
            first.get(10, TimeUnit.SECONDS);
            last.get(10, TimeUnit.SECONDS);
            assertThatThrownBy(refused::get).cause().isInstanceOf(IllegalStateException.class).hasMessage("refused by its own rule");
            assertThatThrownBy(duplicate::get).cause().isInstanceOf(MetadataUnavailableException.class)
                    .hasMessageContaining("UNIQUE");
        }
        assertThat(groupSizes).containsExactly(1, 4);
        assertThat(present("first")).isTrue();
        assertThat(present("last")).isTrue();
        assertThat(present("half-written")).as("rolled back to its savepoint").isFalse();
    }

    @Test
    void aWriteFromInsideAWriteJoinsItsTransaction() {
        int n = sql.write(c -> {
            insert("inner");
            return Sql.update(c, "INSERT INTO repositories (name, created_at) VALUES ('outer', 0)");
        });
        assertThat(n).isEqualTo(1);
        assertThat(present("inner")).isTrue();
        assertThat(present("outer")).isTrue();
    }

    @Test
    void aWriteAfterCloseIsRefusedNotLost() {
        insert("before");
        db.close();
        assertThatThrownBy(() -> insert("after")).isInstanceOf(MetadataUnavailableException.class);
        db = Database.sqlite(dir.resolve("berth.db"), 2, true, (size, tags) -> { });
        sql = new Sql(db);
        assertThat(present("before")).isTrue();
        assertThat(present("after")).isFalse();
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition never held").isLessThan(deadline);
            Thread.sleep(5);
        }
        Thread.sleep(20); // the queued writes are parked on their futures, not racing the writer
    }
}
