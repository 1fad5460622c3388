package io.berth.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** registry:2's htpasswd file: {@code name:hash} lines; only bcrypt hashes ({@code htpasswd -B}) are usable. */
public final class Htpasswd {
    private Htpasswd() {
    }

    public record Entry(String name, String bcryptHash) {
    }

    /** The bcrypt entries; {@code skipped} receives the names of entries with other hash kinds. */
    public static List<Entry> read(Path file, java.util.function.Consumer<String> skipped) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read htpasswd file " + file + ": " + e.getMessage(), e);
        }
        List<Entry> out = new ArrayList<>();
        for (String line : lines) {
            String l = line.strip();
            int colon = l.indexOf(':');
            if (l.isEmpty() || l.startsWith("#") || colon <= 0) {
                continue;
            }
            String hash = l.substring(colon + 1);
            if (hash.startsWith("$2")) {
                out.add(new Entry(l.substring(0, colon), hash));
            } else {
                skipped.accept(l.substring(0, colon));
            }
        }
        return out;
    }
}
