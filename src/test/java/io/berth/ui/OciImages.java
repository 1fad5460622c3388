package io.berth.ui;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.testing.Http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Real OCI content for the web UI's tests: image configs with env, labels, entrypoint, ports, volumes and
 * history; image manifests over them; indexes of platforms; artifacts that refer to a subject.
 */
final class OciImages {
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";
    static final String LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

    private OciImages() {
    }

    /** Where content goes: the registry API of a running server, or a core in the test's own process. */
    interface Target {
        void blob(String repository, byte[] data);

        /** Returns the manifest's digest. */
        String manifest(String repository, String reference, String mediaType, byte[] json);
    }

    static Target over(Http http) {
        return new Target() {
            @Override
            public void blob(String repository, byte[] data) {
                http.pushBlob(repository, data);
            }

            @Override
            public String manifest(String repository, String reference, String mediaType, byte[] json) {
                return http.pushManifest(repository, reference, mediaType, json);
            }
        };
    }

    /** What a push made: the manifest's digest, its config's and its layers'. */
    record Pushed(String digest, String config, long configSize, List<String> layers, long size) {
    }

    /** An image being built: a config and its layers, each layer with the history step that made it. */
    static final class Image {
        private final ObjectNode config = Http.JSON.createObjectNode();
        private final ObjectNode settings = config.putObject("config");
        private final ArrayNode history = config.putArray("history");
        private final ArrayNode diffIds;
        private final List<byte[]> layers = new ArrayList<>();

        Image(String os, String architecture, String variant) {
            config.put("created", "2025-06-01T12:00:00Z");
            config.put("architecture", architecture);
            config.put("os", os);
            if (variant != null) {
                config.put("variant", variant);
            }
            ObjectNode rootfs = config.putObject("rootfs");
            rootfs.put("type", "layers");
            diffIds = rootfs.putArray("diff_ids");
        }

        static Image linux(String architecture) {
            return new Image("linux", architecture, null);
        }

        Image env(String... entries) {
            ArrayNode env = settings.withArrayProperty("Env");
            for (String e : entries) {
                env.add(e);
            }
            return this;
        }

        Image label(String key, String value) {
            settings.withObjectProperty("Labels").put(key, value);
            return this;
        }

        Image entrypoint(String... args) {
            ArrayNode a = settings.putArray("Entrypoint");
            for (String s : args) {
                a.add(s);
            }
            return this;
        }

        Image cmd(String... args) {
            ArrayNode a = settings.putArray("Cmd");
            for (String s : args) {
                a.add(s);
            }
            return this;
        }

        Image user(String user) {
            settings.put("User", user);
            return this;
        }

        Image workingDir(String dir) {
            settings.put("WorkingDir", dir);
            return this;
        }

        Image port(String port) {
            settings.withObjectProperty("ExposedPorts").putObject(port);
            return this;
        }

        Image volume(String path) {
            settings.withObjectProperty("Volumes").putObject(path);
            return this;
        }

        /** A layer and the step that made it. */
        Image layer(String content, String createdBy) {
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            layers.add(bytes);
            diffIds.add(Http.sha256(bytes));
            history.addObject().put("created", "2025-06-01T12:00:00Z").put("created_by", createdBy);
            return this;
        }

        /** A step that made no layer (ENV, CMD, …). */
        Image step(String createdBy) {
            history.addObject().put("created", "2025-06-01T12:00:00Z").put("created_by", createdBy).put("empty_layer", true);
            return this;
        }

        /** Pushes by {@code reference}: a tag, or null for by digest (untagged). */
        Pushed push(Target target, String repository, String reference) {
            byte[] configBytes = config.toString().getBytes(StandardCharsets.UTF_8);
            target.blob(repository, configBytes);
            ObjectNode m = Http.JSON.createObjectNode();
            m.put("schemaVersion", 2);
            m.put("mediaType", MANIFEST);
            m.set("config", descriptor("application/vnd.oci.image.config.v1+json", configBytes));
            ArrayNode ls = m.putArray("layers");
            List<String> digests = new ArrayList<>();
            for (byte[] layer : layers) {
                target.blob(repository, layer);
                ls.add(descriptor(LAYER, layer));
                digests.add(Http.sha256(layer));
            }
            byte[] json = m.toString().getBytes(StandardCharsets.UTF_8);
            return new Pushed(target.manifest(repository, reference == null ? Http.sha256(json) : reference, MANIFEST, json),
                    Http.sha256(configBytes), configBytes.length, digests, json.length);
        }
    }

    /** An index of images, each {@code children[i]} for {@code platforms[i]} ("linux/arm64/v8"). */
    static String index(Target target, String repository, String tag, List<Pushed> children, List<String> platforms) {
        ObjectNode m = Http.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", INDEX);
        ArrayNode ms = m.putArray("manifests");
        for (int i = 0; i < children.size(); i++) {
            ObjectNode d = ms.addObject().put("mediaType", MANIFEST).put("digest", children.get(i).digest()).put("size", children.get(i).size());
            String[] p = platforms.get(i).split("/");
            ObjectNode platform = d.putObject("platform").put("architecture", p[1]).put("os", p[0]);
            if (p.length > 2) {
                platform.put("variant", p[2]);
            }
        }
        return target.manifest(repository, tag, INDEX, m.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** An artifact (an SBOM, a signature) whose subject is {@code subject}, pushed by digest as referrers are. */
    static String referrer(Target target, String repository, Pushed subject, String artifactType, String content) {
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        byte[] blob = content.getBytes(StandardCharsets.UTF_8);
        target.blob(repository, empty);
        target.blob(repository, blob);
        ObjectNode m = Http.JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MANIFEST);
        m.put("artifactType", artifactType);
        m.set("config", descriptor("application/vnd.oci.empty.v1+json", empty));
        m.putArray("layers").add(descriptor(artifactType, blob));
        m.putObject("subject").put("mediaType", MANIFEST).put("digest", subject.digest()).put("size", subject.size());
        m.putObject("annotations").put("org.opencontainers.image.created", "2025-06-02T08:30:00Z");
        byte[] json = m.toString().getBytes(StandardCharsets.UTF_8);
        return target.manifest(repository, Http.sha256(json), MANIFEST, json);
    }

    private static ObjectNode descriptor(String mediaType, byte[] content) {
        return Http.JSON.createObjectNode().put("mediaType", mediaType).put("digest", Http.sha256(content)).put("size", content.length);
    }
}
