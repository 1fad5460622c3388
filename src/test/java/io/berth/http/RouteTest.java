package io.berth.http;

import io.berth.oci.ErrorCode;
import io.berth.oci.Names;
import io.berth.oci.RegistryException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routes are matched by hand. They were regexes (kept here as the reference): every path built from
 * the tokens that matter, up to six of them after "/v2/", must get the same route or the same error.
 */
class RouteTest {
    private record Reference(Route.Kind kind, Pattern pattern) {
    }

    private static final List<Reference> REGEX_ROUTES = List.of(
            new Reference(Route.Kind.TAGS, Pattern.compile("^/v2/(.+)/tags/list$")),
            new Reference(Route.Kind.MANIFEST, Pattern.compile("^/v2/(.+)/manifests/([^/]+)$")),
            new Reference(Route.Kind.UPLOADS, Pattern.compile("^/v2/(.+)/blobs/uploads/?$")),
            new Reference(Route.Kind.UPLOAD, Pattern.compile("^/v2/(.+)/blobs/uploads/([^/]+)$")),
            new Reference(Route.Kind.BLOB, Pattern.compile("^/v2/(.+)/blobs/([^/]+)$")),
            new Reference(Route.Kind.REFERRERS, Pattern.compile("^/v2/(.+)/referrers/([^/]+)$")));

    private static final List<String> TOKENS = List.of("/", "a", "B", "manifests", "blobs", "uploads", "tags", "list",
            "referrers", "\n", "v2", "_catalog");

    @Test
    void everyTokenPathRoutesAsTheRegexesDid() {
        int[] checked = {0};
        paths("/v2/", 6, path -> {
            assertThat(outcome(() -> Route.match(path))).as("path %s", path.replace("\n", "\\n"))
                    .isEqualTo(outcome(() -> regexMatch(path)));
            checked[0]++;
        });
        paths("", 4, path -> assertThat(outcome(() -> Route.match(path))).isEqualTo(outcome(() -> regexMatch(path))));
        assertThat(checked[0]).isGreaterThan(3_000_000);
    }

    @Test
    void routesByHand() {
        assertThat(Route.match("/v2/")).isEqualTo(new Route(Route.Kind.BASE, null, null));
        assertThat(Route.match("/v2/_catalog")).isEqualTo(new Route(Route.Kind.CATALOG, null, null));
        assertThat(Route.match("/v2/team/app/manifests/latest")).isEqualTo(new Route(Route.Kind.MANIFEST, "team/app", "latest"));
        assertThat(Route.match("/v2/a/manifests/tags/list")).isEqualTo(new Route(Route.Kind.TAGS, "a/manifests", null));
        assertThat(Route.match("/v2/a/blobs/uploads")).isEqualTo(new Route(Route.Kind.UPLOADS, "a", null));
        assertThat(Route.match("/v2/a/blobs/uploads/")).isEqualTo(new Route(Route.Kind.UPLOADS, "a", null));
        assertThat(Route.match("/v2/a/blobs/uploads/id-1")).isEqualTo(new Route(Route.Kind.UPLOAD, "a", "id-1"));
        assertThat(Route.match("/v2/blobs/blobs/sha256:x")).isEqualTo(new Route(Route.Kind.BLOB, "blobs", "sha256:x"));
        assertThat(Route.match("/v2/a/referrers/sha256:x")).isEqualTo(new Route(Route.Kind.REFERRERS, "a", "sha256:x"));
        assertThat(Route.match("/v2//manifests/x")).isNull();
        assertThat(Route.match("/v2/a/manifests/")).isNull();
        assertThat(Route.match("/v3/a/manifests/x")).isNull();
        assertThat(outcome(() -> Route.match("/v2/A/manifests/x"))).isEqualTo(ErrorCode.NAME_INVALID.name());
    }

    /** The route as a string, or the error code it raised. */
    private static String outcome(java.util.function.Supplier<Route> match) {
        try {
            return String.valueOf(match.get());
        } catch (RegistryException e) {
            return e.code().name();
        }
    }

    private static Route regexMatch(String path) {
        if (path.equals("/v2/") || path.equals("/v2")) {
            return new Route(Route.Kind.BASE, null, null);
        }
        if (path.equals("/v2/_catalog")) {
            return new Route(Route.Kind.CATALOG, null, null);
        }
        for (Reference r : REGEX_ROUTES) {
            Matcher m = r.pattern.matcher(path);
            if (m.matches()) {
                return new Route(r.kind, Names.checkRepository(m.group(1)), m.groupCount() > 1 ? m.group(2) : null);
            }
        }
        return null;
    }

    private static void paths(String prefix, int maxTokens, java.util.function.Consumer<String> check) {
        check.accept(prefix);
        if (maxTokens == 0) {
            return;
        }
        for (String token : TOKENS) {
            paths(prefix + token, maxTokens - 1, check);
        }
    }
}
