package io.berth.storage.filesystem;

import io.berth.storage.StorageDriver;

import java.io.IOException;

/** The contract on page-cache writes with early write-back: what runs where direct I/O is refused or turned off. */
class FilesystemPageCacheDriverTest extends FilesystemDriverTest {
    @Override
    protected StorageDriver openDriver() throws IOException {
        super.openDriver();
        return new FilesystemDriver(root(), false);
    }
}
