package io.berth;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.berth.metadata.MetadataUnavailableException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package rules of ARCHITECTURE.md, checked on every build: dependencies point one way, the shared
 * vocabulary depends on nothing of Berth's, storage drivers never see the core, and the core knows
 * neither Jetty nor JDBC, and handlers reach the core only through {@code Registry}.
 */
class ArchitectureTest {
    private static JavaClasses berth;

    @BeforeAll
    static void importClasses() {
        berth = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.berth");
    }

    @Test
    void noPackageCycles() {
        // Every package its own slice (io.berth.storage and io.berth.storage.s3 are two), so a cycle between
        // the SPI and a driver counts too.
        slices().matching("io.berth.(**)").should().beFreeOfCycles().check(berth);
    }

    @Test
    void theVocabularyDependsOnNothingOfBerths() {
        noClasses().that().resideInAPackage("io.berth.oci..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.berth.admin..", "io.berth.auth..", "io.berth.cli..", "io.berth.config..", "io.berth.events..", "io.berth.gc..",
                        "io.berth.http..", "io.berth.lifecycle..", "io.berth.metadata..", "io.berth.proxy..", "io.berth.registry..", "io.berth.server..", "io.berth.stats..",
                        "io.berth.storage..", "io.berth.webhooks..")
                .check(berth);
    }

    @Test
    void lifecycleRulesDecideFromTheVocabularyAlone() {
        // Immutable tags and retention see the registry through their LifecycleStore (SQL in metadata.jdbc) and
        // speak OCI's words: no HTTP, no JDBC, no core, no accounts; the admin API checks roles before calling them.
        noClasses().that().resideInAPackage("io.berth.lifecycle..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.berth.admin..", "io.berth.auth..", "io.berth.cli..", "io.berth.config..", "io.berth.events..", "io.berth.gc..",
                        "io.berth.http..", "io.berth.metadata..", "io.berth.proxy..", "io.berth.registry..", "io.berth.server..", "io.berth.stats..",
                        "io.berth.storage..", "org.eclipse.jetty..", "java.sql..", "com.zaxxer..")
                .check(berth);
    }

    @Test
    void eventsAreVocabularyForTheirSinks() {
        // What happened is said in the format's words; the sinks (statistics, notifications) depend on it, never the reverse.
        noClasses().that().resideInAPackage("io.berth.events")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.berth.admin..", "io.berth.auth..", "io.berth.cli..", "io.berth.config..", "io.berth.gc..", "io.berth.http..",
                        "io.berth.lifecycle..", "io.berth.metadata..", "io.berth.proxy..", "io.berth.registry..", "io.berth.server..", "io.berth.stats..",
                        "io.berth.storage..", "io.berth.webhooks..", "org.eclipse.jetty..")
                .check(berth);
    }

    @Test
    void webhooksKnowNeitherTheServerNorJdbc() {
        // A sink of events with its own HTTP client (Jetty's client, never its server), its outbox behind
        // WebhookStore (the SQL lives in metadata.jdbc, as the AccessStore's does), and no handler of the API.
        noClasses().that().resideInAPackage("io.berth.webhooks..")
                .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty.server..", "java.sql..", "javax.sql..",
                        "io.berth.metadata.jdbc..", "com.zaxxer..", "io.berth.http..", "io.berth.registry..", "io.berth.proxy..",
                        "io.berth.storage..", "io.berth.config..", "io.berth.admin..")
                .check(berth);
    }

    @Test
    void lifecycleAdministrationIsRulesWithoutHttpOrJdbc() {
        // LifecycleAdmin decides who may change immutable tags, retention and webhooks for the admin API and the web UI
        // alike: it sees the services and auth's rights, never Jetty, JSON, SQL, the core or the front ends.
        noClasses().that().resideInAPackage("io.berth.admin..")
                .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty..", "java.sql..", "javax.sql..", "com.zaxxer..",
                        "com.fasterxml.jackson..", "io.berth.metadata..", "io.berth.registry..", "io.berth.proxy..", "io.berth.storage..",
                        "io.berth.http..", "io.berth.ui..", "io.berth.server..", "io.berth.cli..", "io.berth.config..")
                .check(berth);
    }

    @Test
    void storageDriversNeverSeeTheCore() {
        noClasses().that().resideInAPackage("io.berth.storage..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.berth.admin..", "io.berth.auth..", "io.berth.cli..", "io.berth.config..", "io.berth.gc..", "io.berth.http..", "io.berth.lifecycle..",
                        "io.berth.metadata..", "io.berth.proxy..", "io.berth.registry..", "io.berth.server..")
                .check(berth);
    }

    @Test
    void theCoreKnowsNeitherHttpNorJdbc() {
        // The usage statistics are core too: they read and write through UsageStore, which metadata.jdbc implements.
        noClasses().that().resideInAnyPackage("io.berth.registry..", "io.berth.oci..", "io.berth.metadata", "io.berth.proxy..",
                        "io.berth.lifecycle..", "io.berth.gc..", "io.berth.stats..")
                .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty..", "java.sql..", "io.berth.metadata.jdbc..",
                        "io.berth.http..", "io.berth.server..", "io.berth.cli..")
                .check(berth);
    }

    @Test
    void handlersNeverTouchJdbc() {
        noClasses().that().resideInAPackage("io.berth.http..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "io.berth.metadata.jdbc..", "com.zaxxer..")
                .check(berth);
    }

    @Test
    void handlersReachTheCoreOnlyThroughRegistry() {
        // Blob bytes come as BlobContent, readiness as Registry.checkStorage: handlers never see a driver.
        noClasses().that().resideInAPackage("io.berth.http..")
                .should().dependOnClassesThat().resideInAPackage("io.berth.storage..")
                .check(berth);
        // The core's outages arrive as UNAVAILABLE (OutageBoundary); the one metadata class left is the outage
        // of the account lookups (Guard, AdminApi through io.berth.auth), which auth passes through.
        noClasses().that().resideInAPackage("io.berth.http..")
                .should().dependOnClassesThat(resideInAPackage("io.berth.metadata..")
                        .and(not(equivalentTo(MetadataUnavailableException.class))))
                .check(berth);
    }

    @Test
    void theWebUiReadsAndWritesOnlyThroughTheCoreAndTheServices() {
        // Pages call the same Registry and admin services as the APIs: no SQL, no driver, no handler of the APIs.
        noClasses().that().resideInAPackage("io.berth.ui..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "io.berth.metadata.jdbc..", "com.zaxxer..",
                        "io.berth.storage..", "io.berth.http..")
                .check(berth);
        noClasses().that().resideOutsideOfPackages("io.berth.ui..", "io.berth.server..")
                .should().dependOnClassesThat().resideInAPackage("io.berth.ui..")
                .check(berth);
    }

    @Test
    void administrationKnowsNoHttp() {
        // The admin service serves the admin API, berth user and the web UI alike: its rules see neither Jetty nor JSON.
        noClasses().that().resideInAPackage("io.berth.auth..")
                .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty..")
                .check(berth);
        noClasses().that().resideInAPackage("io.berth.auth..").and().haveSimpleNameContaining("Admin")
                .should().dependOnClassesThat().resideInAnyPackage("com.fasterxml.jackson..")
                .check(berth);
    }

    @Test
    void theCollectorSeesTheCoreOnlyThroughItsInterfaces() {
        // gc is core: it plans from MetadataStore and GcStore, deletes through the StorageDriver SPI, and neither
        // the registry's request paths nor the cache are its business.
        noClasses().that().resideInAPackage("io.berth.gc..")
                .should().dependOnClassesThat().resideInAnyPackage("io.berth.proxy..", "io.berth.auth..", "io.berth.config..",
                        "io.berth.storage.factory..", "io.berth.storage.s3..", "io.berth.storage.filesystem..", "io.berth.storage.gcs..",
                        "io.berth.storage.azure..")
                .check(berth);
    }

    @Test
    void theStatisticsListenToEventsAndNeverToTheCoreOrTheHandlers() {
        // Counted from what clients did (events) and from the counters the metadata store keeps: the core never
        // calls the statistics, and the statistics never drive the registry.
        noClasses().that().resideInAnyPackage("io.berth.registry..", "io.berth.proxy..", "io.berth.auth..", "io.berth.events..")
                .should().dependOnClassesThat().resideInAPackage("io.berth.stats..")
                .check(berth);
        noClasses().that().resideInAPackage("io.berth.stats..")
                .should().dependOnClassesThat().resideInAnyPackage("io.berth.registry..", "io.berth.proxy..", "io.berth.storage..")
                .check(berth);
    }

    @Test
    void onlyTheAssemblyKnowsEveryPart() {
        // cli → server → http → auth → (registry, proxy) → (storage, metadata) → oci: nothing below reaches up.
        noClasses().that().resideOutsideOfPackages("io.berth.cli..", "io.berth.server..")
                .should().dependOnClassesThat().resideInAnyPackage("io.berth.server..", "io.berth.cli..")
                .check(berth);
        noClasses().that().resideInAnyPackage("io.berth.auth..", "io.berth.registry..", "io.berth.proxy..", "io.berth.storage..",
                        "io.berth.metadata..", "io.berth.oci..", "io.berth.config..", "io.berth.lifecycle..", "io.berth.webhooks..",
                        "io.berth.gc..", "io.berth.stats..", "io.berth.admin..")
                .should().dependOnClassesThat().resideInAPackage("io.berth.http..")
                .check(berth);
    }

    /**
     * ARCHITECTURE.md's packages table names each package's public surface: exactly its public top-level
     * types (names in parentheses are members of those; {@code sub.Type} a type of a subpackage). Anything
     * else a package holds is package-private, so the table cannot drift from the code.
     */
    @Test
    void thePublicSurfaceIsWhatArchitectureMdSays() throws java.io.IOException {
        java.util.Map<String, java.util.Set<String>> documented = documentedSurfaces();
        org.assertj.core.api.Assertions.assertThat(documented).as("packages in ARCHITECTURE.md").isNotEmpty();
        java.util.List<String> drift = new java.util.ArrayList<>();
        for (var row : documented.entrySet()) {
            java.util.Set<String> actual = new java.util.TreeSet<>();
            for (com.tngtech.archunit.core.domain.JavaClass c : berth) {
                if (c.getPackageName().equals(row.getKey()) && c.isTopLevelClass()
                        && c.getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC)
                        && !c.getSimpleName().matches("Jte.*Generated")) { // jte's compiled templates
                    actual.add(c.getSimpleName());
                }
            }
            java.util.Set<String> listed = new java.util.TreeSet<>();
            for (String name : row.getValue()) {
                if (name.contains(".")) {
                    String sub = row.getKey() + "." + name;
                    if (!berth.contain(sub) || !berth.get(sub).getModifiers().contains(com.tngtech.archunit.core.domain.JavaModifier.PUBLIC)) {
                        drift.add(row.getKey() + ": " + name + " is listed but is not a public type");
                    }
                } else {
                    listed.add(name);
                }
            }
            java.util.Set<String> unlisted = new java.util.TreeSet<>(actual);
            unlisted.removeAll(listed);
            java.util.Set<String> missing = new java.util.TreeSet<>(listed);
            missing.removeAll(actual);
            if (!unlisted.isEmpty()) {
                drift.add(row.getKey() + ": public but not in the table: " + unlisted);
            }
            if (!missing.isEmpty()) {
                drift.add(row.getKey() + ": in the table but not public (or absent): " + missing);
            }
        }
        org.assertj.core.api.Assertions.assertThat(drift).as("ARCHITECTURE.md's public surface column against the code").isEmpty();
    }

    /** Package → the backticked names of its "public surface" cell, leaving out those in parentheses. */
    private static java.util.Map<String, java.util.Set<String>> documentedSurfaces() throws java.io.IOException {
        java.util.Map<String, java.util.Set<String>> out = new java.util.LinkedHashMap<>();
        java.util.regex.Pattern row = java.util.regex.Pattern.compile("^\\| `(io\\.berth[a-z.]*)` \\|.*\\| ([^|]*) \\|$");
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("ARCHITECTURE.md"))) {
            java.util.regex.Matcher m = row.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            String cell = m.group(2).replaceAll("\\([^()]*\\)", ""); // "(its `Status`)": members, not types
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            java.util.regex.Matcher n = java.util.regex.Pattern.compile("`([A-Za-z.]+)`").matcher(cell);
            while (n.find()) {
                names.add(n.group(1));
            }
            out.put(m.group(1), names);
        }
        return out;
    }
}
