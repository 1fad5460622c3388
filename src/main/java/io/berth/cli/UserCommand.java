package io.berth.cli;

import io.berth.auth.AccessService;
import io.berth.auth.HoldsRepositoriesException;
import io.berth.auth.Htpasswd;
import io.berth.auth.Principal;
import io.berth.auth.UserAdmin;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.config.Settings;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.oci.ErrorCode;
import io.berth.oci.RegistryException;
import io.berth.server.BerthServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;

/**
 * {@code berth user ...}: manage users offline, against the same data directory or database the
 * server uses (safe while it runs). A running server notices changes within seconds. The changes go
 * through the admin service, as the admin API's do: the same rules, the same audit events.
 */
@Command(name = "user", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Manage users (works offline on the data directory or database).",
        subcommands = {UserCommand.Add.class, UserCommand.Passwd.class, UserCommand.Remove.class, UserCommand.List.class,
                UserCommand.Disable.class, UserCommand.ImportHtpasswd.class})
final class UserCommand {
    /**
     * Who {@code berth user} acts as: the operator, who holds the database and so is trusted as an admin. The
     * name is none a user can have, so the audit log never mistakes the operator for an account (nor
     * asks for a current password when the operator sets one).
     */
    static final Principal OPERATOR = new Principal.User("(berth user)", true);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file (as for serve)", scope = picocli.CommandLine.ScopeType.INHERIT)
    Path config;

    @Option(names = "--create", description = "create the data directory when it holds no registry yet", scope = picocli.CommandLine.ScopeType.INHERIT)
    boolean create;

    /**
     * Opens the store the server would use; the caller closes the returned metadata store. Says on stderr
     * which data directory that is, and refuses one without a registry unless --create: run from the wrong
     * directory, the default ./data would otherwise be a fresh, empty registry nobody serves.
     */
    JdbcMetadataStore open(BerthConfig cfg) {
        return openMetadata(cfg, create);
    }

    /** {@link #open} for any command that works on the server's metadata (berth stats), from its --config. */
    static JdbcMetadataStore open(Path config, boolean create) {
        return openMetadata(BerthConfig.from(Settings.load(config, System.getenv())), create);
    }

    /** The metadata store the server of {@code cfg} uses, as {@link #open} says (for {@code berth gc} too). */
    static JdbcMetadataStore openMetadata(BerthConfig cfg, boolean create) {
        if (cfg.databaseUrl() != null) {
            System.err.println("berth: using the database of berth.database.url (BERTH_DATABASE_URL)");
            return BerthServer.openMetadata(cfg, 2);
        }
        Path dir = cfg.dataDirectory().toAbsolutePath().normalize();
        if (!create && !java.nio.file.Files.isRegularFile(dir.resolve("berth.db"))) {
            String setting = cfg.rootDirectory() != null ? "storage.filesystem.rootdirectory" : "berth.data.dir";
            throw new ConfigException("no Berth data directory at " + dir + " (" + setting + ", " + Settings.envName(setting)
                    + "); run this where the server runs, pass its --config, or add --create to start a new registry there");
        }
        System.err.println("berth: using data directory " + dir);
        return BerthServer.openMetadata(cfg, 2);
    }

    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        UserCommand parent;

        @Override
        public Integer call() {
            try {
                BerthConfig cfg = BerthConfig.from(Settings.load(parent.config, System.getenv()));
                try (JdbcMetadataStore meta = parent.open(cfg);
                     AccessService access = new AccessService(meta.accessStore(), cfg.auth(), Clock.systemUTC())) {
                    return run(new UserAdmin(access));
                }
            } catch (ConfigException | IllegalArgumentException e) {
                System.err.println("berth: " + e.getMessage());
                return 2;
            } catch (RegistryException e) {
                System.err.println("berth: " + e.getMessage());
                return e.code().status() == 400 ? 2 : 1; // bad input, as above; otherwise refused (a name taken)
            }
        }

        abstract int run(UserAdmin users);

        /** Says "no user NAME" for a user that is not there (exit 1); any other refusal goes on to {@link #call}. */
        static int noUser(RegistryException e, String name) {
            if (e.code() != ErrorCode.NOT_FOUND) {
                throw e;
            }
            System.err.println("berth: no user " + name);
            return 1;
        }

        String readPassword(boolean fromStdin, String given) {
            if (given != null) {
                return given;
            }
            try {
                if (fromStdin || System.console() == null) {
                    String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                    if (line == null || line.isEmpty()) {
                        throw new IllegalArgumentException("no password on standard input");
                    }
                    return line;
                }
                char[] a = System.console().readPassword("Password: ");
                char[] b = System.console().readPassword("Again: ");
                if (a == null || !new String(a).equals(new String(b))) {
                    throw new IllegalArgumentException("the passwords do not match");
                }
                return new String(a);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read the password: " + e.getMessage());
            }
        }
    }

    @Command(name = "add", description = "Create a user (and their personal namespace).")
    static final class Add extends Sub {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--admin", description = "make the user a global admin")
        boolean admin;
        @Option(names = "--password-stdin", description = "read the password from standard input")
        boolean stdin;
        @Option(names = "--password", description = "the password (visible in the process list; prefer --password-stdin)")
        String password;

        @Override
        int run(UserAdmin users) {
            UserAdmin.checkName(name); // before asking for a password
            users.create(OPERATOR, null, name, readPassword(stdin, password), admin);
            System.out.println("created user " + name + (admin ? " (admin)" : ""));
            return 0;
        }
    }

    @Command(name = "passwd", description = "Set a user's password.")
    static final class Passwd extends Sub {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--password-stdin", description = "read the password from standard input")
        boolean stdin;
        @Option(names = "--password", description = "the password (prefer --password-stdin)")
        String password;

        @Override
        int run(UserAdmin users) {
            String pw = readPassword(stdin, password);
            try {
                users.update(OPERATOR, null, name, new UserAdmin.Change(pw, null, null, null));
            } catch (RegistryException e) {
                return noUser(e, name);
            }
            System.out.println("password changed for " + name);
            return 0;
        }
    }

    @Command(name = "rm", description = "Delete a user with their roles, API tokens and personal namespace.")
    static final class Remove extends Sub {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--force", description = "also delete the repositories in their personal namespace")
        boolean force;

        @Override
        int run(UserAdmin users) {
            long removed;
            try {
                removed = users.delete(OPERATOR, null, name, force);
            } catch (HoldsRepositoriesException e) {
                System.err.println("berth: " + name + "'s personal namespace holds " + HoldsRepositoriesException.count(e.repositories())
                        + "; delete them first, or add --force to delete them with the user");
                return 1;
            } catch (RegistryException e) {
                return noUser(e, name);
            }
            System.out.println("deleted user " + name + (removed == 0 ? "" : " and " + HoldsRepositoriesException.count(removed)));
            return 0;
        }
    }

    @Command(name = "ls", description = "List users.")
    static final class List extends Sub {
        @Override
        int run(UserAdmin users) {
            System.out.printf("%-24s %-6s %-9s %s%n", "NAME", "ADMIN", "DISABLED", "CREATED");
            for (UserAdmin.UserView u : users.list(OPERATOR)) {
                System.out.printf("%-24s %-6s %-9s %s%n", u.name(), u.admin(), u.disabled(), u.created());
            }
            return 0;
        }
    }

    @Command(name = "disable", description = "Disable a user (or --enable them again).")
    static final class Disable extends Sub {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--enable", description = "enable instead")
        boolean enable;

        @Override
        int run(UserAdmin users) {
            try {
                users.update(OPERATOR, null, name, new UserAdmin.Change(null, null, null, !enable));
            } catch (RegistryException e) {
                return noUser(e, name);
            }
            System.out.println((enable ? "enabled " : "disabled ") + name);
            return 0;
        }
    }

    @Command(name = "import-htpasswd", description = "Import users from a registry:2 htpasswd file (bcrypt entries keep working).")
    static final class ImportHtpasswd extends Sub {
        @Parameters(paramLabel = "FILE")
        Path file;

        @Override
        int run(UserAdmin users) {
            Htpasswd.Imported r = users.importHtpasswd(OPERATOR, file);
            if (!r.unverifiable().isEmpty()) {
                System.err.println("skipped " + r.unverifiableNames() + ": only bcrypt entries can be verified (use htpasswd -B)");
            }
            for (String name : r.refused()) {
                System.err.println("skipped " + name + ": " + name + " is an existing namespace the user does not own");
            }
            System.out.println("imported " + (r.created().size() + r.updated().size()) + " users");
            return r.refused().isEmpty() ? 0 : 1;
        }
    }
}
