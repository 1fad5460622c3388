package io.berth.storage.filesystem;

import io.berth.storage.FileInfo;
import io.berth.storage.PathNotFoundException;
import io.berth.storage.StorageDriver;
import io.berth.storage.StorageException;
import io.berth.storage.StoragePaths;
import io.berth.storage.StorageWriter;
import com.sun.nio.file.ExtendedOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
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

/**
 * Objects as files under a root directory. Moves are atomic renames; commits fsync. Streamed objects
 * (blobs) are written with direct I/O ({@link DirectFileWriter}) when the file system supports it, else
 * through the page cache with early write-back ({@link FileWriter}).
 */
public final class FilesystemDriver implements StorageDriver {
    private static final Logger LOG = LoggerFactory.getLogger(FilesystemDriver.class);

    private final Path root;
    /** Early fdatasyncs of page-cache writers. */
    private final FileTasks syncs = new FileTasks();
    /** Direct-I/O writers finishing in the background; a file's next writer waits for them. */
    private final FileTasks closes = new FileTasks();
    /** Staging buffers for direct I/O, or null when it is off or the file system refuses it. */
    private final StageBuffers stages;

    public FilesystemDriver(Path root) {
        this(root, true);
    }

    public FilesystemDriver(Path root, boolean directIo) {
        this.root = root.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new StorageException("cannot create storage root " + this.root + ": " + e.getMessage(), e);
        }
        this.stages = directIo ? probeDirectIo(this.root) : null;
    }

    /**
     * Whether files under {@code root} can be written with {@code O_DIRECT} (tmpfs, for one, refuses it):
     * writes and reads back one aligned block in a scratch file. Returns the staging buffers, or null.
     */
    private static StageBuffers probeDirectIo(Path root) {
        Path probe = root.resolve(".direct-io-probe-" + UUID.randomUUID());
        try {
            long blockSize = Files.getFileStore(root).getBlockSize();
            if (blockSize <= 0 || blockSize > 64 * 1024 || Long.bitCount(blockSize) != 1) {
                throw new IOException("unusual block size " + blockSize);
            }
            StageBuffers stages = new StageBuffers((int) blockSize);
            ByteBuffer block = stages.take();
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT)) {
                block.limit((int) blockSize);
                ch.write(block, 0);
                ch.read(block.clear().limit((int) blockSize), 0);
            } finally {
                stages.give(block);
            }
            return stages;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.info("direct I/O is not available under {} ({}); blobs are written through the page cache", root, e.getMessage());
            return null;
        } finally {
            deleteQuietly(probe);
        }
    }

    @Override
    public String name() {
        return "filesystem";
    }

    /** Whether streamed objects are written with direct I/O here (for tests). */
    boolean writesDirect() {
        return stages != null;
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
            closes.await(file); // an earlier writer's last blocks, and any failure they met
            ByteBuffer stage = stages == null ? null : stages.take();
            if (stage != null) {
                return directWriter(file, append, stage);
            }
            FileChannel ch = append
                    ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                    : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            return new FileWriter(file, ch, syncs);
        } catch (IOException e) {
            throw failure("open for writing", path, e);
        }
    }

    private StorageWriter directWriter(Path file, boolean append, ByteBuffer stage) throws IOException {
        try {
            return DirectFileWriter.open(file, append, stages.align(), stages, closes, stage);
        } catch (IOException | RuntimeException e) {
            stages.give(stage);
            throw e;
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

    /** Each file, then its directory if that is left empty (a blob's directory goes with its data). */
    @Override
    public void deleteObjects(java.util.Collection<String> paths) {
        for (String path : paths) {
            Path p = resolve(path);
            try {
                Files.deleteIfExists(p);
                if (!p.getParent().equals(root)) {
                    Files.deleteIfExists(p.getParent());
                }
            } catch (DirectoryNotEmptyException | NoSuchFileException kept) {
                // the directory holds something else, or is gone already
            } catch (IOException e) {
                throw failure("delete", path, e);
            }
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

    /** Closes a writer's channel; nothing is lost: its data was written, or the writer is being discarded. */
    static void closeQuietly(Channel ch) {
        if (ch == null) {
            return;
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // the data was written or is being discarded
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a leftover temporary file is harmless and purged later
        }
    }
}
