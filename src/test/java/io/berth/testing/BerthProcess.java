package io.berth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code berth} main ({@code io.berth.cli.Main}) in its own JVM, as an operator runs it: its own
 * working directory, only the environment given (none of the test JVM's REGISTRY_* or BERTH_*), and its
 * exit code, stdout and stderr kept apart — start-up failures must be one line on stderr and a non-zero exit.
 */
public final class BerthProcess {
    private BerthProcess() {
    }

    /** What the process printed and how it ended; {@code seconds} is how long it ran. */
    public record Outcome(int exitCode, String stdout, String stderr, double seconds) {
        /** The lines on stderr (log lines included). */
        public List<String> stderrLines() {
            return stderr.lines().toList();
        }
    }

    /** Runs {@code berth args...} in {@code workDir} and waits for it to exit (at most a minute). */
    public static Outcome run(Path workDir, Map<String, String> env, String... args) {
        return run(60, workDir, env, args);
    }

    /** As {@link #run(Path, Map, String...)}, failing when the process still runs after {@code timeoutSeconds}. */
    public static Outcome run(long timeoutSeconds, Path workDir, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.berth.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_") || k.startsWith("BERTH_"));
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile("berth-out-", ".log");
            Path err = Files.createTempFile("berth-err-", ".log");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
            long began = System.nanoTime();
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("berth " + String.join(" ", args) + " did not exit within " + timeoutSeconds + " s; stderr:\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            Outcome o = new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), (System.nanoTime() - began) / 1e9);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return o;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
