package io.berth.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/** A small real-HTTP client for tests: java.net.http over loopback, no mocks. */
public class Http {
    public static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final String base;
    private final String authorization;

    /** An anonymous client. */
    public Http(String base) {
        this(base, null, null);
    }

    /** A client that sends Basic credentials on every request (null user: anonymous). */
    public Http(String base, String user, String password) {
        this.base = base;
        this.authorization = user == null ? null : "Basic " + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The Authorization header this client sends (null: anonymous), for requests built by hand. */
    public String authorization() {
        return authorization;
    }

    public String base() {
        return base;
    }

    public HttpRequest.Builder request(String pathOrUrl) {
        String url = pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    public HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<byte[]> get(String path, String... headers) {
        HttpRequest.Builder b = request(path).GET();
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    public HttpResponse<byte[]> head(String path, String... headers) {
        HttpRequest.Builder b = request(path).method("HEAD", HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    public HttpResponse<byte[]> method(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = request(path).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    public static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first error code of a spec error body. */
    public static String errorCode(HttpResponse<byte[]> r) {
        return json(r).path("errors").path(0).path("code").asText();
    }

    public static String sha256(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Pushes a blob in one request (POST ?digest=) and returns its digest. */
    /** {@code size} bytes of random content, the same for the same seed: distinct layers for tests. */
    public static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    public String pushBlob(String repository, byte[] data) {
        String digest = sha256(data);
        HttpResponse<byte[]> r = method("POST", "/v2/" + repository + "/blobs/uploads/?digest=" + digest, data,
                "Content-Type", "application/octet-stream");
        if (r.statusCode() == 202) {
            // registry:2 ignores the single-request form and opens a session: finish it with PUT.
            String location = r.headers().firstValue("Location").orElseThrow();
            r = method("PUT", location + (location.contains("?") ? "&" : "?") + "digest=" + digest, data,
                    "Content-Type", "application/octet-stream");
        }
        if (r.statusCode() != 201) {
            throw new AssertionError("blob push failed: " + r.statusCode() + " " + new String(r.body()));
        }
        return digest;
    }

    /** Pushes an OCI image manifest with one config and the given layers; returns the manifest digest. */
    public String pushImage(String repository, String reference, byte[] config, byte[]... layers) {
        String configDigest = pushBlob(repository, config);
        StringBuilder ls = new StringBuilder();
        for (byte[] layer : layers) {
            String d = pushBlob(repository, layer);
            if (!ls.isEmpty()) {
                ls.append(',');
            }
            ls.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"").append(d)
                    .append("\",\"size\":").append(layer.length).append('}');
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[" + ls + "]}";
        return pushManifest(repository, reference, "application/vnd.oci.image.manifest.v1+json", manifest.getBytes());
    }

    public String pushManifest(String repository, String reference, String mediaType, byte[] manifest) {
        HttpResponse<byte[]> r = method("PUT", "/v2/" + repository + "/manifests/" + reference, manifest, "Content-Type", mediaType);
        if (r.statusCode() != 201) {
            throw new AssertionError("manifest push failed: " + r.statusCode() + " " + new String(r.body()));
        }
        return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }
}
