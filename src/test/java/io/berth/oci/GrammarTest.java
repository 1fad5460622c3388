package io.berth.oci;


import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Repository names, tags and digests are checked by hand-written scans; the specs define them as
 * regexes. These tests hold the scans to the specs' regexes on every string up to a length over an
 * alphabet of the characters that matter, and on hand-picked cases.
 */
class GrammarTest {
    private static final Pattern REPOSITORY = Pattern.compile(
            "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");

    @Test
    void repositoryNamesAgreeWithTheSpecRegexOnEveryShortString() {
        int[] checked = {0};
        everyString("a0Z._-/:", 7, s -> {
            assertThat(Names.isValidRepository(s)).as("repository %s", s).isEqualTo(REPOSITORY.matcher(s).matches());
            checked[0]++;
        });
        assertThat(checked[0]).isEqualTo(2_396_745);
    }

    @Test
    void pathComponentsAgreeWithTheSpecRegexOnEveryShortString() {
        Pattern component = Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");
        everyString("a0Z._-/", 6, s ->
                assertThat(Names.isPathComponent(s)).as("component %s", s).isEqualTo(component.matcher(s).matches()));
    }

    @Test
    void tagsAgreeWithTheSpecRegexOnEveryShortString() {
        everyString("aZ0._-/:", 6, s ->
                assertThat(Names.isTag(s)).as("tag %s", s).isEqualTo(TAG.matcher(s).matches()));
    }

    @Test
    void digestGrammarAgreesWithTheSpecRegexOnEveryShortString() {
        everyString("a0Z.+_-=:/", 6, s ->
                assertThat(Digest.isWellFormed(s)).as("digest %s", s).isEqualTo(DIGEST.matcher(s).matches()));
    }

    @Test
    void repositoryNamesByHand() {
        assertThat(List.of("a", "library/ubuntu", "a.b_c__d-e---f/g", "x/y/z/0", "a" + "/b".repeat(120)))
                .allMatch(Names::isValidRepository);
        assertThat(List.of("", "A", "a_", "_a", "a__b_", "a___b", "a.-b", "a//b", "/a", "a/", "a:b", "a b", "ä",
                "a".repeat(256))).noneMatch(Names::isValidRepository);
        assertThatThrownBy(() -> Names.checkRepository("Bad")).isInstanceOf(RegistryException.class)
                .satisfies(e -> assertThat(((RegistryException) e).code()).isEqualTo(ErrorCode.NAME_INVALID));
    }

    @Test
    void tagsByHand() {
        assertThat(List.of("latest", "_x", "1.0.0-rc_1", "A".repeat(128))).allMatch(Names::isTag);
        assertThat(List.of("", ".x", "-x", "a/b", "a:b", "A".repeat(129), "é")).noneMatch(Names::isTag);
        assertThat(Names.isTag(null)).isFalse();
    }

    @Test
    void digestsByHand() {
        String hex = "a".repeat(64);
        assertThat(Digest.parse("sha256:" + hex)).isEqualTo(new Digest("sha256", hex));
        assertThat(Digest.parse("sha512:" + "0f".repeat(64)).hex()).hasSize(128);
        for (String bad : List.of("sha256:" + "A".repeat(64), "sha256:" + "a".repeat(63), "sha256:" + "g".repeat(64),
                "md5:" + hex, "sha256:", ":" + hex, "sha256" + hex, "sha256::" + hex, "sha256:" + hex + ":")) {
            assertThatThrownBy(() -> Digest.parse(bad)).as(bad).isInstanceOf(RegistryException.class)
                    .satisfies(e -> assertThat(((RegistryException) e).code()).isEqualTo(ErrorCode.DIGEST_INVALID));
        }
    }

    /** Calls {@code check} with every string of length 0 to {@code maxLength} over {@code alphabet}. */
    static void everyString(String alphabet, int maxLength, Consumer<String> check) {
        extend(new StringBuilder(), alphabet, maxLength, check);
    }

    private static void extend(StringBuilder prefix, String alphabet, int maxLength, Consumer<String> check) {
        check.accept(prefix.toString());
        if (prefix.length() == maxLength) {
            return;
        }
        for (int i = 0; i < alphabet.length(); i++) {
            prefix.append(alphabet.charAt(i));
            extend(prefix, alphabet, maxLength, check);
            prefix.setLength(prefix.length() - 1);
        }
    }
}
