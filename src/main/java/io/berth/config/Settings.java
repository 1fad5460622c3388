package io.berth.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The configuration tree: a YAML file in registry:2's layout, overridden by environment variables the
 * way registry:2 does it — REGISTRY_HTTP_ADDR sets http.addr — plus BERTH_* for Berth's own section
 * (BERTH_DATABASE_URL sets berth.database.url). Typed getters fail with a one-line message naming the
 * setting both ways.
 */
public final class Settings {
    /** Loaded only when a config file is given: the YAML parser costs start-up time otherwise spent for nothing. */
    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());
    }

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    private final ObjectNode root;
    /** What the file and the environment said, before merging: to tell the operator what Berth ignores. */
    private final JsonNode yaml;
    private final Path file;
    private final Map<String, String> env;

    private Settings(ObjectNode root) {
        this(root, null, null, Map.of());
    }

    private Settings(ObjectNode root, JsonNode yaml, Path file, Map<String, String> env) {
        this.root = root;
        this.yaml = yaml;
        this.file = file;
        this.env = env;
    }

    /** Loads the file (when given) and applies the environment over it. */
    public static Settings load(Path file, Map<String, String> env) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        if (file != null) {
            if (!Files.exists(file)) {
                throw new ConfigException("config file " + file + ": no such file");
            }
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("config file " + file + ": not a file");
            }
            try {
                JsonNode n = Yaml.MAPPER.readTree(file.toFile());
                if (n != null && !n.isMissingNode() && !n.isNull()) {
                    if (!n.isObject()) {
                        throw new ConfigException("config file " + file + " must hold a YAML mapping");
                    }
                    root = (ObjectNode) n;
                }
            } catch (IOException e) {
                throw new ConfigException("config file " + file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
            }
        }
        SettingsSchema.checkBerthSection(root, file);
        JsonNode yaml = root.deepCopy();
        for (Map.Entry<String, String> e : env.entrySet()) {
            java.util.List<String> path = envPath(e.getKey());
            if (path != null) {
                put(root, path.toArray(String[]::new), e.getValue());
            }
        }
        return new Settings(root, yaml, file, Map.copyOf(env));
    }

    /** REGISTRY_A_B sets a.b, BERTH_A_B sets berth.a.b; null for any other variable. */
    static java.util.List<String> envPath(String key) {
        if (key.startsWith("REGISTRY_") && key.length() > 9) {
            return java.util.List.of(key.substring(9).toLowerCase(Locale.ROOT).split("_"));
        } else if (key.startsWith("BERTH_") && key.length() > 6) {
            java.util.List<String> path = new java.util.ArrayList<>(java.util.List.of("berth"));
            path.addAll(java.util.List.of(key.substring(6).toLowerCase(Locale.ROOT).split("_")));
            return path;
        }
        return null;
    }

    /**
     * One line for each setting Berth ignores: unknown REGISTRY_* and BERTH_* variables (as registry:2 warns),
     * registry:2 settings Berth does not implement, and unknown keys outside berth: in the file.
     */
    public java.util.List<String> warnings() {
        return SettingsSchema.warnings(yaml, file, env);
    }

    /** One setting as an operator may be shown it: its dotted name and value, a secret's as "(set)". */
    public record Entry(String name, String value) {
    }

    /** Settings whose value is a credential, by the last part of their name. */
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|secret|key|credentials?|connectionstring|token)");
    /** A URL's password ("postgres://berth:PASSWORD@db/berth") and credentials in its query ("?password=…"). */
    private static final Pattern URL_PASSWORD = Pattern.compile("(://[^/@:]*):[^/@]*@");
    private static final Pattern QUERY_SECRET = Pattern.compile("(?i)([?&;][a-z]*(?:password|secret|token|key)[a-z]*=)[^&;]*");

    /**
     * What the file and the environment set among the settings Berth reads, by name: the effective
     * configuration without secrets (a password, key, secret, token or credential shows as "(set)", a URL
     * without its password). Settings not listed take their defaults; settings Berth ignores are left out
     * (they are the start's warnings).
     */
    public java.util.List<Entry> effective() {
        java.util.List<Entry> out = new java.util.ArrayList<>();
        effective(root, new java.util.ArrayList<>(), out);
        out.sort(java.util.Comparator.comparing(Entry::name));
        return java.util.List.copyOf(out);
    }

    private static void effective(JsonNode node, java.util.List<String> path, java.util.List<Entry> out) {
        String dotted = String.join(".", path);
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(k -> {
                java.util.List<String> child = new java.util.ArrayList<>(path);
                child.add(k);
                effective(node.get(k), child, out);
            });
        } else if (node.isArray() && dotted.equals("berth.proxy.upstreams")) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode upstream = node.get(i);
                String prefix = dotted + "[" + i + "].";
                upstream.fieldNames().forEachRemaining(k -> out.add(shown(prefix + k, k, upstream.get(k))));
            }
        } else if (!node.isNull() && !path.isEmpty() && SettingsSchema.declares(dotted)) {
            out.add(shown(dotted, path.getLast(), node));
        }
    }

    private static Entry shown(String name, String last, JsonNode value) {
        String text = value.isArray() ? String.join(", ", java.util.stream.StreamSupport.stream(value.spliterator(), false)
                .map(JsonNode::asText).toList()) : value.asText();
        if (SECRET_NAME.matcher(last).matches()) {
            return new Entry(name, text.isEmpty() ? "" : "(set)");
        }
        return new Entry(name, QUERY_SECRET.matcher(URL_PASSWORD.matcher(text).replaceAll("$1:(set)@")).replaceAll("$1(set)"));
    }

    public static Settings empty() {
        return new Settings(JsonNodeFactory.instance.objectNode());
    }

    private static void put(ObjectNode root, String[] path, String value) {
        JsonNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = child(node, path[i]);
            if (child instanceof com.fasterxml.jackson.databind.node.ArrayNode list && index(path[i + 1], list) >= 0) {
                // registry:2's REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL: an entry of a list, by index (one past the end appends)
                node = list;
                continue;
            }
            if (child == null || !child.isObject()) {
                // registry:2 allows e.g. REGISTRY_STORAGE=s3 next to REGISTRY_STORAGE_S3_BUCKET: keep the scalar as "type"
                ObjectNode created = JsonNodeFactory.instance.objectNode();
                if (child != null && child.isValueNode()) {
                    created.put("type", child.asText());
                }
                set(node, path[i], created);
                child = created;
            }
            node = child;
        }
        String leaf = path[path.length - 1];
        JsonNode existing = child(node, leaf);
        if (existing != null && existing.isObject()) {
            ((ObjectNode) existing).put("type", value);
        } else {
            set(node, leaf, JsonNodeFactory.instance.textNode(value));
        }
    }

    /** The child of a mapping by key, or of a list by index (null when there is none). */
    private static JsonNode child(JsonNode node, String key) {
        if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode list) {
            int i = index(key, list);
            return i >= 0 && i < list.size() ? list.get(i) : null;
        }
        return node.get(key);
    }

    private static void set(JsonNode node, String key, JsonNode value) {
        if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode list) {
            int i = index(key, list);
            if (i < list.size()) {
                list.set(i, value);
            } else {
                list.add(value);
            }
        } else {
            ((ObjectNode) node).set(key, value);
        }
    }

    /** A list index that exists or appends (as registry:2 allows), else -1. */
    private static int index(String key, com.fasterxml.jackson.databind.node.ArrayNode list) {
        if (!key.matches("\\d{1,4}")) {
            return -1;
        }
        int i = Integer.parseInt(key);
        return i <= list.size() ? i : -1;
    }

    private Optional<JsonNode> node(String dotted) {
        if (dotted.startsWith("berth.") && !SettingsSchema.declares(dotted)) {
            // A programming error, caught by any test that loads settings: the strict check of berth: keys
            // would refuse the very setting the code reads.
            throw new IllegalStateException("setting " + dotted + " is read but not declared in SettingsSchema.READ");
        }
        JsonNode n = root;
        for (String part : dotted.split("\\.")) {
            n = n.get(part);
            if (n == null || n.isNull()) {
                return Optional.empty();
            }
        }
        return Optional.of(n);
    }

    public boolean has(String dotted) {
        return node(dotted).isPresent();
    }

    /** The keys under a mapping (e.g. the driver name under storage). */
    public java.util.List<String> keys(String dotted) {
        java.util.List<String> out = new java.util.ArrayList<>();
        node(dotted).filter(JsonNode::isObject).ifPresent(n -> n.fieldNames().forEachRemaining(out::add));
        return out;
    }

    /**
     * A list of mappings (e.g. the cache's upstreams), each as its own Settings. From the environment the
     * list may come as YAML text (registry:2 reads every variable as YAML: {@code REGISTRY_NOTIFICATIONS_ENDPOINTS='[{name: a, url: …}]'})
     * or entry by entry ({@code REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL}), which makes a mapping keyed 0, 1, ….
     */
    public java.util.List<Settings> objects(String dotted) {
        java.util.List<Settings> out = new java.util.ArrayList<>();
        node(dotted).map(n -> yaml(n, dotted)).ifPresent(n -> {
            java.util.List<JsonNode> entries = new java.util.ArrayList<>();
            if (n.isArray()) {
                n.forEach(entries::add);
            } else if (n.isObject() && !n.isEmpty() && java.util.stream.StreamSupport.stream(
                    java.util.Spliterators.spliteratorUnknownSize(n.fieldNames(), 0), false).allMatch(k -> k.matches("\\d{1,4}"))) {
                java.util.List<String> keys = new java.util.ArrayList<>();
                n.fieldNames().forEachRemaining(keys::add);
                keys.sort(java.util.Comparator.comparingInt(Integer::parseInt));
                keys.forEach(k -> entries.add(n.get(k)));
            } else {
                throw new ConfigException(dotted + " (" + envName(dotted) + ") must be a list of mappings");
            }
            for (JsonNode entry : entries) {
                if (!entry.isObject()) {
                    throw new ConfigException("every entry of " + dotted + " must be a mapping");
                }
                out.add(new Settings((ObjectNode) entry));
            }
        });
        return out;
    }

    /** A text value from the environment that holds a YAML list or mapping, parsed; any other node as it is. */
    private static JsonNode yaml(JsonNode n, String dotted) {
        String t = n.isTextual() ? n.asText().trim() : "";
        if (!t.startsWith("[") && !t.startsWith("{") && !t.startsWith("- ") && !t.startsWith("-\n")) {
            return n;
        }
        try {
            JsonNode parsed = Yaml.MAPPER.readTree(t);
            return parsed == null || parsed.isMissingNode() ? n : parsed;
        } catch (IOException e) {
            throw new ConfigException("invalid setting " + dotted + " (" + envName(dotted) + "): not valid YAML: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** A mapping of names to lists of strings, as registry:2's {@code http.Header} (a lone string counts as a list of one). */
    public java.util.Map<String, java.util.List<String>> stringLists(String dotted) {
        java.util.Map<String, java.util.List<String>> out = new java.util.LinkedHashMap<>();
        node(dotted).map(n -> yaml(n, dotted)).ifPresent(n -> {
            if (!n.isObject()) {
                throw new ConfigException(dotted + " (" + envName(dotted) + ") must be a mapping of names to lists of values");
            }
            n.fieldNames().forEachRemaining(k -> {
                JsonNode v = yaml(n.get(k), dotted + "." + k);
                java.util.List<String> values = new java.util.ArrayList<>();
                if (v.isArray()) {
                    v.forEach(x -> values.add(x.asText()));
                } else if (!v.isNull()) {
                    values.add(v.asText());
                }
                out.put(k, java.util.List.copyOf(values));
            });
        });
        return out;
    }

    /** A list of strings (a YAML sequence, or one comma-separated string from the environment). */
    public java.util.List<String> strings(String dotted) {
        java.util.List<String> out = new java.util.ArrayList<>();
        node(dotted).map(n -> yaml(n, dotted)).ifPresent(n -> {
            if (n.isArray()) {
                n.forEach(v -> out.add(v.asText()));
            } else {
                for (String part : n.asText().split(",")) {
                    if (!part.isBlank()) {
                        out.add(part.trim());
                    }
                }
            }
        });
        return out;
    }

    public String string(String dotted, String fallback) {
        return node(dotted).map(n -> n.isObject() ? n.path("type").asText(fallback) : n.asText()).orElse(fallback);
    }

    public boolean bool(String dotted, boolean fallback) {
        Optional<JsonNode> n = node(dotted);
        if (n.isEmpty()) {
            return fallback;
        }
        if (n.get().isBoolean()) {
            return n.get().booleanValue();
        }
        String v = n.get().asText().trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw invalid(dotted, v, "true or false");
        };
    }

    public long number(String dotted, long fallback, long min, long max) {
        Optional<JsonNode> n = node(dotted);
        if (n.isEmpty()) {
            return fallback;
        }
        String v = n.get().asText().trim();
        try {
            long l = Long.parseLong(v);
            if (l < min || l > max) {
                throw invalid(dotted, v, "a whole number from " + min + " to " + max);
            }
            return l;
        } catch (NumberFormatException e) {
            throw invalid(dotted, v, "a whole number");
        }
    }

    /** A duration in Go's notation as registry:2 takes it ("168h", "10m30s", "500ms"), or plain seconds. */
    public Duration duration(String dotted, Duration fallback) {
        Optional<JsonNode> n = node(dotted);
        if (n.isEmpty()) {
            return fallback;
        }
        String v = n.get().asText().trim();
        if (v.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        Matcher m = GO_DURATION.matcher(v);
        long nanos = 0;
        int pos = 0;
        while (m.find()) {
            if (m.start() != pos) {
                throw invalid(dotted, v, "a duration such as 30s, 10m or 168h");
            }
            double amount = Double.parseDouble(m.group(1));
            nanos += (long) (amount * switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            });
            pos = m.end();
        }
        if (pos != v.length() || v.isEmpty()) {
            throw invalid(dotted, v, "a duration such as 30s, 10m or 168h");
        }
        return Duration.ofNanos(nanos);
    }

    /** The environment variable that sets a dotted key, for error messages. */
    public static String envName(String dotted) {
        String upper = dotted.replace('.', '_').toUpperCase(Locale.ROOT);
        return upper.startsWith("BERTH_") ? upper : "REGISTRY_" + upper;
    }

    public static ConfigException invalid(String dotted, String value, String expected) {
        String shown = value.length() > 60 ? value.substring(0, 60) + "…" : value;
        return new ConfigException("invalid setting " + dotted + " (" + envName(dotted) + ") = \"" + shown + "\": expected " + expected);
    }
}
