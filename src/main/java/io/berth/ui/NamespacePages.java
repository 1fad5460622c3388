package io.berth.ui;

import io.berth.auth.AccessStore;
import io.berth.auth.Action;
import io.berth.auth.AdminService;
import io.berth.auth.HoldsRepositoriesException;
import io.berth.auth.NamespaceAdmin.NamespaceView;
import io.berth.auth.Principal;
import io.berth.auth.Role;
import io.berth.metadata.RepositoryBrowser;
import io.berth.metadata.RepositoryBrowser.RepositoryRow;
import io.berth.oci.ErrorCode;
import io.berth.oci.Names;
import io.berth.oci.RegistryException;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The namespaces a viewer may read, and one namespace: its repositories, and for its owners (and admins) its
 * members and roles, its visibility and its deletion (every change a call of {@code NamespaceAdmin}), and the
 * sections of {@link LifecyclePages}: immutable tags, retention and webhooks.
 */
final class NamespacePages {
    static final int PAGE = 100;
    static final List<String> ROLES = Arrays.stream(Role.values()).map(Role::wire).toList();

    /** A namespace in the list, with the viewer's role there ("admin" for an admin, "" where they only read it as public). */
    record NamespaceRow(String name, boolean isPublic, String role, long created) {
    }

    private final WebUi ui;
    private final RepositoryBrowser browser;
    private final AdminService admin;
    private final LifecyclePages lifecycle;

    NamespacePages(WebUi ui, RepositoryBrowser browser, AdminService admin, LifecyclePages lifecycle) {
        this.ui = ui;
        this.browser = browser;
        this.admin = admin;
        this.lifecycle = lifecycle;
    }

    /** /namespaces[/NS[/ACTION…]], the path after "/namespaces". */
    void handle(Web web, String rest) {
        if (admin == null) {
            throw new RegistryException(ErrorCode.NOT_FOUND, "This registry runs without logins (BERTH_AUTH=none): it has no namespaces to manage.");
        }
        if (rest.isEmpty()) {
            if (web.isPost()) {
                create(web);
            } else {
                list(web, 200, flash(web));
            }
            return;
        }
        String[] parts = rest.substring(1).split("/", -1);
        String ns = parts[0];
        if (!Names.isPathComponent(ns)) {
            throw noPage();
        }
        if (parts.length == 1 && !web.isPost()) {
            show(web, ns, 200, flash(web));
            return;
        }
        if (lifecycle.handle(web, ns, parts, (status, flash) -> show(web, ns, status, flash))) {
            return;
        }
        if (!web.isPost()) {
            throw noPage();
        }
        String action = String.join("/", Arrays.asList(parts).subList(1, parts.length));
        if (action.equals("visibility")) {
            String visibility = web.form("visibility");
            admin.namespaces().setVisibility(web.principal(), web.client(), ns, visibility);
            web.redirect("/namespaces/" + ns + Format.query("done", visibility));
        } else if (action.equals("members")) {
            setMember(web, ns);
        } else if (parts.length == 4 && parts[1].equals("members") && parts[3].equals("remove")) {
            admin.namespaces().removeMember(web.principal(), web.client(), ns, parts[2]);
            web.redirect("/namespaces/" + ns + Format.query("done", "removed", "user", parts[2]));
        } else if (action.equals("delete")) {
            delete(web, ns);
        } else {
            throw noPage();
        }
    }

    private void list(Web web, int status, Page.Flash flash) {
        Principal p = web.principal();
        String q = trimmed(web.query("q"));
        String after = web.query("after");
        Map<String, Role> roles = p instanceof Principal.User
                ? admin.users().me(p).namespaces().stream().collect(Collectors.toMap(AccessStore.Member::namespace, AccessStore.Member::role))
                : Map.of();
        boolean isAdmin = web.viewer() != null && web.viewer().admin();
        List<NamespaceRow> rows = admin.namespaces().list(p).stream()
                .filter(ns -> (q == null || ns.name().contains(q)) && (after == null || ns.name().compareTo(after) > 0))
                .limit(PAGE + 1)
                .map(ns -> new NamespaceRow(ns.name(), ns.isPublic(), role(ns, roles.get(ns.name()), isAdmin), ns.created().toEpochMilli()))
                .toList();
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, "Namespaces", "namespaces", flash));
        params.put("rows", rows.size() > PAGE ? rows.subList(0, PAGE) : rows);
        params.put("q", q == null ? "" : q);
        params.put("next", rows.size() > PAGE ? rows.get(PAGE - 1).name() : null);
        params.put("mayCreate", web.mayChange() && admin.namespaces().mayCreate(p));
        params.put("newName", web.typed("name"));
        ui.render(web, status, "namespaces.jte", params);
    }

    /** What the viewer is in a namespace: their role, "admin", or for an API token the actions it holds there. */
    private static String role(NamespaceView ns, Role role, boolean isAdmin) {
        if (role != null) {
            return role.wire();
        }
        if (isAdmin) {
            return "admin";
        }
        Set<Action> beyondPull = ns.actions().stream().filter(a -> a != Action.PULL).collect(Collectors.toSet());
        return beyondPull.isEmpty() && ns.isPublic() ? "" : ns.actions().stream().map(Action::wire).sorted().collect(Collectors.joining(", "));
    }

    private void create(Web web) {
        String name = web.field("name");
        try {
            admin.namespaces().create(web.principal(), web.client(), name, web.form("visibility"));
        } catch (RegistryException e) {
            if (!WebUi.fixable(e)) {
                throw e;
            }
            list(web, WebUi.status(e), new Page.Flash(true, e.getMessage()));
            return;
        }
        web.redirect("/namespaces/" + name + Format.query("done", "created"));
    }

    private void show(Web web, String ns, int status, Page.Flash flash) {
        Principal p = web.principal();
        NamespaceView view = admin.namespaces().get(p, ns); // a private namespace looks missing to outsiders
        String after = web.query("after");
        List<RepositoryRow> repositories = browser.repositories(RepositoryBrowser.Readable.only(Set.of(ns)), null, after, PAGE + 1);
        boolean manage = web.mayChange() && view.actions().contains(Action.MANAGE);
        Role role = p instanceof Principal.User ? admin.users().me(p).namespaces().stream()
                .filter(m -> m.namespace().equals(ns)).map(AccessStore.Member::role).findFirst().orElse(null) : null;
        Map<String, Object> params = new HashMap<>();
        params.put("page", ui.page(web, ns, "namespaces", flash));
        params.put("ns", view);
        params.put("role", role(view, role, web.viewer() != null && web.viewer().admin()));
        params.put("repositories", repositories.size() > PAGE ? repositories.subList(0, PAGE) : repositories);
        params.put("next", repositories.size() > PAGE ? repositories.get(PAGE - 1).name() : null);
        // exact on a single page of them; beyond it, the delete asks again with the count the service finds
        params.put("repositoryCount", after == null && repositories.size() <= PAGE ? (long) repositories.size() : -1L);
        params.put("manage", manage);
        params.put("members", manage ? admin.namespaces().members(p, ns) : List.of());
        params.put("roles", ROLES);
        params.put("host", web.host());
        params.put("lifecycle", lifecycle.sections(web, ns));
        ui.render(web, status, "namespace.jte", params);
    }

    private void setMember(Web web, String ns) {
        String user = web.field("user");
        String role = web.form("role");
        try {
            admin.namespaces().setMember(web.principal(), web.client(), ns, user, role);
        } catch (RegistryException e) {
            if (!WebUi.fixable(e) && e.code() != ErrorCode.NOT_FOUND) { // NOT_FOUND: no such user (the namespace was found)
                throw e;
            }
            show(web, ns, WebUi.status(e), new Page.Flash(true, e.getMessage()));
            return;
        }
        web.redirect("/namespaces/" + ns + Format.query("done", "member", "user", user, "role", role));
    }

    /** Deletes the namespace; one that holds repositories (more than the page said, or new ones) asks again, with their count. */
    private void delete(Web web, String ns) {
        try {
            admin.namespaces().delete(web.principal(), web.client(), ns, "true".equals(web.form("force")));
        } catch (HoldsRepositoriesException e) {
            ui.confirm(web, "Delete namespace " + ns + "?", "Namespace " + ns + " holds " + HoldsRepositoriesException.count(e.repositories())
                            + ". Deleting it deletes them, with their tags, and its members and token grants. Their blobs are freed by garbage collection.",
                    "/namespaces/" + ns + "/delete", "Delete " + ns + " and " + HoldsRepositoriesException.count(e.repositories()),
                    "/namespaces/" + ns);
            return;
        }
        web.redirect("/namespaces" + Format.query("done", "deleted", "name", ns));
    }

    /** The confirmation after a change, by a fixed code; the only values taken from the URL are names that fit their grammar. */
    private static Page.Flash flash(Web web) {
        String done = web.query("done");
        if (done == null) {
            return null;
        }
        String user = web.query("user");
        boolean validUser = user != null && Names.isPathComponent(user);
        return switch (done) {
            case "created" -> new Page.Flash(false, "Namespace created.");
            case "public" -> new Page.Flash(false, "The namespace is public: anyone may pull from it, without logging in.");
            case "private" -> new Page.Flash(false, "The namespace is private: only its members may see it.");
            case "member" -> validUser && ROLES.contains(web.query("role"))
                    ? new Page.Flash(false, user + "'s role is now " + web.query("role") + ".") : new Page.Flash(false, "Member saved.");
            case "removed" -> new Page.Flash(false, validUser ? user + " is no longer a member." : "Member removed.");
            case "deleted" -> {
                String name = web.query("name");
                yield new Page.Flash(false, name != null && Names.isPathComponent(name) ? "Namespace " + name + " deleted." : "Namespace deleted.");
            }
            default -> LifecyclePages.flash(web, done);
        };
    }

    private static RegistryException noPage() {
        return new RegistryException(ErrorCode.NOT_FOUND, "There is no page at this address.");
    }

    private static String trimmed(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
