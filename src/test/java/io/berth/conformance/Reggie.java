package io.berth.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little of the Go suite's HTTP client (github.com/bloodorangeio/reggie) that the tests use, on
 * top of {@link Http}, so that each ported test reads like the original: a request is built from a
 * path template ({@code <name>}, {@code <reference>}, {@code <digest>}), or from a Location the
 * registry returned, and sent as is.
 *
 * <p>One difference: java.net.http computes Content-Length itself and refuses to have it set, so the
 * suite's explicit Content-Length headers are dropped; the value sent is the body's length, which is
 * what Go's net/http sends too (it also ignores a Content-Length header on requests).
 */
final class Reggie {
    static final String USER_AGENT = "distribution-spec-conformance-tests";

    private final Http http;
    private final String defaultName;

    Reggie(Http http, String defaultName) {
        this.http = http;
        this.defaultName = defaultName;
    }

    String defaultName() {
        return defaultName;
    }

    Request newRequest(String method, String path) {
        return new Request(method, path);
    }

    /** Sends a request; a transport failure fails the test (the suite's {@code Expect(err).To(BeNil())}). */
    Response send(Request r) {
        String url = r.url();
        HttpRequest.BodyPublisher body = r.body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(r.body);
        HttpRequest.Builder b = http.request(url).method(r.method, body).header("User-Agent", USER_AGENT);
        r.headers.forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Content-Length")) {
                b.header(k, v);
            }
        });
        return new Response(r.method, url, http.send(b.build()));
    }

    final class Request {
        private final String method;
        private final String pathTemplate;
        private String name = defaultName;
        private String reference;
        private String digest;
        private final List<String> query = new ArrayList<>();
        private final Map<String, String> headers = new LinkedHashMap<>();
        private byte[] body;

        private Request(String method, String pathTemplate) {
            this.method = method;
            this.pathTemplate = pathTemplate;
        }

        Request withName(String n) {
            this.name = n;
            return this;
        }

        Request withReference(String ref) {
            this.reference = ref;
            return this;
        }

        Request withDigest(String d) {
            this.digest = d;
            return this;
        }

        Request setQueryParam(String key, String value) {
            query.add(URLEncoder.encode(key, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
            return this;
        }

        Request setHeader(String key, String value) {
            headers.put(key, value);
            return this;
        }

        Request setBody(byte[] b) {
            this.body = b;
            return this;
        }

        /** The path with its placeholders filled in, plus query parameters (added to any the path has). */
        private String url() {
            String path = pathTemplate.replace("<name>", name);
            if (reference != null) {
                path = path.replace("<reference>", reference);
            }
            if (digest != null) {
                path = path.replace("<digest>", digest);
            }
            if (!query.isEmpty()) {
                path += (path.contains("?") ? "&" : "?") + String.join("&", query);
            }
            // reggie joins every path, a relative Location included, to the registry's root URL
            return path.startsWith("http://") || path.startsWith("https://") ? path : http.base() + "/" + strip(path);
        }

        private static String strip(String path) {
            return path.startsWith("/") ? path.substring(1) : path;
        }
    }

    /** A response, with reggie's accessors. */
    record Response(String method, String url, HttpResponse<byte[]> raw) {
        int statusCode() {
            return raw.statusCode();
        }

        /** The header's first value, or "" (as Go's Header.Get). */
        String header(String name) {
            return raw.headers().firstValue(name).orElse("");
        }

        byte[] body() {
            return raw.body();
        }

        /**
         * The path and query of the Location header, which may be absolute or (as Berth sends it)
         * relative; later requests join it to the registry's root URL, like reggie's GetRelativeLocation.
         */
        String getRelativeLocation() {
            String loc = header("Location");
            try {
                URI u = new URI(loc);
                String path = u.getRawPath() == null ? "" : u.getRawPath();
                return u.getRawQuery() == null ? path : path + "?" + u.getRawQuery();
            } catch (java.net.URISyntaxException e) {
                return "";
            }
        }

        /** The Location header as given, if it parses as a URI reference (reggie's GetAbsoluteLocation). */
        String getAbsoluteLocation() {
            String loc = header("Location");
            try {
                new URI(loc);
                return loc;
            } catch (java.net.URISyntaxException e) {
                return "";
            }
        }

        /** The codes of the spec's error body; fails when the body is not such JSON (reggie's Errors()). */
        List<String> errors() {
            JsonNode root;
            try {
                root = Http.JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new AssertionError("error body is not JSON: " + describe(), e);
            }
            JsonNode errors = root == null ? null : root.get("errors");
            if (errors == null || !errors.isArray() || errors.isEmpty()) {
                throw new AssertionError("body was valid JSON but could not be parsed as errors: " + describe());
            }
            List<String> codes = new ArrayList<>();
            errors.forEach(e -> codes.add(e.path("code").asText()));
            return codes;
        }

        /** For assertion messages: the request, the status and the start of the body. */
        String describe() {
            String b = new String(raw.body(), StandardCharsets.UTF_8);
            return method + " " + url + " -> " + raw.statusCode() + " " + raw.headers().map()
                    + (b.isEmpty() ? "" : " " + (b.length() > 500 ? b.substring(0, 500) + "…" : b));
        }
    }
}
