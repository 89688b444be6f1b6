package io.ktls4j.handshake;

import io.ktls4j.handshake.spi.PostHandshakeMessages;
import java.io.IOException;
import java.util.Arrays;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * TLS 1.3 session resumption arithmetic (RFC 8446 §4.6.1, §7.1) and the NewSessionTicket message: both ends derive
 * {@code resumption_master_secret} from the handshake, and each ticket's PSK from it and the ticket's nonce.
 */
final class Resumption13 {
    static final int FINISHED = 20;

    private Resumption13() {
    }

    /** The HKDF hash of a TLS 1.3 suite ({@code CryptoHashAlgorithm}). */
    static int hash(TlsCipherSuite suite) {
        return suite == TlsCipherSuite.TLS_AES_256_GCM_SHA384 ? org.bouncycastle.tls.crypto.CryptoHashAlgorithm.sha384
                : org.bouncycastle.tls.crypto.CryptoHashAlgorithm.sha256;
    }

    /** BouncyCastle's {@code PRFAlgorithm} of a TLS 1.3 suite. */
    static int prfAlgorithm(TlsCipherSuite suite) {
        return suite == TlsCipherSuite.TLS_AES_256_GCM_SHA384 ? org.bouncycastle.tls.PRFAlgorithm.tls13_hkdf_sha384
                : org.bouncycastle.tls.PRFAlgorithm.tls13_hkdf_sha256;
    }

    /**
     * {@code resumption_master_secret = Derive-Secret(master_secret, "res master", ClientHello...client Finished)};
     * {@code master} is left intact. The caller owns (and must zero) the result.
     */
    static byte[] resumptionMasterSecret(TlsSecret master, int cryptoHashAlgorithm, byte[] transcriptHash)
            throws IOException {
        int hashLength = TlsCryptoUtils.getHashOutputSize(cryptoHashAlgorithm);
        return TlsCryptoUtils.hkdfExpandLabel(master, cryptoHashAlgorithm, "res master", transcriptHash, hashLength)
                .extract();
    }

    /** A ticket's PSK: {@code HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length)}. */
    static byte[] ticketPsk(TlsCrypto crypto, byte[] resumptionMasterSecret, int cryptoHashAlgorithm, byte[] nonce)
            throws IOException {
        int hashLength = TlsCryptoUtils.getHashOutputSize(cryptoHashAlgorithm);
        TlsSecret rms = crypto.createSecret(resumptionMasterSecret);
        try {
            return TlsCryptoUtils.hkdfExpandLabel(rms, cryptoHashAlgorithm, "resumption", nonce, hashLength).extract();
        } finally {
            rms.destroy();
        }
    }

    /** The Finished handshake message with {@code verifyData}, as it enters the transcript. */
    static byte[] finishedMessage(byte[] verifyData) {
        byte[] m = new byte[4 + verifyData.length];
        m[0] = FINISHED;
        m[3] = (byte) verifyData.length;
        System.arraycopy(verifyData, 0, m, 4, verifyData.length);
        return m;
    }

    /** A NewSessionTicket's fields (RFC 8446 §4.6.1); extensions are ignored (an early_data one in particular). */
    record NewSessionTicket(long lifetimeSeconds, long ageAdd, byte[] nonce, byte[] ticket) {
        /** The handshake message: type 4, uint24 length, body with no extensions. */
        byte[] encode() {
            int len = 4 + 4 + 1 + nonce.length + 2 + ticket.length + 2;
            byte[] m = new byte[4 + len];
            int p = 0;
            m[p++] = PostHandshakeMessages.NEW_SESSION_TICKET;
            m[p++] = (byte) (len >>> 16);
            m[p++] = (byte) (len >>> 8);
            m[p++] = (byte) len;
            p = putU32(m, p, lifetimeSeconds);
            p = putU32(m, p, ageAdd);
            m[p++] = (byte) nonce.length;
            System.arraycopy(nonce, 0, m, p, nonce.length);
            p += nonce.length;
            m[p++] = (byte) (ticket.length >>> 8);
            m[p++] = (byte) ticket.length;
            System.arraycopy(ticket, 0, m, p, ticket.length);
            return m; // the two zero bytes of an empty extension list are already there
        }

        /**
         * Parses a NewSessionTicket body.
         *
         * @throws IllegalArgumentException when it is malformed
         */
        static NewSessionTicket parse(byte[] body) {
            try {
                int p = 0;
                long lifetime = u32(body, p);
                long ageAdd = u32(body, p + 4);
                p += 8;
                int nonceLen = body[p++] & 0xff;
                byte[] nonce = Arrays.copyOfRange(body, p, p + nonceLen);
                p += nonceLen;
                int ticketLen = Hellos.u16(body, p);
                p += 2;
                if (ticketLen == 0 || p + ticketLen + 2 > body.length) {
                    throw new IllegalArgumentException("malformed NewSessionTicket");
                }
                byte[] ticket = Arrays.copyOfRange(body, p, p + ticketLen);
                p += ticketLen;
                if (p + 2 + Hellos.u16(body, p) != body.length) {
                    throw new IllegalArgumentException("malformed NewSessionTicket extensions");
                }
                return new NewSessionTicket(lifetime, ageAdd, nonce, ticket);
            } catch (ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("truncated NewSessionTicket", e);
            }
        }

        @Override
        public String toString() {
            return "NewSessionTicket[lifetime " + lifetimeSeconds + " s, " + ticket.length + "-byte ticket]";
        }
    }

    private static int putU32(byte[] m, int p, long v) {
        m[p] = (byte) (v >>> 24);
        m[p + 1] = (byte) (v >>> 16);
        m[p + 2] = (byte) (v >>> 8);
        m[p + 3] = (byte) v;
        return p + 4;
    }

    private static long u32(byte[] b, int i) {
        return ((long) Hellos.u16(b, i) << 16) | Hellos.u16(b, i + 2);
    }
}
