package io.berth.metadata;

import io.berth.metadata.jdbc.JdbcMetadataStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

class SqliteMetadataStoreTest extends MetadataStoreContract {
    private Path dir;

    @Override
    protected MetadataStore openStore() throws Exception {
        dir = Files.createTempDirectory("berth-sqlite-contract-");
        return JdbcMetadataStore.sqlite(dir.resolve("berth.db"));
    }

    @Override
    protected String jdbcUrl() {
        return "jdbc:sqlite:" + dir.resolve("berth.db");
    }

    @Override
    protected void dropStore() throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
