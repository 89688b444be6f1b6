package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The PROXY protocol v2 header, byte for byte as HAProxy's proxy-protocol.txt (section 2.2) lays it out. */
class ProxyProtocolHeaderTest {
    private static final String SIGNATURE = "0d0a0d0a000d0a515549540a";

    private static InetSocketAddress at(String literal, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(literal), port);
    }

    @Test
    void tcpOverIpv4WithoutTlvs() throws Exception {
        byte[] h = ProxyProtocolHeader.encode(at("192.0.2.7", 55000), at("127.0.0.1", 8443), null);
        assertThat(HexFormat.of().formatHex(h)).isEqualTo(SIGNATURE
                + "21" + "11" + "000c"       // v2 PROXY, TCP over IPv4, 12 address bytes
                + "c0000207" + "7f000001"    // source, destination
                + "d6d8" + "20fb");          // 55000, 8443
    }

    @Test
    void tcpOverIpv6AndAnIpv4AddressBesideItMapped() throws Exception {
        byte[] h = ProxyProtocolHeader.encode(at("2001:db8::1", 443), at("127.0.0.1", 8443), null);
        assertThat(HexFormat.of().formatHex(h)).isEqualTo(SIGNATURE
                + "21" + "21" + "0024"       // TCP over IPv6, 36 address bytes
                + "20010db8000000000000000000000001"
                + "00000000000000000000ffff7f000001"
                + "01bb" + "20fb");
    }

    @Test
    void tlsClientsCarryAlpnAuthorityAndTheSslTlv() throws Exception {
        byte[] h = ProxyProtocolHeader.encode(at("127.0.0.1", 40000), at("127.0.0.1", 8443),
                new ProxyProtocolHeader.Tls("TLSv1.3", "h2", "example.com", true, false));
        String alpn = "01" + "0002" + "6832";                                      // PP2_TYPE_ALPN "h2"
        String authority = "02" + "000b" + "6578616d706c652e636f6d";               // PP2_TYPE_AUTHORITY
        String version = "21" + "0007" + "544c5376312e33";                         // PP2_SUBTYPE_SSL_VERSION
        String ssl = "20" + "000f" + "07" + "00000000" + version;                  // client SSL|CERT_CONN|CERT_SESS
        int length = 12 + (alpn + authority + ssl).length() / 2;
        assertThat(HexFormat.of().formatHex(h)).isEqualTo(SIGNATURE + "2111" + String.format("%04x", length)
                + "7f000001" + "7f000001" + "9c40" + "20fb" + alpn + authority + ssl);
    }

    @Test
    void aResumedSessionsCertificateIsTheSessionsNotTheConnections() throws Exception {
        byte[] h = ProxyProtocolHeader.encode(at("127.0.0.1", 40000), at("127.0.0.1", 8443),
                new ProxyProtocolHeader.Tls("TLSv1.3", null, null, true, true));
        assertThat(HexFormat.of().formatHex(h)).endsWith("20" + "000f" + "05" + "00000000" + "21" + "0007"
                + "544c5376312e33");  // SSL | CERT_SESS, verified
    }

    @Test
    void aTlsClientWithoutAlpnSniOrCertificateHasOnlyTheSslTlv() throws Exception {
        byte[] h = ProxyProtocolHeader.encode(at("127.0.0.1", 40000), at("127.0.0.1", 8443),
                new ProxyProtocolHeader.Tls("TLSv1.2", null, null, false, false));
        assertThat(HexFormat.of().formatHex(h)).endsWith("9c40" + "20fb"
                + "20" + "000f" + "01" + "00000001" + "21" + "0007" + "544c5376312e32");  // no certificate: verify 1
        assertThat(h.length).isEqualTo(16 + 12 + 3 + 15);
    }
}
