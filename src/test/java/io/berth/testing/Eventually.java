package io.berth.testing;

import java.time.Duration;

/**
 * Retries an assertion until it holds or a deadline passes. For what the server does just after the response:
 * a client can read a complete answer before the request's events reach their sinks (they are published once
 * the handler has written it), so counts of pulls and pushes are asserted eventually, never slept for.
 */
public final class Eventually {
    private Eventually() {
    }

    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    /** Runs {@code check} until it passes, for at most 10 s; then throws its last failure. */
    public static void eventually(Check check) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError | Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e instanceof AssertionError a ? a : new AssertionError(e);
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
