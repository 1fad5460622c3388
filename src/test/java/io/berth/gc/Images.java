package io.berth.gc;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.testing.Http;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Images for the garbage collection tests: built from bytes, pushed over HTTP, and pulled back completely. */
final class Images {
    static final String IMAGE = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";

    private Images() {
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A blob and its descriptor's parts. */
    record Blob(byte[] bytes, String digest) {
        Blob(byte[] bytes) {
            this(bytes, Http.sha256(bytes));
        }

        String descriptor(String mediaType) {
            return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + bytes.length + "}";
        }
    }

    /** An image manifest over a config and layers, a referrer of {@code subject} (a manifest) when given. */
    static byte[] image(Blob config, Blob subject, Blob... layers) {
        StringBuilder ls = new StringBuilder();
        for (Blob l : layers) {
            ls.append(ls.isEmpty() ? "" : ",").append(l.descriptor("application/vnd.oci.image.layer.v1.tar"));
        }
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + IMAGE + "\",\"config\":" + config.descriptor("application/vnd.oci.image.config.v1+json")
                + ",\"layers\":[" + ls + "]" + (subject == null ? "" : ",\"subject\":" + subject.descriptor(IMAGE)) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** An index of image manifests. */
    static byte[] index(Blob... manifests) {
        StringBuilder ms = new StringBuilder();
        for (Blob m : manifests) {
            ms.append(ms.isEmpty() ? "" : ",").append(m.descriptor(IMAGE));
        }
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + INDEX + "\",\"manifests\":[" + ms + "]}").getBytes(StandardCharsets.UTF_8);
    }

    /** Pushes the blobs and the image manifest under {@code reference}; returns the manifest as a blob (its digest and bytes). */
    static Blob push(Http http, String repository, String reference, Blob config, Blob subject, Blob... layers) {
        http.pushBlob(repository, config.bytes());
        for (Blob l : layers) {
            http.pushBlob(repository, l.bytes());
        }
        byte[] manifest = image(config, subject, layers);
        http.pushManifest(repository, reference, IMAGE, manifest);
        return new Blob(manifest);
    }

    /** Pulls the manifest by {@code reference} and every blob it references (an index: its children, recursively), checking every digest. */
    static void pullsCompletely(Http http, String repository, String reference, String digest) {
        HttpResponse<byte[]> m = http.get("/v2/" + repository + "/manifests/" + reference, "Accept", IMAGE + ", " + INDEX);
        assertThat(m.statusCode()).as("manifest %s@%s", repository, reference).isEqualTo(200);
        assertThat(Http.sha256(m.body())).isEqualTo(digest);
        JsonNode json = Http.json(m);
        for (JsonNode child : json.path("manifests")) {
            pullsCompletely(http, repository, child.path("digest").asText(), child.path("digest").asText());
        }
        Map<String, Long> blobs = new LinkedHashMap<>();
        if (json.has("config")) {
            blobs.put(json.path("config").path("digest").asText(), json.path("config").path("size").asLong());
        }
        for (JsonNode l : json.path("layers")) {
            blobs.put(l.path("digest").asText(), l.path("size").asLong());
        }
        blobs.forEach((d, size) -> {
            HttpResponse<byte[]> b = http.get("/v2/" + repository + "/blobs/" + d);
            assertThat(b.statusCode()).as("blob %s of %s@%s", d, repository, reference).isEqualTo(200);
            assertThat(Http.sha256(b.body())).isEqualTo(d);
            assertThat((long) b.body().length).isEqualTo(size);
        });
    }


}
