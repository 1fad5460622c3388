package io.berth.conformance;

import io.berth.testing.Http;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The test content and settings of the OCI conformance suite: a port of {@code conformance/setup.go}
 * (its {@code init()}) and of the types in {@code image.go}, from opencontainers/distribution-spec.
 * The content is built the same way, so the suite's assertions (digests, sizes, referrer counts,
 * annotations) carry over unchanged.
 *
 * <p>Settings are those of a run with all four workflows enabled and the defaults otherwise:
 * OCI_DELETE_MANIFEST_BEFORE_BLOBS unset (true), OCI_AUTOMATIC_CROSSMOUNT unset (its two tests skip),
 * no OCI_TAG_NAME / OCI_TAG_LIST / OCI_*_DIGEST (every setup step runs), a random cross-mount namespace.
 */
final class Setup {
    private Setup() {
    }

    /** A test blob: its bytes, their length as the header string the suite sends, and its digest. */
    record TestBlob(byte[] content, String contentLength, String digest) {
        static TestBlob of(byte[] content) {
            return new TestBlob(content, Integer.toString(content.length), Http.sha256(content));
        }
    }

    // --- settings (environment variables in the Go suite) -----------------------------------

    static final String NAMESPACE = "oci-conformance/myrepo";
    static final String CROSSMOUNT_NAMESPACE = "conformance-" + UUID.randomUUID();
    static final boolean RUN_PULL_SETUP = true;
    static final boolean RUN_PUSH_SETUP = true;
    static final boolean RUN_CONTENT_DISCOVERY_SETUP = true;
    static final boolean RUN_CONTENT_MANAGEMENT_SETUP = true;
    static final boolean DELETE_MANIFEST_BEFORE_BLOBS = true;
    /** OCI_AUTOMATIC_CROSSMOUNT is unset: the automatic cross-mount tests do not run. */
    static final boolean RUN_AUTOMATIC_CROSSMOUNT_TEST = false;
    static final boolean AUTOMATIC_CROSSMOUNT_ENABLED = false;

    static final String EMPTY_LAYER_TEST_TAG = "emptylayer";
    static final String TEST_TAG_NAME = "tagtest0";
    static final String ARTIFACT_TYPE_FILTER = "artifactType";

    /**
     * In setup.go, {@code numWorkflows} follows {@code pull = 1 << iota} in the same const block, so it
     * is 1 << 4 = 16: sixteen configs and manifests are made, of which the suite uses indexes 0 to 4.
     */
    static final int NUM_WORKFLOWS = 1 << 4;

    /** The error codes of the spec, any of which a 4xx error body may carry. */
    static final List<String> ERROR_CODES = List.of("BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN",
            "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "MANIFEST_UNVERIFIED",
            "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "TAG_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED");
    static final String UNSUPPORTED = "UNSUPPORTED";

    /**
     * A gzipped tarball of one small text file, as in setup.go:
     * {@code echo 'you bothered to find out what was in here. Congratulations!' > test.txt; tar czvf ...}.
     */
    private static final String LAYER_BASE64 = "H4sIAAAAAAAAA+3OQQrCMBCF4a49xXgBSUnaHMCTRBptQRNpp6i3t0UEV7oqIv7fYgbmzeJpHHSjVy0"
            + "WZCa1c/MufWVe94N3RWlrZ72x3k/30nhbFWKWLPU0Dhp6keJ8im//PuU/6pZH2WVtYx8b0Sz7LjWSR5VLG6YRBumSzOlGtjkd+qD"
            + "jMWiX07Befbs7AAAAAAAAAAAAAAAAAPyzO34MnqoAKAAA";

    // --- content ----------------------------------------------------------------------------

    /** Ginkgo's random seed; the random test blobs derive from it. */
    static final long SEED = new Random().nextLong();

    static final List<TestBlob> configs = new ArrayList<>();
    static final List<TestBlob> manifests = new ArrayList<>();

    static final byte[] layerBlobData = Base64.getDecoder().decode(LAYER_BASE64);
    static final String layerBlobDigest = Http.sha256(layerBlobData);
    static final String layerBlobContentLength = Integer.toString(layerBlobData.length);

    static final byte[] emptyLayerManifestContent;
    static final String emptyLayerManifestDigest;

    static final String nonexistentManifest = ".INVALID_MANIFEST_NAME";
    static final byte[] invalidManifestContent = "blablabla".getBytes(StandardCharsets.UTF_8);

    static final byte[] testBlobA = randomBlob(42, SEED + 1);
    static final String testBlobALength = Integer.toString(testBlobA.length);
    static final String testBlobADigest = Http.sha256(testBlobA);

    /** The chunked-upload blob; rebuilt by {@link #setupChunkedBlob} if the registry asks for bigger chunks. */
    static byte[] testBlobB;
    static String testBlobBDigest;
    static byte[] testBlobBChunk1;
    static String testBlobBChunk1Length;
    static String testBlobBChunk1Range;
    static byte[] testBlobBChunk2;
    static String testBlobBChunk2Length;
    static String testBlobBChunk2Range;

    // referrers (artifacts with a subject)
    static final byte[] emptyJSONBlob = "{}".getBytes(StandardCharsets.UTF_8);
    static final Descriptor emptyJSONDescriptor = new Descriptor("application/vnd.oci.empty.v1+json",
            Http.sha256(emptyJSONBlob), emptyJSONBlob.length);

    static final byte[] testRefBlobA = "NHL Peanut Butter on my NHL bagel".getBytes(StandardCharsets.UTF_8);
    static final String testRefBlobALength = Integer.toString(testRefBlobA.length);
    static final String testRefBlobADigest = Http.sha256(testRefBlobA);
    static final String testRefArtifactTypeA = "application/vnd.nhl.peanut.butter.bagel";

    static final byte[] testRefBlobB = "NBA Strawberry Jam on my NBA croissant".getBytes(StandardCharsets.UTF_8);
    static final String testRefBlobBLength = Integer.toString(testRefBlobB.length);
    static final String testRefBlobBDigest = Http.sha256(testRefBlobB);
    static final String testRefArtifactTypeB = "application/vnd.nba.strawberry.jam.croissant";

    static final String testRefArtifactTypeIndex = "application/vnd.food.stand";

    static final String testAnnotationKey = "org.opencontainers.conformance.test";
    /** Referrer digest to the annotation value its manifest carries. */
    static final Map<String, String> testAnnotationValues = new HashMap<>();

    static final byte[] refsManifestAConfigArtifactContent;
    static final String refsManifestAConfigArtifactDigest;
    static final byte[] refsManifestBConfigArtifactContent;
    static final String refsManifestBConfigArtifactDigest;
    static final byte[] refsManifestALayerArtifactContent;
    static final String refsManifestALayerArtifactDigest;
    static final byte[] refsManifestBLayerArtifactContent;
    static final String refsManifestBLayerArtifactDigest;
    static final byte[] refsManifestCLayerArtifactContent;
    static final String refsManifestCLayerArtifactDigest;
    static final byte[] refsIndexArtifactContent;
    static final String refsIndexArtifactDigest;

    static final String dummyDigest = Http.sha256("hello world".getBytes(StandardCharsets.UTF_8));

    static {
        // A unique config for each workflow: a random author makes each digest unique.
        for (int i = 0; i < NUM_WORKFLOWS; i++) {
            Map<String, Object> rootFS = new LinkedHashMap<>();
            rootFS.put("type", "layers");
            rootFS.put("diff_ids", List.of());
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("author", randomString(16));
            config.put("architecture", "amd64");
            config.put("os", "linux");
            config.put("rootfs", rootFS);
            configs.add(TestBlob.of(GoJson.marshalIndent(config)));
        }

        List<Descriptor> layers = List.of(new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
                layerBlobDigest, layerBlobData.length));

        // A unique manifest for each workflow. The config descriptor carries the config as data, and a
        // field the image spec does not define: a registry must store and serve such manifests as is.
        for (int i = 0; i < NUM_WORKFLOWS; i++) {
            manifests.add(TestBlob.of(manifest("application/vnd.oci.image.manifest.v1+json", null,
                    configWithData(configs.get(i)), layers, null, null)));
        }

        // used in the push test: no mediaType in the body, and no layers
        emptyLayerManifestContent = manifest(null, null, configWithData(configs.get(1)), List.of(), null, null);
        emptyLayerManifestDigest = Http.sha256(emptyLayerManifestContent);

        setupChunkedBlob(42);

        Descriptor subject4 = manifestDescriptor(manifests.get(4).content());

        // artifact with a subject, using config.mediaType = artifactType
        refsManifestAConfigArtifactContent = manifest("application/vnd.oci.image.manifest.v1+json", null,
                new Descriptor(testRefArtifactTypeA, testRefBlobADigest, testRefBlobA.length),
                List.of(emptyJSONDescriptor), subject4, Map.of(testAnnotationKey, "test config a"));
        refsManifestAConfigArtifactDigest = annotated(refsManifestAConfigArtifactContent, "test config a");

        refsManifestBConfigArtifactContent = manifest("application/vnd.oci.image.manifest.v1+json", null,
                new Descriptor(testRefArtifactTypeB, testRefBlobBDigest, testRefBlobB.length),
                List.of(emptyJSONDescriptor), subject4, Map.of(testAnnotationKey, "test config b"));
        refsManifestBConfigArtifactDigest = annotated(refsManifestBConfigArtifactContent, "test config b");

        // artifact with a subject, using artifactType and config.mediaType = the empty JSON type
        refsManifestALayerArtifactContent = manifest("application/vnd.oci.image.manifest.v1+json", testRefArtifactTypeA,
                emptyJSONDescriptor, List.of(new Descriptor(testRefArtifactTypeA, testRefBlobADigest, testRefBlobA.length)),
                subject4, Map.of(testAnnotationKey, "test layer a"));
        refsManifestALayerArtifactDigest = annotated(refsManifestALayerArtifactContent, "test layer a");

        refsManifestBLayerArtifactContent = manifest("application/vnd.oci.image.manifest.v1+json", testRefArtifactTypeB,
                emptyJSONDescriptor, List.of(new Descriptor(testRefArtifactTypeB, testRefBlobBDigest, testRefBlobB.length)),
                subject4, Map.of(testAnnotationKey, "test layer b"));
        refsManifestBLayerArtifactDigest = annotated(refsManifestBLayerArtifactContent, "test layer b");

        // like B, but its subject (manifests[3]) has not been pushed
        refsManifestCLayerArtifactContent = manifest("application/vnd.oci.image.manifest.v1+json", testRefArtifactTypeB,
                emptyJSONDescriptor, List.of(new Descriptor(testRefArtifactTypeB, testRefBlobBDigest, testRefBlobB.length)),
                manifestDescriptor(manifests.get(3).content()), null);
        refsManifestCLayerArtifactDigest = Http.sha256(refsManifestCLayerArtifactContent);

        // an index with a subject, listing two of the artifacts above
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", "application/vnd.oci.image.index.v1+json");
        index.put("artifactType", testRefArtifactTypeIndex);
        index.put("manifests", List.of(manifestDescriptor(refsManifestAConfigArtifactContent).toJson(),
                manifestDescriptor(refsManifestALayerArtifactContent).toJson()));
        index.put("subject", subject4.toJson());
        index.put("annotations", Map.of(testAnnotationKey, "test index"));
        refsIndexArtifactContent = GoJson.marshalIndent(index);
        refsIndexArtifactDigest = annotated(refsIndexArtifactContent, "test index");
    }

    /** The descriptor of image.go: newUnspecifiedField is not omitempty, so it is always written. */
    record Descriptor(String mediaType, String digest, long size, byte[] data, byte[] newUnspecifiedField) {
        Descriptor(String mediaType, String digest, long size) {
            this(mediaType, digest, size, null, null);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mediaType", mediaType);
            m.put("digest", digest);
            m.put("size", size);
            if (data != null && data.length > 0) {
                m.put("data", data);
            }
            m.put("newUnspecifiedField", newUnspecifiedField);
            return m;
        }
    }

    private static Descriptor configWithData(TestBlob config) {
        return new Descriptor("application/vnd.oci.image.config.v1+json", config.digest(), config.content().length,
                config.content(), "hello world".getBytes(StandardCharsets.UTF_8));
    }

    private static Descriptor manifestDescriptor(byte[] content) {
        return new Descriptor("application/vnd.oci.image.manifest.v1+json", Http.sha256(content), content.length);
    }

    /** An image manifest in image.go's field order; null mediaType, artifactType, subject and annotations are omitted. */
    private static byte[] manifest(String mediaType, String artifactType, Descriptor config, List<Descriptor> layers,
                                   Descriptor subject, Map<String, String> annotations) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        if (mediaType != null) {
            m.put("mediaType", mediaType);
        }
        if (artifactType != null) {
            m.put("artifactType", artifactType);
        }
        m.put("config", config.toJson());
        m.put("layers", layers.stream().map(Descriptor::toJson).toList());
        if (subject != null) {
            m.put("subject", subject.toJson());
        }
        if (annotations != null) {
            m.put("annotations", annotations);
        }
        return GoJson.marshalIndent(m);
    }

    private static String annotated(byte[] content, String annotation) {
        String digest = Http.sha256(content);
        testAnnotationValues.put(digest, annotation);
        return digest;
    }

    /** A reproducible random blob (from the seed), like setup.go's randomBlob. */
    static byte[] randomBlob(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String randomString(int n) {
        String letters = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
        SecureRandom r = new SecureRandom();
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append(letters.charAt(r.nextInt(letters.length())));
        }
        return s.toString();
    }

    /** Splits a blob of {@code size} bytes into two chunks, the first one byte longer than half. */
    static void setupChunkedBlob(int size) {
        testBlobB = randomBlob(size, SEED + 2);
        testBlobBDigest = Http.sha256(testBlobB);
        testBlobBChunk1 = Arrays.copyOfRange(testBlobB, 0, size / 2 + 1);
        testBlobBChunk1Length = Integer.toString(testBlobBChunk1.length);
        testBlobBChunk1Range = "0-" + (testBlobBChunk1.length - 1);
        testBlobBChunk2 = Arrays.copyOfRange(testBlobB, size / 2 + 1, size);
        testBlobBChunk2Length = Integer.toString(testBlobBChunk2.length);
        testBlobBChunk2Range = testBlobBChunk1.length + "-" + (testBlobB.length - 1);
    }
}
