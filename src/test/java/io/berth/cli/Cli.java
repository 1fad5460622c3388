package io.berth.cli;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs {@code berth} commands in this JVM, as the tests of the offline commands do. */
final class Cli {
    private Cli() {
    }

    /** Writes {@code dir/berth.yml} naming {@code data} as the data directory; returns the --config option for it. */
    static String configOption(java.nio.file.Path dir, java.nio.file.Path data) throws java.io.IOException {
        java.nio.file.Path config = dir.resolve("berth.yml");
        java.nio.file.Files.writeString(config, "storage:\n  filesystem:\n    rootdirectory: " + data + "\n");
        return "--config=" + config;
    }

    /** Runs a command expected to succeed; returns what it printed on standard output. */
    static String run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new Main()).execute(args);
            assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Runs a command expected to fail; returns what it printed on standard error. */
    static String runFailing(String... args) {
        return stderrOf(false, args);
    }

    /** Runs a command expected to succeed; returns what it printed on standard error. */
    static String stderrOf(String... args) {
        return stderrOf(true, args);
    }

    private static String stderrOf(boolean succeeds, String... args) {
        PrintStream saved = System.err;
        PrintStream savedOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            int code = new CommandLine(new Main()).execute(args);
            if (succeeds) {
                assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
            } else {
                assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isNotZero();
            }
        } finally {
            System.setErr(saved);
            System.setOut(savedOut);
        }
        return err.toString(StandardCharsets.UTF_8);
    }
}
