package io.ktls4j.records;

import io.ktls4j.CipherType;
import java.security.Provider;
import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The JCA provider each cipher's AEAD comes from: the JDK's SunJCE for AES-GCM and ChaCha20-Poly1305, one private
 * BouncyCastle instance (never registered globally) for AES-CCM, SM4-GCM/CCM and ARIA-GCM. Benchmarks use the same
 * choice so that record-layer and raw-AEAD numbers compare like with like.
 */
public final class AeadProviders {
    private AeadProviders() {}

    private static final class Bc {
        static final Provider INSTANCE = new BouncyCastleProvider();
    }

    /** The provider {@link RecordCipher} uses for this cipher; SunJCE may be absent on exotic JDKs, then any. */
    public static Provider providerFor(CipherType c) {
        return switch (c) {
            case AES_GCM_128, AES_GCM_256, CHACHA20_POLY1305 -> {
                Provider sun = Security.getProvider("SunJCE");
                yield sun != null ? sun : Bc.INSTANCE;
            }
            case AES_CCM_128, SM4_GCM, SM4_CCM, ARIA_GCM_128, ARIA_GCM_256 -> Bc.INSTANCE;
        };
    }
}
