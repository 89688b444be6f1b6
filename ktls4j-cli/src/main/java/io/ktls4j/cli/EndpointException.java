package io.ktls4j.cli;

import java.io.IOException;

/**
 * A failure to reach or open a network endpoint, with the endpoint: the JDK's {@code ConnectException},
 * {@code BindException} and {@code UnresolvedAddressException} name neither the host nor the port, so the command
 * that knew them wraps the cause in this for {@link FailureMessages}.
 */
final class EndpointException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What the command was doing with the endpoint. */
    enum Action { CONNECT, LISTEN }

    private final Action action;
    private final String host;
    private final int port;

    EndpointException(Action action, String host, int port, Throwable cause) {
        super((action == Action.CONNECT ? "connecting to " : "listening on ") + hostPort(host, port), cause);
        this.action = action;
        this.host = host;
        this.port = port;
    }

    Action action() {
        return action;
    }

    String host() {
        return host;
    }

    /** host:port, with an IPv6 literal in brackets. */
    String hostPort() {
        return hostPort(host, port);
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
