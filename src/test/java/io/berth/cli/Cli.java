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

    /** Writes {@code dir/berth.yml} naming {@code data} as the data directory; returns the --config option for it. */
    static String configOption(java.nio.file.Path dir, java.nio.file.Path data) throws java.io.IOException {
        java.nio.file.Path config = dir.resolve("berth.yml");
        java.nio.file.Files.writeString(config, "storage:\n  filesystem:\n    rootdirectory: " + data + "\n");
        return "--config=" + config;
    }

    /** Runs a command expected to succeed; returns what it printed on standard output. */
    static String run(String... args) {
        return capture(true, true, args);
    }

    /** Runs a command expected to fail; returns what it printed on standard error. */
    static String runFailing(String... args) {
        return capture(false, false, args);
    }

    /** Runs a command expected to succeed; returns what it printed on standard error. */
    static String stderrOf(String... args) {
        return capture(true, false, args);
    }

    private static String capture(boolean succeeds, boolean stdout, String... args) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream into = new PrintStream(captured, true, StandardCharsets.UTF_8);
        if (stdout) {
            System.setOut(into);
        } else {
            System.setErr(into);
            System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream()));
        }
        try {
            int code = new CommandLine(new Main()).execute(args);
            assertThat(code != 0).as(captured.toString(StandardCharsets.UTF_8)).isEqualTo(!succeeds);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
