package io.berth.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates a pushed manifest (OCI image manifest and index, Docker schema2 manifest and
 * manifest list, OCI artifacts). Every field Berth or a client reads is checked for its JSON type,
 * as the OCI image spec and Docker's schema2 spec define it: what Berth stores, Go's encoding/json in
 * containers/image, distribution and go-containerregistry must be able to unmarshal ("schemaVersion":
 * "2" or 2.0, a string size, a number in annotations would each break a pull). JSON null stands for an
 * absent optional field, as it does for those clients. Invalid input is a MANIFEST_INVALID whose message
 * names the field ("layers[2].size must be a non-negative integer"). The checks walk Jackson's tree,
 * already parsed, once.
 */
public final class ManifestParser {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** Content-Types that say nothing about the manifest's type (curl's defaults, hand-written pushes). */
    private static final Set<String> GENERIC_TYPES = Set.of("", "application/json", "application/octet-stream");

    private ManifestParser() {
    }

    public static ParsedManifest parse(byte[] content, String contentType) {
        JsonNode root = readTree(content);
        if (!root.isObject()) {
            throw invalid("a manifest must be a JSON object");
        }
        String declared = MediaTypes.base(contentType);
        String inBody = optionalString(root, "mediaType", "mediaType");
        checkSchemaVersion(root.get("schemaVersion"), declared, inBody);
        String mediaType = resolveMediaType(root, declared, inBody);
        return MediaTypes.INDEXES.contains(mediaType) ? parseIndex(root, mediaType) : parseImage(root, mediaType);
    }

    private static JsonNode readTree(byte[] content) {
        try {
            JsonNode n = JSON.readTree(content);
            if (n == null || n.isMissingNode()) {
                throw invalid("the manifest is empty");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw invalid("the manifest is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid("the manifest could not be read: " + e.getMessage());
        }
    }

    /** The integer 2: Go clients unmarshal it into an int, which "2", 2.0 and 2.5 all fail. */
    private static void checkSchemaVersion(JsonNode v, String declared, String inBody) {
        boolean one = v != null && v.isIntegralNumber() && v.canConvertToInt() && v.intValue() == 1;
        if (one || MediaTypes.isSchema1(declared) || MediaTypes.isSchema1(inBody)) {
            throw invalid("Docker schema1 manifests are not supported (deprecated and insecure); "
                    + "push with a current client, which sends schema2 or OCI manifests");
        }
        if (absent(v)) {
            throw invalid("schemaVersion is missing: it must be the integer 2");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() != 2) {
            throw invalid("schemaVersion must be the integer 2, not " + shown(v));
        }
    }

    /**
     * The manifest's type: its mediaType field, which must agree with a Content-Type that names a type
     * (the distribution spec has clients send the one as the other); else the Content-Type; else (OCI
     * allows no mediaType) the structure.
     */
    private static String resolveMediaType(JsonNode root, String declared, String inBody) {
        boolean declaredIsGeneric = declared == null || GENERIC_TYPES.contains(declared);
        if (inBody != null) {
            if (!MediaTypes.isStorable(inBody)) {
                throw invalid("unsupported manifest media type: " + inBody);
            }
            if (!declaredIsGeneric && !declared.equals(inBody)) {
                throw invalid("Content-Type " + declared + " does not match the manifest's mediaType " + inBody);
            }
            return inBody;
        }
        if (MediaTypes.DOCKER_MANIFEST.equals(declared) || MediaTypes.DOCKER_LIST.equals(declared)) {
            // Docker's schema2 requires the field, and distribution refuses to read such a manifest back.
            throw invalid("mediaType is missing: a Docker schema2 manifest or manifest list must state its own media type");
        }
        if (!declaredIsGeneric) {
            if (MediaTypes.isStorable(declared)) {
                return declared;
            }
            if (declared.startsWith("application/vnd.")) {
                throw invalid("unsupported manifest media type: " + declared);
            }
        }
        if (present(root, "manifests")) {
            return MediaTypes.OCI_INDEX;
        }
        if (present(root, "config")) {
            return MediaTypes.OCI_MANIFEST;
        }
        throw invalid("cannot tell the manifest's type: no mediaType, and neither config nor manifests present");
    }

    private static ParsedManifest parseImage(JsonNode root, String mediaType) {
        // An image manifest that also looks like an index could be read as either (CVE-2021-41190).
        if (present(root, "manifests")) {
            throw invalid("an image manifest must not have a manifests field (an index has one)");
        }
        JsonNode config = root.get("config");
        if (absent(config)) {
            throw invalid("config is missing: an image manifest needs a config descriptor");
        }
        Descriptor cfg = descriptor(config, "config");
        List<Digest> blobs = new ArrayList<>();
        blobs.add(cfg.digest);
        JsonNode layers = root.get("layers");
        if (!absent(layers)) {
            checkArray(layers, "layers");
            for (int i = 0; i < layers.size(); i++) {
                Descriptor d = descriptor(layers.get(i), "layers[" + i + "]");
                if (!d.foreign) {
                    blobs.add(d.digest);
                }
            }
        } else if (MediaTypes.DOCKER_MANIFEST.equals(mediaType)) {
            throw invalid("layers is missing: a Docker schema2 manifest needs a layers array");
        }
        String artifactType = artifactType(root, "artifactType");
        if (artifactType == null) {
            artifactType = cfg.mediaType;
        }
        return new ParsedManifest(mediaType, blobs, List.of(), subject(root), artifactType, annotations(root), List.of());
    }

    private static ParsedManifest parseIndex(JsonNode root, String mediaType) {
        if (present(root, "config") || present(root, "layers")) {
            throw invalid("an image index must not have config or layers fields (an image manifest has them)");
        }
        JsonNode manifests = root.get("manifests");
        if (absent(manifests)) {
            throw invalid("manifests is missing: an image index needs a manifests array");
        }
        checkArray(manifests, "manifests");
        List<Digest> children = new ArrayList<>();
        List<ParsedManifest.Platform> platforms = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i++) {
            JsonNode m = manifests.get(i);
            Descriptor d = descriptor(m, "manifests[" + i + "]");
            children.add(d.digest);
            JsonNode p = m.get("platform");
            platforms.add(absent(p) ? new ParsedManifest.Platform(d.digest, d.mediaType, null, null, null)
                    : new ParsedManifest.Platform(d.digest, d.mediaType, p.get("os").asText(),
                    p.get("architecture").asText(), optionalString(p, "variant", "variant")));
        }
        return new ParsedManifest(mediaType, List.of(), children, subject(root), artifactType(root, "artifactType"),
                annotations(root), platforms);
    }

    private record Descriptor(Digest digest, String mediaType, boolean foreign) {
    }

    /** A descriptor (OCI descriptor.md; Docker's schema2 uses the same fields), every field checked. */
    private static Descriptor descriptor(JsonNode n, String where) {
        if (n == null || !n.isObject()) {
            throw invalid(where + " must be a descriptor object, not " + shown(n));
        }
        String mediaType = requiredString(n, "mediaType", where);
        checkMediaType(mediaType, where + ".mediaType");
        Digest digest = digest(n, where);
        checkSize(n.get("size"), where + ".size");
        JsonNode urls = n.get("urls");
        checkStrings(urls, where + ".urls");
        checkStringMap(n.get("annotations"), where + ".annotations");
        checkBase64(n.get("data"), where + ".data");
        artifactType(n, where + ".artifactType");
        checkPlatform(n.get("platform"), where + ".platform");
        // Non-distributable ("foreign") layers live elsewhere, named by urls: they need not be pushed.
        boolean foreign = MediaTypes.DOCKER_FOREIGN_LAYER.equals(mediaType) || (!absent(urls) && !urls.isEmpty());
        return new Descriptor(digest, mediaType, foreign);
    }

    private static Digest digest(JsonNode n, String where) {
        String digest = requiredString(n, "digest", where);
        try {
            return Digest.parse(digest);
        } catch (RegistryException e) {
            throw invalid(where + ".digest is not a valid digest: " + e.getMessage());
        }
    }

    /** An int64 as Go reads it: an integral JSON number (not 5.0, not "5") that fits; and never negative. */
    private static void checkSize(JsonNode size, String where) {
        if (absent(size)) {
            throw invalid(where + " is missing: it must be a non-negative integer");
        }
        if (!size.isIntegralNumber() || !size.canConvertToLong() || size.longValue() < 0) {
            throw invalid(where + " must be a non-negative integer, not " + shown(size));
        }
    }

    /** The platform of an index entry (image-index.md): architecture and os required, all strings. */
    private static void checkPlatform(JsonNode p, String where) {
        if (absent(p)) {
            return;
        }
        if (!p.isObject()) {
            throw invalid(where + " must be an object, not " + shown(p));
        }
        requiredString(p, "architecture", where);
        requiredString(p, "os", where);
        optionalString(p, "os.version", where + ".os.version");
        checkStrings(p.get("os.features"), where + ".os.features");
        optionalString(p, "variant", where + ".variant");
        checkStrings(p.get("features"), where + ".features");
    }

    private static Digest subject(JsonNode root) {
        JsonNode s = root.get("subject");
        return absent(s) ? null : descriptor(s, "subject").digest;
    }

    /** The manifest's annotations as JSON text for the referrers API, after checking they are strings. */
    private static String annotations(JsonNode root) {
        JsonNode a = root.get("annotations");
        checkStringMap(a, "annotations");
        return absent(a) ? null : a.toString();
    }

    /** An artifactType: a media type when given; empty counts as absent (the spec: "empty or missing"). */
    private static String artifactType(JsonNode n, String where) {
        JsonNode v = n.get("artifactType");
        if (absent(v)) {
            return null;
        }
        if (!v.isTextual()) {
            throw invalid(where + " must be a string, not " + shown(v));
        }
        if (v.asText().isEmpty()) {
            return null;
        }
        checkMediaType(v.asText(), where);
        return v.asText();
    }

    // --- JSON types ---------------------------------------------------------------------------

    private static boolean absent(JsonNode v) {
        return v == null || v.isNull();
    }

    private static boolean present(JsonNode n, String field) {
        return !absent(n.get(field));
    }

    private static String requiredString(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (absent(v)) {
            throw invalid(where + "." + field + " is missing: it must be a string");
        }
        return optionalString(n, field, where + "." + field);
    }

    private static String optionalString(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (absent(v)) {
            return null;
        }
        if (!v.isTextual()) {
            throw invalid(where + " must be a string, not " + shown(v));
        }
        return v.asText();
    }

    private static void checkArray(JsonNode v, String where) {
        if (!v.isArray()) {
            throw invalid(where + " must be an array, not " + shown(v));
        }
    }

    /** An optional array of strings (urls, os.features, features). */
    private static void checkStrings(JsonNode v, String where) {
        if (absent(v)) {
            return;
        }
        checkArray(v, where);
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw invalid(where + "[" + i + "] must be a string, not " + shown(v.get(i)));
            }
        }
    }

    /** An optional string-to-string map (annotations): Go's map[string]string takes nothing else. */
    private static void checkStringMap(JsonNode v, String where) {
        if (absent(v)) {
            return;
        }
        if (!v.isObject()) {
            throw invalid(where + " must be an object of strings, not " + shown(v));
        }
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isTextual()) {
                throw invalid(where + "[\"" + abbreviate(e.getKey()) + "\"] must be a string, not " + shown(e.getValue()));
            }
        }
    }

    /** Embedded data: Go decodes it as []byte, which is padded standard base64. */
    private static void checkBase64(JsonNode v, String where) {
        if (absent(v)) {
            return;
        }
        if (!v.isTextual()) {
            throw invalid(where + " must be a base64 string, not " + shown(v));
        }
        String s = v.asText();
        try {
            if (s.length() % 4 != 0) {
                throw new IllegalArgumentException("unpadded");
            }
            java.util.Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw invalid(where + " must be padded standard base64");
        }
    }

    /** RFC 6838 type/subtype, as the OCI JSON schema has it: no parameters, restricted-name characters. */
    private static void checkMediaType(String s, String where) {
        int slash = s.indexOf('/');
        if (slash < 0 || !isRestrictedName(s, 0, slash) || !isRestrictedName(s, slash + 1, s.length())) {
            throw invalid(where + " must be a media type (type/subtype, RFC 6838), not \"" + abbreviate(s) + "\"");
        }
    }

    private static boolean isRestrictedName(String s, int from, int to) {
        if (to - from < 1 || to - from > 127 || !isAsciiAlnum(s.charAt(from))) {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            char c = s.charAt(i);
            if (!isAsciiAlnum(c) && "!#$&^_.+-".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** A JSON value as a message shows it: short, typed ("\"12\"" for a string, 1.5 for a number). */
    private static String shown(JsonNode v) {
        return v == null ? "nothing" : abbreviate(v.toString());
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private static RegistryException invalid(String why) {
        return new RegistryException(ErrorCode.MANIFEST_INVALID, why);
    }
}
