package io.berth.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A content digest ({@code algorithm:encoded}) as the OCI image spec defines it. Only registered
 * algorithms (sha256, sha512) are accepted: a digest we cannot verify is refused as DIGEST_INVALID.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
    public Digest {
        int expected = switch (algorithm) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw new RegistryException(ErrorCode.DIGEST_INVALID, "unsupported digest algorithm: " + algorithm);
        };
        if (hex.length() != expected || !isLowerHex(hex)) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID,
                    "invalid " + algorithm + " digest: expected " + expected + " lower-case hex characters");
        }
    }

    /** Parses a digest string, throwing DIGEST_INVALID with a precise message when it is malformed. */
    public static Digest parse(String s) {
        if (s == null || s.isEmpty()) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "digest is missing");
        }
        if (s.length() > 256 || !isWellFormed(s)) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "malformed digest: " + abbreviate(s));
        }
        int colon = s.indexOf(':');
        return new Digest(s.substring(0, colon), s.substring(colon + 1));
    }

    /**
     * The image spec's digest grammar, {@code [a-z0-9]+([.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+}, checked by a
     * scan rather than a regex: every manifest read parses its stored digest, and the regex was 7% of a
     * manifest GET's CPU.
     */
    static boolean isWellFormed(String s) {
        int colon = s.indexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            return false;
        }
        boolean componentStarts = true;
        for (int i = 0; i < colon; i++) {
            char c = s.charAt(i);
            if (Names.isLowerAlnum(c)) {
                componentStarts = false;
            } else if ((c == '.' || c == '+' || c == '_' || c == '-') && !componentStarts) {
                componentStarts = true;
            } else {
                return false;
            }
        }
        if (componentStarts) {
            return false;
        }
        for (int i = colon + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Names.isAlnum(c) || c == '=' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    /** True when the string has the shape of a digest (as opposed to a tag); says nothing of validity. */
    public static boolean looksLikeDigest(String s) {
        return s.indexOf(':') > 0;
    }

    public static Digest sha256(byte[] content) {
        return new Digest("sha256", HexFormat.of().formatHex(newHasher("sha256").digest(content)));
    }

    public static Digest of(String algorithm, byte[] rawDigest) {
        return new Digest(algorithm, HexFormat.of().formatHex(rawDigest));
    }

    public static MessageDigest newHasher(String algorithm) {
        try {
            return MessageDigest.getInstance(switch (algorithm) {
                case "sha256" -> "SHA-256";
                case "sha512" -> "SHA-512";
                default -> throw new IllegalArgumentException(algorithm);
            });
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public MessageDigest newHasher() {
        return newHasher(algorithm);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }

    public static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
