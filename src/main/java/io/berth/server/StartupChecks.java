package io.berth.server;

import io.berth.config.ConfigException;
import io.berth.config.Settings;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Operators' mistakes found before anything starts, each as one line naming the setting (both ways), the
 * path and the cause in the operating system's words: otherwise they surface later as a stack trace or a
 * misleading symptom (an unwritable directory looks like "direct I/O is not available").
 */
final class StartupChecks {
    private StartupChecks() {
    }

    /** A file the setting names must exist and be readable. */
    static void readableFile(Path file, String setting) {
        if (!Files.exists(file)) {
            throw fail(setting, file, "no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw fail(setting, file, "not a file");
        }
        if (!Files.isReadable(file)) {
            throw fail(setting, file, "not readable");
        }
    }

    /** The directory exists (or is created) and this process can create files in it. */
    static void writableDirectory(Path dir, String setting) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw fail(setting, dir, "not a directory");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw fail(setting, dir, "cannot create it (" + reason(e) + ")");
        }
        try {
            Files.delete(Files.createTempFile(dir, ".berth-write-probe", ""));
        } catch (IOException e) {
            throw fail(setting, dir, "not writable (" + reason(e) + ")");
        }
    }

    /** "setting (ENV) path: cause". */
    static ConfigException fail(String setting, Path path, String cause) {
        return new ConfigException(setting + " (" + Settings.envName(setting) + ") " + path + ": " + cause);
    }

    /** The operating system's reason ("Permission denied", "Read-only file system"), without the path. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage();
    }
}
