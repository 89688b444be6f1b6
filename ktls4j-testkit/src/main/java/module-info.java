/**
 * ktls4j's test kit: the conformance cases (tools/testing/selftests/net/tls.c on the {@code KtlsSocket} contract,
 * run by each backend's tests) and the helpers the modules' tests share. Not published.
 */
module io.ktls4j.testkit {
    requires transitive io.ktls4j.core;
    requires transitive org.junit.jupiter.api;
    requires transitive org.junit.jupiter.params;
    requires transitive org.assertj.core;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.util;
    // HeadlessChromium: the DevTools protocol is a WebSocket
    requires java.net.http;

    exports io.ktls4j.conformance;
    exports io.ktls4j.testkit;

    opens io.ktls4j.conformance to org.junit.platform.commons;
}
