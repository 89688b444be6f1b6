package io.ktls4j.cli;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The PROXY protocol version 2 header (HAProxy's proxy-protocol.txt, section 2.2) that {@code ktls proxy
 * --proxy-protocol} sends to the backend before any relayed byte, so that the backend (nginx's {@code listen ...
 * proxy_protocol}, HAProxy's {@code accept-proxy}, Postfix, ...) learns the client's address and port instead of the
 * proxy's: command PROXY over TCP, the client as source, the address the client connected to as destination, and the
 * TLVs PP2_TYPE_ALPN, PP2_TYPE_AUTHORITY (the SNI host name) and PP2_TYPE_SSL (with the TLS version) when the client
 * side is TLS.
 */
final class ProxyProtocolHeader {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int VERSION_2_PROXY = 0x21;
    private static final int TCP_OVER_IPV4 = 0x11;
    private static final int TCP_OVER_IPV6 = 0x21;
    static final int PP2_TYPE_ALPN = 0x01;
    static final int PP2_TYPE_AUTHORITY = 0x02;
    static final int PP2_TYPE_SSL = 0x20;
    static final int PP2_SUBTYPE_SSL_VERSION = 0x21;
    static final int PP2_CLIENT_SSL = 0x01;
    /** The client presented a certificate on this connection. */
    static final int PP2_CLIENT_CERT_CONN = 0x02;
    /** The client's session holds a certificate: presented now, or in the handshake a resumed session began with. */
    static final int PP2_CLIENT_CERT_SESS = 0x04;

    /**
     * What the client's TLS session says, for the TLVs.
     *
     * @param version e.g. "TLSv1.3"
     * @param alpn the negotiated protocol, or null
     * @param serverName the SNI host name the client sent, or null
     * @param clientCertificate whether the client authenticated with a certificate (verified: the handshake refuses
     *     one that is not)
     * @param resumed whether the session was resumed from a ticket (a certificate then belongs to the session, not to
     *     this connection)
     */
    record Tls(String version, String alpn, String serverName, boolean clientCertificate, boolean resumed) {
    }

    private ProxyProtocolHeader() {
    }

    /**
     * The header for a connection from {@code client} to {@code local} (this proxy's accepting socket), with the TLVs
     * of {@code tls} (null: no TLVs, the client side is plain TCP). An IPv4 address beside an IPv6 one is sent as
     * IPv4-mapped IPv6, since both must be of one family.
     */
    static byte[] encode(InetSocketAddress client, InetSocketAddress local, Tls tls) {
        InetAddress src = client.getAddress();
        InetAddress dst = local.getAddress();
        boolean v4 = src instanceof Inet4Address && dst instanceof Inet4Address;
        byte[] s = v4 ? src.getAddress() : ipv6(src);
        byte[] d = v4 ? dst.getAddress() : ipv6(dst);
        ByteArrayOutputStream tlvs = new ByteArrayOutputStream();
        if (tls != null) {
            if (tls.alpn() != null) {
                tlv(tlvs, PP2_TYPE_ALPN, tls.alpn().getBytes(StandardCharsets.US_ASCII));
            }
            if (tls.serverName() != null) {
                tlv(tlvs, PP2_TYPE_AUTHORITY, tls.serverName().getBytes(StandardCharsets.US_ASCII));
            }
            ByteArrayOutputStream ssl = new ByteArrayOutputStream();
            ssl.write(PP2_CLIENT_SSL | (tls.clientCertificate() ? PP2_CLIENT_CERT_SESS : 0)
                    | (tls.clientCertificate() && !tls.resumed() ? PP2_CLIENT_CERT_CONN : 0));
            // verify: 0 only when the client presented a certificate and it was verified (the handshake refuses one
            // that is not), non-zero otherwise
            ssl.writeBytes(new byte[] {0, 0, 0, (byte) (tls.clientCertificate() ? 0 : 1)});
            tlv(ssl, PP2_SUBTYPE_SSL_VERSION, tls.version().getBytes(StandardCharsets.US_ASCII));
            tlv(tlvs, PP2_TYPE_SSL, ssl.toByteArray());
        }
        int length = 2 * s.length + 4 + tlvs.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + length);
        out.writeBytes(SIGNATURE);
        out.write(VERSION_2_PROXY);
        out.write(v4 ? TCP_OVER_IPV4 : TCP_OVER_IPV6);
        out.write(length >>> 8);
        out.write(length);
        out.writeBytes(s);
        out.writeBytes(d);
        out.write(client.getPort() >>> 8);
        out.write(client.getPort());
        out.write(local.getPort() >>> 8);
        out.write(local.getPort());
        out.writeBytes(tlvs.toByteArray());
        return out.toByteArray();
    }

    private static void tlv(ByteArrayOutputStream out, int type, byte[] value) {
        out.write(type);
        out.write(value.length >>> 8);
        out.write(value.length);
        out.writeBytes(value);
    }

    private static byte[] ipv6(InetAddress a) {
        if (a instanceof Inet6Address) {
            return a.getAddress();
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(a.getAddress(), 0, mapped, 12, 4);
        return mapped;
    }
}
