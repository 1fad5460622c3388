package io.berth.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The command line: sizes, counts and durations of a full or a quick run, and where Berth's jar and JVM are. */
final class Config {
    static final long MiB = 1024 * 1024;

    boolean quick;
    int reps;
    double warmup;      // seconds per server before the first measured run of a timed workload
    double duration;    // seconds per measured run of a timed workload
    int pushClients = 8;
    long pushBlob;
    int pushChunk;
    long pullBlob;
    int pullConns = 16;
    int manifestConns = 64;
    int smallBlobs;
    int smallWorkers = 16;
    int smallSize = 4096;
    int manifestPuts;
    int manifestPutWorkers = 16;
    int tagCount;
    int listSamples;
    int[] catalogCounts;
    /** Manifests the stats workload adds before timing the statistics. */
    int statsManifests;
    int walkReps;
    /** GC workload: live images (config + layer + manifest, tagged) and unreferenced blobs beside them. */
    int gcImages;
    int gcBlobs;
    /** The same on S3 (S3Proxy): smaller by default, S3Proxy on this machine takes ~40 small uploads a second. */
    int gcS3Images;
    int gcS3Blobs;
    /** Distinct small blobs each connection may push in one timed run of the GC workload's push throughput. */
    int gcPushesPerConn;
    /** UI workload: repositories (a tiny image each) and the tags of its one large repository. */
    int uiRepos;
    /** A file holding S3Proxy's class path (bench/run resolves it with Maven), or null: no GC on S3. */
    Path s3proxyClasspath;
    int uiTags;
    Path jar;
    String java;
    String berthOpts;
    Set<String> only = new LinkedHashSet<>();
    /** Berth's authentication for the run: none (like distribution here), basic or bearer (an admin's credentials). */
    String berthAuth = "none";
    Path out;
    boolean keep;
    Path work;

    static Config parse(String[] args) {
        Config c = new Config();
        String reps = null;
        String listSamples = null;
        String statsManifests = null;
        String gcImages = null;
        String gcBlobs = null;
        String gcS3Images = null;
        String gcS3Blobs = null;
        String uiRepos = null;
        String uiTags = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> c.quick = true;
                case "--reps" -> reps = args[++i];
                case "--jar" -> c.jar = Path.of(args[++i]);
                case "--java" -> c.java = args[++i];
                case "--only" -> c.only.addAll(Arrays.asList(args[++i].split(",")));
                case "--out" -> c.out = Path.of(args[++i]);
                case "--keep" -> c.keep = true;
                case "--work" -> c.work = Path.of(args[++i]);
                case "--berth-opts" -> c.berthOpts = args[++i];
                case "--list-samples" -> listSamples = args[++i];
                case "--berth-auth" -> c.berthAuth = args[++i];
                case "--stats-manifests" -> statsManifests = args[++i];
                case "--gc-images" -> gcImages = args[++i];
                case "--gc-blobs" -> gcBlobs = args[++i];
                case "--gc-s3-images" -> gcS3Images = args[++i];
                case "--gc-s3-blobs" -> gcS3Blobs = args[++i];
                case "--ui-repos" -> uiRepos = args[++i];
                case "--ui-tags" -> uiTags = args[++i];
                case "--s3proxy-classpath" -> c.s3proxyClasspath = Path.of(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: Bench --jar target/berth.jar [--quick] [--reps N] "
                            + "[--only push,pull,manifest,small,mput,tags,catalog,stats,gc,ui] [--stats-manifests N] [--gc-images N] [--gc-blobs N] [--gc-s3-images N] [--gc-s3-blobs N] "
                            + "[--ui-repos N] [--ui-tags N] [--berth-auth none|basic|bearer] "
                            + "[--out FILE] [--keep]");
                    System.exit(0);
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (c.jar == null) {
            c.jar = Path.of("target/berth.jar");
        }
        if (c.java == null) {
            c.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
        if (c.berthOpts == null) {
            String opts = System.getenv("BERTH_JAVA_OPTS");
            c.berthOpts = opts == null || opts.isBlank() ? "-XX:+UseSerialGC -Xms64m -Xmx512m -XX:+ExitOnOutOfMemoryError" : opts; // as scripts/java-env.sh
        }
        if (c.quick) {
            c.reps = 1;
            c.warmup = 0.3;
            c.duration = 1;
            c.pushBlob = 4 * MiB;
            c.pushChunk = (int) MiB;
            c.pullBlob = 16 * MiB;
            c.smallBlobs = 200;
            c.manifestPuts = 200;
            c.tagCount = 300;
            c.listSamples = 10;
            c.catalogCounts = new int[]{50, 200, 1000};
            c.statsManifests = 2000;
            c.walkReps = 1;
            c.gcImages = 20;
            c.gcBlobs = 200;
            c.gcS3Images = 10;
            c.gcS3Blobs = 100;
            c.gcPushesPerConn = 400;
            c.uiRepos = 200;
            c.uiTags = 100;
        } else {
            c.reps = 3;
            c.warmup = 3;
            c.duration = 10;
            c.pushBlob = 64 * MiB;
            c.pushChunk = (int) (8 * MiB);
            c.pullBlob = 256 * MiB;
            c.smallBlobs = 2000;
            c.manifestPuts = 2000;
            c.tagCount = 5000;
            c.listSamples = 100;
            c.catalogCounts = new int[]{500, 2000, 20000};
            c.statsManifests = 100_000;
            c.walkReps = 3;
            c.gcImages = 10_000;
            c.gcBlobs = 100_000;
            c.gcS3Images = 1_000;
            c.gcS3Blobs = 10_000;
            c.gcPushesPerConn = 3_000;
            c.uiRepos = 20_000;
            c.uiTags = 5_000;
        }
        if (reps != null) {
            c.reps = Integer.parseInt(reps);
        }
        if (listSamples != null) {
            c.listSamples = Integer.parseInt(listSamples);
        }
        if (statsManifests != null) {
            c.statsManifests = Integer.parseInt(statsManifests);
        }
        c.gcImages = gcImages != null ? Integer.parseInt(gcImages) : c.gcImages;
        c.gcBlobs = gcBlobs != null ? Integer.parseInt(gcBlobs) : c.gcBlobs;
        c.gcS3Images = gcS3Images != null ? Integer.parseInt(gcS3Images) : c.gcS3Images;
        c.gcS3Blobs = gcS3Blobs != null ? Integer.parseInt(gcS3Blobs) : c.gcS3Blobs;
        c.uiRepos = uiRepos != null ? Integer.parseInt(uiRepos) : c.uiRepos;
        c.uiTags = uiTags != null ? Integer.parseInt(uiTags) : c.uiTags;
        if (c.only.isEmpty()) {
            c.only.addAll(List.of("push", "pull", "manifest", "small", "mput", "tags", "catalog", "stats", "gc", "ui"));
        }
        return c;
    }
}
