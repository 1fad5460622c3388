package io.berth.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What was built: the version in pom.xml and, when the build could ask git, the commit, read from
 * {@code berth-version.properties}, which Maven fills in at build time. A build without git (a source archive)
 * has no revision; a class path that was never built by Maven (the resource unfiltered or absent) says {@code dev}.
 */
public record BuildInfo(String version, String revision) {
    private static final BuildInfo CURRENT = load();

    /** This build's version and revision. */
    public static BuildInfo current() {
        return CURRENT;
    }

    /** {@code 0.1.0 (commit 1a2b3c4)}, or the version alone without a revision. */
    public String describe() {
        return revision.isEmpty() ? version : version + " (commit " + revision + ")";
    }

    private static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("berth-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return from(p);
    }

    /** The build info those properties give (version, revision, dirty). */
    static BuildInfo from(Properties p) {
        String version = filled(p.getProperty("version"));
        String revision = filled(p.getProperty("revision"));
        if (!revision.isEmpty() && "true".equals(filled(p.getProperty("dirty")))) {
            revision += "-dirty";
        }
        return new BuildInfo(version.isEmpty() ? "dev" : version, revision);
    }

    /** The value Maven put there, or "" where it left the placeholder (a property the build did not have). */
    private static String filled(String value) {
        return value == null || value.contains("${") ? "" : value.strip();
    }
}
