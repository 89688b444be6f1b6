package io.ktls4j.handshake;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.junit.jupiter.api.Test;

/** A corrupt certificate in the peer's chain is bad_certificate (issue 15 F8: it was internal_error). */
class PeerVerifierTest {

    @Test
    void aCertificateThatDoesNotParseIsBadCertificate() {
        TlsCertificate corrupt = (TlsCertificate) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {TlsCertificate.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getEncoded" -> new byte[] {0x30, (byte) 0x82, 0x01, 0x00, 0x30};
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        Certificate chain = new Certificate(new TlsCertificate[] {corrupt});
        assertThatThrownBy(() -> PeerVerifier.toX509(chain)).isInstanceOfSatisfying(TlsFatalAlert.class,
                a -> org.assertj.core.api.Assertions.assertThat(a.getAlertDescription())
                        .isEqualTo(AlertDescription.bad_certificate))
                .hasMessageContaining("cannot be parsed");
    }
}
