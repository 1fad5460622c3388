package io.berth.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
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
 * Real command-line clients (skopeo, podman, buildah, docker). A missing tool skips the test, unless
 * BERTH_REQUIRE_E2E=1 (as in CI), where it fails: CI must never pass by skipping.
 */
public final class Tools {
    private Tools() {
    }

    public static void require(String tool) {
        boolean present = onPath(tool);
        if (!present && "1".equals(System.getenv("BERTH_REQUIRE_E2E"))) {
            throw new AssertionError(tool + " is not installed, and BERTH_REQUIRE_E2E=1 requires the end-to-end tests to run");
        }
        Assumptions.assumeTrue(present, tool + " is not installed; end-to-end test skipped");
    }

    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** What a finished command printed, and its exit code. */
    public record Result(int exitCode, String output) {
        public Result orFail() {
            if (exitCode != 0) {
                throw new AssertionError("command failed with exit code " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    /** Runs a command (stdout and stderr merged), failing the test after {@code timeoutSeconds}. */
    public static Result run(Path workDir, Map<String, String> env, long timeoutSeconds, String... command) {
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile("berth-cmd-", ".log");
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("command timed out after " + timeoutSeconds + "s: " + String.join(" ", command)
                        + "\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            return new Result(p.exitValue(), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Result run(String... command) {
        return run(null, Map.of(), 300, command);
    }

    /** Arguments for podman/buildah that work unprivileged here: vfs storage in a private directory. */
    public static List<String> containerStorage(Path root) {
        List<String> a = new ArrayList<>();
        a.add("--storage-driver");
        a.add("vfs");
        a.add("--root");
        a.add(root.resolve("storage").toString());
        a.add("--runroot");
        a.add(root.resolve("run").toString());
        return a;
    }
}
