package io.berth.e2e;

import io.berth.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

/** An end-to-end test: its real clients are required (or the test is skipped), and it gets its own Berth. */
abstract class E2eTest {
    @TempDir
    Path tmp;
    E2e e2e;

    /** The command-line clients this test runs. */
    abstract List<String> tools();

    @BeforeEach
    void startRegistry() {
        tools().forEach(Tools::require);
        e2e = E2e.start(tmp);
    }

    @AfterEach
    void stopRegistry() {
        if (e2e != null) {
            e2e.close();
        }
    }
}
