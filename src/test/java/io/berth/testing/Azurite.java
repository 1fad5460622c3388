package io.berth.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Azurite's blob service, the Azure Storage emulator, as a child process on a loopback port, keeping
 * blobs in a temporary directory. Installed by scripts/install-test-tools.sh (CI runs it); its path
 * can be given as BERTH_AZURITE_BLOB. When it is missing the tests are skipped, or fail when
 * BERTH_REQUIRE_E2E=1.
 */
public final class Azurite implements AutoCloseable {
    /** Azurite's well-known development account (public, documented by Microsoft; no secret). */
    public static final String ACCOUNT = "devstoreaccount1";
    public static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private final Process process;
    private final Path dir;
    private final int port;

    private Azurite(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    public static Azurite start() throws Exception {
        Path bin = Path.of(System.getenv().getOrDefault("BERTH_AZURITE_BLOB",
                Path.of(System.getProperty("user.dir"), ".tools", "node_modules", ".bin", "azurite-blob").toString()));
        if (!Files.isExecutable(bin)) {
            String why = "Azurite is not installed at " + bin + " (run scripts/install-test-tools.sh)";
            if ("1".equals(System.getenv("BERTH_REQUIRE_E2E"))) {
                throw new AssertionError(why + ", and BERTH_REQUIRE_E2E=1 requires the Azure tests to run");
            }
            Assumptions.abort(why + "; Azure tests skipped");
        }
        Path dir = Files.createTempDirectory("berth-azurite-");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(List.of(bin.toString(), "--blobHost", "127.0.0.1", "--blobPort", String.valueOf(port),
                "--location", dir.resolve("data").toString(), "--loose", "--skipApiVersionCheck", "--disableTelemetry"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("azurite.log").toFile())
                .start();
        Azurite a = new Azurite(p, dir, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!a.accepting()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                String log = Files.readString(dir.resolve("azurite.log"));
                a.close();
                throw new IllegalStateException("Azurite did not start on port " + port + ":\n" + log);
            }
            Thread.sleep(100);
        }
        return a;
    }

    private boolean accepting() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The blob service URL of the development account. */
    public URI serviceUrl() {
        return URI.create("http://127.0.0.1:" + port + "/" + ACCOUNT);
    }

    @Override
    public void close() throws Exception {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
