/**
 * The Linux kernel's TLS record layer through FFM: the kernel backend, per-direction fallback to the software
 * backend, probing, and the Unix-socket API the handshake agent uses. {@code io.ktls4j.linux.internal} (the one native
 * facade) is not exported; {@code io.ktls4j.linux.fd} (raw descriptors) only to ktls4j's own integrations.
 *
 * <p>Needs native access: {@code --enable-native-access=io.ktls4j.linux} on the module path.
 */
module io.ktls4j.linux {
    requires transitive io.ktls4j.core;
    requires jdk.jfr;

    exports io.ktls4j.linux;
    exports io.ktls4j.linux.unix;
    exports io.ktls4j.linux.fd to io.ktls4j.agent, io.ktls4j.netty;
}
