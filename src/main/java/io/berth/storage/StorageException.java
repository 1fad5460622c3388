package io.berth.storage;

/** The store could not be reached or did not do what was asked; the registry answers 503. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
