package io.berth.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.berth.ui.ManifestView.strings;
import static io.berth.ui.ManifestView.text;

/**
 * An image's configuration (OCI image config, Docker's container config: the same fields), as the pages
 * show it. Read leniently: a field of the wrong type is left out, never an error; every string is shown as
 * text, whatever it holds.
 *
 * @param entrypoint null when the image sets none (an empty list is an explicit empty one)
 * @param env        the {@code KEY=value} entries, in order
 */
record ImageConfig(String os, String architecture, String variant, String osVersion, String created, String author, String user,
                   String workingDir, List<String> entrypoint, List<String> cmd, List<String> env, Map<String, String> labels,
                   List<String> exposedPorts, List<String> volumes, String stopSignal, List<History> history) {
    /** The media types of image configs: what other artifacts use as their config is not read. */
    static final Set<String> MEDIA_TYPES = Set.of("application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json");

    /** One step of how the image was built; {@code emptyLayer} steps (ENV, CMD…) made no layer. */
    record History(String created, String createdBy, String comment, boolean emptyLayer) {
    }

    /** The config's fields; null when the bytes are not a JSON object. */
    static ImageConfig parse(byte[] json) {
        JsonNode root = ManifestView.tree(json);
        if (!root.isObject()) {
            return null;
        }
        JsonNode c = root.path("config");
        List<History> history = new ArrayList<>();
        for (JsonNode h : root.path("history")) {
            history.add(new History(text(h.path("created")), text(h.path("created_by")), text(h.path("comment")),
                    h.path("empty_layer").asBoolean(false)));
        }
        return new ImageConfig(text(root.path("os")), text(root.path("architecture")), text(root.path("variant")),
                text(root.path("os.version")), text(root.path("created")), text(root.path("author")), text(c.path("User")),
                text(c.path("WorkingDir")), list(c.path("Entrypoint")), list(c.path("Cmd")), orEmpty(list(c.path("Env"))),
                strings(c.path("Labels")), keys(c.path("ExposedPorts")), keys(c.path("Volumes")), text(c.path("StopSignal")),
                List.copyOf(history));
    }

    String platform() {
        return Format.platform(os, architecture, variant);
    }

    /** The environment as the container sees it: key to value, in order, a later entry of a key winning (as runtimes do). */
    Map<String, String> envMap() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            out.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Each history step's layer, by the step's position: the index into the manifest's layers of the steps that
     * made one, -1 for empty steps (and for all when the history does not account for every layer).
     */
    int[] layerOfStep(int layers) {
        int[] out = new int[history.size()];
        int next = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = history.get(i).emptyLayer() ? -1 : next++;
        }
        if (next != layers) {
            java.util.Arrays.fill(out, -1);
        }
        return out;
    }

    /** An entrypoint or command as Docker shows the exec form: a JSON array; "" for none. */
    static String argv(List<String> args) {
        if (args == null) {
            return "";
        }
        try {
            return ManifestView.JSON.writeValueAsString(args);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a list of strings always writes
        }
    }

    /** An array of strings; null when absent or not an array (its non-strings are left out). */
    private static List<String> list(JsonNode n) {
        if (!n.isArray()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : n) {
            if (s.isTextual()) {
                out.add(s.asText());
            }
        }
        return List.copyOf(out);
    }

    private static List<String> orEmpty(List<String> l) {
        return l == null ? List.of() : l;
    }

    /** The keys of a set-like object ({"80/tcp": {}}), in order. */
    private static List<String> keys(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return List.copyOf(out);
    }
}
