package io.berth.registry;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * A request body as a sequence of buffers, so the core can hash and store bytes as they arrive without
 * depending on the HTTP server. The buffers are only valid during the callback.
 */
@FunctionalInterface
public interface BodySource {
    /** Passes every chunk of the body, in order, to {@code consumer}; returns at the end of the body. */
    void forEachChunk(Consumer<ByteBuffer> consumer);

    BodySource EMPTY = consumer -> {
    };
}
