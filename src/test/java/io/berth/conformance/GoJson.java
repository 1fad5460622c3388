package io.berth.conformance;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON the way Go's {@code json.MarshalIndent(v, "", "\t")} does, so the test manifests have the
 * same shape (tab indentation, "key": value, base64 for []byte, HTML-safe escaping) as the ones the
 * Go conformance suite pushes. Values are Maps (in field order), Lists, Strings, Numbers, null and
 * byte[]; an omitempty field is simply left out of its Map.
 */
final class GoJson {
    private GoJson() {
    }

    static byte[] marshalIndent(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder out, Object v, int depth) {
        switch (v) {
            case null -> out.append("null");
            case String s -> string(out, s);
            case byte[] b -> string(out, Base64.getEncoder().encodeToString(b));
            case Number n -> out.append(n);
            case Boolean b -> out.append(b);
            case Map<?, ?> m -> object(out, m, depth);
            case List<?> l -> array(out, l, depth);
            default -> throw new IllegalArgumentException("no JSON form for " + v.getClass());
        }
    }

    private static void object(StringBuilder out, Map<?, ?> m, int depth) {
        if (m.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            out.append(first ? "" : ",");
            first = false;
            newline(out, depth + 1);
            string(out, String.valueOf(e.getKey()));
            out.append(": ");
            write(out, e.getValue(), depth + 1);
        }
        newline(out, depth);
        out.append('}');
    }

    private static void array(StringBuilder out, List<?> l, int depth) {
        if (l.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < l.size(); i++) {
            out.append(i == 0 ? "" : ",");
            newline(out, depth + 1);
            write(out, l.get(i), depth + 1);
        }
        newline(out, depth);
        out.append(']');
    }

    private static void newline(StringBuilder out, int depth) {
        out.append('\n').append("\t".repeat(depth));
    }

    /** Go escapes <, > and & (HTML safety) and the JSON-breaking characters. */
    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
