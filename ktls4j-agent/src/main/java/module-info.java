/**
 * The handshake agent: {@code io.ktls4j.agent} is the consumer's side (ask an agent process for a handshake on a
 * socket, get back a kernel-TLS connection), {@code io.ktls4j.agent.daemon} the agent process itself. The frames both
 * sides speak ({@code io.ktls4j.agent.wire}) are not exported.
 */
module io.ktls4j.agent {
    requires transitive io.ktls4j.handshake;
    requires io.ktls4j.linux;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.util;
    requires jdk.unsupported; // sun.misc.Signal: SIGHUP reloads the configuration
    requires jdk.jfr;

    exports io.ktls4j.agent;
    exports io.ktls4j.agent.daemon;
}
