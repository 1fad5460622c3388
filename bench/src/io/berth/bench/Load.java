package io.berth.bench;

import static io.berth.bench.Bench.log;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load runners — a timed closed loop ({@link #timed}), a fixed amount of work ({@link #counted}), one
 * connection's sequence ({@link #sequential}) — and what they measure: wall time, the client's and the
 * server's CPU ({@link Meter}), latency percentiles ({@link Latencies}).
 */
final class Load {
    private Load() {
    }

    static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** Wall time, the client's CPU (getrusage of this process) and the server's CPU (/proc ticks) around a run. */
    static final class Meter {
        final Server server;
        final long wall0 = System.nanoTime();
        final long client0 = OS.getProcessCpuTime();
        final long server0;

        Meter(Server server) {
            this.server = server;
            this.server0 = server.cpuTicks();
        }

        double seconds() {
            return (System.nanoTime() - wall0) / 1e9;
        }

        double clientCores(double seconds) {
            return (OS.getProcessCpuTime() - client0) / 1e9 / seconds;
        }

        double serverCores(double seconds) {
            return (server.cpuTicks() - server0) / 100.0 / seconds;
        }
    }

    /** Latencies of one worker, in nanoseconds. */
    static final class Latencies {
        long[] v = new long[4096];
        int n;

        void add(long ns) {
            if (n == v.length) {
                v = Arrays.copyOf(v, n * 2);
            }
            v[n++] = ns;
        }

        static double[] percentiles(List<Latencies> all, double... ps) {
            int total = all.stream().mapToInt(l -> l.n).sum();
            long[] merged = new long[total];
            int at = 0;
            for (Latencies l : all) {
                System.arraycopy(l.v, 0, merged, at, l.n);
                at += l.n;
            }
            Arrays.sort(merged);
            double[] out = new double[ps.length];
            for (int i = 0; i < ps.length; i++) {
                out[i] = total == 0 ? Double.NaN : merged[Math.min(total - 1, (int) Math.ceil(ps[i] * total) - 1 < 0 ? 0
                        : (int) Math.ceil(ps[i] * total) - 1)] / 1e6;
            }
            return out;
        }
    }

    @FunctionalInterface
    interface Request {
        /** Performs one request on the worker's connection; true when it succeeded. */
        boolean run(Conn c, int worker, int index) throws IOException;
    }

    /** The end of the timed run under way (for requests that watch it themselves, such as pulls). */
    static volatile long deadline;

    /**
     * Closed loop: {@code conns} connections each send requests back to back until {@code seconds} have
     * passed (and at most {@code maxPerConn} each). Result: completed requests/s, p50/p99.
     */
    static Run timed(Server s, int conns, double seconds, int maxPerConn, Request op) throws Exception {
        List<Conn> cs = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            cs.add(new Conn(s.address));
        }
        List<Latencies> lat = new ArrayList<>();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicLong lastEnd = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(conns);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] window = new long[2];
        for (int w = 0; w < conns; w++) {
            Latencies l = new Latencies();
            lat.add(l);
            Conn c = cs.get(w);
            int worker = w;
            threads.add(Thread.ofPlatform().name("load-" + w).start(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long deadline = window[1];
                long end = 0;
                for (int i = 0; i < maxPerConn; i++) {
                    long t0 = System.nanoTime();
                    if (t0 >= deadline) {
                        break;
                    }
                    boolean good;
                    try {
                        good = op.run(c, worker, i);
                    } catch (IOException | RuntimeException e) {
                        good = false;
                    }
                    end = System.nanoTime();
                    if (good) {
                        l.add(end - t0);
                        ok.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                    }
                }
                lastEnd.accumulateAndGet(end, Math::max);
            }));
        }
        ready.await();
        Meter m = new Meter(s);
        window[0] = System.nanoTime();
        window[1] = window[0] + (long) (seconds * 1e9);
        deadline = window[1];
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double wall = m.seconds();
        double elapsed = Math.max(1e-9, (lastEnd.get() - window[0]) / 1e9);
        double[] p = Latencies.percentiles(lat, 0.50, 0.99);
        cs.forEach(Conn::close);
        return new Run(ok.get() / elapsed, m.clientCores(wall), m.serverCores(wall), errors.get(), p[0], p[1], null);
    }

    /**
     * A fixed amount of work shared by {@code workers} connections (each takes the next task index);
     * result: tasks per second (or {@code unitsPerTask} units per second) from first start to last end.
     */
    static Run counted(Server s, int workers, int tasks, double unitsPerTask, Request op) throws Exception {
        List<Conn> cs = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            cs.add(new Conn(s.address));
        }
        AtomicInteger next = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        AtomicLong done = new AtomicLong();
        List<Latencies> lat = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(workers);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        String[] firstError = new String[1];
        long limit = System.nanoTime() + TimeUnit.MINUTES.toNanos(10); // a bound in time as well as in count
        for (int w = 0; w < workers; w++) {
            Latencies l = new Latencies();
            lat.add(l);
            Conn c = cs.get(w);
            int worker = w;
            threads.add(Thread.ofPlatform().name("work-" + w).start(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i; (i = next.getAndIncrement()) < tasks && System.nanoTime() < limit; ) {
                    long t0 = System.nanoTime();
                    try {
                        if (op.run(c, worker, i)) {
                            done.incrementAndGet();
                            l.add(System.nanoTime() - t0);
                        } else {
                            errors.incrementAndGet();
                        }
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                        synchronized (firstError) {
                            if (firstError[0] == null) {
                                firstError[0] = e.toString();
                            }
                        }
                    }
                }
            }));
        }
        ready.await();
        Meter m = new Meter(s);
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double wall = m.seconds();
        cs.forEach(Conn::close);
        if (firstError[0] != null) {
            log("  ! " + s.name + ": " + errors.get() + " errors, first: " + firstError[0]);
        }
        double[] p = Latencies.percentiles(lat, 0.50, 0.99);
        return new Run(done.get() * unitsPerTask / wall, m.clientCores(wall), m.serverCores(wall), errors.get(), p[0], p[1], null);
    }

    /** One connection, requests one after another: latency percentiles (the value is p50 in ms). */
    static Run sequential(Server s, int warmup, int samples, double maxSeconds, Request op) throws Exception {
        return sequential(s, warmup, samples, maxSeconds, 0.99, op);
    }

    /** {@link #sequential(Server, int, int, double, Request)} with another tail percentile in the run's p99ms slot (e.g. 0.95). */
    static Run sequential(Server s, int warmup, int samples, double maxSeconds, double tail, Request op) throws Exception {
        try (Conn c = new Conn(s.address)) {
            for (int i = 0; i < warmup; i++) {
                op.run(c, 0, i);
            }
            Latencies l = new Latencies();
            long errors = 0;
            Meter m = new Meter(s);
            long limit = System.nanoTime() + (long) (maxSeconds * 1e9);
            for (int i = 0; i < samples && System.nanoTime() < limit; i++) {
                long t0 = System.nanoTime();
                boolean good;
                try {
                    good = op.run(c, 0, i);
                } catch (IOException | RuntimeException e) {
                    good = false;
                }
                if (good) {
                    l.add(System.nanoTime() - t0);
                } else {
                    errors++;
                }
            }
            double wall = m.seconds();
            double[] p = Latencies.percentiles(List.of(l), 0.50, tail);
            return new Run(p[0], m.clientCores(wall), m.serverCores(wall), errors, p[0], p[1], l.n + " samples");
        }
    }
}
