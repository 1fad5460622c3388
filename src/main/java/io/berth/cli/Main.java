package io.berth.cli;

import io.berth.server.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code berth} command: {@code berth serve} runs the registry; {@code berth --help} lists the rest. */
@Command(name = "berth", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Berth: a private container image registry (OCI Distribution 1.1 / Docker Registry v2).",
        subcommands = {ServeCommand.class, UserCommand.class, GcCommand.class, StatsCommand.class, CommandLine.HelpCommand.class})
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

    /** {@code berth 0.1.0 (commit 1a2b3c4; Java 25.0.1+8-LTS)}: the version pom.xml gave the build, and the JVM running it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            BuildInfo build = BuildInfo.current();
            String revision = build.revision().isEmpty() ? "" : "commit " + build.revision() + "; ";
            return new String[]{"berth " + build.version() + " (" + revision + "Java " + Runtime.version() + ")"};
        }
    }
}
