package io.berth.e2e;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import io.berth.testing.Tools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** docker login, podman login and skopeo login against Berth's token auth; pushes and pulls with credentials and robot tokens. */
class LoginIT {
    static TestServer server;
    static String robotToken;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        Http admin = server.http();
        assertThat(admin.method("POST", "/api/v1/users", "{\"name\":\"dev\",\"password\":\"dev-password\"}".getBytes()).statusCode()).isEqualTo(201);
        admin.pushImage("dev/base", "v1", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes());
        HttpResponse<byte[]> t = new Http(server.url(), "dev", "dev-password").method("POST", "/api/v1/tokens",
                "{\"name\":\"ci\",\"scopes\":[{\"namespace\":\"dev\",\"actions\":[\"pull\",\"push\"]}]}".getBytes());
        robotToken = Http.json(t).path("token").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private Path archive() throws Exception {
        // A tiny image made by skopeo from a pushed one: an oci: layout to push from.
        Path layout = tmp.resolve("layout");
        Tools.run(null, Map.of(), 120, "skopeo", "copy", "--src-tls-verify=false", "--src-creds", "admin:" + TestServer.ADMIN_PASSWORD,
                "docker://" + server.host() + "/dev/base:v1", "oci:" + layout + ":v1").orFail();
        return layout;
    }

    @Test
    void dockerLoginSucceedsAndWrongPasswordIsClear() {
        Tools.require("docker");
        Map<String, String> env = Map.of("DOCKER_CONFIG", tmp.resolve("docker").toString());
        Tools.Result ok = Tools.run(null, env, 60, "sh", "-c", "echo dev-password | docker login " + server.host() + " -u dev --password-stdin");
        assertThat(ok.exitCode()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("Login Succeeded");
        assertThat(tmp.resolve("docker/config.json")).content().contains(server.host());
        Tools.Result bad = Tools.run(null, env, 60, "sh", "-c", "echo nope | docker login " + server.host() + " -u dev --password-stdin");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.output()).contains("incorrect username or password");
        Tools.Result robot = Tools.run(null, env, 60, "sh", "-c", "echo " + robotToken + " | docker login " + server.host() + " -u dev+ci --password-stdin");
        assertThat(robot.exitCode()).as(robot.output()).isZero();
    }

    @Test
    void podmanLoginThenPushAndPull() throws Exception {
        Tools.require("podman");
        Tools.require("skopeo");
        Path auth = tmp.resolve("auth.json");
        Map<String, String> env = Map.of("REGISTRY_AUTH_FILE", auth.toString());
        List<String> podman = new ArrayList<>(List.of("podman"));
        podman.addAll(Tools.containerStorage(tmp));
        Tools.Result bad = Tools.run(null, env, 60, concat(podman, "login", "--tls-verify=false", "-u", "dev", "-p", "wrong", server.host()));
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.output()).containsIgnoringCase("username").containsIgnoringCase("password");
        Tools.run(null, env, 60, concat(podman, "login", "--tls-verify=false", "-u", "dev", "-p", "dev-password", server.host())).orFail();
        String base = server.host() + "/dev/base:v1";
        Tools.run(null, env, 120, concat(podman, "pull", "--tls-verify=false", base)).orFail();
        Tools.run(null, env, 60, concat(podman, "tag", base, server.host() + "/dev/pushed:1")).orFail();
        Tools.run(null, env, 120, concat(podman, "push", "--tls-verify=false", server.host() + "/dev/pushed:1")).orFail();
        Tools.run(null, env, 60, concat(podman, "rmi", server.host() + "/dev/pushed:1")).orFail();
        Tools.run(null, env, 120, concat(podman, "pull", "--tls-verify=false", server.host() + "/dev/pushed:1")).orFail();
        // Pushing into someone else's namespace is refused with a clear error.
        Tools.Result denied = Tools.run(null, env, 120, concat(podman, "push", "--tls-verify=false", base,
                "docker://" + server.host() + "/admin/stolen:1"));
        assertThat(denied.exitCode()).isNotZero();
        assertThat(denied.output()).containsAnyOf("denied", "403 (Forbidden)");
    }

    @Test
    void skopeoLoginAndRobotTokenCopies() throws Exception {
        Tools.require("skopeo");
        Path auth = tmp.resolve("skopeo-auth.json");
        Map<String, String> env = Map.of("REGISTRY_AUTH_FILE", auth.toString());
        Tools.run(null, env, 60, "skopeo", "login", "--tls-verify=false", "-u", "dev+ci", "-p", robotToken, server.host()).orFail();
        Path layout = archive();
        Tools.run(null, env, 120, "skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout + ":v1",
                "docker://" + server.host() + "/dev/from-robot:1").orFail();
        Tools.Result inspect = Tools.run(null, env, 60, "skopeo", "inspect", "--tls-verify=false", "docker://" + server.host() + "/dev/from-robot:1").orFail();
        assertThat(inspect.output()).contains("\"Name\": \"" + server.host() + "/dev/from-robot\"");
        // Without a login, the private image cannot be read.
        Tools.Result anonymous = Tools.run(null, Map.of("REGISTRY_AUTH_FILE", tmp.resolve("none.json").toString()), 60,
                "skopeo", "inspect", "--tls-verify=false", "docker://" + server.host() + "/dev/from-robot:1");
        assertThat(anonymous.exitCode()).isNotZero();
        assertThat(anonymous.output()).containsIgnoringCase("unauthorized");
        Tools.Result wrong = Tools.run(null, env, 60, "skopeo", "login", "--tls-verify=false", "-u", "dev", "-p", "wrong", server.host());
        assertThat(wrong.exitCode()).isNotZero();
        assertThat(Files.exists(auth)).isTrue();
    }

    private static String[] concat(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
