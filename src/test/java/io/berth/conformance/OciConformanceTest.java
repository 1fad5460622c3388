package io.berth.conformance;

import io.berth.testing.Http;
import io.berth.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.ClassOrderer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestClassOrder;

/**
 * The OCI Distribution Spec conformance suite (opencontainers/distribution-spec, conformance/), ported
 * to JUnit: as the Go suite's TestConformance does with all four workflows enabled, Pull, Push,
 * Content Discovery and Content Management run in that order against one registry and one namespace,
 * each leaving behind what its teardown does not delete. The specs are in the *Workflow classes.
 */
@DisplayName("OCI Distribution Conformance Tests")
@TestClassOrder(ClassOrderer.OrderAnnotation.class)
class OciConformanceTest {
    private static TestServer server;

    @BeforeAll
    static void startRegistry() {
        server = TestServer.start();
        Workflow.client = new Reggie(server.http(), Setup.NAMESPACE);
    }

    @AfterAll
    static void stopRegistry() {
        Workflow.client = null;
        if (server != null) {
            server.close();
        }
    }

    @Nested
    @Order(1)
    @DisplayName("Pull")
    class Pull extends PullWorkflow {
    }

    @Nested
    @Order(2)
    @DisplayName("Push")
    class Push extends PushWorkflow {
    }

    @Nested
    @Order(3)
    @DisplayName("Content Discovery")
    class ContentDiscovery extends ContentDiscoveryWorkflow {
    }

    @Nested
    @Order(4)
    @DisplayName("Content Management")
    class ContentManagement extends ContentManagementWorkflow {
    }
}
