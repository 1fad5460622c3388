package io.berth.storage.filesystem;

import io.berth.storage.StorageDriver;
import io.berth.storage.StorageDriverContract;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** The contract on the default driver: direct I/O for blobs where the file system allows it (see DirectFileWriterTest). */
class FilesystemDriverTest extends StorageDriverContract {
    private Path root;

    @Override
    protected StorageDriver openDriver() throws IOException {
        root = Files.createTempDirectory("berth-fs-contract-");
        return new FilesystemDriver(root);
    }

    Path root() {
        return root;
    }

    @Override
    protected void closeStore() throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
