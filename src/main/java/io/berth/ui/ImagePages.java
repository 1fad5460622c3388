package io.berth.ui;

import io.berth.auth.Action;
import io.berth.auth.AdminService;
import io.berth.metadata.MetadataUnavailableException;
import io.berth.metadata.RepositoryBrowser;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.ManifestRecord;
import io.berth.oci.Names;
import io.berth.oci.RegistryException;
import io.berth.registry.Access;
import io.berth.registry.BlobContent;
import io.berth.registry.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An image's (or any artifact's) page, {@code /r/NAME/m/DIGEST}: its manifest, config, layers or platforms,
 * referrers, tags and what deleting it would free; deleting it ({@code POST …/delete}); and two tags compared,
 * {@code /r/NAME/compare?a=TAG&b=TAG}. Each page costs the same few queries however many layers, children or
 * referrers it shows. A manifest the viewer may not read is exactly as missing as one that does not exist.
 */
final class ImagePages {
    private static final Logger LOG = LoggerFactory.getLogger(ImagePages.class);
    /** Configs are a few KiB; one larger than this is not read into a page. */
    static final int MAX_CONFIG_BYTES = 1024 * 1024;
    private static final int TAG_LIMIT = 100;

    private final WebUi ui;
    private final Registry registry;
    private final RepositoryBrowser browser;
    private final AdminService admin;

    ImagePages(WebUi ui, Registry registry, RepositoryBrowser browser, AdminService admin) {
        this.ui = ui;
        this.registry = registry;
        this.browser = browser;
        this.admin = admin;
    }

    /** A manifest's config, as far as the page could read it: {@code parsed} null with a {@code problem} saying why. */
    record ConfigRead(ImageConfig parsed, String problem) {
        static final ConfigRead NONE = new ConfigRead(null, null);
    }

    /** A manifest whose subject is the page's manifest: a signature, an SBOM, an attestation. */
    record Referrer(Digest digest, String artifactType, long size, String created) {
    }

    /**
     * One side of a comparison: the tag, the image compared (for an index, its {@code platform}'s image, chosen
     * from {@code platforms}), its config; or the {@code problem} that stops the comparison.
     */
    record Side(String reference, ManifestView view, ConfigRead config, String platform, List<String> platforms, String problem) {
        static Side failed(String reference, String problem) {
            return new Side(reference, null, ConfigRead.NONE, null, List.of(), problem);
        }
    }

    /**
     * Takes {@code /r/NAME/m/DIGEST} (a name has no colon, a digest has one) and {@code POST …/delete}, and
     * {@code /r/NAME/compare} when it carries {@code a} or {@code b} (without them it is the repository
     * NAME/compare, if there is one); false for every other path under {@code /r/}.
     */
    boolean handle(Web web, String rest) {
        int m = rest.lastIndexOf("/m/");
        if (m > 0 && rest.indexOf(':', m) > 0) {
            String name = rest.substring(0, m);
            String tail = rest.substring(m + "/m/".length());
            if (!web.isPost()) {
                manifest(web, name, tail);
            } else if (tail.endsWith("/delete")) {
                delete(web, name, tail.substring(0, tail.length() - "/delete".length()));
            } else {
                throw new RegistryException(ErrorCode.NOT_FOUND, "There is no such action.");
            }
            return true;
        }
        if (!web.isPost() && rest.endsWith("/compare") && (web.query("a") != null || web.query("b") != null)) {
            compare(web, rest.substring(0, rest.length() - "/compare".length()));
            return true;
        }
        return false;
    }

    // --- the image page ---------------------------------------------------------------------------

    private void manifest(Web web, String name, String digestText) {
        Set<Action> rights = readable(web, name, missingManifest(name));
        Digest digest = digest(digestText, name);
        ManifestView m = ManifestView.of(manifestOrMissing(name, digest.toString()));
        ConfigRead config = m.config() == null ? ConfigRead.NONE : readConfig(name, m.config());
        List<Referrer> referrers = new ArrayList<>();
        for (ManifestRecord r : registry.referrers(name, digest, null)) {
            referrers.add(new Referrer(r.digest(), r.artifactType(), r.size(), createdOf(r)));
        }
        List<String> tags = browser.tagsOf(name, digest, TAG_LIMIT + 1);
        // Only what the viewer may read counts as sharing: whether a private repository holds a blob is not theirs to learn.
        RepositoryBrowser.Readable readable = ui.readable(web);
        List<RepositoryBrowser.Sized> freed = browser.freedBy(name, digest, readable);
        String freedScope = readable.everything() ? "that no other manifest in the registry uses"
                : "that no other manifest you can see uses; repositories you cannot see may share some";
        Map<Digest, Long> childBytes = new HashMap<>();
        if (m.isIndex()) {
            browser.childContent(name, digest).forEach(c -> childBytes.put(c.digest(), c.bytes()));
        }
        Set<Digest> freedDigests = new HashSet<>();
        long freedBytes = 0;
        for (RepositoryBrowser.Sized f : freed) {
            freedDigests.add(f.digest());
            freedBytes += f.bytes();
        }
        boolean moreTags = tags.size() > TAG_LIMIT;
        tags = moreTags ? tags.subList(0, TAG_LIMIT) : tags;

        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, name + "@" + Format.shortDigest(digest), "repositories", null));
        params.put("name", name);
        params.put("host", web.host());
        params.put("m", m);
        params.put("config", config);
        params.put("steps", config.parsed() == null ? new int[0] : config.parsed().layerOfStep(m.layers().size()));
        params.put("referrers", referrers);
        params.put("tags", tags);
        params.put("moreTags", moreTags);
        params.put("childBytes", childBytes);
        params.put("freed", freedDigests);
        params.put("freedBytes", freedBytes);
        params.put("freedScope", freedScope);
        params.put("mayDelete", WebUi.mayChange(web) && rights.contains(Action.DELETE));
        params.put("confirm", deleteConfirmation(name, m, tags, moreTags, freedBytes, freed.size(), freedScope));
        ui.render(web, 200, "image.jte", params);
    }

    /** What the confirmation says: the tags that go with it and what garbage collection may then reclaim. */
    private static String deleteConfirmation(String name, ManifestView m, List<String> tags, boolean moreTags, long freedBytes, int blobs,
                                             String freedScope) {
        StringBuilder s = new StringBuilder("Delete manifest ").append(Format.shortDigest(m.digest())).append(" of ").append(name).append('?');
        if (tags.isEmpty()) {
            s.append(" No tag points at it.");
        } else {
            s.append(tags.size() == 1 && !moreTags ? " Its tag " : " Its tags ").append(String.join(", ", tags))
                    .append(moreTags ? " and more" : "").append(tags.size() == 1 && !moreTags ? " goes" : " go").append(" with it.");
        }
        s.append(" Garbage collection can then reclaim ").append(Format.bytes(freedBytes)).append(" (")
                .append(blobs).append(blobs == 1 ? " blob " : " blobs ").append(freedScope)
                .append(m.isIndex() ? ", counting the platform images only this index keeps" : "").append(").");
        return s.toString();
    }

    private void delete(Web web, String name, String digestText) {
        if (!Names.isValidRepository(name)) {
            throw missingManifest(name);
        }
        Digest digest = digest(digestText, name);
        admin.repositories().deleteManifest(web.principal(), web.client(), name, digest);
        web.redirect("/r/" + name + Format.query("done", "manifest"));
    }

    /**
     * The config, read through the core (never past {@link #MAX_CONFIG_BYTES}) and checked against its digest;
     * nothing for artifacts whose config is not an image's.
     */
    ConfigRead readConfig(String name, ManifestView.Blob d) {
        if (!ImageConfig.MEDIA_TYPES.contains(d.mediaType())) {
            return ConfigRead.NONE;
        }
        String tooLarge = "The config is " + Format.bytes(d.size()) + ", more than the " + Format.bytes(MAX_CONFIG_BYTES) + " this page reads.";
        if (d.size() > MAX_CONFIG_BYTES) {
            return new ConfigRead(null, tooLarge);
        }
        byte[] bytes;
        try {
            bytes = read(registry.blob(name, d.digest(), Access.CACHED_ONLY));
        } catch (RegistryException e) {
            if (e.code() == ErrorCode.BLOB_UNKNOWN) {
                return new ConfigRead(null, "The config is not in this registry (a cached image whose config was never pulled).");
            }
            throw e;
        } catch (MetadataUnavailableException e) {
            throw e;
        } catch (RuntimeException e) { // the storage's failure: the rest of the page is still worth showing
            LOG.warn("reading config {} of {} failed", d.digest(), name, e);
            return new ConfigRead(null, "The config could not be read from storage; see the server log.");
        }
        if (bytes == null) {
            return new ConfigRead(null, tooLarge);
        }
        MessageDigest h = d.digest().newHasher();
        if (!Digest.of(d.digest().algorithm(), h.digest(bytes)).equals(d.digest())) {
            return new ConfigRead(null, "The stored config does not match its digest.");
        }
        ImageConfig parsed = ImageConfig.parse(bytes);
        return parsed == null ? new ConfigRead(null, "The config is not a JSON object.") : new ConfigRead(parsed, null);
    }

    /** A small blob's bytes, wherever the core keeps them; null past {@link #MAX_CONFIG_BYTES}. */
    private static byte[] read(BlobContent blob) {
        if (blob.size() > MAX_CONFIG_BYTES) {
            return null;
        }
        try {
            return switch (blob) {
                case BlobContent.Inline i -> i.bytes();
                case BlobContent.LocalFile f -> readAtMost(Files.newInputStream(f.path()));
                case BlobContent.Stored s -> readAtMost(s.open(0));
                case BlobContent.Filling f -> readAtMost(f.open(0));
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readAtMost(InputStream in) throws IOException {
        try (in) {
            byte[] b = in.readNBytes(MAX_CONFIG_BYTES + 1);
            return b.length > MAX_CONFIG_BYTES ? null : b;
        }
    }

    private static String createdOf(ManifestRecord r) {
        return r.annotations() == null ? null
                : ManifestView.strings(ManifestView.tree(r.annotations().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .get("org.opencontainers.image.created");
    }

    // --- two tags compared ------------------------------------------------------------------------

    private void compare(Web web, String name) {
        RegistryException hidden = new RegistryException(ErrorCode.NAME_UNKNOWN, "There is no repository " + name + " that you may see.");
        readable(web, name, hidden);
        String platform = trimmed(web.query("platform"));
        Side a = side(name, trimmed(web.query("a")), platform, hidden);
        Side b = side(name, trimmed(web.query("b")), platform, hidden);
        String problem = a.problem() != null ? a.problem() : b.problem();
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, name + ": " + a.reference() + " and " + b.reference(), "repositories",
                problem == null ? null : new Page.Flash(true, problem)));
        params.put("name", name);
        params.put("a", a);
        params.put("b", b);
        params.put("c", problem == null ? Comparison.of(a.view(), a.config().parsed(), b.view(), b.config().parsed()) : null);
        ui.render(web, problem == null ? 200 : 404, "compare.jte", params);
    }

    private Side side(String name, String reference, String platform, RegistryException hidden) {
        if (reference == null) {
            return Side.failed("", "Choose two tags to compare.");
        }
        if (Digest.looksLikeDigest(reference) ? !isDigest(reference) : !Names.isTag(reference)) {
            return Side.failed(reference, reference + " is neither a tag nor a digest.");
        }
        ManifestView v = manifestOr(name, reference, hidden);
        if (v == null) {
            return Side.failed(reference, "There is no tag " + reference + " in " + name + ".");
        }
        String chosen = null;
        List<String> platforms = new ArrayList<>();
        if (v.isIndex()) {
            List<ManifestView.Child> images = v.children().stream().filter(c -> !c.attestation()).toList();
            images.forEach(c -> platforms.add(c.platform()));
            ManifestView.Child pick = pick(images, platform);
            if (pick == null) {
                return Side.failed(reference, reference + " is an index without images.");
            }
            chosen = pick.platform();
            v = manifestOr(name, pick.digest().toString(), hidden);
            if (v == null || v.isIndex()) {
                return Side.failed(reference, "The " + chosen + " image of " + reference + " is not in this registry.");
            }
        }
        ConfigRead config = v.config() == null ? ConfigRead.NONE : readConfig(name, v.config());
        return new Side(reference, v, config, chosen, List.copyOf(platforms), null);
    }

    /** The image of the platform asked for; else linux/amd64's, as clients pull by default; else the first. */
    private static ManifestView.Child pick(List<ManifestView.Child> images, String platform) {
        for (String wanted : new String[]{platform, "linux/amd64"}) {
            for (ManifestView.Child c : images) {
                if (c.platform().equals(wanted)) {
                    return c;
                }
            }
        }
        return images.isEmpty() ? null : images.getFirst();
    }

    /** The manifest, or null when the repository has no such one; a missing repository is {@code hidden}. */
    private ManifestView manifestOr(String name, String reference, RegistryException hidden) {
        try {
            return ManifestView.of(registry.manifest(name, reference, Access.CACHED_ONLY));
        } catch (RegistryException e) {
            if (e.code() == ErrorCode.NAME_UNKNOWN) {
                throw hidden;
            }
            if (e.code() == ErrorCode.MANIFEST_UNKNOWN) {
                return null;
            }
            throw e;
        }
    }

    // --- who may see what ---------------------------------------------------------------------------

    /** The viewer's rights in the repository; {@code hidden} unless they include reading it (or the name is malformed). */
    private Set<Action> readable(Web web, String name, RegistryException hidden) {
        if (!Names.isValidRepository(name)) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
        Set<Action> rights = ui.rights(web, name);
        if (!rights.contains(Action.PULL)) {
            throw hidden;
        }
        return rights;
    }

    private ManifestRecord manifestOrMissing(String name, String digest) {
        try {
            return registry.manifest(name, digest, Access.CACHED_ONLY);
        } catch (RegistryException e) {
            if (e.code() == ErrorCode.NAME_UNKNOWN || e.code() == ErrorCode.MANIFEST_UNKNOWN) {
                throw missingManifest(name);
            }
            throw e;
        }
    }

    /** The one answer for a manifest that is missing, private, or named by a malformed digest. */
    private static RegistryException missingManifest(String name) {
        return new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "There is no such manifest in " + name + " that you may see.");
    }

    private static Digest digest(String text, String name) {
        if (!isDigest(text)) {
            throw missingManifest(name);
        }
        return Digest.parse(text);
    }

    private static boolean isDigest(String text) {
        try {
            Digest.parse(text);
            return true;
        } catch (RegistryException e) {
            return false;
        }
    }

    private static String trimmed(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
