package io.berth.webhooks;

import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where per-namespace webhooks may send (server-side request forgery): their URLs come from namespace
 * owners, who must not make Berth reach what only Berth can reach — its own loopback services, the
 * private network, the cloud's metadata service (169.254.169.254, fd00:ec2::254). Unless the operator
 * allows private targets, an address that is not public is refused when the webhook is created and again
 * at every connection: {@link #guard} is the HTTP client's resolver, so the address checked is the address
 * connected to (a name that resolves to a public address at creation and to 127.0.0.1 later — DNS
 * rebinding — is refused then), and redirects are never followed.
 */
final class Targets {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Targets.class);
    private static final int MAX_URL = 2000;

    private Targets() {
    }

    /** The URL as a webhook target, or IllegalArgumentException saying why not. */
    static URI parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("a webhook needs a url");
        }
        if (url.length() > MAX_URL) {
            throw new IllegalArgumentException("the webhook url is longer than " + MAX_URL + " characters");
        }
        URI u;
        try {
            u = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the webhook url is not a valid URL: " + e.getReason());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("the webhook url must be http:// or https://");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException("the webhook url names no host");
        }
        if (u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("the webhook url may not hold credentials (user:password@): the secret signs every request");
        }
        if (u.getRawFragment() != null) {
            throw new IllegalArgumentException("the webhook url may not have a #fragment");
        }
        return u;
    }

    /**
     * Resolves the URL's host and, unless allowed, refuses non-public addresses: the check at creation.
     * For a host name the refusal does not say why — that it does not resolve, or resolves to 10.0.0.5 — or a
     * namespace owner could map the operator's internal DNS through error messages; an address typed as such
     * is told its kind.
     */
    static void check(URI url, boolean allowPrivate) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host(url.getHost()));
            if (!allowPrivate) {
                refuseNonPublic(url.getHost(), addresses);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(allowPrivate ? "the webhook url's host " + url.getHost() + " does not resolve"
                    : notPublic(url.getHost()));
        } catch (RefusedTarget e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** An HTTP client resolver that refuses non-public addresses, resolving on a virtual thread. */
    static SocketAddressResolver guard() {
        return (String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) ->
                Thread.ofVirtual().name("berth-webhook-resolve").start(() -> {
                    try {
                        InetAddress[] all = InetAddress.getAllByName(host(host));
                        refuseNonPublic(host, all);
                        List<InetSocketAddress> out = new ArrayList<>(all.length);
                        for (InetAddress a : all) {
                            out.add(new InetSocketAddress(a, port));
                        }
                        promise.succeeded(out);
                    } catch (RefusedTarget e) {
                        promise.failed(e);
                    } catch (UnknownHostException e) {
                        promise.failed(new RefusedTarget(notPublic(host)));
                    }
                });
    }

    /** A bracketed IPv6 literal ("[::1]") as InetAddress takes it. */
    private static String host(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** A target Berth will not connect to for a namespace's webhook. */
    static final class RefusedTarget extends java.io.IOException {
        RefusedTarget(String message) {
            super(message);
        }
    }

    private static void refuseNonPublic(String host, InetAddress[] addresses) throws RefusedTarget {
        for (InetAddress a : addresses) {
            String why = nonPublic(a);
            if (why != null) {
                LOG.debug("webhook host {} refused: {} is a {} address", host, a.getHostAddress(), why);
                throw new RefusedTarget(isLiteral(host) ? "the webhook's host " + host + " is " + a.getHostAddress() + ", a " + why
                        + " address, which webhooks may not reach (the operator's berth.webhooks.allowprivate allows it)" : notPublic(host));
            }
        }
    }

    private static String notPublic(String host) {
        return "the webhook's host " + host + " does not resolve to public addresses only: names that do not resolve, or resolve to "
                + "loopback, private, link-local or other internal addresses, are refused (the operator's berth.webhooks.allowprivate "
                + "allows internal ones)";
    }

    /** An address written as such (127.0.0.1, 2130706433, [::1]) rather than a name to look up. */
    private static boolean isLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }

    /** Why the address is not a public one (loopback, private, link-local …), or null when it is. */
    static String nonPublic(InetAddress a) {
        if (a.isAnyLocalAddress()) {
            return "wildcard";
        }
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local (cloud metadata)";
        }
        if (a.isSiteLocalAddress()) {
            return "private";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            return nonPublicV4(b);
        }
        if (a instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return "unique-local (private)";
            }
            // Addresses that carry an IPv4 one inside: IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16).
            if (isZero(b, 0, 12)) {
                return embedded(b, 12);
            }
            if (first == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && isZero(b, 4, 12)) {
                return embedded(b, 12);
            }
            if (first == 0x20 && (b[1] & 0xff) == 0x02) {
                return embedded(b, 2);
            }
        }
        return null;
    }

    private static String embedded(byte[] b, int at) {
        byte[] v4 = java.util.Arrays.copyOfRange(b, at, at + 4);
        try {
            return nonPublic(InetAddress.getByAddress(v4));
        } catch (UnknownHostException impossible) {
            return "unparseable";
        }
    }

    private static String nonPublicV4(byte[] b) {
        int o1 = b[0] & 0xff;
        int o2 = b[1] & 0xff;
        if (o1 == 0) {
            return "'this network'";
        }
        if (o1 == 100 && (o2 & 0xc0) == 64) {
            return "shared (carrier-grade NAT)";
        }
        if (o1 == 192 && o2 == 0 && (b[2] & 0xff) == 0) {
            return "IETF protocol";
        }
        if (o1 == 198 && (o2 == 18 || o2 == 19)) {
            return "benchmarking";
        }
        if (o1 >= 240) {
            return "reserved";
        }
        return null;
    }

    private static boolean isZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
