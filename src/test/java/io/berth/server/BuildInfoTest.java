package io.berth.server;

import io.berth.testing.Project;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class BuildInfoTest {
    private static Properties props(String... pairs) {
        Properties p = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            p.setProperty(pairs[i], pairs[i + 1]);
        }
        return p;
    }

    @Test
    void theBuildGivesThePomsVersion() {
        assertThat(BuildInfo.current().version()).isEqualTo(Project.version());
    }

    @Test
    void aBuildWithoutGitHasNoRevision() {
        // what Maven leaves when git-commit-id found no repository: its placeholders, unfilled
        BuildInfo b = BuildInfo.from(props("version", "1.2.3", "revision", "${git.commit.id.abbrev}", "dirty", "${git.dirty}"));
        assertThat(b).isEqualTo(new BuildInfo("1.2.3", ""));
        assertThat(b.describe()).isEqualTo("1.2.3");
    }

    @Test
    void aModifiedWorkTreeSaysSo() {
        assertThat(BuildInfo.from(props("version", "1.2.3", "revision", "1a2b3c4", "dirty", "false")).describe())
                .isEqualTo("1.2.3 (commit 1a2b3c4)");
        assertThat(BuildInfo.from(props("version", "1.2.3", "revision", "1a2b3c4", "dirty", "true")).describe())
                .isEqualTo("1.2.3 (commit 1a2b3c4-dirty)");
    }

    @Test
    void classesNeverBuiltByMavenSayDev() {
        assertThat(BuildInfo.from(props("version", "${project.version}")).version()).isEqualTo("dev");
        assertThat(BuildInfo.from(new Properties())).isEqualTo(new BuildInfo("dev", ""));
    }
}
