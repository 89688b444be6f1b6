package io.ktls4j.cli;

import java.net.InetSocketAddress;

/**
 * A {@code HOST:PORT} of the command line ({@code 127.0.0.1:8080}, {@code localhost:0}, {@code [::1]:443}). The host is
 * resolved when the address is used ({@link #resolve()}), so that a backend's name follows its DNS.
 */
record HostPort(String host, int port) {

    /** @throws IllegalArgumentException saying what is wrong with {@code text} and what is expected */
    static HostPort parse(String option, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(option + " " + text + ": give HOST:PORT (e.g. 127.0.0.1:8080, "
                    + "[::1]:8080)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException(option + " " + text + ": write an IPv6 address in brackets, e.g. "
                    + "[::1]:8080");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(option + " " + text + ": the port must be 0 to 65535");
        }
        return new HostPort(host, port);
    }

    /** The address, resolving the host now (unresolved when the name does not resolve). */
    InetSocketAddress resolve() {
        return new InetSocketAddress(host, port);
    }

    /** {@code host:port}, an IPv6 literal in brackets. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
