package io.berth.oci;

/** A failure the client caused or must hear about, carrying the spec's error code and a clear message. */
public class RegistryException extends RuntimeException {
    private final ErrorCode code;
    private final transient Object detail;

    public RegistryException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public RegistryException(ErrorCode code, String message, Object detail) {
        super(message == null ? code.defaultMessage() : message, null, false, false);
        this.code = code;
        this.detail = detail;
    }

    public ErrorCode code() {
        return code;
    }

    public Object detail() {
        return detail;
    }
}
