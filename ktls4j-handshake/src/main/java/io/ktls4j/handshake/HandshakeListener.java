package io.ktls4j.handshake;

import java.io.IOException;
import org.bouncycastle.tls.TlsContext;

/** Told by the BouncyCastle peer, inside {@code notifyHandshakeComplete}, that the handshake has completed. */
interface HandshakeListener {
    /**
     * @param serverName the SNI host name the client sent, or null
     * @param pskIdentity the external PSK identity used, or null
     */
    void handshakeComplete(TlsContext context, String serverName, byte[] pskIdentity) throws IOException;
}
