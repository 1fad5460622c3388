package io.berth.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Holds every driver to the SPI's promise that failures to reach the store are
 * {@link StorageException}s (answered 503), whatever exception type an SDK throws for a refused or
 * dropped connection. Programming errors (IllegalArgumentException, IllegalStateException) pass
 * through unchanged. Wraps the object-store drivers; the filesystem driver needs no wrapping.
 */
public final class FailureMapping implements StorageDriver {
    private final StorageDriver driver;

    FailureMapping(StorageDriver driver) {
        this.driver = driver;
    }

    /** {@code driver} with its SDK's failures mapped to {@link StorageException}s. */
    public static StorageDriver around(StorageDriver driver) {
        return new FailureMapping(driver);
    }

    private <T> T call(String op, String path, Supplier<T> work) {
        try {
            return work.get();
        } catch (StorageException | IllegalArgumentException | IllegalStateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StorageException(driver.name() + " " + op + " of " + path + " failed: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + firstLine(e.getMessage())), e);
        }
    }

    private void run(String op, String path, Runnable work) {
        call(op, path, () -> {
            work.run();
            return null;
        });
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public String name() {
        return driver.name();
    }

    @Override
    public Optional<FileInfo> stat(String path) {
        return call("stat", path, () -> driver.stat(path));
    }

    @Override
    public byte[] getContent(String path) {
        return call("read", path, () -> driver.getContent(path));
    }

    @Override
    public void putContent(String path, byte[] content) {
        run("write", path, () -> driver.putContent(path, content));
    }

    @Override
    public InputStream reader(String path, long offset) {
        InputStream in = call("open", path, () -> driver.reader(path, offset));
        return new InputStream() {
            @Override
            public int read() throws IOException {
                try {
                    return in.read();
                } catch (RuntimeException e) {
                    throw new IOException("reading " + path + " failed: " + e.getMessage(), e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return in.read(b, off, len);
                } catch (RuntimeException e) {
                    throw new IOException("reading " + path + " failed: " + e.getMessage(), e);
                }
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    @Override
    public StorageWriter writer(String path, boolean append) {
        StorageWriter w = call("open for writing", path, () -> driver.writer(path, append));
        return new StorageWriter() {
            @Override
            public void write(ByteBuffer buffer) {
                run("write", path, () -> w.write(buffer));
            }

            @Override
            public long size() {
                return call("size", path, w::size);
            }

            @Override
            public void commit() {
                run("commit", path, w::commit);
            }

            @Override
            public void cancel() {
                run("cancel", path, w::cancel);
            }

            @Override
            public void close() {
                run("close", path, w::close);
            }
        };
    }

    @Override
    public List<String> list(String prefix) {
        return call("list", prefix, () -> driver.list(prefix));
    }

    @Override
    public void move(String source, String destination) {
        run("move", source, () -> driver.move(source, destination));
    }

    @Override
    public void delete(String path) {
        run("delete", path, () -> driver.delete(path));
    }

    @Override
    public void deleteObjects(java.util.Collection<String> paths) {
        run("delete", paths.size() + " objects", () -> driver.deleteObjects(paths));
    }

    @Override
    public List<OpenWrite> openWrites(String prefix) {
        return call("list open writes", prefix, () -> driver.openWrites(prefix));
    }

    @Override
    public Optional<Path> localPath(String path) {
        return driver.localPath(path);
    }

    @Override
    public Optional<URI> redirectUrl(String path, Duration lifetime) {
        return call("sign", path, () -> driver.redirectUrl(path, lifetime));
    }

    @Override
    public void checkHealth() {
        run("health check", "", driver::checkHealth);
    }

    @Override
    public void close() {
        driver.close();
    }
}
