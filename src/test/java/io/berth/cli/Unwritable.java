package io.berth.cli;

import io.berth.testing.Tools;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * Makes a directory unwritable for this process: mode 555 for an ordinary user; as root (who ignores
 * modes) the immutable attribute ({@code chattr +i}). Skips the test where neither works.
 */
final class Unwritable implements AutoCloseable {
    private final Path dir;
    private final boolean immutable;

    private Unwritable(Path dir, boolean immutable) {
        this.dir = dir;
        this.immutable = immutable;
    }

    static Unwritable make(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!canWrite(dir) ) {
            return new Unwritable(dir, false);
        }
        boolean chattr = Tools.onPath("chattr") && Tools.run(dir, Map.of(), 30, "chattr", "+i", dir.toString()).exitCode() == 0;
        Unwritable u = new Unwritable(dir, chattr);
        if (!chattr || canWrite(dir)) {
            u.close();
            Assumptions.abort("cannot make " + dir + " unwritable here");
        }
        return u;
    }

    /** The operating system's words for the refusal. */
    String reason() {
        return immutable ? "Operation not permitted" : "Permission denied";
    }

    private static boolean canWrite(Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, "probe", ""));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        if (immutable) {
            Tools.run(dir, Map.of(), 30, "chattr", "-i", dir.toString());
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
