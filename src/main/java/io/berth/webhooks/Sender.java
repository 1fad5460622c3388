package io.berth.webhooks;

import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Makes delivery requests: one client for the operator's endpoints (trusted: any address, redirects
 * followed, as registry:2's Go client does) and one for namespaces' webhooks (addresses vetted by
 * {@link Targets#guard} at every connection unless private targets are allowed, redirects never followed:
 * a redirect is the easiest way around an address check). Every request has a total timeout, and response
 * bodies are discarded unread.
 */
final class Sender implements AutoCloseable {
    /** Sent as User-Agent: without Berth's version, which is told to operators, not to whoever receives webhooks. */
    static final String USER_AGENT = "Berth-Webhooks";

    /** What one attempt got: a status, or why there was none. */
    record Result(Integer status, String error, long millis) {
        /** registry:2 takes any 2xx or 3xx (after redirects) as delivered; webhooks need a 2xx. */
        boolean accepted(boolean redirectsCount) {
            return status != null && status >= 200 && status < (redirectsCount ? 400 : 300);
        }
    }

    private final HttpClient trusted;
    private final HttpClient guarded;

    Sender(boolean allowPrivateTargets) {
        this.trusted = client("berth-notify", true, null);
        this.guarded = client("berth-webhook", false, allowPrivateTargets ? null : Targets.guard());
    }

    private static HttpClient client(String name, boolean followRedirects, org.eclipse.jetty.util.SocketAddressResolver resolver) {
        HttpClient c = new HttpClient();
        QueuedThreadPool threads = new QueuedThreadPool(16, 1);
        threads.setName(name);
        threads.setDaemon(true);
        c.setExecutor(threads);
        c.setFollowRedirects(followRedirects);
        c.setConnectTimeout(5_000);
        c.setIdleTimeout(30_000);
        c.setUserAgentField(new org.eclipse.jetty.http.HttpField(org.eclipse.jetty.http.HttpHeader.USER_AGENT, USER_AGENT));
        if (resolver != null) {
            c.setSocketAddressResolver(resolver);
        }
        try {
            c.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the webhook HTTP client: " + e.getMessage(), e);
        }
        return c;
    }

    /** POSTs {@code body}; never throws for what the network or the receiver did. */
    Result post(URI url, boolean operatorEndpoint, Map<String, List<String>> headers, String contentType, byte[] body, Duration timeout) {
        long began = System.nanoTime();
        CompletableFuture<Result> done = new CompletableFuture<>();
        try {
            Request r = (operatorEndpoint ? trusted : guarded).newRequest(url)
                    .method("POST")
                    .timeout(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)
                    .headers(h -> headers.forEach((name, values) -> values.forEach(v -> h.add(name, v))))
                    .body(new BytesRequestContent(contentType, body));
            r.send(result -> {
                long millis = (System.nanoTime() - began) / 1_000_000;
                if (result.getResponse() != null && result.getResponse().getStatus() > 0 && result.getResponseFailure() == null) {
                    done.complete(new Result(result.getResponse().getStatus(), null, millis));
                } else {
                    done.complete(new Result(null, describe(result.getFailure(), timeout), millis));
                }
            });
        } catch (RuntimeException e) {
            done.complete(new Result(null, describe(e, timeout), (System.nanoTime() - began) / 1_000_000));
        }
        try {
            // The request's own timeout ends it; this only guards against a listener that is never called.
            return done.get(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted (shutting down)", (System.nanoTime() - began) / 1_000_000);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return new Result(null, "no answer within " + timeout.toMillis() + " ms", (System.nanoTime() - began) / 1_000_000);
        }
    }

    /** One line for the delivery log: what went wrong, in the network's words, never a stack trace. */
    static String describe(Throwable t, Duration timeout) {
        if (t == null) {
            return "no response";
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Targets.RefusedTarget) {
                return c.getMessage();
            }
            if (c instanceof java.net.UnknownHostException) {
                return "the host " + c.getMessage() + " does not resolve";
            }
            if (c instanceof java.util.concurrent.TimeoutException) {
                return "timed out after " + timeout.toMillis() + " ms";
            }
            if (c instanceof java.net.ConnectException) {
                return "cannot connect: " + c.getMessage();
            }
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        String line = root.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m.lines().findFirst().orElse(""));
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }

    @Override
    public void close() {
        for (HttpClient c : List.of(trusted, guarded)) {
            try {
                c.stop();
            } catch (Exception e) {
                // stopping: nothing more to say
            }
        }
    }
}
