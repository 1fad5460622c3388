package io.berth.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Talks to one upstream registry: follows its auth challenge (anonymous or credentialed Bearer token
 * flow, or Basic), reuses each token until it expires instead of logging in per pull, and follows
 * redirects (blob CDNs) without carrying credentials to other hosts.
 */
final class UpstreamClient {
    static final String ACCEPT_MANIFESTS = String.join(", ",
            "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json");
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Upstream upstream;
    private final HttpClient http;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final UpstreamStats stats;

    private record Token(String header, Instant expires) {
    }

    UpstreamClient(Upstream upstream, UpstreamStats stats) {
        this.upstream = upstream;
        this.stats = stats;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    Upstream upstream() {
        return upstream;
    }

    UpstreamStats stats() {
        return stats;
    }

    /** A manifest response: bytes, media type and the digest the upstream claims. */
    record Manifest(byte[] content, String mediaType, String digest) {
    }

    Manifest getManifest(String remote, String reference) {
        HttpResponse<InputStream> r = send("GET", "/v2/" + remote + "/manifests/" + reference, remote, ACCEPT_MANIFESTS);
        try (InputStream in = r.body()) {
            byte[] bytes = in.readNBytes(16 * 1024 * 1024);
            return new Manifest(bytes, r.headers().firstValue("Content-Type").orElse(null),
                    r.headers().firstValue("Docker-Content-Digest").orElse(null));
        } catch (IOException e) {
            throw new UpstreamException(0, true, "reading manifest " + remote + ":" + reference + " from " + upstream.url() + " failed", e);
        }
    }

    /** The digest the upstream has for a tag now (a HEAD, which Docker Hub does not count as a pull). */
    String headManifest(String remote, String reference) {
        HttpResponse<InputStream> r = send("HEAD", "/v2/" + remote + "/manifests/" + reference, remote, ACCEPT_MANIFESTS);
        close(r);
        return r.headers().firstValue("Docker-Content-Digest").orElse(null);
    }

    /** A blob's bytes; the caller closes the stream. Size is -1 when the upstream did not say. */
    record Blob(InputStream body, long size) {
    }

    Blob getBlob(String remote, String digest) {
        HttpResponse<InputStream> r = send("GET", "/v2/" + remote + "/blobs/" + digest, remote, null);
        return new Blob(r.body(), r.headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    /** Whether the upstream's repository holds a blob (a HEAD: no bytes move); errors other than 404 throw. */
    boolean hasBlob(String remote, String digest) {
        try {
            close(send("HEAD", "/v2/" + remote + "/blobs/" + digest, remote, null));
            return true;
        } catch (UpstreamException e) {
            if (e.status == 404) {
                return false;
            }
            throw e;
        }
    }

    /** The upstream's tags list, as JSON. */
    JsonNode tags(String remote, String query) {
        HttpResponse<InputStream> r = send("GET", "/v2/" + remote + "/tags/list" + query, remote, "application/json");
        try (InputStream in = r.body()) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UpstreamException(0, true, "reading tags of " + remote + " failed", e);
        }
    }

    /** Sends, and notes how it went (a 404 is an answer: the upstream works, it lacks the content). */
    private HttpResponse<InputStream> send(String method, String path, String remote, String accept) {
        try {
            HttpResponse<InputStream> r = attempt(method, path, remote, accept);
            stats.answered();
            return r;
        } catch (UpstreamException e) {
            if (e.status == 404) {
                stats.answered();
            } else {
                stats.failed(e.getMessage());
            }
            throw e;
        }
    }

    private HttpResponse<InputStream> attempt(String method, String path, String remote, String accept) {
        URI uri = upstream.url().resolve(path);
        String scope = "repository:" + remote + ":pull";
        for (int attempt = 0; attempt < 2; attempt++) {
            Token t = tokens.get(scope);
            String auth = t != null && t.expires().isAfter(Instant.now()) ? t.header() : null;
            HttpResponse<InputStream> r = follow(method, uri, accept, auth);
            if (r.statusCode() == 401 && attempt == 0) {
                close(r);
                authenticate(r.headers().firstValue("WWW-Authenticate").orElse(""), scope);
                continue;
            }
            if (r.statusCode() >= 200 && r.statusCode() < 300) {
                return r;
            }
            close(r);
            throw UpstreamException.of(r.statusCode(), method + " " + upstream.url().getAuthority() + path);
        }
        throw new IllegalStateException("unreachable");
    }

    /** Sends, following up to five redirects; credentials go only to the upstream's own host. */
    private HttpResponse<InputStream> follow(String method, URI uri, String accept, String auth) {
        URI target = uri;
        for (int hop = 0; hop < 6; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(60))
                    .method(method, HttpRequest.BodyPublishers.noBody()).header("User-Agent", "berth-proxy");
            if (accept != null) {
                b.header("Accept", accept);
            }
            if (auth != null && target.getAuthority().equals(upstream.url().getAuthority())) {
                b.header("Authorization", auth);
            }
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new UpstreamException(0, true, "cannot reach " + upstream.url() + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UpstreamException(0, true, "interrupted", e);
            }
            int s = r.statusCode();
            if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
                close(r);
                target = target.resolve(r.headers().firstValue("Location").orElseThrow(
                        () -> UpstreamException.of(502, "redirect without Location")));
                continue;
            }
            return r;
        }
        throw new UpstreamException(508, true, "too many redirects from " + upstream.url(), null);
    }

    /** Answers a challenge: fetches a Bearer token (credentials if configured) or prepares Basic. */
    private void authenticate(String challenge, String scope) {
        if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
            if (upstream.username() == null) {
                throw UpstreamException.of(401, "upstream " + upstream.url() + " wants credentials; none are configured");
            }
            tokens.put(scope, new Token(basic(), Instant.now().plus(Duration.ofDays(365))));
            return;
        }
        Map<String, String> p = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) {
            p.put(m.group(1), m.group(2));
        }
        String realm = p.get("realm");
        if (realm == null) {
            throw UpstreamException.of(401, "upstream " + upstream.url() + " sent an unusable challenge");
        }
        StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
        if (p.containsKey("service")) {
            q.append("service=").append(URLEncoder.encode(p.get("service"), StandardCharsets.UTF_8)).append('&');
        }
        q.append("scope=").append(URLEncoder.encode(p.getOrDefault("scope", scope), StandardCharsets.UTF_8));
        URI tokenUri;
        try {
            tokenUri = URI.create(q.toString());
        } catch (IllegalArgumentException e) {
            throw UpstreamException.of(401, "upstream " + upstream.url() + " sent an unusable token realm " + realm);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(tokenUri).timeout(Duration.ofSeconds(30)).GET();
        if (upstream.username() != null) {
            b.header("Authorization", basic());
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw UpstreamException.of(r.statusCode() == 401 ? 401 : r.statusCode(), "token request to " + realm);
            }
            JsonNode body = JSON.readTree(r.body());
            String token = body.hasNonNull("token") ? body.get("token").asText() : body.path("access_token").asText();
            long ttl = body.path("expires_in").asLong(60);
            tokens.put(scope, new Token("Bearer " + token, Instant.now().plusSeconds(Math.max(10, ttl - 10))));
        } catch (IOException e) {
            throw new UpstreamException(0, true, "token request to " + realm + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException(0, true, "interrupted", e);
        }
    }

    private String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((upstream.username() + ":" + upstream.password()).getBytes(StandardCharsets.UTF_8));
    }

    private static void close(HttpResponse<InputStream> r) {
        try {
            r.body().close();
        } catch (IOException ignored) {
            // nothing more to read
        }
    }
}
