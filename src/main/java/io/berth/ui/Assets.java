package io.berth.ui;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The UI's static files (CSS, the vendored htmx, icons), read from the jar once. Each is served under a
 * name that carries a hash of its bytes ({@code /static/berth.3f2a9c1e.css}), so browsers may cache it
 * for a year and a new Berth is never shown with an old stylesheet.
 */
final class Assets {
    static final String PREFIX = "/static/";
    private static final String[] FILES = {"berth.css", "htmx-2.0.11.min.js", "berth.js", "favicon.svg"};

    record Asset(String name, String contentType, byte[] bytes, String etag) {
    }

    private final Map<String, Asset> byUrl = new LinkedHashMap<>();
    private final Map<String, String> urlOf = new LinkedHashMap<>();

    Assets() {
        for (String file : FILES) {
            byte[] bytes = read(file);
            String hash = sha256(bytes).substring(0, 10);
            int dot = file.lastIndexOf('.');
            String url = PREFIX + file.substring(0, dot) + "." + hash + file.substring(dot);
            byUrl.put(url, new Asset(file, contentType(file), bytes, "\"" + hash + "\""));
            urlOf.put(file, url);
        }
    }

    /** The versioned URL of a static file, for templates. */
    String url(String file) {
        String url = urlOf.get(file);
        if (url == null) {
            throw new IllegalArgumentException("no static file " + file);
        }
        return url;
    }

    Asset find(String path) {
        return byUrl.get(path);
    }

    private static byte[] read(String file) {
        try (InputStream in = Assets.class.getResourceAsStream("static/" + file)) {
            if (in == null) {
                throw new IllegalStateException("static/" + file + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String contentType(String file) {
        if (file.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (file.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (file.endsWith(".svg")) {
            return "image/svg+xml";
        }
        return "application/octet-stream";
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
