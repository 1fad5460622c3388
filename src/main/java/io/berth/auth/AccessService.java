package io.berth.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Authentication and authorization for the whole server: credentials (passwords, API tokens, bearer
 * JWTs) in, {@link Caller}s out; what a caller may do to a repository; bearer and refresh tokens issued for
 * the token endpoint; the audit log; and the first-start bootstrap (initial admin, htpasswd users). Its
 * parts (store, authorizer, token signer, audit writer, password hasher) stay inside this package: the
 * registry API asks it narrow questions, and administration goes through {@link AdminService}.
 */
public final class AccessService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AccessService.class);
    static final String API_TOKEN_PREFIX = "berth_";
    /** Failures of one user name from one address before that pair waits out the window. */
    private static final int PAIR_FAILURE_LIMIT = 10;
    /** Failures from one address, whatever the names, before the address waits (password spraying). */
    private static final int CLIENT_FAILURE_LIMIT = 30;
    /**
     * Failures of one user name from all addresses (an attack from many addresses) past which every address
     * that has failed for the name waits out the window: each further address gets one guess, while one that
     * has not failed — the rightful user's — still gets in.
     */
    private static final int USER_FAILURE_LIMIT = 100;
    private static final Duration FAILURE_WINDOW = Duration.ofMinutes(5);

    private final AccessStore store;
    private final AuthSettings settings;
    private final Passwords passwords;
    private final TokenService tokens;
    private final Authorizer authorizer;
    private final AuditLog audit;
    private final Clock clock;
    /**
     * Successful Basic checks, keyed by SHA-256 of the credential: bcrypt costs ~50 ms, a lookup ~1 µs. Each
     * holds the password hash it was verified against, and a hit counts only while the user (as the 5 s
     * user cache sees them) is enabled and still has that hash: a change made by another process or node
     * (`berth user passwd`, a delete and re-create of the name) ends it as it ends bearer tokens.
     */
    private final Cache<String, VerifiedCredential> verifiedCredentials = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofSeconds(60)).build();
    private final Cache<String, AtomicInteger> failures = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(FAILURE_WINDOW).build();
    /** Password bindings by bcrypt hash, so checking a bearer token against its user's password costs no SHA-256. */
    private final Cache<String, String> bindings = Caffeine.newBuilder().maximumSize(10_000).build();
    private final Cache<String, Optional<AccessStore.ApiToken>> robots = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Authorizer.CACHE_TTL).build();
    private final Map<String, Long> tokenTouched = new ConcurrentHashMap<>();
    /** Logged-out web sessions, as the database says (5 s, like the user cache: other nodes follow within it). */
    private final Cache<String, Boolean> endedSessions = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Authorizer.CACHE_TTL).build();
    /** Checked against when a user does not exist, so timing does not reveal which names do. */
    private volatile String dummyHash;

    public AccessService(AccessStore store, AuthSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.passwords = new Passwords(settings.bcryptCost());
        this.tokens = new TokenService(store, settings.issuer(), settings.service(), settings.tokenLifetime(), clock);
        this.authorizer = new Authorizer(store, settings.usersCreateNamespaces(), settings.htpasswd() != null, settings.publicPulls());
        this.audit = new AuditLog(store, settings.auditJsonLines());
    }

    public boolean enabled() {
        return settings.enabled();
    }

    public AuthSettings settings() {
        return settings;
    }

    AccessStore store() {
        return store;
    }

    Authorizer authorizer() {
        return authorizer;
    }

    AuditLog audit() {
        return audit;
    }

    Passwords passwords() {
        return passwords;
    }

    // --- bootstrap ----------------------------------------------------------------------------

    /**
     * First start: creates {@code admin} (password from settings, or random and written once); loads
     * htpasswd users. With htpasswd users, an admin is created only when BERTH_ADMIN_PASSWORD asks for one.
     */
    public void bootstrap(Path dataDir) {
        if (settings.htpasswd() != null) {
            importHtpasswd(settings.htpasswd());
        }
        if (store.userCount() == 0) {
            createFirstAdmin(dataDir);
        } else if (settings.htpasswd() != null) {
            createConfiguredAdmin();
        }
        if (authorizer.registry2Mode()) {
            LOG.info("registry:2 mode: users come from {} and no namespaces or roles are set up, so every user may pull, push "
                    + "and delete every repository; to use namespaces and roles, create an admin (berth user add NAME --admin, "
                    + "or set BERTH_ADMIN_PASSWORD) and grant roles (docs/api.md)", settings.htpasswd());
        }
    }

    private void createFirstAdmin(Path dataDir) {
        String password = settings.initialAdminPassword();
        boolean generated = password == null || password.isEmpty();
        if (generated) {
            password = Passwords.randomSecret(18);
        }
        if (store.createUser("admin", passwords.hash(password), true) && generated) {
            Path file = dataDir.resolve("initial-admin-password");
            try {
                Files.createDirectories(dataDir);
                Files.deleteIfExists(file);
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, password + "\n");
            } catch (IOException | UnsupportedOperationException e) {
                LOG.warn("could not write {}: {}", file, e.getMessage());
            }
            // Printed once, deliberately: the operator's only other copy is the mode-600 file.
            LOG.warn("created user 'admin' with password {} (also in {}); change it with: berth user passwd admin", password, file);
        }
    }

    /** htpasswd users exist, so no admin was made at first start: BERTH_ADMIN_PASSWORD is the operator asking for one. */
    private void createConfiguredAdmin() {
        String password = settings.initialAdminPassword();
        if (password == null || password.isEmpty() || store.users().stream().anyMatch(AccessStore.User::admin)) {
            return;
        }
        if (store.createUser("admin", passwords.hash(password), true)) {
            LOG.info("created the admin user 'admin' with the password in BERTH_ADMIN_PASSWORD");
        } else {
            LOG.warn("BERTH_ADMIN_PASSWORD is set but no admin was created: {}", UserAdmin.nameConflict(store, "admin"));
        }
    }

    /** Loads bcrypt users from an htpasswd file (registry:2's format); names every entry it cannot use. */
    private void importHtpasswd(Path file) {
        Htpasswd.Imported r = Htpasswd.importInto(store, file);
        if (!r.unverifiable().isEmpty()) {
            LOG.warn("htpasswd users {} cannot log in: Berth verifies only bcrypt entries, as registry:2 does; "
                    + "set their passwords again with htpasswd -B", r.unverifiableNames());
        }
        for (String name : r.refused()) {
            LOG.warn("htpasswd user {} skipped: {} is an existing namespace the user does not own; rename the entry, "
                    + "or delete the namespace first", name, name);
        }
        LOG.info("loaded {} users from htpasswd file {} ({} new)", r.created().size() + r.updated().size(), file, r.created().size());
        credentialsChanged();
    }

    // --- authentication -----------------------------------------------------------------------

    /** The caller behind an Authorization header (none → anonymous). Wrong credentials throw. */
    public Caller authenticate(String authorization, String client) {
        if (authorization == null || authorization.isBlank()) {
            return Caller.ANONYMOUS;
        }
        int space = authorization.indexOf(' ');
        String scheme = space < 0 ? authorization : authorization.substring(0, space);
        String value = space < 0 ? "" : authorization.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Bearer")) {
            TokenService.Verified v = tokens.verify(value)
                    .orElseThrow(() -> new AuthException(AuthException.Kind.INVALID, "invalid or expired bearer token", 0));
            return new Caller(livePrincipal(v)
                    .orElseThrow(() -> new AuthException(AuthException.Kind.INVALID,
                            "the bearer token is no longer valid (its user, password or API token changed); fetch a new one", 0)),
                    v, true);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String[] up = decodeBasic(value);
            return new Caller(login(up[0], up[1], client), null, true);
        }
        throw new AuthException(AuthException.Kind.INVALID, "unsupported authorization scheme", 0);
    }

    /** Checks a Basic credential (base64 of "user:password", the part after "Basic "), as {@link #login} does. */
    public Principal loginBasic(String credentials, String client) {
        String[] up = decodeBasic(credentials);
        return login(up[0], up[1], client);
    }

    /** "user:password" from a Basic credential; malformed input is an INVALID credential. */
    private static String[] decodeBasic(String value) {
        try {
            String decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException();
            }
            return new String[]{decoded.substring(0, colon), decoded.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            throw new AuthException(AuthException.Kind.INVALID, "malformed Basic credentials", 0);
        }
    }

    /**
     * Checks a name and a password or API token; failures are throttled per (name, address) and per address,
     * never per name alone, so nobody can lock a user out by failing in their name (see {@link #checkRate}).
     */
    public Principal login(String username, String secret, String client) {
        String key = Passwords.sha256Hex(username + '\0' + secret);
        VerifiedCredential cached = verifiedCredentials.getIfPresent(key);
        if (cached != null) {
            Optional<Principal> live = stillUsable(cached);
            if (live.isPresent()) {
                return live.get();
            }
            verifiedCredentials.invalidate(key);
        }
        String source = sourceOf(client);
        checkRate(username, source, client);
        VerifiedCredential verified = secret.startsWith(API_TOKEN_PREFIX) ? checkApiToken(username, secret) : checkPassword(username, secret);
        Principal p = verified == null ? null : verified.principal();
        if (p == null) {
            failure(pairKey(username, source));
            failure("c:" + source);
            failure("u:" + username);
            audit.record(username, "login", null, client, false, "bad credentials");
            throw new AuthException(AuthException.Kind.INVALID, "incorrect username or password", 0);
        }
        // Only the pair is forgiven: a login to one's own account must not reset an address's or a name's count.
        failures.invalidate(pairKey(username, source));
        verifiedCredentials.put(key, verified);
        audit.record(p.name(), "login", null, client, true, null);
        return p;
    }

    /** A credential that checked out: who, and for a password the hash it matched (null for an API token). */
    private record VerifiedCredential(Principal principal, String passwordHash) {
    }

    private VerifiedCredential checkPassword(String username, String password) {
        Optional<AccessStore.User> u = store.user(username);
        if (u.isEmpty()) {
            if (dummyHash == null) {
                dummyHash = passwords.hash(Passwords.randomSecret(16));
            }
            Passwords.verify(password, dummyHash);
            return null;
        }
        if (u.get().disabled() || !Passwords.verify(password, u.get().passwordHash())) {
            return null;
        }
        return new VerifiedCredential(new Principal.User(u.get().name(), u.get().admin()), u.get().passwordHash());
    }

    private VerifiedCredential checkApiToken(String username, String secret) {
        Optional<AccessStore.ApiToken> t = store.tokenBySecretHash(Passwords.sha256Hex(secret));
        if (t.isEmpty()) {
            return null;
        }
        AccessStore.ApiToken token = t.get();
        boolean nameMatches = username.equals(token.owner()) || username.equals(token.owner() + "+" + token.name());
        if (!usable(token) || !nameMatches) {
            return null;
        }
        touch(token.id());
        return new VerifiedCredential(robot(token), null);
    }

    /** Whether an API token may act now: not revoked, not expired, and its owner exists and is enabled. */
    private boolean usable(AccessStore.ApiToken token) {
        boolean expired = token.expiresAt() != null && token.expiresAt() < clock.millis();
        return !token.revoked() && !expired && user(token.owner()).filter(u -> !u.disabled()).isPresent();
    }

    /**
     * Who a cached check stands for now: a password's while its user is enabled and has the same hash (with
     * their live admin flag), an API token's while the token is usable (it may expire within the 60 s it is
     * cached); empty otherwise.
     */
    private Optional<Principal> stillUsable(VerifiedCredential v) {
        return switch (v.principal()) {
            case Principal.Robot r -> robots.get(r.id(), store::token).filter(this::usable).map(t -> r);
            case Principal.User u -> user(u.name()).filter(x -> !x.disabled() && x.passwordHash().equals(v.passwordHash()))
                    .map(x -> new Principal.User(x.name(), x.admin()));
            case Principal.Anonymous a -> Optional.empty();
        };
    }

    private static Principal robot(AccessStore.ApiToken token) {
        return new Principal.Robot(token.id(), token.owner(), token.name(), token.scopes());
    }

    /** Records a token's last use, at most once a minute per token (it is read by humans, not by checks). */
    private void touch(String id) {
        long now = clock.millis();
        Long last = tokenTouched.get(id);
        if (last == null || now - last > 60_000) {
            tokenTouched.put(id, now);
            store.touchToken(id, now);
        }
    }

    private void checkRate(String username, String source, String client) {
        int pair = failureCount(pairKey(username, source));
        boolean limited = pair >= PAIR_FAILURE_LIMIT
                || failureCount("c:" + source) >= CLIENT_FAILURE_LIMIT
                || (pair > 0 && failureCount("u:" + username) >= USER_FAILURE_LIMIT);
        if (limited) {
            audit.record(username, "login", null, client, false, "rate limited");
            throw new AuthException(AuthException.Kind.RATE_LIMITED, "too many failed logins; try again later", FAILURE_WINDOW.toSeconds());
        }
    }

    private int failureCount(String key) {
        AtomicInteger n = failures.getIfPresent(key);
        return n == null ? 0 : n.get();
    }

    private void failure(String key) {
        failures.get(key, k -> new AtomicInteger()).incrementAndGet();
    }

    private static String pairKey(String username, String source) {
        return "p:" + source + '\0' + username;
    }

    /**
     * The source a failure counts against: the IPv4 address, or the /64 of an IPv6 one (one subscriber's
     * allocation, or each attacker would have 2^64 addresses of limits).
     */
    static String sourceOf(String client) {
        if (client == null || client.indexOf(':') < 0) {
            return String.valueOf(client);
        }
        try {
            String literal = client.startsWith("[") ? client.substring(1, client.length() - 1) : client;
            byte[] a = InetAddress.getByName(literal).getAddress();
            return a.length == 16 ? HexFormat.of().formatHex(a, 0, 8) + "::/64" : client;
        } catch (IOException | RuntimeException e) {
            return client;
        }
    }

    /**
     * Who stands behind a bearer token now, from this node's caches (no query while they are warm): empty when
     * the user is gone or disabled or has a new password, or the API token is revoked or expired or its owner
     * gone or disabled. The principal carries live flags (admin), so the token's grants meet live rights.
     */
    private Optional<Principal> livePrincipal(TokenService.Verified v) {
        return switch (v.kind()) {
            case "anonymous" -> Optional.of(Principal.ANONYMOUS);
            case "user" -> user(v.subject())
                    // A token from before the account was created belongs to a deleted account of the same name.
                    .filter(u -> !u.disabled() && binding(u.passwordHash()).equals(v.passwordBinding())
                            && u.createdAt() / 1000 * 1000 <= v.issuedAt() && issuedSince(v.issuedAt(), u))
                    .map(u -> new Principal.User(u.name(), u.admin()));
            case "robot" -> v.robotId() == null ? Optional.empty()
                    : robots.get(v.robotId(), store::token).filter(this::usable)
                            .filter(t -> user(t.owner()).filter(u -> issuedSince(v.issuedAt(), u)).isPresent())
                            .map(AccessService::robot);
            default -> Optional.empty();
        };
    }

    /**
     * Whether something issued at {@code issuedAt} (whole seconds, in millis, as JWTs count) came after the
     * user's last disable. The second that holds the disable counts as after it, so what is issued right after
     * a re-enable works; only what was issued in the same second before the disable survives it.
     */
    private static boolean issuedSince(long issuedAt, AccessStore.User u) {
        return u.tokensValidAfter() / 1000 * 1000 <= issuedAt;
    }

    private String binding(String passwordHash) {
        return bindings.get(passwordHash, TokenService::passwordBinding);
    }

    Optional<AccessStore.User> user(String name) {
        return authorizer.user(name);
    }

    /** Drops every cached credential check and permission (after a password, role or token change). */
    void credentialsChanged() {
        verifiedCredentials.invalidateAll();
        robots.invalidateAll();
        authorizer.invalidate();
    }

    // --- rights ---------------------------------------------------------------------------------

    /** What the caller may do to the repository now: its live rights, narrowed to a bearer token's grants. */
    public Set<Action> actionsOn(Caller caller, String repository) {
        return caller.actionsOn(repository, authorizer);
    }

    /** The principal's live rights on the repository, whatever a token it presented asked for. */
    public Set<Action> allowed(Principal p, String repository) {
        return authorizer.allowed(p, repository);
    }

    /**
     * Whether the caller may read the registry-wide figures on /metrics, which name every namespace (private
     * ones too) and count its content: an admin, by password or bearer token, or an API token of an enabled
     * admin (API tokens only read, and a scrape is a read).
     */
    public boolean mayReadMetrics(Caller caller) {
        return switch (caller.principal()) {
            case Principal.User u -> u.admin();
            case Principal.Robot r -> user(r.owner()).filter(u -> u.admin() && !u.disabled()).isPresent();
            case Principal.Anonymous a -> false;
        };
    }

    /** Creates the repository's namespace on a first push (private, the pusher owner). */
    public void ensureNamespace(Principal p, String repository) {
        authorizer.ensureNamespace(p, repository);
    }

    // --- audit ----------------------------------------------------------------------------------

    /** Records a successful event (a push, a pull, a token issued) in the audit log, queued and written in batches. */
    public void recordEvent(String actor, String action, String target, String client, String detail) {
        audit.record(actor, action, target, client, true, detail);
    }

    /** Waits until every event recorded so far is in the database (tests). */
    public void flushAudit() {
        audit.flush();
    }

    // --- token issuing ------------------------------------------------------------------------

    /** The requested scopes, each narrowed to what the principal may do. */
    public List<Scope> grant(Principal p, List<Scope> requested) {
        List<Scope> granted = new ArrayList<>();
        for (Scope s : requested) {
            if (s.catalog()) {
                granted.add(s);
                continue;
            }
            Set<Action> actions = EnumSet.noneOf(Action.class);
            actions.addAll(s.actions());
            actions.retainAll(authorizer.allowed(p, s.name()));
            granted.add(new Scope(s.type(), s.name(), actions, false));
        }
        return granted;
    }

    public String issueAccessToken(Principal p, List<Scope> granted) {
        String kind = switch (p) {
            case Principal.User u -> "user";
            case Principal.Robot r -> "robot";
            case Principal.Anonymous a -> "anonymous";
        };
        // A user's token dies with the password it was issued under (checked on every use, see livePrincipal).
        String binding = p instanceof Principal.User u ? user(u.name()).map(x -> binding(x.passwordHash())).orElse(null) : null;
        return tokens.issue(p.name(), kind, p instanceof Principal.Robot r ? r.id() : null, binding, granted);
    }

    /** How long an access token lives. */
    public Duration tokenLifetime() {
        return tokens.lifetime();
    }

    /** A refresh token for the user (docker login's offline token), unless the user is gone. */
    public Optional<String> issueRefreshToken(Principal.User u) {
        return user(u.name()).map(user -> tokens.issueRefresh(user.name(), user.passwordHash()));
    }

    /**
     * The user a refresh token stands for, as they are now; INVALID when it is expired or forged, or its user
     * is gone, disabled or has a new password since.
     */
    public Principal.User refresh(String refreshToken) {
        // The same live check as a user's bearer token: password binding, account age, last disable.
        return tokens.verifyRefresh(refreshToken).flatMap(this::livePrincipal)
                .filter(Principal.User.class::isInstance).map(Principal.User.class::cast)
                .orElseThrow(() -> new AuthException(AuthException.Kind.INVALID, "invalid or expired refresh token", 0));
    }

    // --- web UI sessions ----------------------------------------------------------------------

    /**
     * A browser's login: who (checked live on every request, as a bearer token's user is), the session's
     * id (its CSRF token derives from it), when it began and when it lapses unless renewed.
     */
    public record Session(Principal principal, String id, long loginAt, long expiresAt) {
    }

    /** A signed session cookie for someone who just logged in (with a password, or an API token: read-only). */
    public String startSession(Principal p) {
        return sessionCookie(p, Passwords.randomSecret(24), clock.millis());
    }

    /**
     * The session a cookie stands for, as its user is now: empty when the cookie is forged or expired, past
     * the session's maximum age, or its user is gone, disabled or has a new password, or its API token is
     * revoked or expired. Nodes share the signing key, so any node of a cluster accepts any node's cookie.
     */
    public Optional<Session> session(String cookie) {
        if (cookie == null || cookie.isEmpty()) {
            return Optional.empty();
        }
        return tokens.verifySession(cookie)
                .filter(c -> c.loginAt() + settings.sessionMaxAge().toMillis() > clock.millis())
                .filter(c -> !endedSessions.get(c.sessionId(), store::sessionEnded))
                .flatMap(c -> livePrincipal(c.who()).filter(p -> !(p instanceof Principal.Anonymous))
                        .map(p -> new Session(p, c.sessionId(), c.loginAt(), c.who().expiresAt())));
    }

    /**
     * Logs the session out on every node: its id is recorded as ended until the session's maximum age, so its
     * cookie (and the CSRF token derived from it) is refused from now on, wherever it is presented.
     */
    public void endSession(Session s) {
        store.endSession(s.id(), s.loginAt() + settings.sessionMaxAge().toMillis());
        endedSessions.put(s.id(), true);
    }

    /** A fresh cookie for the same session, when it is past half its idle time; empty when it need not (or may not) be renewed. */
    public Optional<String> renewSession(Session s) {
        long now = clock.millis();
        boolean halfway = s.expiresAt() - now < settings.sessionIdle().toMillis() / 2;
        boolean young = s.loginAt() + settings.sessionMaxAge().toMillis() > now;
        return halfway && young ? Optional.of(sessionCookie(s.principal(), s.id(), s.loginAt())) : Optional.empty();
    }

    /** How long a session lasts without a request. */
    public Duration sessionIdle() {
        return settings.sessionIdle();
    }

    private String sessionCookie(Principal p, String sessionId, long loginAt) {
        String kind = p instanceof Principal.Robot ? "robot" : "user";
        String binding = p instanceof Principal.User u ? user(u.name()).map(x -> binding(x.passwordHash())).orElse(null) : null;
        TokenService.Verified who = new TokenService.Verified(p.name(), kind, p instanceof Principal.Robot r ? r.id() : null,
                Map.of(), false, 0, binding, clock.millis());
        return tokens.issueSession(who, sessionId, loginAt, settings.sessionIdle());
    }

    /** A new API token for {@code owner}; the returned secret is shown once and stored only hashed. */
    String createApiToken(String owner, String name, List<TokenScope> scopes, Long expiresAt) {
        String secret = API_TOKEN_PREFIX + Passwords.randomSecret(32);
        store.createToken(new AccessStore.ApiToken(UUID.randomUUID().toString(), owner, name, Passwords.sha256Hex(secret),
                scopes, expiresAt, null, clock.millis(), false));
        return secret;
    }

    @Override
    public void close() {
        audit.close();
    }
}
