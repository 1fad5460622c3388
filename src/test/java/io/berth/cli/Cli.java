package io.berth.cli;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs {@code berth} commands in this JVM, as a shell would, capturing what they print. */
final class Cli {
    private Cli() {
    }

    /** Runs a command expected to succeed; returns what it printed on standard output. */
    static String run(String... args) {
        return capture(true, args);
    }

    /** Runs a command expected to fail; returns what it printed on standard error. */
    static String runFailing(String... args) {
        return capture(false, args);
    }

    private static String capture(boolean succeeds, String... args) {
        PrintStream saved = succeeds ? System.out : System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream into = new PrintStream(captured, true, StandardCharsets.UTF_8);
        if (succeeds) {
            System.setOut(into);
        } else {
            System.setErr(into);
        }
        try {
            int code = new CommandLine(new Main()).execute(args);
            assertThat(code != 0).as(captured.toString(StandardCharsets.UTF_8)).isEqualTo(!succeeds);
        } finally {
            if (succeeds) {
                System.setOut(saved);
            } else {
                System.setErr(saved);
            }
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
