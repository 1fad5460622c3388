package io.berth.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Forged, altered or stale tokens are refused on every route. */
class JwtTamperingTest {
    static TestServer server;
    static AuthFixture f;
    static String good;

    @BeforeAll
    static void setUp() {
        server = TestServer.start();
        f = new AuthFixture(server);
        f.admin.pushImage("admin/app", "v1", "{}".getBytes(), "l".getBytes());
        good = f.token("admin", TestServer.ADMIN_PASSWORD, "repository:admin/app:pull");
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    private static int pullWith(String token) {
        return new PermissionMatrixTest.BearerHttp(server.url(), token).get("/v2/admin/app/manifests/v1").statusCode();
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String part) {
        return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    }

    @Test
    void theGenuineTokenWorks() {
        assertThat(pullWith(good)).isEqualTo(200);
    }

    @Test
    void changedPayloadIsRefused() {
        String[] parts = good.split("\\.");
        String payload = decode(parts[1]).replace("admin/app", "admin/other");
        assertThat(pullWith(parts[0] + "." + b64(payload) + "." + parts[2])).isEqualTo(401);
        // Even a change that keeps the meaning (whitespace) breaks the signature.
        assertThat(pullWith(parts[0] + "." + b64(decode(parts[1]) + " ") + "." + parts[2])).isEqualTo(401);
    }

    @Test
    void algNoneIsRefused() {
        String[] parts = good.split("\\.");
        String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        assertThat(pullWith(header + "." + parts[1] + ".")).isEqualTo(401);
        assertThat(pullWith(header + "." + parts[1])).isEqualTo(401);
    }

    @Test
    void tokenSignedByAForeignKeyIsRefused() throws Exception {
        String[] parts = good.split("\\.");
        String kid = new com.fasterxml.jackson.databind.ObjectMapper().readTree(decode(parts[0])).path("kid").asText();
        ECKey foreign = new ECKeyGenerator(Curve.P_256).keyID(kid).generate(); // same kid, different key
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(),
                JWTClaimsSet.parse(decode(parts[1])));
        forged.sign(new ECDSASigner(foreign));
        assertThat(pullWith(forged.serialize())).isEqualTo(401);
    }

    @Test
    void expiredWrongAudienceAndWrongIssuerAreRefused() {
        AccessStore store = ((io.berth.metadata.jdbc.JdbcMetadataStore) server.server().metadata()).accessStore();
        Scope pull = Scope.parseAll(List.of("repository:admin/app:pull")).getFirst();
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC);
        String binding = TokenService.passwordBinding(store.user("admin").orElseThrow().passwordHash());
        String expired = new TokenService(store, "berth", "berth", Duration.ofMinutes(5), past).issue("admin", "user", null, binding, List.of(pull));
        assertThat(pullWith(expired)).isEqualTo(401);
        String otherAudience = new TokenService(store, "berth", "someone-else", Duration.ofMinutes(5), Clock.systemUTC())
                .issue("admin", "user", null, binding, List.of(pull));
        assertThat(pullWith(otherAudience)).isEqualTo(401);
        String otherIssuer = new TokenService(store, "evil", "berth", Duration.ofMinutes(5), Clock.systemUTC())
                .issue("admin", "user", null, binding, List.of(pull));
        assertThat(pullWith(otherIssuer)).isEqualTo(401);
        // Same key, right issuer and audience: accepted (so the refusals above are about the claims).
        String fine = new TokenService(store, "berth", "berth", Duration.ofMinutes(5), Clock.systemUTC())
                .issue("admin", "user", null, binding, List.of(pull));
        assertThat(pullWith(fine)).isEqualTo(200);
    }

    @Test
    void garbageIsRefusedWithAChallenge() {
        for (String t : List.of("", "x", "a.b.c", good + "x")) {
            var r = new PermissionMatrixTest.BearerHttp(server.url(), t).get("/v2/admin/app/manifests/v1");
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer realm=");
            assertThat(Http.errorCode(r)).isEqualTo("UNAUTHORIZED");
        }
    }
}
