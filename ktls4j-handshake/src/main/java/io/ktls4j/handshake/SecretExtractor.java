package io.ktls4j.handshake;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.util.Arrays;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * Derives the record-layer keys of a just-completed handshake. Runs inside {@code notifyHandshakeComplete}, while
 * BouncyCastle still holds the master secret (TLS 1.2) and the traffic secrets (TLS 1.3). It never extracts a secret
 * BouncyCastle owns ({@code TlsSecret.extract()} destroys it): it derives fresh secrets and extracts those.
 *
 * <ul>
 * <li>TLS 1.3: key and write IV from each application traffic secret (RFC 8446 §7.3), {@code rec_seq} 0, and a
 * {@link KeySchedule13} holding secret_1 for KeyUpdates.
 * <li>TLS 1.2: the key block PRF(master_secret, "key expansion", server_random + client_random) = client key, server
 * key, client IV, server IV (RFC 5246 §6.3; 4-byte implicit IVs for GCM, 12-byte IVs for ChaCha20-Poly1305, RFC
 * 7905). {@code rec_seq} 1 in both directions, because Finished was the first record under the new keys. For GCM the
 * kernel's {@code iv} field is the first explicit nonce, which we set to the sequence number as ktls-utils does.
 * </ul>
 */
final class SecretExtractor {
    private SecretExtractor() {
    }

    static SessionKeys extract(TlsContext context, KeyLog keyLog) throws IOException {
        SecurityParameters sp = context.getSecurityParametersConnection();
        TlsCipherSuite suite = TlsCipherSuite.of(sp.getCipherSuite());
        boolean server = context.isServer();
        if (TlsUtils.isTLSv13(sp.getNegotiatedVersion())) {
            int hash = sp.getPRFCryptoHashAlgorithm();
            int hashLen = sp.getPRFHashLength();
            TlsSecret clientSecret = sp.getTrafficSecretClient();
            TlsSecret serverSecret = sp.getTrafficSecretServer();
            if (keyLog != null) {
                keyLog.tls13(sp.getClientRandom(), clientSecret, serverSecret, sp.getExporterMasterSecret(),
                        context.getCrypto());
            }
            CipherType c = suite.cipher();
            CryptoInfo client = KeySchedule13.cryptoInfo(clientSecret, hash, c, 0);
            CryptoInfo srv = KeySchedule13.cryptoInfo(serverSecret, hash, c, 0);
            KeySchedule13 clientNext = new KeySchedule13(KeySchedule13.nextSecret(clientSecret, hash, hashLen), hash,
                    hashLen, c);
            KeySchedule13 serverNext = new KeySchedule13(KeySchedule13.nextSecret(serverSecret, hash, hashLen), hash,
                    hashLen, c);
            return server
                    ? new SessionKeys(TlsVersion.TLS_1_3, suite, srv, client, new TrafficSecrets13(suite, serverNext,
                            clientNext))
                    : new SessionKeys(TlsVersion.TLS_1_3, suite, client, srv, new TrafficSecrets13(suite, clientNext,
                            serverNext));
        }
        if (keyLog != null) {
            keyLog.tls12(sp.getClientRandom(), sp.getMasterSecret(), context.getCrypto());
        }
        CryptoInfo[] infos = tls12(sp, suite.cipher());
        return server
                ? new SessionKeys(TlsVersion.TLS_1_2, suite, infos[1], infos[0], null)
                : new SessionKeys(TlsVersion.TLS_1_2, suite, infos[0], infos[1], null);
    }

    /** {client, server} crypto infos for TLS 1.2. */
    private static CryptoInfo[] tls12(SecurityParameters sp, CipherType c) throws IOException {
        int keyLen = c.keySize();
        int ivLen = c.hasExplicitNonce() ? c.saltSize() : c.saltSize() + c.ivSize();
        byte[] seed = org.bouncycastle.util.Arrays.concatenate(sp.getServerRandom(), sp.getClientRandom());
        byte[] block = TlsUtils.PRF(sp, sp.getMasterSecret(), "key expansion", seed, 2 * keyLen + 2 * ivLen)
                .extract();
        byte[] clientKey = Arrays.copyOfRange(block, 0, keyLen);
        byte[] serverKey = Arrays.copyOfRange(block, keyLen, 2 * keyLen);
        byte[] clientIv = Arrays.copyOfRange(block, 2 * keyLen, 2 * keyLen + ivLen);
        byte[] serverIv = Arrays.copyOfRange(block, 2 * keyLen + ivLen, 2 * keyLen + 2 * ivLen);
        long seq = 1;
        try {
            if (c.hasExplicitNonce()) {
                byte[] nonce = CryptoInfo.seqBytes(seq);
                return new CryptoInfo[] {
                    CryptoInfo.of(TlsVersion.TLS_1_2, c, clientKey, nonce, clientIv, CryptoInfo.seqBytes(seq)),
                    CryptoInfo.of(TlsVersion.TLS_1_2, c, serverKey, nonce, serverIv, CryptoInfo.seqBytes(seq))};
            }
            return new CryptoInfo[] {
                CryptoInfo.fromWriteIv(TlsVersion.TLS_1_2, c, clientKey, clientIv, seq),
                CryptoInfo.fromWriteIv(TlsVersion.TLS_1_2, c, serverKey, serverIv, seq)};
        } finally {
            for (byte[] a : new byte[][] {block, clientKey, serverKey, clientIv, serverIv}) {
                Arrays.fill(a, (byte) 0);
            }
        }
    }
}
