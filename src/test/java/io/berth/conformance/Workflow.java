package io.berth.conformance;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the four workflows share: the client of the run and the suite's helpers. Each workflow is one
 * instance whose specs run in the order they are written in the Go source (they hand state such as
 * the last response to the next), against the one registry of {@link OciConformanceTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class Workflow {
    /** Set by {@link OciConformanceTest} before any workflow runs. */
    static Reggie client;

    /** RunOnlyIf: skips the spec (as Ginkgo's g.Skip) unless the condition holds. */
    static void runOnlyIf(boolean condition) {
        assumeTrue(condition, "you have skipped this test.");
    }

    static void runOnlyIfNot(boolean condition) {
        assumeTrue(!condition, "you have skipped this test.");
    }

    /** Warn: the suite prints a warning and carries on. */
    static void warn(String message) {
        System.err.println("WARNING: " + message);
    }

    /** SatisfyAll(BeNumerically(">=", 200), BeNumerically("<", 300)). */
    static void expect2xx(Reggie.Response resp) {
        assertThat(resp.statusCode()).as(resp.describe()).isBetween(200, 299);
    }

    /** Equal(status), or SatisfyAny of several Equal(...). */
    static void expectStatus(Reggie.Response resp, int... allowed) {
        assertThat(resp.statusCode()).as(resp.describe()).isIn(Arrays.stream(allowed).boxed().toArray());
    }

    /** SatisfyAny(SatisfyAll(>= 200, < 300), Equal(other)...): the teardown deletes' acceptance. */
    static void expect2xxOr(Reggie.Response resp, int... others) {
        int s = resp.statusCode();
        if (s >= 200 && s < 300) {
            return;
        }
        assertThat(s).as("2xx or one of %s: %s", Arrays.toString(others), resp.describe())
                .isIn(Arrays.stream(others).boxed().toArray());
    }
}
