package io.berth.http;

import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.LongConsumer;

/**
 * A {@link ServerConnector} whose connections can send a file's bytes with {@code sendfile(2)}: blob pulls
 * over plain HTTP/1.1 go from the page cache to the socket without being copied through Berth (as
 * nginx's {@code sendfile on}). Jetty 12 has no such path of its own; see {@link FileRegionSender}.
 */
public final class SendfileConnector extends ServerConnector {
    private final LongConsumer sent;

    /** {@code sent} is told of every byte the kernel sends this way (for metrics). */
    public SendfileConnector(Server server, LongConsumer sent, ConnectionFactory... factories) {
        super(server, factories);
        this.sent = sent;
    }

    @Override
    protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        SendfileEndPoint endPoint = new SendfileEndPoint(channel, selector, key, getScheduler(), sent);
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
    }
}
