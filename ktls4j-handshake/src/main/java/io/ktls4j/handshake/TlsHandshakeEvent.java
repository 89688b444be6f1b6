package io.ktls4j.handshake;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: one TLS handshake run by ktls4j (as the JDK's {@code jdk.TLSHandshake} is for JSSE), from its first step to
 * its end, successful or not. Off unless a recording enables it; never carries key material.
 */
@Name("io.ktls4j.TlsHandshake")
@Label("kTLS Handshake")
@Category({"ktls4j", "TLS"})
@Description("A TLS handshake run by ktls4j before its keys go to the record layer")
@StackTrace(false)
final class TlsHandshakeEvent extends Event {
    @Label("Peer")
    @Description("The peer's address, when the handshake runs on a socket")
    String peer;

    @Label("Role")
    String role;

    @Label("Protocol Version")
    String protocolVersion;

    @Label("Cipher Suite")
    String cipherSuite;

    @Label("Application Protocol")
    String applicationProtocol;

    @Label("Resumed")
    boolean resumed;

    @Label("Outcome")
    @Description("\"ok\", or what ended the handshake")
    String outcome;
}
