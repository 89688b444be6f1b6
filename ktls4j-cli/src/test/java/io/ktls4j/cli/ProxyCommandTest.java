package io.ktls4j.cli;

import org.junit.jupiter.api.BeforeAll;

/** {@link ProxyCases} on the JVM path: each direction through a buffer in the JVM, the software record layer. */
class ProxyCommandTest extends ProxyCases {
    @BeforeAll
    static void start() throws Exception {
        startProxy("jvm", 1000);
    }
}
