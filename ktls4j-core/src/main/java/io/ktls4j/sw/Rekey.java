package io.ktls4j.sw;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsVersion;

/** The kernel's rules for installing keys on a direction that already has them (do_tls_setsockopt_conf). */
final class Rekey {
    private Rekey() {
    }

    static void check(TlsVersion current, CipherType currentCipher, CryptoInfo next, String option) throws KtlsException {
        if (next.version() != current || next.cipher() != currentCipher) {
            throw new KtlsException(Errno.EINVAL, option + " rekey must keep " + current + " " + currentCipher
                    + ", got " + next.version() + " " + next.cipher());
        }
        if (current != TlsVersion.TLS_1_3) {
            throw new KtlsException(Errno.EBUSY, option + " is already installed and " + current
                    + " has no key update (only TLS 1.3 can be re-keyed)");
        }
    }
}
