package io.berth.http;

import io.berth.events.RegistryEvent.Action;
import io.berth.events.RegistryEvent.Target;
import io.berth.oci.ManifestRecord;
import io.berth.oci.Digest;
import io.berth.oci.ErrorCode;
import io.berth.oci.ManifestParser;
import io.berth.oci.MediaTypes;
import io.berth.oci.ParsedManifest;
import io.berth.registry.Registry;
import io.berth.oci.RegistryException;
import org.eclipse.jetty.http.HttpHeader;

import java.util.HashSet;
import java.util.Set;

/** GET, HEAD, PUT and DELETE of /v2/&lt;name&gt;/manifests/&lt;reference&gt;. */
final class ManifestResource {
    private static final Set<String> KNOWN_TYPES = Set.of(MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_LIST, MediaTypes.DOCKER_SCHEMA1, MediaTypes.DOCKER_SCHEMA1_SIGNED);

    private final Registry registry;

    ManifestResource(Registry registry) {
        this.registry = registry;
    }

    void handle(Exchange ex, Route route) {
        switch (ex.method) {
            case "GET", "HEAD" -> get(ex, route);
            case "PUT" -> put(ex, route);
            case "DELETE" -> {
                registry.deleteManifest(route.repository(), route.reference());
                boolean byDigest = Digest.looksLikeDigest(route.reference());
                ex.happened(Action.DELETE, Target.MANIFEST, byDigest ? Digest.parse(route.reference()) : null, null, -1,
                        byDigest ? null : route.reference(), null);
                ex.sendEmpty(202);
            }
            default -> throw Api.methodNotAllowed(ex);
        }
    }

    private void get(Exchange ex, Route route) {
        ManifestRecord m = negotiate(ex, route, registry.manifest(route.repository(), route.reference(), ex.access));
        String etag = "\"" + m.digest() + "\"";
        ex.setHeader("Docker-Content-Digest", m.digest().toString());
        ex.setHeader(HttpHeader.ETAG, etag);
        if (etag.equals(ex.header(HttpHeader.IF_NONE_MATCH))) {
            ex.setHeader(HttpHeader.CONTENT_TYPE, m.mediaType());
            ex.sendEmpty(304);
            return;
        }
        if (!ex.isHead()) { // docker and podman HEAD before they GET: only the GET is a pull
            ex.happened(Action.PULL, Target.MANIFEST, m.digest(), m.mediaType(), m.size(), tagOf(route), null);
        }
        ex.sendBytes(200, m.mediaType(), m.content());
    }

    /**
     * Content negotiation as docker and podman expect: a client whose Accept header names manifest
     * types but not the stored one gets, for a multi-platform index pulled by tag, its linux/amd64
     * entry (as registry:2 does for old clients), and otherwise a 404 that says why. A client that
     * names no manifest type (curl's * / *, or none) gets the manifest as stored.
     */
    private ManifestRecord negotiate(Exchange ex, Route route, ManifestRecord m) {
        Set<String> accepted = acceptedManifestTypes(ex);
        if (accepted.isEmpty() || accepted.contains(m.mediaType())) {
            return m;
        }
        if (MediaTypes.INDEXES.contains(m.mediaType()) && !Digest.looksLikeDigest(route.reference())) {
            for (ParsedManifest.Platform p : storedPlatforms(m)) {
                if ("linux".equals(p.os()) && "amd64".equals(p.architecture()) && accepted.contains(p.mediaType())) {
                    return registry.manifest(route.repository(), p.digest().toString(), ex.access);
                }
            }
        }
        throw new RegistryException(ErrorCode.MANIFEST_UNKNOWN, "the manifest is " + m.mediaType()
                + ", which the request's Accept header does not include");
    }

    /**
     * The platforms of a stored index. One stored before validation was as strict as it is now may no
     * longer parse: it then simply offers no platform to fall back to.
     */
    private static java.util.List<ParsedManifest.Platform> storedPlatforms(ManifestRecord m) {
        try {
            return ManifestParser.parse(m.content(), m.mediaType()).childPlatforms();
        } catch (RegistryException e) {
            return java.util.List.of();
        }
    }

    private static Set<String> acceptedManifestTypes(Exchange ex) {
        Set<String> out = new HashSet<>();
        for (String value : ex.request.getHeaders().getValuesList(HttpHeader.ACCEPT)) {
            for (String part : value.split(",")) {
                String t = MediaTypes.base(part);
                if (t.equals("*/*")) {
                    return Set.of();
                }
                if (KNOWN_TYPES.contains(t)) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    private void put(Exchange ex, Route route) {
        byte[] body = ex.readBody(registry.options().maxManifestBytes(), registry.tooLarge());
        Registry.PutResult r = registry.putManifest(route.repository(), route.reference(), body, ex.header(HttpHeader.CONTENT_TYPE));
        ex.setHeader(HttpHeader.LOCATION, "/v2/" + route.repository() + "/manifests/" + r.digest());
        ex.setHeader("Docker-Content-Digest", r.digest().toString());
        if (r.subject() != null) {
            ex.setHeader("OCI-Subject", r.subject().toString());
        }
        ex.happened(Action.PUSH, Target.MANIFEST, r.digest(), MediaTypes.base(ex.header(HttpHeader.CONTENT_TYPE)), body.length,
                tagOf(route), null);
        ex.sendEmpty(201);
    }

    private static String tagOf(Route route) {
        return Digest.looksLikeDigest(route.reference()) ? null : route.reference();
    }
}
