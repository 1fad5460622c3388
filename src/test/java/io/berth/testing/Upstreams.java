package io.berth.testing;

import static org.assertj.core.api.Assertions.assertThat;

/** Upstream registries for pull-through cache tests: a second Berth with a private namespace, and the cache's YAML for it. */
public final class Upstreams {
    private Upstreams() {
    }

    /** A Berth whose private namespace {@code team} the account {@code mirror} (with {@code password}) may read. */
    public static TestServer privateBerth(String password) {
        TestServer up = TestServer.start();
        Http admin = up.http();
        assertThat(admin.method("POST", "/api/v1/users", ("{\"name\":\"mirror\",\"password\":\"" + password + "\"}").getBytes())
                .statusCode()).isEqualTo(201);
        assertThat(admin.method("POST", "/api/v1/namespaces", "{\"name\":\"team\",\"visibility\":\"private\"}".getBytes()).statusCode()).isEqualTo(201);
        assertThat(admin.method("PUT", "/api/v1/namespaces/team/members/mirror", "{\"role\":\"reader\"}".getBytes()).statusCode()).isEqualTo(200);
        return up;
    }

    /** The cache's configuration: {@code up} as upstream {@code name}, logged in as {@code mirror}; {@code more}: further YAML lines of the entry and list. */
    public static String yaml(String name, TestServer up, String password, String more) {
        return """
                berth:
                  proxy:
                    upstreams:
                      - name: %s
                        url: %s
                        username: mirror
                        password: %s
                """.formatted(name, up.url(), password) + more;
    }
}
