package io.berth.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * registry:2's htpasswd file: {@code name:hash} lines. Only bcrypt hashes ({@code htpasswd -B}) can be
 * verified — as with registry:2, whose htpasswd auth also accepts nothing else.
 */
public final class Htpasswd {
    private Htpasswd() {
    }

    public record Entry(String name, String hash) {
        public boolean isBcrypt() {
            return hash.startsWith("$2");
        }

        /** The hash scheme, for warnings about entries that cannot be verified. */
        public String kind() {
            if (isBcrypt()) {
                return "bcrypt";
            }
            if (hash.startsWith("$apr1$")) {
                return "apr1-MD5";
            }
            if (hash.startsWith("{SHA}")) {
                return "SHA-1";
            }
            if (hash.startsWith("$5$") || hash.startsWith("$6$") || hash.startsWith("$1$")) {
                return "crypt";
            }
            return hash.length() == 13 ? "crypt" : "plain text or unknown";
        }
    }

    /** What an import did: users created, passwords updated, names refused, entries that cannot be verified. */
    public record Imported(List<String> created, List<String> updated, List<String> refused, List<Entry> unverifiable) {
        /** "carl (apr1-MD5), dave (SHA-1)" */
        public String unverifiableNames() {
            return String.join(", ", unverifiable.stream().map(e -> e.name() + " (" + e.kind() + ")").toList());
        }
    }

    /** Every well-formed entry of the file, bcrypt or not. */
    static List<Entry> read(Path file) {
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
            if (!l.isEmpty() && !l.startsWith("#") && colon > 0) {
                out.add(new Entry(l.substring(0, colon), l.substring(colon + 1)));
            }
        }
        return out;
    }

    /**
     * Loads the file's bcrypt users into the store, as {@code berth user add} would create them: an existing
     * user gets the file's password; a name that is a namespace they do not own is refused, never handed over.
     */
    static Imported importInto(AccessStore store, Path file) {
        List<String> created = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        List<Entry> unverifiable = new ArrayList<>();
        for (Entry e : read(file)) {
            if (!e.isBcrypt()) {
                unverifiable.add(e);
                continue;
            }
            switch (store.upsertUserHash(e.name(), e.hash())) {
                case CREATED -> created.add(e.name());
                case UPDATED -> updated.add(e.name());
                case REFUSED_NAMESPACE -> refused.add(e.name());
            }
        }
        return new Imported(created, updated, refused, unverifiable);
    }
}
