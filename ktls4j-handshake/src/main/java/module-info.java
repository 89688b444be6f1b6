/**
 * TLS handshakes with BouncyCastle whose keys go to a kTLS record layer (the kernel where it can, the software
 * backend otherwise): {@code KtlsContext}, {@code KtlsConnection}, {@code TlsHandshake}. {@code io.ktls4j.handshake.spi}
 * (connections keyed elsewhere, traffic secrets, the byte-fed handshake engine) is exported only to the agent and the
 * integrations built on it.
 */
module io.ktls4j.handshake {
    requires transitive io.ktls4j.core;
    requires io.ktls4j.linux;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.tls;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.util;
    requires jdk.jfr;

    exports io.ktls4j.handshake;
    exports io.ktls4j.handshake.spi to io.ktls4j.agent, io.ktls4j.netty;
}
