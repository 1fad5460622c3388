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
                        "io.berth.auth..", "io.berth.cli..", "io.berth.config..", "io.berth.events..", "io.berth.http..",
                        "io.berth.metadata..", "io.berth.proxy..", "io.berth.registry..", "io.berth.server..", "io.berth.stats..",
                        "io.berth.storage..")
                .check(berth);
    }

    @Test
    void eventsAreVocabularyForTheirSinks() {
        // What happened is said in the format's words; the sinks (statistics, notifications) depend on it, never the reverse.
        noClasses().that().resideInAPackage("io.berth.events")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.berth.auth..", "io.berth.cli..", "io.berth.config..", "io.berth.http..", "io.berth.metadata..",
                        "io.berth.proxy..", "io.berth.registry..", "io.berth.server..", "io.berth.stats..", "io.berth.storage..",
                        "org.eclipse.jetty..")
                .check(berth);
    }

    @Test
    void storageDriversNeverSeeTheCore() {
        noClasses().that().resideInAPackage("io.berth.storage..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.berth.auth..", "io.berth.cli..", "io.berth.config..", "io.berth.http..", "io.berth.metadata..",
                        "io.berth.proxy..", "io.berth.registry..", "io.berth.server..", "io.berth.stats..")
                .check(berth);
    }

    @Test
    void theCoreKnowsNeitherHttpNorJdbc() {
        // The usage statistics are core too: they read and write through UsageStore, which metadata.jdbc implements.
        noClasses().that().resideInAnyPackage("io.berth.registry..", "io.berth.oci..", "io.berth.metadata", "io.berth.proxy..",
                        "io.berth.stats..")
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
        // cli → server → http → (auth, registry, proxy) → (storage, metadata) → oci: nothing below reaches up.
        noClasses().that().resideOutsideOfPackages("io.berth.cli..", "io.berth.server..")
                .should().dependOnClassesThat().resideInAnyPackage("io.berth.server..", "io.berth.cli..")
                .check(berth);
        noClasses().that().resideInAnyPackage("io.berth.auth..", "io.berth.registry..", "io.berth.proxy..", "io.berth.storage..",
                        "io.berth.metadata..", "io.berth.oci..", "io.berth.config..", "io.berth.stats..")
                .should().dependOnClassesThat().resideInAPackage("io.berth.http..")
                .check(berth);
    }
}
