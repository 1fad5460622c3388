package io.berth.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and validates a pushed manifest (OCI image manifest and index, Docker schema2 manifest and
 * manifest list, OCI artifacts). Invalid input is a MANIFEST_INVALID with a message that says why.
 */
public final class ManifestParser {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ManifestParser() {
    }

    public static ParsedManifest parse(byte[] content, String contentType) {
        JsonNode root = readTree(content);
        if (!root.isObject()) {
            throw invalid("a manifest must be a JSON object");
        }
        String declared = MediaTypes.base(contentType);
        String inBody = textOrNull(root, "mediaType");
        int schemaVersion = root.path("schemaVersion").asInt(-1);
        if (schemaVersion == 1 || MediaTypes.isSchema1(declared) || MediaTypes.isSchema1(inBody)) {
            throw invalid("Docker schema1 manifests are not supported (deprecated and insecure); "
                    + "push with a current client, which sends schema2 or OCI manifests");
        }
        if (schemaVersion != 2) {
            throw invalid("schemaVersion must be 2");
        }
        String mediaType = resolveMediaType(root, declared, inBody);
        return MediaTypes.INDEXES.contains(mediaType) ? parseIndex(root, mediaType) : parseImage(root, mediaType);
    }

    private static JsonNode readTree(byte[] content) {
        try {
            JsonNode n = JSON.readTree(content);
            if (n == null) {
                throw invalid("the manifest is empty");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw invalid("the manifest is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("the manifest could not be read: " + e.getMessage());
        }
    }

    private static String resolveMediaType(JsonNode root, String declared, String inBody) {
        boolean declaredIsManifest = declared != null && MediaTypes.isStorable(declared);
        if (inBody != null) {
            if (!MediaTypes.isStorable(inBody)) {
                throw invalid("unsupported manifest media type: " + inBody);
            }
            if (declaredIsManifest && !declared.equals(inBody)) {
                throw invalid("Content-Type " + declared + " does not match the manifest's mediaType " + inBody);
            }
            return inBody;
        }
        if (declaredIsManifest) {
            return declared;
        }
        if (declared != null && declared.startsWith("application/vnd.")) {
            throw invalid("unsupported manifest media type: " + declared);
        }
        // No media type anywhere (allowed by OCI): infer from the structure.
        if (root.has("manifests")) {
            return MediaTypes.OCI_INDEX;
        }
        if (root.has("config")) {
            return MediaTypes.OCI_MANIFEST;
        }
        throw invalid("cannot tell the manifest's type: no mediaType, and neither config nor manifests present");
    }

    private static ParsedManifest parseImage(JsonNode root, String mediaType) {
        JsonNode config = root.get("config");
        if (config == null || !config.isObject()) {
            throw invalid("an image manifest needs a config descriptor");
        }
        Descriptor cfg = descriptor(config, "config");
        List<Digest> blobs = new ArrayList<>();
        blobs.add(cfg.digest);
        JsonNode layers = root.get("layers");
        if (layers != null && !layers.isNull()) {
            if (!layers.isArray()) {
                throw invalid("layers must be an array");
            }
            for (int i = 0; i < layers.size(); i++) {
                Descriptor d = descriptor(layers.get(i), "layers[" + i + "]");
                if (!d.foreign) {
                    blobs.add(d.digest);
                }
            }
        } else if (MediaTypes.DOCKER_MANIFEST.equals(mediaType)) {
            throw invalid("a Docker schema2 manifest needs a layers array");
        }
        String artifactType = textOrNull(root, "artifactType");
        if (artifactType == null) {
            artifactType = cfg.mediaType;
        }
        return new ParsedManifest(mediaType, blobs, List.of(), subject(root), artifactType, annotations(root), List.of());
    }

    private static ParsedManifest parseIndex(JsonNode root, String mediaType) {
        JsonNode manifests = root.get("manifests");
        if (manifests == null || !manifests.isArray()) {
            throw invalid("an image index needs a manifests array");
        }
        List<Digest> children = new ArrayList<>();
        List<ParsedManifest.Platform> platforms = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i++) {
            JsonNode m = manifests.get(i);
            Descriptor d = descriptor(m, "manifests[" + i + "]");
            children.add(d.digest);
            JsonNode p = m.path("platform");
            platforms.add(new ParsedManifest.Platform(d.digest, d.mediaType, textOrNull(p, "os"),
                    textOrNull(p, "architecture"), textOrNull(p, "variant")));
        }
        return new ParsedManifest(mediaType, List.of(), children, subject(root), textOrNull(root, "artifactType"),
                annotations(root), platforms);
    }

    private record Descriptor(Digest digest, String mediaType, long size, boolean foreign) {
    }

    private static Descriptor descriptor(JsonNode n, String where) {
        if (n == null || !n.isObject()) {
            throw invalid(where + " must be a descriptor object");
        }
        String digest = textOrNull(n, "digest");
        if (digest == null) {
            throw invalid(where + " has no digest");
        }
        Digest d;
        try {
            d = Digest.parse(digest);
        } catch (RegistryException e) {
            throw invalid(where + ": " + e.getMessage());
        }
        JsonNode size = n.get("size");
        if (size == null || !size.canConvertToLong() || !size.isIntegralNumber() || size.asLong() < 0) {
            throw invalid(where + " needs a non-negative integer size");
        }
        String mediaType = textOrNull(n, "mediaType");
        if (mediaType == null) {
            throw invalid(where + " has no mediaType");
        }
        // Non-distributable ("foreign") layers live elsewhere, named by urls: they need not be pushed.
        boolean foreign = MediaTypes.DOCKER_FOREIGN_LAYER.equals(mediaType)
                || (n.has("urls") && n.get("urls").isArray() && !n.get("urls").isEmpty());
        return new Descriptor(d, mediaType, size.asLong(), foreign);
    }

    private static Digest subject(JsonNode root) {
        JsonNode s = root.get("subject");
        if (s == null || s.isNull()) {
            return null;
        }
        return descriptor(s, "subject").digest;
    }

    private static String annotations(JsonNode root) {
        JsonNode a = root.get("annotations");
        if (a == null || a.isNull()) {
            return null;
        }
        if (!(a instanceof ObjectNode)) {
            throw invalid("annotations must be an object of strings");
        }
        return a.toString();
    }

    private static String textOrNull(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw invalid(field + " must be a string");
        }
        return v.asText();
    }

    private static RegistryException invalid(String why) {
        return new RegistryException(ErrorCode.MANIFEST_INVALID, why);
    }
}
