package io.berth.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Authentication and authorization for the whole server: credentials (passwords, API tokens, bearer
 * JWTs) in, {@link Caller}s out; bearer tokens issued for the token endpoint; the audit log; and the
 * first-start bootstrap (initial admin, htpasswd users).
 */
public final class AccessService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AccessService.class);
    static final String API_TOKEN_PREFIX = "berth_";
    private static final int USER_FAILURE_LIMIT = 10;
    private static final int CLIENT_FAILURE_LIMIT = 30;
    private static final Duration FAILURE_WINDOW = Duration.ofMinutes(5);

    private final AccessStore store;
    private final AuthSettings settings;
    private final Passwords passwords;
    private final TokenService tokens;
    private final Authorizer authorizer;
    private final AuditLog audit;
    private final Clock clock;
    /** Successful Basic checks, keyed by SHA-256 of the credential: bcrypt costs ~50 ms, a lookup ~1 µs. */
    private final Cache<String, Principal> verifiedCredentials = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Duration.ofSeconds(60)).build();
    private final Cache<String, AtomicInteger> failures = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterWrite(FAILURE_WINDOW).build();
    private final Cache<String, Optional<AccessStore.User>> users = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Authorizer.CACHE_TTL).build();
    private final Cache<String, Optional<AccessStore.ApiToken>> robots = Caffeine.newBuilder()
            .maximumSize(10_000).expireAfterWrite(Authorizer.CACHE_TTL).build();
    private final Map<String, Long> tokenTouched = new ConcurrentHashMap<>();
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

    public AccessStore store() {
        return store;
    }

    public Authorizer authorizer() {
        return authorizer;
    }

    public TokenService tokens() {
        return tokens;
    }

    public AuditLog audit() {
        return audit;
    }

    public Passwords passwords() {
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
            LOG.warn("BERTH_ADMIN_PASSWORD is set but no admin was created: {}", nameConflict(store, "admin"));
        }
    }

    /** Loads bcrypt users from an htpasswd file (registry:2's format); names every entry it cannot use. */
    public int importHtpasswd(Path file) {
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
        return r.created().size() + r.updated().size();
    }

    /** Why a user may not be created under a name that is taken: by a user, or by a namespace (or its repositories). */
    public static String nameConflict(AccessStore store, String name) {
        if (store.user(name).isPresent()) {
            return "user " + name + " already exists";
        }
        return "the name " + name + " is taken by the namespace " + name
                + " (a user's name is their personal namespace); choose another name, or delete the namespace first";
    }

    /** User names double as namespace names, so they follow the repository-component grammar. */
    public static void checkUserName(String name) {
        if (name == null || !name.matches("[a-z0-9]+(?:[._-][a-z0-9]+)*") || name.length() > 64) {
            throw new IllegalArgumentException("user names are 1-64 lower-case letters, digits and . _ - (a namespace is named after each user)");
        }
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
            return new Caller(principalOf(v), v, true);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            String[] up = decodeBasic(value);
            return new Caller(login(up[0], up[1], client), null, true);
        }
        throw new AuthException(AuthException.Kind.INVALID, "unsupported authorization scheme", 0);
    }

    /** "user:password" from a Basic credential; malformed input is an INVALID credential. */
    public static String[] decodeBasic(String value) {
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

    /** Checks a name and a password or API token; rate-limited per user and per client address. */
    public Principal login(String username, String secret, String client) {
        String key = Passwords.sha256Hex(username + '\0' + secret);
        Principal cached = verifiedCredentials.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        checkRate(username, client);
        Principal p = secret.startsWith(API_TOKEN_PREFIX) ? checkApiToken(username, secret) : checkPassword(username, secret);
        if (p == null) {
            failure("u:" + username);
            failure("c:" + client);
            audit.record(username, "login", null, client, false, "bad credentials");
            throw new AuthException(AuthException.Kind.INVALID, "incorrect username or password", 0);
        }
        failures.invalidate("u:" + username);
        verifiedCredentials.put(key, p);
        audit.record(p.name(), "login", null, client, true, null);
        return p;
    }

    private Principal checkPassword(String username, String password) {
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
        return new Principal.User(u.get().name(), u.get().admin());
    }

    private Principal checkApiToken(String username, String secret) {
        Optional<AccessStore.ApiToken> t = store.tokenBySecretHash(Passwords.sha256Hex(secret));
        if (t.isEmpty()) {
            return null;
        }
        AccessStore.ApiToken token = t.get();
        boolean expired = token.expiresAt() != null && token.expiresAt() < clock.millis();
        Optional<AccessStore.User> owner = user(token.owner());
        boolean nameMatches = username.equals(token.owner()) || username.equals(token.owner() + "+" + token.name());
        if (token.revoked() || expired || owner.isEmpty() || owner.get().disabled() || !nameMatches) {
            return null;
        }
        touch(token.id());
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

    private void checkRate(String username, String client) {
        AtomicInteger u = failures.getIfPresent("u:" + username);
        AtomicInteger c = failures.getIfPresent("c:" + client);
        if ((u != null && u.get() >= USER_FAILURE_LIMIT) || (c != null && c.get() >= CLIENT_FAILURE_LIMIT)) {
            audit.record(username, "login", null, client, false, "rate limited");
            throw new AuthException(AuthException.Kind.RATE_LIMITED, "too many failed logins; try again later", FAILURE_WINDOW.toSeconds());
        }
    }

    private void failure(String key) {
        failures.get(key, k -> new AtomicInteger()).incrementAndGet();
    }

    private Principal principalOf(TokenService.Verified v) {
        return switch (v.kind()) {
            // A token from before the account was created belongs to a deleted account of the same name.
            case "user" -> user(v.subject()).filter(u -> u.createdAt() / 1000 * 1000 <= v.issuedAt())
                    .map(u -> (Principal) new Principal.User(u.name(), u.admin() && !u.disabled()))
                    .orElse(Principal.ANONYMOUS);
            case "robot" -> v.robotId() == null ? Principal.ANONYMOUS : robots.get(v.robotId(), store::token)
                    .filter(t -> !t.revoked())
                    .map(t -> (Principal) new Principal.Robot(t.id(), t.owner(), t.name(), t.scopes()))
                    .orElse(Principal.ANONYMOUS);
            default -> Principal.ANONYMOUS;
        };
    }

    public Optional<AccessStore.User> user(String name) {
        return users.get(name, store::user);
    }

    /** Drops every cached credential check and permission (after a password, role or token change). */
    public void credentialsChanged() {
        verifiedCredentials.invalidateAll();
        users.invalidateAll();
        robots.invalidateAll();
        authorizer.invalidate();
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
        return tokens.issue(p.name(), kind, p instanceof Principal.Robot r ? r.id() : null, granted);
    }

    /** A new API token for {@code owner}; the returned secret is shown once and stored only hashed. */
    public String createApiToken(String owner, String name, List<TokenScope> scopes, Long expiresAt) {
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
