package io.berth.ui;

import io.berth.auth.Action;
import io.berth.auth.AdminService;
import io.berth.metadata.RepositoryBrowser;
import io.berth.metadata.RepositoryBrowser.RepositoryRow;
import io.berth.metadata.RepositoryBrowser.TagOrder;
import io.berth.metadata.RepositoryBrowser.TagRow;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.Names;
import io.berth.oci.RegistryException;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The repository list, search, and a repository's page with its tags (and deleting it). */
final class RepositoryPages {
    static final int PAGE = 50;
    /** The action that deletes the repository, after its name (a path no tag or image action ends with). */
    static final String DELETE_REPOSITORY = "/delete-repository";
    private static final int SEARCH_LIMIT = 50;

    private final WebUi ui;
    private final RepositoryBrowser browser;
    private final AdminService admin;
    private final ImagePages images;

    RepositoryPages(WebUi ui, RepositoryBrowser browser, AdminService admin, ImagePages images) {
        this.ui = ui;
        this.browser = browser;
        this.admin = admin;
        this.images = images;
    }

    void list(Web web) {
        String q = trimmed(web.query("q"));
        List<RepositoryRow> rows = browser.repositories(ui.readable(web), q, web.query("after"), PAGE + 1);
        String next = rows.size() > PAGE ? rows.get(PAGE - 1).name() : null;
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Repositories", "repositories", deleted(web)));
        params.put("rows", rows.size() > PAGE ? rows.subList(0, PAGE) : rows);
        params.put("q", q == null ? "" : q);
        params.put("next", next);
        ui.render(web, 200, "repositories.jte", params);
    }

    /** Names, tags, and — for a digest — every repository and tag that holds it, all within what the viewer may read. */
    void search(Web web) {
        String q = trimmed(web.query("q"));
        boolean isDigest = q != null && Digest.looksLikeDigest(q);
        RepositoryBrowser.Readable readable = ui.readable(web);
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Search", "", null));
        params.put("q", q == null ? "" : q);
        params.put("isDigest", isDigest);
        params.put("repositories", q == null || isDigest ? List.of() : browser.repositories(readable, q.toLowerCase(java.util.Locale.ROOT), null, SEARCH_LIMIT));
        params.put("tags", q == null || isDigest ? List.of() : browser.tagsMatching(readable, q, SEARCH_LIMIT));
        params.put("digests", isDigest ? browser.containing(readable, parseDigest(q), SEARCH_LIMIT) : List.of());
        ui.render(web, 200, "search.jte", params);
    }

    /** /r/NAME, and its actions: /r/NAME/description, /r/NAME/tags/TAG/delete; an image's pages are {@link ImagePages}'. */
    void repository(Web web, String rest) {
        if (images.handle(web, rest)) {
            return;
        }
        if (web.isPost() && rest.endsWith("/description")) {
            String name = rest.substring(0, rest.length() - "/description".length());
            admin.repositories().describe(web.principal(), web.client(), name, web.form("description"));
            web.redirect("/r/" + name + Format.query("done", "description"));
            return;
        }
        if (web.isPost() && rest.endsWith(DELETE_REPOSITORY)) {
            String name = rest.substring(0, rest.length() - DELETE_REPOSITORY.length());
            admin.repositories().delete(web.principal(), web.client(), name);
            web.redirect("/repositories" + Format.query("done", "deleted", "name", name));
            return;
        }
        int tagAt = rest.lastIndexOf("/tags/");
        if (web.isPost() && tagAt > 0 && rest.endsWith("/delete")) {
            String name = rest.substring(0, tagAt);
            String tag = rest.substring(tagAt + "/tags/".length(), rest.length() - "/delete".length());
            admin.repositories().deleteTag(web.principal(), web.client(), name, tag);
            web.redirect("/r/" + name + Format.query("done", "deleted", "tag", tag));
            return;
        }
        if (web.isPost()) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no such action.");
        }
        tags(web, rest);
    }

    private void tags(Web web, String name) {
        if (!Names.isValidRepository(name)) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
        }
        Set<Action> rights = ui.rights(web, name);
        RepositoryRow repo = browser.repository(name).filter(r -> rights.contains(Action.PULL))
                // a private repository looks exactly like a missing one
                .orElseThrow(() -> new RegistryException(ErrorCode.NAME_UNKNOWN, "There is no repository " + name + " that you may see."));
        TagOrder order = "recent".equals(web.query("sort")) ? TagOrder.RECENT : TagOrder.NAME;
        List<TagRow> tags = browser.tags(name, order, web.query("after"), PAGE + 1);
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, name, "repositories", flash(web)));
        params.put("name", name);
        params.put("description", repo.description());
        params.put("host", web.host());
        params.put("tags", tags.size() > PAGE ? tags.subList(0, PAGE) : tags);
        params.put("tagCount", repo.tags());
        params.put("order", order == TagOrder.RECENT ? "recent" : "name");
        params.put("next", tags.size() > PAGE ? tags.get(PAGE - 1).cursor(order) : null);
        params.put("mayDelete", WebUi.mayChange(web) && rights.contains(Action.DELETE));
        params.put("mayEdit", WebUi.mayChange(web) && rights.contains(Action.DELETE));
        // what deleting it takes with it, for the confirmation (asked only of those who may)
        params.put("holds", WebUi.mayChange(web) && rights.contains(Action.DELETE) ? holds(web, name) : null);
        ui.render(web, 200, "repository.jte", params);
    }

    /** The confirmation after a change (by a fixed code: a page never echoes text from its URL as a message). */
    private static Page.Flash flash(Web web) {
        String done = web.query("done");
        if (done == null) {
            return null;
        }
        return switch (done) {
            case "deleted" -> new Page.Flash(false, "Tag " + (web.query("tag") == null ? "" : web.query("tag")) + " deleted.");
            case "description" -> new Page.Flash(false, "Description saved.");
            case "manifest" -> new Page.Flash(false, "Manifest deleted, with its tags.");
            default -> null;
        };
    }

    /** "3 tags, 5 manifests and 120 MB of blobs", from the admin service's figures of the repository. */
    private String holds(Web web, String name) {
        var r = admin.repositories().summary(web.principal(), name);
        return LifecyclePages.count(r.tags(), "tag") + ", " + LifecyclePages.count(r.manifests(), "manifest") + " and "
                + Format.bytes(r.sizeBytes()) + " of blobs";
    }

    /** The list's confirmation after a repository was deleted; the name only when it is one (never text from the URL). */
    private static Page.Flash deleted(Web web) {
        if (!"deleted".equals(web.query("done"))) {
            return null;
        }
        String name = web.query("name");
        return new Page.Flash(false, name != null && Names.isValidRepository(name)
                ? "Repository " + name + " deleted; garbage collection frees its blobs." : "Repository deleted.");
    }

    private static Digest parseDigest(String q) {
        try {
            return Digest.parse(q);
        } catch (RegistryException e) {
            throw new RegistryException(ErrorCode.BAD_REQUEST, "That is not a valid digest: " + e.getMessage());
        }
    }

    private static String trimmed(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
