package io.berth.ui;

import io.berth.oci.Digest;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How pages write sizes, times and digests. */
final class Format {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private Format() {
    }

    /** 1,234 bytes as "1.2 KB" (powers of 1,000, as registries and clients show image sizes). */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB", "PB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    /** Epoch millis as a UTC time; "—" for none (0). */
    static String time(long epochMillis) {
        return epochMillis <= 0 ? "—" : TIME.format(Instant.ofEpochMilli(epochMillis));
    }

    /** The start of a digest's hex, as clients show image ids. */
    static String shortDigest(Digest d) {
        return d.algorithm() + ":" + d.hex().substring(0, 12);
    }

    /** "linux/arm64/v8" from a platform's parts; "unknown" for a part that is missing. */
    static String platform(String os, String architecture, String variant) {
        if (os == null && architecture == null) {
            return "unknown";
        }
        return (os == null ? "unknown" : os) + "/" + (architecture == null ? "unknown" : architecture)
                + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }

    /** A media type without its vendor prefix: "oci.image.manifest.v1", "docker…manifest.v2". */
    static String kind(String mediaType) {
        if (mediaType == null) {
            return "";
        }
        return switch (mediaType) {
            case "application/vnd.oci.image.manifest.v1+json" -> "OCI image";
            case "application/vnd.oci.image.index.v1+json" -> "OCI index";
            case "application/vnd.docker.distribution.manifest.v2+json" -> "Docker image";
            case "application/vnd.docker.distribution.manifest.list.v2+json" -> "Docker list";
            default -> mediaType;
        };
    }

    /** "?k=v&k2=v2" from pairs, URL-encoded; pairs whose value is null or empty are left out ("" when none is left). */
    static String query(String... pairs) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] == null || pairs[i + 1].isEmpty()) {
                continue;
            }
            out.append(out.isEmpty() ? '?' : '&').append(pairs[i]).append('=')
                    .append(java.net.URLEncoder.encode(pairs[i + 1], java.nio.charset.StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    /** An artifact type worth showing: not merely an image's config type (which every image has). */
    static boolean showsArtifactType(String artifactType) {
        return artifactType != null && !artifactType.equals("application/vnd.oci.image.config.v1+json")
                && !artifactType.equals("application/vnd.docker.container.image.v1+json");
    }
}
