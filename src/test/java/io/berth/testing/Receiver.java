package io.berth.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

/**
 * A real HTTP receiver of webhooks and notifications on a loopback port (the JDK's HTTP server): records
 * every request, answers with the status it is told, can hang, and can be stopped (connections refused)
 * and started again on the same port.
 */
public final class Receiver implements AutoCloseable {
    /** One request as it arrived, and the status it was answered; header names in lower case. */
    public record Received(String method, String path, Map<String, List<String>> headers, byte[] body, Instant at, int status) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.getFirst();
        }

        public JsonNode json() {
            try {
                return Http.JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final int port;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile CountDownLatch hang;
    private HttpServer server;

    private Receiver(int port) {
        this.port = port;
    }

    public static Receiver start() {
        Receiver r = new Receiver(0);
        r.listen(0);
        return r;
    }

    private synchronized void listen(int onPort) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            CountDownLatch h = hang;
            if (h != null) {
                try {
                    h.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int answer = status;
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body, Instant.now(), answer));
            exchange.sendResponseHeaders(answer, -1);
            exchange.close();
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** The status every request gets from now on (200 by default). */
    public void answer(int status) {
        this.status = status;
    }

    /** Requests wait, unanswered, until {@link #release}: a receiver that never answers. */
    public void hang() {
        hang = new CountDownLatch(1);
    }

    public void release() {
        CountDownLatch h = hang;
        hang = null;
        if (h != null) {
            h.countDown();
        }
    }

    /** Closes the port: connections are refused until {@link #restart}. */
    public synchronized void stop() {
        release();
        server.stop(0);
    }

    /** Listens again on the same port. */
    public void restart() {
        listen(port == 0 ? portBefore() : port);
    }

    private int portBefore() {
        return server.getAddress().getPort();
    }

    public List<Received> all() {
        return new ArrayList<>(received);
    }

    /** Waits until {@code n} recorded requests match, and returns those. */
    public List<Received> await(int n, Predicate<Received> which, Duration within) {
        Instant deadline = Instant.now().plus(within);
        while (true) {
            List<Received> matching = received.stream().filter(which).toList();
            if (matching.size() >= n) {
                return matching;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("expected " + n + " matching requests within " + within + ", got " + matching.size()
                        + " of " + received.size() + ": " + received.stream().map(r -> new String(r.body())).toList());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    public List<Received> await(int n, Duration within) {
        return await(n, r -> true, within);
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
