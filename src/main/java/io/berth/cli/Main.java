package io.berth.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code berth} command: {@code berth serve} runs the registry; {@code berth --help} lists the rest. */
@Command(name = "berth", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Berth: a private container image registry (OCI Distribution 1.1 / Docker Registry v2).",
        subcommands = {ServeCommand.class, UserCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0 || args.length == 0 || !"serve".equals(args[0])) {
            System.exit(code);
        }
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"berth " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
