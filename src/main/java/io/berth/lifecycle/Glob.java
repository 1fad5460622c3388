package io.berth.lifecycle;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The patterns of lifecycle rules: {@code *} matches any run of characters (none included; in repository
 * names also {@code /}), {@code ?} exactly one character, anything else itself. No classes, no escapes:
 * tags and repository names cannot contain {@code *} or {@code ?}, so nothing needs escaping.
 */
public final class Glob {
    static final int MAX_PATTERNS = 100;
    private static final int MAX_LENGTH = 255;

    private Glob() {
    }

    /** Whether {@code text} matches {@code pattern} as a whole (iterative, with one backtrack point per {@code *}). */
    public static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int resume = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
                p++;
                t++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    /** The first of {@code patterns} that {@code text} matches, or null. */
    public static String firstMatch(List<String> patterns, String text) {
        for (String pattern : patterns) {
            if (matches(pattern, text)) {
                return pattern;
            }
        }
        return null;
    }

    /** Tag patterns: the tag grammar's characters ({@code A-Z a-z 0-9 _ . -}) and the two wildcards. */
    static List<String> checkTagPatterns(List<String> patterns, String what) {
        return check(patterns, what, c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '.' || c == '-', "letters, digits, _ . - and the wildcards * ?");
    }

    /** Repository patterns: the name grammar's characters ({@code a-z 0-9 _ . - /}) and the two wildcards. */
    static List<String> checkRepositoryPatterns(List<String> patterns, String what) {
        return check(patterns, what, c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '_' || c == '.' || c == '-' || c == '/', "lower-case letters, digits, _ . - / and the wildcards * ?");
    }

    private interface CharTest {
        boolean allowed(char c);
    }

    /** The patterns without duplicates, in their order; IllegalArgumentException naming the first bad one. */
    private static List<String> check(List<String> patterns, String what, CharTest allowed, String alphabet) {
        if (patterns == null) {
            return List.of();
        }
        if (patterns.size() > MAX_PATTERNS) {
            throw new IllegalArgumentException(what + ": at most " + MAX_PATTERNS + " patterns");
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String p : patterns) {
            if (p == null || p.isEmpty() || p.length() > MAX_LENGTH) {
                throw new IllegalArgumentException(what + ": a pattern is 1 to " + MAX_LENGTH + " characters");
            }
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c != '*' && c != '?' && !allowed.allowed(c)) {
                    throw new IllegalArgumentException(what + ": pattern \"" + p + "\" may contain only " + alphabet);
                }
            }
            out.add(p);
        }
        return List.copyOf(new ArrayList<>(out));
    }
}
