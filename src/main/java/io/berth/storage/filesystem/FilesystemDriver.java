package io.berth.storage.filesystem;

import io.berth.storage.FileInfo;
import io.berth.storage.PathNotFoundException;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageException;
import io.berth.storage.StoragePaths;
import io.berth.storage.StorageWriter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/** Objects as files under a root directory. Moves are atomic renames; commits fsync. */
public final class FilesystemDriver implements StorageDriver {
    private final Path root;

    public FilesystemDriver(Path root) {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new StorageException("cannot create storage root " + this.root + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "filesystem";
    }

    /** The file of an object path (validated: no path can escape the root). */
    Path resolve(String path) {
        return root.resolve(StoragePaths.object(path));
    }

    private Path resolveDirectory(String path) {
        String d = StoragePaths.directory(path);
        return d.isEmpty() ? root : root.resolve(d);
    }

    @Override
    public Optional<FileInfo> stat(String path) {
        try {
            BasicFileAttributes a = Files.readAttributes(resolve(path), BasicFileAttributes.class);
            return Optional.of(new FileInfo(StoragePaths.object(path), a.isDirectory() ? 0 : a.size(),
                    a.lastModifiedTime().toInstant(), a.isDirectory()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("stat", path, e);
        }
    }

    @Override
    public byte[] getContent(String path) {
        try {
            return Files.readAllBytes(resolve(path));
        } catch (NoSuchFileException e) {
            throw new PathNotFoundException(path);
        } catch (IOException e) {
            throw failure("read", path, e);
        }
    }

    @Override
    public void putContent(String path, byte[] content) {
        Path target = resolve(path);
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            atomicMove(tmp, target);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw failure("write", path, e);
        }
    }

    @Override
    public InputStream reader(String path, long offset) {
        try {
            FileChannel ch = FileChannel.open(resolve(path), StandardOpenOption.READ);
            ch.position(offset);
            return Channels.newInputStream(ch);
        } catch (NoSuchFileException e) {
            throw new PathNotFoundException(path);
        } catch (IOException e) {
            throw failure("open", path, e);
        }
    }

    @Override
    public StorageWriter writer(String path, boolean append) {
        Path file = resolve(path);
        try {
            Files.createDirectories(file.getParent());
            FileChannel ch = append
                    ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                    : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            return new FileWriter(file, ch);
        } catch (IOException e) {
            throw failure("open for writing", path, e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        Path dir = resolveDirectory(prefix);
        String base = StoragePaths.directory(prefix);
        if (!base.isEmpty()) {
            base = base + "/";
        }
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (!name.endsWith(".tmp") || !name.startsWith(".")) { // putContent's in-flight temporary files
                    out.add(base + name);
                }
            }
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return List.of();
        } catch (IOException e) {
            throw failure("list", prefix, e);
        }
        out.sort(null);
        return out;
    }

    @Override
    public void move(String source, String destination) {
        Path src = resolve(source);
        Path dst = resolve(destination);
        try {
            Files.createDirectories(dst.getParent());
            atomicMove(src, dst);
        } catch (NoSuchFileException e) {
            throw new PathNotFoundException(source);
        } catch (IOException e) {
            throw failure("move", source + " -> " + destination, e);
        }
    }

    private static void atomicMove(Path src, Path dst) throws IOException {
        try {
            Files.move(src, dst, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(src, dst, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void delete(String path) {
        if (StoragePaths.directory(path).isEmpty()) {
            throw new IllegalArgumentException("refusing to delete the storage root");
        }
        Path p = resolve(path);
        try {
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    try {
                        Files.deleteIfExists(d);
                    } catch (DirectoryNotEmptyException raced) {
                        // a concurrent writer added a file; leave the directory to it
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw failure("delete", path, e);
        }
    }

    @Override
    public Optional<Path> localPath(String path) {
        return Optional.of(resolve(path));
    }

    @Override
    public void checkHealth() {
        if (!Files.isDirectory(root) || !Files.isWritable(root)) {
            throw new StorageException("storage root " + root + " is not a writable directory");
        }
    }

    private static StorageException failure(String op, String path, IOException e) {
        return new StorageException("filesystem " + op + " failed for " + path + ": " + e.getMessage(), e);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a leftover temporary file is harmless and purged later
        }
    }

    private static final class FileWriter implements StorageWriter {
        private final Path file;
        private final FileChannel channel;
        private boolean closed;

        private void ensureOpen() {
            if (closed) {
                throw new IllegalStateException("writer to " + file + " is already committed, cancelled or closed");
            }
        }

        FileWriter(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        @Override
        public void write(ByteBuffer buffer) {
            ensureOpen();
            try {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (IOException e) {
                throw new StorageException("write to " + file + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        public long size() {
            ensureOpen();
            try {
                return channel.size();
            } catch (IOException e) {
                throw new StorageException("size of " + file + " unknown: " + e.getMessage(), e);
            }
        }

        @Override
        public void commit() {
            ensureOpen();
            try {
                channel.force(true);
            } catch (IOException e) {
                throw new StorageException("fsync of " + file + " failed: " + e.getMessage(), e);
            } finally {
                close();
            }
        }

        @Override
        public void cancel() {
            ensureOpen();
            close();
            deleteQuietly(file);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing to save: the data was written or the writer is being discarded
                }
            }
        }
    }
}
