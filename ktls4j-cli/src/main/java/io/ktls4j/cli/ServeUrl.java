package io.ktls4j.cli;

import io.ktls4j.http.IpAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The URL that {@code ktls serve}'s banner prints for the address it listens on, and the curl line that reaches it
 * with the embedded default certificate (names: localhost, 127.0.0.1, ::1).
 *
 * @param url {@code https://HOST:PORT/}: "localhost" for 127.0.0.1 and for a wildcard address (0.0.0.0, ::, where
 *     localhost reaches the server and matches the certificate), otherwise the address, in brackets for IPv6
 * @param port the port listened on
 * @param unnamedAddress the address when the default certificate does not name it (192.0.2.7, 127.0.0.2), for curl's
 *     {@code --resolve}, which connects there while checking the name localhost; else null
 */
record ServeUrl(String url, int port, String unnamedAddress) {
    /** The hosts the certificate names, as they appear in a URL. */
    private static final List<String> CERTIFICATE_HOSTS = List.of("localhost", "127.0.0.1", "[::1]");

    static ServeUrl of(InetSocketAddress listening) {
        InetAddress a = listening.getAddress();
        int port = listening.getPort();
        String host = a.isAnyLocalAddress() || a.getHostAddress().equals("127.0.0.1") ? "localhost" : literal(a);
        return new ServeUrl("https://" + host + ":" + port + "/", port,
                CERTIFICATE_HOSTS.contains(host) ? null : literal(a));
    }

    /** The curl command line that checks the default certificate at {@code cacert}. */
    String curl(String cacert) {
        if (unnamedAddress == null) {
            return "curl --cacert " + cacert + " " + url;
        }
        return "curl --cacert " + cacert + " --resolve localhost:" + port + ":" + unnamedAddress + " https://localhost:"
                + port + "/";
    }

    /** The address as a URL host: IPv6 in brackets (short form, without a scope that curl would not take). */
    private static String literal(InetAddress a) {
        return a instanceof Inet6Address ? "[" + IpAddresses.text(a) + "]" : a.getHostAddress();
    }
}
