package io.berth.config;

/** A setting is missing or invalid; the message names it and says what is expected, in one line. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
