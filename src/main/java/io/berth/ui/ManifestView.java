package io.berth.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.berth.oci.Digest;
import io.berth.oci.ManifestRecord;
import io.berth.oci.MediaTypes;
import io.berth.oci.RegistryException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One manifest as the pages show it, read from its stored bytes (which {@code ManifestParser} checked when
 * they were pushed; read leniently all the same: a field of an unexpected shape is left out, never an error).
 *
 * @param config     an image's config descriptor; null for an index
 * @param layers     an image's layers, in order; empty for an index
 * @param children   an index's manifests, in order; empty for an image
 * @param pretty     the manifest indented for reading, cut at {@link #MAX_PRETTY_CHARS}
 */
record ManifestView(Digest digest, String mediaType, long size, String artifactType, Digest subject, Map<String, String> annotations,
                    Blob config, List<Blob> layers, List<Child> children, String pretty) {
    /** More than this of an indented manifest is not shown (manifests may be 4 MiB; a page of that helps nobody). */
    static final int MAX_PRETTY_CHARS = 256 * 1024;
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final ObjectWriter PRETTY = JSON.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n")).withArrayIndenter(new DefaultIndenter("  ", "\n")));

    /** A config or layer descriptor. */
    record Blob(Digest digest, String mediaType, long size, Map<String, String> annotations) {
        /** A layer that lives elsewhere (Windows base layers): its bytes are not in this registry. */
        boolean foreign() {
            return mediaType != null && (mediaType.equals(MediaTypes.DOCKER_FOREIGN_LAYER) || mediaType.contains("nondistributable"));
        }
    }

    /** A manifest in an index, with the platform the index says it is for (null parts when it says none). */
    record Child(Digest digest, String mediaType, long size, String os, String architecture, String variant,
                 Map<String, String> annotations) {
        String platform() {
            return Format.platform(os, architecture, variant);
        }

        /** What buildx puts beside the images: provenance and SBOM attestations, for platform unknown/unknown. */
        boolean attestation() {
            return "attestation-manifest".equals(annotations.get("vnd.docker.reference.type"));
        }
    }

    boolean isIndex() {
        return MediaTypes.INDEXES.contains(mediaType);
    }

    /** "OCI image", "Docker list", …; "OCI artifact" for a manifest whose artifact type is not an image's config. */
    String kind() {
        return !isIndex() && Format.showsArtifactType(artifactType) ? "OCI artifact" : Format.kind(mediaType);
    }

    /** What pulling the image downloads (config and layers), from the manifest's own descriptors. */
    long contentBytes() {
        long n = config == null ? 0 : config.size();
        for (Blob l : layers) {
            n += l.foreign() ? 0 : l.size();
        }
        return n;
    }

    static ManifestView of(ManifestRecord m) {
        JsonNode root = tree(m.content());
        List<Blob> layers = new ArrayList<>();
        for (JsonNode l : root.path("layers")) {
            Blob b = blob(l);
            if (b != null) {
                layers.add(b);
            }
        }
        List<Child> children = new ArrayList<>();
        for (JsonNode c : root.path("manifests")) {
            Digest d = digest(c.path("digest"));
            if (d != null) {
                JsonNode p = c.path("platform");
                children.add(new Child(d, text(c.path("mediaType")), c.path("size").asLong(), text(p.path("os")),
                        text(p.path("architecture")), text(p.path("variant")), strings(c.path("annotations"))));
            }
        }
        return new ManifestView(m.digest(), m.mediaType(), m.size(), m.artifactType(), m.subject(), strings(root.path("annotations")),
                MediaTypes.INDEXES.contains(m.mediaType()) ? null : blob(root.path("config")), List.copyOf(layers), List.copyOf(children),
                pretty(root));
    }

    static JsonNode tree(byte[] json) {
        try {
            JsonNode n = JSON.readTree(json);
            return n == null ? JSON.missingNode() : n;
        } catch (IOException e) {
            return JSON.missingNode(); // stored manifests were parsed at push; a cached one that is not JSON shows nothing
        }
    }

    private static String pretty(JsonNode root) {
        if (root.isMissingNode()) {
            return "";
        }
        try {
            String s = PRETTY.writeValueAsString(root);
            return s.length() <= MAX_PRETTY_CHARS ? s
                    : s.substring(0, MAX_PRETTY_CHARS) + "\n… (" + Format.bytes(s.length() - MAX_PRETTY_CHARS) + " more not shown)";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree Jackson read, it can write
        }
    }

    private static Blob blob(JsonNode n) {
        Digest d = digest(n.path("digest"));
        return d == null ? null : new Blob(d, text(n.path("mediaType")), n.path("size").asLong(), strings(n.path("annotations")));
    }

    static Digest digest(JsonNode n) {
        if (!n.isTextual()) {
            return null;
        }
        try {
            return Digest.parse(n.asText());
        } catch (RegistryException e) {
            return null;
        }
    }

    /** A string field, or null when it is absent or not a string. */
    static String text(JsonNode n) {
        return n.isTextual() ? n.asText() : null;
    }

    /** A string-to-string object (annotations, labels), in its order; what is not a string is left out. */
    static Map<String, String> strings(JsonNode n) {
        if (!n.isObject()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        n.properties().forEach(e -> {
            if (e.getValue().isTextual()) {
                out.put(e.getKey(), e.getValue().asText());
            }
        });
        return Collections.unmodifiableMap(out);
    }
}
