package io.berth.lifecycle;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GlobTest {
    @Test
    void starMatchesAnyRunAndQuestionMarkOneCharacter() {
        assertThat(Glob.matches("v*", "v1.2.3")).isTrue();
        assertThat(Glob.matches("v*", "v")).isTrue();
        assertThat(Glob.matches("v*", "latest")).isFalse();
        assertThat(Glob.matches("release-?", "release-1")).isTrue();
        assertThat(Glob.matches("release-?", "release-10")).isFalse();
        assertThat(Glob.matches("*-rc*", "1.0-rc2")).isTrue();
        assertThat(Glob.matches("*-rc*", "1.0")).isFalse();
        assertThat(Glob.matches("a*b*c", "axxbyyc")).isTrue();
        assertThat(Glob.matches("a*b*c", "axxbyy")).isFalse();
        assertThat(Glob.matches("*", "")).isTrue();
        assertThat(Glob.matches("team/*", "team/a/b")).isTrue(); // * crosses / in repository names
        assertThat(Glob.matches("V*", "v1")).isFalse(); // case matters, as in tags
        assertThat(Glob.matches("stable", "stable")).isTrue();
        assertThat(Glob.matches("stable", "stable2")).isFalse();
    }

    @Test
    void cosignAndReferrersSchemaTagsAreExempt() {
        String hex = "a".repeat(64);
        assertThat(ImmutableTags.isExempt("sha256-" + hex + ".sig")).isTrue();
        assertThat(ImmutableTags.isExempt("sha256-" + hex + ".att")).isTrue();
        assertThat(ImmutableTags.isExempt("sha256-" + hex + ".sbom")).isTrue();
        assertThat(ImmutableTags.isExempt("sha256-" + hex)).isTrue();
        assertThat(ImmutableTags.isExempt("sha512-" + hex)).isTrue();
        assertThat(ImmutableTags.isExempt("sha256-" + hex + ".txt")).isFalse();
        assertThat(ImmutableTags.isExempt("sha256-" + "A".repeat(64) + ".sig")).isFalse();
        assertThat(ImmutableTags.isExempt("sha256-abc.sig")).isFalse();
        assertThat(ImmutableTags.rule(java.util.List.of("*"), "sha256-" + hex + ".sig", false)).isNull();
        assertThat(ImmutableTags.rule(java.util.List.of("*"), "v1", true)).isNull();
        assertThat(ImmutableTags.rule(java.util.List.of("x", "v*"), "v1", false)).isEqualTo("v*");
    }
}
