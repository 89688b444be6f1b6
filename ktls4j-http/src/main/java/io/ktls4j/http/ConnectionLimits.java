package io.ktls4j.http;

/**
 * How many connections the server holds: in all, and from one client address (nginx's {@code worker_connections}
 * and {@code limit_conn}). What happens at each limit is {@link Admission}'s: a client over its address's limit is
 * closed at once after the TCP accept, before any handshake; at the total limit the connection that has waited
 * longest without being answered is closed to make room, and the newcomer is refused only when every connection is
 * being answered.
 *
 * @param maxConnections connections held at once
 * @param maxPerAddress connections held at once from one client IP address
 */
public record ConnectionLimits(int maxConnections, int maxPerAddress) {

    /** 1,024 in all, 256 from one address: a single host can never hold more than a quarter of the server. */
    public static final ConnectionLimits DEFAULT = new ConnectionLimits(1024, 256);

    public ConnectionLimits {
        if (maxConnections < 1 || maxPerAddress < 1) {
            throw new IllegalArgumentException("connection limits must be at least 1");
        }
    }

    /** No limit per address: only the total. */
    public static ConnectionLimits total(int maxConnections) {
        return new ConnectionLimits(maxConnections, maxConnections);
    }
}
