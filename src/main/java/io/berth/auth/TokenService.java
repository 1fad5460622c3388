package io.berth.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Issues and verifies the registry's bearer tokens: ES256 JWTs as in shared/specs/docker/auth-jwt.md,
 * with the {@code access} claim holding the granted scopes. The signing key is generated once and kept
 * in the database, so every node shares it. Verified tokens are cached by their exact text until they
 * expire, so a request costs a hash lookup, not an ECDSA verification.
 */
public final class TokenService {
    static final String REFRESH_TYPE = "refresh";
    /** A web UI session's cookie: never an access token, so one cannot stand in for the other. */
    static final String SESSION_TYPE = "session";
    private static final Duration LEEWAY = Duration.ofSeconds(30);

    private final String issuer;
    private final String service;
    private final Duration lifetime;
    private final Duration refreshLifetime;
    private final Clock clock;
    private final ECKey key;
    private final ECDSASigner signer;
    private final ECDSAVerifier verifier;
    private final Cache<String, Verified> verified;

    /**
     * What a valid access token grants. {@code kind}: "user", "robot" or "anonymous". {@code passwordBinding}
     * ties a user's token to the password it was issued under (null for other kinds). {@code issuedAt}: whole
     * seconds, in millis.
     */
    public record Verified(String subject, String kind, String robotId, Map<String, Set<Action>> access, boolean catalog,
                           long expiresAt, String passwordBinding, long issuedAt) {
        public Set<Action> actionsOn(String repository) {
            return access.getOrDefault(repository, Set.of());
        }
    }

    TokenService(AccessStore store, String issuer, String service, Duration lifetime, Clock clock) {
        this.issuer = issuer;
        this.service = service;
        this.lifetime = lifetime;
        this.refreshLifetime = Duration.ofDays(30);
        this.clock = clock;
        this.key = loadOrCreateKey(store);
        try {
            this.signer = new ECDSASigner(key);
            this.verifier = new ECDSAVerifier(key.toPublicJWK());
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable token-signing key", e);
        }
        this.verified = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(lifetime.plus(LEEWAY)).build();
    }

    private static ECKey loadOrCreateKey(AccessStore store) {
        try {
            Optional<String[]> existing = store.signingKey();
            if (existing.isPresent()) {
                return ECKey.parse(existing.get()[2]);
            }
            ECKey fresh = new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
            String[] saved = store.saveSigningKey(fresh.getKeyID(), "ES256", fresh.toJSONString());
            return ECKey.parse(saved[2]);
        } catch (JOSEException | ParseException e) {
            throw new IllegalStateException("cannot load or create the token-signing key", e);
        }
    }

    String service() {
        return service;
    }

    Duration lifetime() {
        return lifetime;
    }

    /**
     * An access token for {@code subject} granting {@code scopes} (already intersected with what it may do);
     * {@code passwordBinding} (see {@link #passwordBinding}) for a user's token, else null.
     */
    String issue(String subject, String kind, String robotId, String passwordBinding, List<Scope> scopes) {
        List<Map<String, Object>> access = new ArrayList<>();
        for (Scope s : scopes) {
            Map<String, Object> entry = new HashMap<>();
            entry.put("type", s.catalog() ? "registry" : s.type());
            entry.put("name", s.name());
            entry.put("actions", s.catalog() ? List.of("*") : s.actions().stream().map(Action::wire).toList());
            access.add(entry);
        }
        long now = clock.millis();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer).subject(subject).audience(service)
                .issueTime(new Date(now)).notBeforeTime(new Date(now - 1000)).expirationTime(new Date(now + lifetime.toMillis()))
                .jwtID(UUID.randomUUID().toString())
                .claim("kind", kind)
                .claim("rid", robotId)
                .claim("pwh", passwordBinding)
                .claim("access", access)
                .build();
        return sign(claims);
    }

    /** A long-lived refresh token, bound to the user's current password (changing it revokes the token). */
    String issueRefresh(String username, String passwordHash) {
        long now = clock.millis();
        return sign(new JWTClaimsSet.Builder()
                .issuer(issuer).subject(username).audience(service)
                .issueTime(new Date(now)).expirationTime(new Date(now + refreshLifetime.toMillis()))
                .jwtID(UUID.randomUUID().toString())
                .claim("typ", REFRESH_TYPE)
                .claim("pwh", passwordBinding(passwordHash))
                .build());
    }

    /**
     * What a token carries to die with the password it was issued under: half of SHA-256 of the bcrypt hash
     * (salted, so it reveals nothing of the password; a new password has a new salt, so even the same password
     * set again ends older tokens). Unlike a "changed at" time it needs no schema and no clock comparison.
     */
    static String passwordBinding(String passwordHash) {
        return Passwords.sha256Hex(passwordHash).substring(0, 32);
    }

    /** What a valid session cookie says: who (as an access token would), the session's id and its login time. */
    record SessionClaims(Verified who, String sessionId, long loginAt) {
    }

    /**
     * A web UI session cookie for {@code who}, valid for {@code idle}: {@code sessionId} and {@code loginAt}
     * stay the same across renewals (the CSRF token derives from the id; the login time bounds the session).
     */
    String issueSession(Verified who, String sessionId, long loginAt, Duration idle) {
        long now = clock.millis();
        return sign(new JWTClaimsSet.Builder()
                .issuer(issuer).subject(who.subject()).audience(service)
                .issueTime(new Date(now)).notBeforeTime(new Date(now - 1000)).expirationTime(new Date(now + idle.toMillis()))
                .jwtID(UUID.randomUUID().toString())
                .claim("typ", SESSION_TYPE)
                .claim("kind", who.kind())
                .claim("rid", who.robotId())
                .claim("pwh", who.passwordBinding())
                .claim("sid", sessionId)
                .claim("login", loginAt)
                .build());
    }

    /** The claims of a valid, unexpired session cookie, or empty. */
    Optional<SessionClaims> verifySession(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWTClaimsSet c = checked(jwt);
            if (c == null || !SESSION_TYPE.equals(c.getClaim("typ")) || !(c.getClaim("sid") instanceof String sid)
                    || !(c.getClaim("login") instanceof Number login)) {
                return Optional.empty();
            }
            Verified who = new Verified(c.getSubject() == null ? "" : c.getSubject(), String.valueOf(c.getClaim("kind")),
                    (String) c.getClaim("rid"), Map.of(), false, c.getExpirationTime().getTime(),
                    c.getClaim("pwh") instanceof String pwh ? pwh : null, c.getIssueTime() == null ? 0 : c.getIssueTime().getTime());
            return Optional.of(new SessionClaims(who, sid, login.longValue()));
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * What a valid, unexpired refresh token says, as a user's access token would (subject, password binding,
     * issue time), or empty; whether its user still stands behind it is the caller's live check.
     */
    Optional<Verified> verifyRefresh(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWTClaimsSet c = checked(jwt);
            if (c == null || !REFRESH_TYPE.equals(c.getClaim("typ")) || c.getSubject() == null) {
                return Optional.empty();
            }
            return Optional.of(new Verified(c.getSubject(), "user", null, Map.of(), false, c.getExpirationTime().getTime(),
                    String.valueOf(c.getClaim("pwh")), c.getIssueTime() == null ? 0 : c.getIssueTime().getTime()));
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The grants of a valid access token, or empty when it is malformed, forged, expired or not ours. */
    Optional<Verified> verify(String token) {
        Verified cached = verified.getIfPresent(token);
        if (cached != null) {
            return cached.expiresAt() + LEEWAY.toMillis() > clock.millis() ? Optional.of(cached) : Optional.empty();
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWTClaimsSet c = checked(jwt);
            if (c == null || c.getClaim("typ") != null) { // refresh and session tokens grant no access
                return Optional.empty();
            }
            Verified v = new Verified(c.getSubject() == null ? "" : c.getSubject(), String.valueOf(c.getClaim("kind")),
                    (String) c.getClaim("rid"), readAccess(c), readCatalog(c), c.getExpirationTime().getTime(),
                    c.getClaim("pwh") instanceof String pwh ? pwh : null,
                    c.getIssueTime() == null ? 0 : c.getIssueTime().getTime());
            verified.put(token, v);
            return Optional.of(v);
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Signature, algorithm, key id, issuer, audience and time window; null when any fails. */
    private JWTClaimsSet checked(SignedJWT jwt) throws ParseException {
        JWSHeader h = jwt.getHeader();
        if (!JWSAlgorithm.ES256.equals(h.getAlgorithm()) || !key.getKeyID().equals(h.getKeyID())) {
            return null;
        }
        try {
            if (!jwt.verify(verifier)) {
                return null;
            }
        } catch (JOSEException e) {
            return null;
        }
        JWTClaimsSet c = jwt.getJWTClaimsSet();
        long now = clock.millis();
        if (c.getExpirationTime() == null || c.getExpirationTime().getTime() + LEEWAY.toMillis() < now) {
            return null;
        }
        if (c.getNotBeforeTime() != null && c.getNotBeforeTime().getTime() - LEEWAY.toMillis() > now) {
            return null;
        }
        if (!issuer.equals(c.getIssuer()) || c.getAudience() == null || !c.getAudience().contains(service)) {
            return null;
        }
        return c;
    }

    private static Map<String, Set<Action>> readAccess(JWTClaimsSet c) {
        Map<String, Set<Action>> out = new HashMap<>();
        Object access = c.getClaim("access");
        if (access instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && Scope.REPOSITORY.equals(m.get("type")) && m.get("name") instanceof String name
                        && m.get("actions") instanceof List<?> actions) {
                    Set<Action> set = out.computeIfAbsent(name, k -> EnumSet.noneOf(Action.class));
                    for (Object a : actions) {
                        set.addAll(Action.parseScopeAction(String.valueOf(a)));
                    }
                }
            }
        }
        return out;
    }

    private static boolean readCatalog(JWTClaimsSet c) {
        if (c.getClaim("access") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && "registry".equals(m.get("type")) && "catalog".equals(m.get("name"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private String sign(JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("token signing failed", e);
        }
        return jwt.serialize();
    }
}
