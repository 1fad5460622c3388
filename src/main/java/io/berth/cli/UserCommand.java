package io.berth.cli;

import io.berth.auth.AccessStore;
import io.berth.auth.Passwords;
import io.berth.config.BerthConfig;
import io.berth.config.ConfigException;
import io.berth.config.Settings;
import io.berth.metadata.jdbc.JdbcMetadataStore;
import io.berth.server.BerthServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code berth user ...}: manage users offline, against the same data directory or database the
 * server uses (safe while it runs). A running server notices changes within seconds.
 */
@Command(name = "user", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Manage users (works offline on the data directory or database).",
        subcommands = {UserCommand.Add.class, UserCommand.Passwd.class, UserCommand.Remove.class, UserCommand.List.class,
                UserCommand.Disable.class, UserCommand.ImportHtpasswd.class})
final class UserCommand {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file (as for serve)", scope = picocli.CommandLine.ScopeType.INHERIT)
    Path config;

    @Option(names = "--create", description = "create the data directory when it holds no registry yet", scope = picocli.CommandLine.ScopeType.INHERIT)
    boolean create;

    /**
     * Opens the store the server would use; the caller closes the returned metadata store. Says on stderr
     * which data directory that is, and refuses one without a registry unless --create: run from the wrong
     * directory, the default ./data would otherwise be a fresh, empty registry nobody serves.
     */
    JdbcMetadataStore open() {
        return open(config, create);
    }

    /** {@link #open()} for any command that works on the server's metadata (berth user, berth stats). */
    static JdbcMetadataStore open(Path config, boolean create) {
        BerthConfig cfg = BerthConfig.from(Settings.load(config, System.getenv()));
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

    int bcryptCost() {
        return BerthConfig.from(Settings.load(config, System.getenv())).auth().bcryptCost();
    }

    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        UserCommand parent;

        @Override
        public Integer call() {
            try (JdbcMetadataStore meta = parent.open()) {
                return run(meta.accessStore());
            } catch (ConfigException | IllegalArgumentException e) {
                System.err.println("berth: " + e.getMessage());
                return 2;
            }
        }

        abstract int run(AccessStore store);

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
        int run(AccessStore store) {
            io.berth.auth.AccessService.checkUserName(name);
            String pw = readPassword(stdin, password);
            Passwords.checkLength(pw);
            if (!store.createUser(name, new Passwords(parent.bcryptCost()).hash(pw), admin)) {
                System.err.println("berth: " + io.berth.auth.AccessService.nameConflict(store, name));
                return 1;
            }
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
        int run(AccessStore store) {
            String pw = readPassword(stdin, password);
            Passwords.checkLength(pw);
            if (!store.updateUser(name, new Passwords(parent.bcryptCost()).hash(pw), null, null)) {
                System.err.println("berth: no user " + name);
                return 1;
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
        int run(AccessStore store) {
            AccessStore.Deletion d = store.deleteUser(name, force);
            switch (d.outcome()) {
                case NOT_FOUND -> {
                    System.err.println("berth: no user " + name);
                    return 1;
                }
                case HOLDS_REPOSITORIES -> {
                    System.err.println("berth: " + name + "'s personal namespace holds " + repositories(d)
                            + "; delete them first, or add --force to delete them with the user");
                    return 1;
                }
                case DELETED -> System.out.println("deleted user " + name + (d.repositories() == 0 ? "" : " and " + repositories(d)));
            }
            return 0;
        }

        private static String repositories(AccessStore.Deletion d) {
            return d.repositories() + (d.repositories() == 1 ? " repository" : " repositories");
        }
    }

    @Command(name = "ls", description = "List users.")
    static final class List extends Sub {
        @Override
        int run(AccessStore store) {
            System.out.printf("%-24s %-6s %-9s %s%n", "NAME", "ADMIN", "DISABLED", "CREATED");
            for (AccessStore.User u : store.users()) {
                System.out.printf("%-24s %-6s %-9s %s%n", u.name(), u.admin(), u.disabled(), Instant.ofEpochMilli(u.createdAt()));
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
        int run(AccessStore store) {
            if (!store.updateUser(name, null, null, !enable)) {
                System.err.println("berth: no user " + name);
                return 1;
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
        int run(AccessStore store) {
            io.berth.auth.Htpasswd.Imported r = io.berth.auth.Htpasswd.importInto(store, file);
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
