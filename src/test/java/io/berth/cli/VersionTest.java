package io.berth.cli;

import io.berth.testing.BerthProcess;
import io.berth.testing.Project;
import io.berth.testing.TestServer;
import io.berth.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The real {@code berth} main, in its own JVM, says which version it is: the one pom.xml gives. */
class VersionTest {
    /** berth VERSION (commit ABBREV[-dirty]; Java RUNTIME), the commit only where the build could ask git. */
    private static final Pattern LINE = Pattern.compile("berth (\\S+) \\((?:commit ([0-9a-f]{7,40})(-dirty)?; )?Java (\\S+)\\)");

    @TempDir
    Path dir;

    private static Matcher versionLine(BerthProcess.Outcome o) {
        assertThat(o.exitCode()).as(o.stderr()).isZero();
        assertThat(o.stdout().lines().toList()).as(o.stdout()).hasSize(1);
        Matcher m = LINE.matcher(o.stdout().strip());
        assertThat(m.matches()).as(o.stdout()).isTrue();
        return m;
    }

    @Test
    void versionIsThePomsVersionWithTheCommitItWasBuiltFrom() throws Exception {
        Matcher m = versionLine(BerthProcess.run(dir, Map.of(), "--version"));
        assertThat(m.group(1)).isEqualTo(Project.version());
        assertThat(m.group(4)).isEqualTo(Runtime.version().toString());
        // Built from a plain git checkout (as in CI; not a linked worktree, whose .git is a file): the commit is
        // the one checked out. Wherever a commit is named, it is the right one.
        Path checkout = Path.of("").toAbsolutePath();
        if (Files.isDirectory(checkout.resolve(".git"))) {
            assertThat(m.group(2)).as("the commit in %s", m.group()).isNotNull();
        }
        if (m.group(2) != null && Tools.onPath("git")) {
            String head = Tools.run(checkout, Map.of(), 30, "git", "rev-parse", "HEAD").orFail().output().strip();
            assertThat(head).startsWith(m.group(2));
        }
    }

    @Test
    void subcommandsSayTheSameVersion() {
        String top = BerthProcess.run(dir, Map.of(), "--version").stdout();
        assertThat(versionLine(BerthProcess.run(dir, Map.of(), "serve", "--version")).group()).isEqualTo(top.strip());
        assertThat(versionLine(BerthProcess.run(dir, Map.of(), "user", "-V")).group()).isEqualTo(top.strip());
    }

    @Test
    void theStartLineNamesTheVersion() {
        BerthProcess.Outcome o = BerthProcess.run(dir, Map.of(
                "REGISTRY_HTTP_ADDR", "127.0.0.1:0",
                "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", dir.resolve("data").toString(),
                "REGISTRY_STORAGE_MAINTENANCE_UPLOADPURGING_ENABLED", "false",
                "BERTH_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD,
                "BERTH_AUTH_BCRYPTCOST", "4"), "serve", "--exit-after-start");
        assertThat(o.exitCode()).as(o.stderr()).isZero();
        assertThat(o.stderrLines()).as(o.stderr())
                .anySatisfy(l -> assertThat(l).containsPattern("Berth " + Pattern.quote(Project.version())
                        + "( \\(commit [0-9a-f]{7,40}(-dirty)?\\))? listening on http://127\\.0\\.0\\.1:\\d+ "));
    }
}
