package io.ktls4j.handshake;

import io.ktls4j.TlsVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Vector;
import org.bouncycastle.tls.BasicTlsPSKExternal;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsPSKExternal;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsSecret;

/** Translations from the context's configuration to BouncyCastle's types, shared by client and server peers. */
final class BcSupport {
    private BcSupport() {
    }

    static ProtocolVersion[] versions(List<TlsVersion> protocols) {
        boolean v13 = protocols.contains(TlsVersion.TLS_1_3);
        boolean v12 = protocols.contains(TlsVersion.TLS_1_2);
        if (v13 && v12) {
            return ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
        }
        return v13 ? ProtocolVersion.TLSv13.only() : ProtocolVersion.TLSv12.only();
    }

    static int[] cipherSuites(TlsCrypto crypto, List<TlsCipherSuite> suites) {
        int[] ids = suites.stream().mapToInt(TlsCipherSuite::id).toArray();
        return TlsUtils.getSupportedCipherSuites(crypto, ids);
    }

    static int[] groups(TlsCrypto crypto, List<TlsGroup> groups) {
        return groups.stream().mapToInt(TlsGroup::id).filter(g -> NamedGroup.refersToASpecificHybrid(g)
                ? crypto.hasNamedGroup(NamedGroup.getHybridFirst(g)) && crypto.hasNamedGroup(NamedGroup.getHybridSecond(g))
                : crypto.hasNamedGroup(g)).toArray();
    }

    static Vector<ProtocolName> alpn(List<String> protocols) {
        if (protocols.isEmpty()) {
            return null;
        }
        Vector<ProtocolName> v = new Vector<>();
        for (String p : protocols) {
            v.add(ProtocolName.asUtf8Encoding(p));
        }
        return v;
    }

    /** BouncyCastle PSK objects; the secrets they hold are added to {@code created} for destruction later. */
    static Vector<TlsPSKExternal> psks(TlsCrypto crypto, List<ExternalPsk> psks, List<TlsSecret> created) {
        Vector<TlsPSKExternal> v = new Vector<>();
        for (ExternalPsk psk : psks) {
            v.add(toBc(crypto, psk, created));
        }
        return v;
    }

    static TlsPSKExternal toBc(TlsCrypto crypto, ExternalPsk psk, List<TlsSecret> created) {
        byte[] key = psk.key();
        try {
            TlsSecret secret = crypto.createSecret(key);
            created.add(secret);
            return new BasicTlsPSKExternal(psk.identity(), secret, psk.hash().prfAlgorithm);
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
    }

    static void destroyAll(List<TlsSecret> secrets) {
        for (TlsSecret s : new ArrayList<>(secrets)) {
            s.destroy();
        }
        secrets.clear();
    }
}
