package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default certificate: made once, kept, P-256, localhost SANs, a private key only we can read. */
class SelfSignedCertificateTest {
    @TempDir
    Path state;

    @Test
    void createdOnceThenKept() throws Exception {
        SelfSignedCertificate first = SelfSignedCertificate.loadOrCreate(state);
        assertThat(first.created()).isTrue();
        String fingerprint = first.sha256Fingerprint();
        SelfSignedCertificate second = SelfSignedCertificate.loadOrCreate(state);
        assertThat(second.created()).isFalse();
        assertThat(second.sha256Fingerprint()).isEqualTo(fingerprint);
    }

    @Test
    void isAnEcdsaP256LocalhostCertificate() throws Exception {
        SelfSignedCertificate c = SelfSignedCertificate.loadOrCreate(state);
        X509Certificate x = SelfSignedCertificate.read(c.certificate());
        x.verify(x.getPublicKey());
        x.checkValidity();
        assertThat(x.getPublicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) x.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        assertThat(x.getSubjectAlternativeNames()).contains(List.of(2, "localhost"), List.of(7, "127.0.0.1"));
        assertThat(x.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
        byte[] der = x.getEncoded();
        assertThat(c.sha256Fingerprint()).isEqualTo(HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(der)));
    }

    @Test
    void privateKeyIsReadableByTheOwnerOnly() throws Exception {
        SelfSignedCertificate c = SelfSignedCertificate.loadOrCreate(state);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(c.privateKey()))).isEqualTo("rw-------");
        // only the PEM label: a failing assertion must not print the key
        assertThat(Files.readAllLines(c.privateKey()).get(0)).isEqualTo("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void stateDirFollowsXdgThenHome() {
        assertThat(StateDir.resolve(null, Map.of("XDG_STATE_HOME", "/x/state"))).isEqualTo(Path.of("/x/state/ktls4j"));
        assertThat(StateDir.resolve(null, Map.of("XDG_STATE_HOME", "relative")))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".local/state/ktls4j"));
        assertThat(StateDir.resolve(Path.of("/o"), Map.of("XDG_STATE_HOME", "/x"))).isEqualTo(Path.of("/o"));
    }
}
