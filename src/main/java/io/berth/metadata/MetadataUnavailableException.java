package io.berth.metadata;

/** The metadata database could not be reached or failed; the registry answers 503. */
public class MetadataUnavailableException extends RuntimeException {
    public MetadataUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
