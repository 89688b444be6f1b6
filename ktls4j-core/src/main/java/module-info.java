/**
 * The kTLS record-layer contract and the pure-Java software backend.
 *
 * <p>{@code io.ktls4j} is the contract and the kernel's vocabulary; {@code io.ktls4j.sw} the software backend
 * ({@code SoftwareBackend}). The record protection ({@code io.ktls4j.records}) is not API: it is exported only to
 * the ktls4j modules built on it.
 */
module io.ktls4j.core {
    requires java.management;
    requires org.bouncycastle.provider;

    exports io.ktls4j;
    exports io.ktls4j.sw;
    exports io.ktls4j.records to io.ktls4j.linux, io.ktls4j.handshake, io.ktls4j.netty, io.ktls4j.testkit;
}
