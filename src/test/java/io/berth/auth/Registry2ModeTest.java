package io.berth.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Switching from registry:2 with htpasswd auth: until namespaces and roles are set up, every htpasswd
 * user may do what registry:2 let them (pull, push, delete everywhere), and the start says how to move on.
 */
class Registry2ModeTest {
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger accessLogger = (Logger) LoggerFactory.getLogger(AccessService.class);
    private Level savedLevel;

    @TempDir
    Path dir;

    @BeforeEach
    void captureLog() {
        savedLevel = accessLogger.getLevel();
        accessLogger.setLevel(Level.INFO);
        log.start();
        accessLogger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        accessLogger.detachAppender(log);
        accessLogger.setLevel(savedLevel);
    }

    private static String bcrypt(String password) {
        return BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(4, password.toCharArray());
    }

    private List<String> logLines() {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** As registry:2 is run: an htpasswd file and nothing else (no admin asked for). */
    private Map<String, String> registry2Env(Path htpasswd) {
        return Map.of("REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString(), "BERTH_ADMIN_PASSWORD", "");
    }

    @Test
    void everyHtpasswdUserMayPullPushAndDeleteEverywhereUntilRolesAreSetUp() throws Exception {
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, "alice:" + bcrypt("alice-pw") + "\nbob:" + bcrypt("bob-pw") + "\n"
                + "carl:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\ndave:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nerin:rqXexS6ZhobKA\n");
        Path data = dir.resolve("data");
        try (TestServer s = TestServer.start(data, registry2Env(htpasswd))) {
            Http alice = new Http(s.url(), "alice", "alice-pw");
            Http bob = new Http(s.url(), "bob", "bob-pw");
            String digest = alice.pushImage("shared/app", "v1", "{}".getBytes(), "shared-layer".getBytes());
            assertThat(bob.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(200);
            assertThat(bob.pushImage("alice/tool", "v1", "{}".getBytes(), "bob-layer".getBytes())).startsWith("sha256:");
            assertThat(bob.method("DELETE", "/v2/alice/tool/manifests/v1", null).statusCode()).isEqualTo(202);
            assertThat(Http.json(bob.get("/v2/_catalog")).path("repositories").toString()).contains("shared/app");
            assertThat(s.anonymous().get("/v2/shared/app/manifests/" + digest).statusCode()).isEqualTo(401);
            assertThat(new Http(s.url(), "admin", "").get("/v2/").statusCode()).as("no admin was made").isEqualTo(401);

            List<String> lines = logLines();
            assertThat(lines).filteredOn(l -> l.startsWith("registry:2 mode")).singleElement().asString()
                    .contains("berth user add NAME --admin");
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("carl (apr1-MD5)", "dave (SHA-1)", "erin (crypt)"));

            // A role granted beyond personal ownership is Berth's model at once: bob's reach is his own again.
            assertThat(alice.method("PUT", "/api/v1/namespaces/alice/members/bob", "{\"role\":\"reader\"}".getBytes())
                    .statusCode()).isEqualTo(200);
            assertThat(bob.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(403);
            assertThat(bob.get("/v2/alice/tool/tags/list").statusCode()).isEqualTo(200);
            assertThat(alice.method("DELETE", "/api/v1/namespaces/alice/members/bob", null).statusCode()).isEqualTo(204);
            assertThat(bob.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(200);
        }

        // The operator moves on by asking for an admin; then roles decide, and the admin hands them out.
        log.list.clear();
        try (TestServer s = TestServer.start(data, Map.of("REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString(),
                "BERTH_ADMIN_PASSWORD", "the-new-admin"))) {
            Http admin = new Http(s.url(), "admin", "the-new-admin");
            Http bob = new Http(s.url(), "bob", "bob-pw");
            assertThat(admin.get("/api/v1/users").statusCode()).isEqualTo(200);
            assertThat(logLines()).noneMatch(l -> l.startsWith("registry:2 mode"));
            assertThat(bob.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(403);
            assertThat(bob.method("POST", "/v2/alice/tool/blobs/uploads/", null).statusCode()).isEqualTo(403);
            assertThat(admin.method("PUT", "/api/v1/namespaces/shared/members/bob", "{\"role\":\"reader\"}".getBytes())
                    .statusCode()).isEqualTo(200);
            assertThat(bob.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anHtpasswdNameThatIsSomeoneElsesNamespaceIsRefusedAndNamed() throws Exception {
        Path data = dir.resolve("data");
        try (TestServer s = TestServer.start(data, Map.of())) {
            Http admin = s.http();
            assertThat(admin.method("POST", "/api/v1/namespaces", "{\"name\":\"team\"}".getBytes()).statusCode()).isEqualTo(201);
            admin.pushImage("team/app", "v1", "{}".getBytes(), "team-layer".getBytes());
            assertThat(admin.method("POST", "/api/v1/users", "{\"name\":\"frank\",\"password\":\"old-password\"}".getBytes())
                    .statusCode()).isEqualTo(201);
        }
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, "team:" + bcrypt("team-pw") + "\nfrank:" + bcrypt("new-password") + "\n");
        try (TestServer s = TestServer.start(data, Map.of("REGISTRY_AUTH_HTPASSWD_PATH", htpasswd.toString()))) {
            Http team = new Http(s.url(), "team", "team-pw");
            assertThat(team.get("/v2/").statusCode()).isEqualTo(401);
            assertThat(team.get("/v2/team/app/manifests/v1").statusCode()).isEqualTo(401);
            assertThat(logLines()).anySatisfy(l -> assertThat(l).contains("htpasswd user team skipped", "namespace"));
            // An existing user takes the file's password.
            assertThat(new Http(s.url(), "frank", "new-password").get("/v2/").statusCode()).isEqualTo(200);
            assertThat(new Http(s.url(), "frank", "old-password").get("/v2/").statusCode()).isEqualTo(401);
            assertThat(Http.json(s.http().get("/api/v1/namespaces/team/members")).toString()).doesNotContain("\"team\"");
        }
    }
}
