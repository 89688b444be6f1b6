package io.ktls4j.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.BadRecordException;
import io.ktls4j.CipherType;
import io.ktls4j.ControlRecordException;
import io.ktls4j.Direction;
import io.ktls4j.Errno;
import io.ktls4j.KernelFeatureException;
import io.ktls4j.KeyExpiredException;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.KernelFeature;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The errno table: each kernel answer becomes the contract's typed exception, named after its call. */
class ErrorsTest {

    @Test
    void readErrnosBecomeTheirTypedExceptions() {
        assertThat(Errors.read(11, "recv", () -> null)).isInstanceOf(WouldBlockException.class);
        assertThat(Errors.read(74, "recv", () -> null)).isInstanceOf(BadRecordException.class)
                .hasMessageContaining("recv").hasMessageStartingWith("EBADMSG");
        assertThat(Errors.read(90, "recv", () -> null)).isInstanceOf(RecordOverflowException.class);
        assertThat(Errors.read(127, "recv", () -> null)).isInstanceOf(KeyExpiredException.class);
    }

    @Test
    void eioOnAReadIsAControlRecordWithThePeekedType() {
        IOException e = Errors.read(5, "recv", () -> RecordType.ALERT);
        assertThat(e).isInstanceOf(ControlRecordException.class);
        assertThat(((ControlRecordException) e).recordType()).isEqualTo(RecordType.ALERT);
        assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EIO);
    }

    @Test
    void thePeekRunsOnlyForEio() {
        AtomicInteger peeks = new AtomicInteger();
        Errors.read(74, "recv", () -> {
            peeks.incrementAndGet();
            return null;
        });
        assertThat(peeks).hasValue(0);
    }

    @Test
    void enoentOnTcpUlpIsTheMissingKtlsFeature() {
        IOException e = Errors.attach(2);
        assertThat(e).isInstanceOf(KernelFeatureException.class).hasMessageContaining("TCP_ULP");
        KernelFeatureException f = (KernelFeatureException) e;
        assertThat(f.errno()).isEqualTo(Errno.ENOENT);
        assertThat(f.sinceVersion()).isEqualTo("4.13");
        assertThat(f.feature()).isEqualTo("kTLS (the tls ULP)");
    }

    @Test
    void ulpStateErrors() {
        assertThat(((KtlsException) Errors.attach(107)).errno()).isEqualTo(Errno.ENOTCONN);
        assertThat(((KtlsException) Errors.attach(17)).errno()).isEqualTo(Errno.EEXIST);
    }

    @Test
    void ebusyOnATls13RekeyWithoutKernelSupportIsTheRekeyFeature() {
        IOException e = Errors.install(16, Direction.TX, TlsVersion.TLS_1_3, CipherType.AES_GCM_128, true, false, null);
        assertThat(e).isInstanceOf(KernelFeatureException.class).hasMessageContaining("6.14");
        assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EBUSY);
    }

    @Test
    void ebusyOnATls12RekeyIsPlainEbusy() {
        IOException e = Errors.install(16, Direction.RX, TlsVersion.TLS_1_2, CipherType.AES_GCM_128, true, false, null);
        assertThat(e).isExactlyInstanceOf(KtlsException.class).hasMessageContaining("TLS 1.2 has no rekey");
        assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EBUSY);
    }

    @Test
    void aProbedMissingCipherIsItsFeature() {
        IOException e = Errors.install(22, Direction.TX, TlsVersion.TLS_1_2, CipherType.ARIA_GCM_128, false, false,
                KernelFeature.ARIA);
        assertThat(e).isInstanceOf(KernelFeatureException.class).hasMessageContaining("6.1");
        assertThat(((KtlsException) e).errno()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void enoprotooptOnANewOptionIsItsFeature() {
        IOException e = Errors.option(92, "setsockopt(SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN)", KernelFeature.TX_MAX_PAYLOAD_LEN);
        assertThat(e).isInstanceOf(KernelFeatureException.class).hasMessageContaining("6.19")
                .hasMessageContaining("TLS_TX_MAX_PAYLOAD_LEN");
    }

    @Test
    void otherErrnosKeepTheirNameAndTheCall() {
        assertThat(((KtlsException) Errors.write(32, "sendmsg")).errno()).isEqualTo(Errno.EPIPE);
        assertThat(Errors.write(32, "sendmsg")).hasMessageContaining("sendmsg");
        assertThat(Errors.write(74, "sendmsg")).isInstanceOf(BadRecordException.class);
        IOException unknown = Errors.generic(110, "recvmsg");
        assertThat(unknown).isInstanceOf(ErrnoException.class).hasMessage("recvmsg: ETIMEDOUT (errno 110)");
        assertThat(Errors.generic(9, "recvmsg")).isInstanceOf(ClosedChannelException.class);
    }
}
