package io.berth.auth;

import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failed logins are throttled per (user, address) and per address, so an attacker cannot lock the
 * rightful user out; attempts from many addresses on one user are slowed by a higher per-user bound.
 * Every address in 127.0.0.0/8 reaches the loopback server, so each test speaks from addresses of its own.
 */
class BruteForceTest {
    static TestServer server;
    static AuthFixture f;

    @BeforeAll
    static void setUp() {
        server = TestServer.start();
        f = new AuthFixture(server);
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    /** A token request with Basic credentials from the given loopback address. */
    private static HttpResponse<String> login(String from, String user, String password) {
        try {
            HttpClient client = HttpClient.newBuilder().localAddress(InetAddress.getByName(from))
                    .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + "/auth/token?service=berth"))
                    .header("Authorization", AuthFixture.basic(user, password)).GET().build();
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void failUntilLimited(String from, String user) {
        for (int i = 0; i < 10; i++) {
            assertThat(login(from, user, "guess-" + i).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> limited = login(from, user, "guess-again");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        assertThat(limited.body()).contains("TOOMANYREQUESTS");
    }

    @Test
    void anAttackerCannotLockTheRightfulUserOut() {
        f.user("target");
        failUntilLimited("127.0.0.2", "target");
        // The attacker's address stays throttled for this user, even with the right password...
        assertThat(login("127.0.0.2", "target", AuthFixture.PASSWORD).statusCode()).isEqualTo(429);
        // ...while the user, from an address that has not failed, gets in.
        assertThat(login("127.0.0.3", "target", AuthFixture.PASSWORD).statusCode()).isEqualTo(200);
        // And the lockout on 127.0.0.2 is for this user only.
        f.user("neighbour");
        assertThat(login("127.0.0.2", "neighbour", AuthFixture.PASSWORD).statusCode()).isEqualTo(200);
    }

    @Test
    void oneAddressGuessingManyUsersIsThrottled() {
        f.user("spray-victim");
        for (int i = 0; i < 30; i++) {
            assertThat(login("127.0.0.4", "user-" + i, "guess").statusCode()).isEqualTo(401);
        }
        assertThat(login("127.0.0.4", "user-99", "guess").statusCode()).isEqualTo(429);
        assertThat(login("127.0.0.5", "spray-victim", AuthFixture.PASSWORD).statusCode()).isEqualTo(200);
    }

    @Test
    void manyAddressesGuessingOneUserAreSlowedNotTheUser() {
        f.user("popular");
        // 100 failures from 20 addresses, 5 each: no single address reaches its own limit.
        for (int a = 0; a < 20; a++) {
            for (int i = 0; i < 5; i++) {
                assertThat(login("127.0.1." + (a + 1), "popular", "guess-" + i).statusCode()).isEqualTo(401);
            }
        }
        // Past the per-user bound an address that has failed for this user must wait...
        assertThat(login("127.0.1.1", "popular", "guess-x").statusCode()).isEqualTo(429);
        assertThat(login("127.0.1.1", "popular", AuthFixture.PASSWORD).statusCode()).isEqualTo(429);
        // ...a fresh address still gets its guess (so a new attacker address tries once, then waits)...
        assertThat(login("127.0.2.1", "popular", "guess-y").statusCode()).isEqualTo(401);
        assertThat(login("127.0.2.1", "popular", "guess-z").statusCode()).isEqualTo(429);
        // ...and the rightful user, from an address that has not failed, gets in.
        assertThat(login("127.0.3.1", "popular", AuthFixture.PASSWORD).statusCode()).isEqualTo(200);
    }

    /** Loopback has one IPv6 address, so the /64 grouping is checked on the function itself. */
    @Test
    void ipv6AddressesCountPerSlash64() {
        assertThat(AccessService.sourceOf("2001:db8:0:0:0:0:0:1")).isEqualTo(AccessService.sourceOf("[2001:db8::ffff:1234]"));
        assertThat(AccessService.sourceOf("2001:db8::1")).isNotEqualTo(AccessService.sourceOf("2001:db8:0:1::1"));
        assertThat(AccessService.sourceOf("192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(AccessService.sourceOf("not:an:address")).isEqualTo("not:an:address");
    }
}
