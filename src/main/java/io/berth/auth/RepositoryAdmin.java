package io.berth.auth;

import io.berth.oci.Names;
import io.berth.registry.Access;
import io.berth.registry.Registry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.berth.auth.AdminSupport.changed;
import static io.berth.auth.AdminSupport.requireMayChange;

/**
 * Repositories as the admin API lists and describes them: a caller sees those they may pull from (others
 * look missing), and changes a description where they may delete (maintainers, owners, admins).
 */
public final class RepositoryAdmin {
    private static final int BATCH = 200;

    /** A repository's figures; {@code upstream} is the registry a cached repository is pulled from, or null. */
    public record RepositoryView(String name, String namespace, String description, long tags, long manifests, long sizeBytes,
                                 Instant created, String upstream) {
    }

    /** One repository in full: its tags (at most 1000, as cached, never asked of an upstream) and the caller's actions. */
    public record RepositoryDetail(RepositoryView repository, List<String> tagNames, Set<Action> actions) {
    }

    private final AccessService access;
    private final AccessStore store;
    private final Authorizer authorizer;
    private final Registry registry;

    public RepositoryAdmin(AccessService access, Registry registry) {
        this.access = access;
        this.store = access.store();
        this.authorizer = access.authorizer();
        this.registry = registry;
    }

    /**
     * The repositories the caller may pull from, by name after {@code last} (null: from the start), under
     * {@code namespace} (null: all) and with {@code q} in the name (null: any): {@code limit} of them, and one
     * more when there are more.
     */
    public List<RepositoryView> list(Principal p, String namespace, String q, String last, int limit) {
        List<RepositoryView> out = new ArrayList<>();
        String cursor = last;
        boolean more = true;
        while (out.size() <= limit && more) {
            List<AccessStore.RepositoryInfo> batch = store.repositoryInfos(namespace, cursor, BATCH);
            more = batch.size() == BATCH;
            for (AccessStore.RepositoryInfo r : batch) {
                cursor = r.name();
                if ((q == null || r.name().contains(q)) && authorizer.canRead(p, r.name()) && out.size() <= limit) {
                    out.add(view(r));
                }
            }
        }
        return out;
    }

    /** The repository's figures alone (one query: no tag list), for those who may read it; NOT_FOUND otherwise. */
    public RepositoryView summary(Principal p, String name) {
        return view(info(name, actions(p, name)));
    }

    public RepositoryDetail get(Principal p, String name) {
        Set<Action> actions = actions(p, name);
        RepositoryView repository = view(info(name, actions));
        return new RepositoryDetail(repository, registry.tags(name, null, 1000, Access.CACHED_ONLY), actions);
    }

    public RepositoryView describe(Principal p, String client, String name, String description) {
        requireMayChange(p);
        Set<Action> actions = actions(p, name);
        info(name, actions);
        AdminSupport.require(actions, Action.DELETE);
        store.setRepositoryDescription(name, description);
        changed(access, p, client, "repository.update", name, null);
        return view(store.repositoryInfos(name, null, 1).getFirst());
    }

    /**
     * Creates an empty repository, with the right a push to it takes (and, as a first push does, its namespace
     * when the caller may create it: private, the caller owner); it is then as visible as its namespace.
     * NAME_INVALID for a malformed name, DENIED without the push right, CONFLICT when it exists.
     */
    public RepositoryView create(Principal p, String client, String name, String description) {
        requireMayChange(p);
        Set<Action> actions = actions(p, name);
        AdminSupport.require(actions, Action.PUSH);
        access.ensureNamespace(p, name);
        if (!registry.createRepository(name)) {
            throw new io.berth.oci.RegistryException(io.berth.oci.ErrorCode.CONFLICT, "repository " + name + " exists already");
        }
        if (description != null) {
            store.setRepositoryDescription(name, description);
        }
        changed(access, p, client, "repository.create", name, null);
        return view(info(name, actions(p, name)));
    }

    /**
     * Deletes a repository, with the delete right: its manifests, tags and blob links in one transaction (the
     * bytes are garbage collection's), audited with what it held. A repository the caller may not read is
     * NOT_FOUND, like a missing one.
     */
    public RepositoryView delete(Principal p, String client, String name) {
        requireMayChange(p);
        Set<Action> actions = actions(p, name);
        RepositoryView held = view(info(name, actions));
        AdminSupport.require(actions, Action.DELETE);
        registry.deleteRepository(name);
        changed(access, p, client, "repository.delete", name,
                held.tags() + " tags, " + held.manifests() + " manifests, " + held.sizeBytes() + " bytes");
        return held;
    }

    /**
     * Removes one tag (the manifest stays, under its digest and any other tag), as DELETE of
     * /v2/NAME/manifests/TAG does, with the same right (delete) and the same audit event.
     */
    public void deleteTag(Principal p, String client, String name, String tag) {
        requireMayChange(p);
        Set<Action> actions = actions(p, name);
        info(name, actions);
        AdminSupport.require(actions, Action.DELETE);
        Names.checkTag(tag);
        registry.deleteManifest(name, tag);
        access.recordEvent(p.name(), "delete", name + ":" + tag, client, null);
    }

    /** Deletes a manifest and every tag pointing at it, as DELETE of /v2/NAME/manifests/DIGEST does. */
    public void deleteManifest(Principal p, String client, String name, io.berth.oci.Digest digest) {
        requireMayChange(p);
        Set<Action> actions = actions(p, name);
        info(name, actions);
        AdminSupport.require(actions, Action.DELETE);
        registry.deleteManifest(name, digest.toString());
        access.recordEvent(p.name(), "delete", name + ":" + digest, client, null);
    }

    /** What the caller may do in a repository (pull, push, delete); empty for one they may not see. */
    public Set<Action> rights(Principal p, String name) {
        return actions(p, name);
    }

    private Set<Action> actions(Principal p, String name) {
        Names.checkRepository(name);
        return authorizer.allowed(p, name);
    }

    /** The repository, if the caller may pull from it: a private one looks missing to outsiders. */
    private AccessStore.RepositoryInfo info(String name, Set<Action> actions) {
        Optional<AccessStore.RepositoryInfo> info = store.repositoryInfos(name, null, 1).stream()
                .filter(r -> r.name().equals(name)).findFirst();
        if (info.isEmpty() || !actions.contains(Action.PULL)) {
            throw AdminSupport.notFound("repository", name);
        }
        return info.get();
    }

    private RepositoryView view(AccessStore.RepositoryInfo r) {
        return new RepositoryView(r.name(), Names.namespaceOf(r.name()), r.description(), r.tags(), r.manifests(), r.sizeBytes(),
                r.created(), registry.upstreamOf(r.name()).orElse(null));
    }
}
