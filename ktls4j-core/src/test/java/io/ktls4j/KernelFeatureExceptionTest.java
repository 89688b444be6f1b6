package io.ktls4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelFeatureExceptionTest {

    @Test
    void anOlderKernelIsToldTheVersionItNeeds() {
        var e = new KernelFeatureException(Errno.ENOPROTOOPT, "TLS 1.3 rekey", "6.14", "this is Linux 6.1.0");
        assertThat(e).hasMessage("ENOPROTOOPT: TLS 1.3 rekey is not supported by this kernel (it needs Linux 6.14 or"
                + " later): this is Linux 6.1.0");
        assertThat(e.errno()).isEqualTo(Errno.ENOPROTOOPT);
    }

    @Test
    void aRecentKernelWithoutTheFeatureIsNotToldToUpgrade() {
        var e = KernelFeatureException.notAvailable(Errno.ENOENT, "kTLS", "4.13", "6.18.0", "no tls module");
        assertThat(e).hasMessage("ENOENT: kTLS is not available in this kernel (Linux 6.18.0; mainline has it since"
                + " 4.13): no tls module");
    }

    /** A caller adding what the finding means to it keeps the kind of finding: no upgrade advice on 6.18. */
    @Test
    void anotherDetailKeepsTheFindingAndItsCause() {
        var e = KernelFeatureException.notAvailable(Errno.EOPNOTSUPP, "TLS 1.3 rekey", "6.14", "6.18.0", null);
        var wrapped = e.withDetail("TX cannot take the next key");
        assertThat(wrapped).hasMessage("EOPNOTSUPP: TLS 1.3 rekey is not available in this kernel (Linux 6.18.0;"
                + " mainline has it since 6.14): TX cannot take the next key");
        assertThat(wrapped.getCause()).isSameAs(e);
        assertThat(wrapped.errno()).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(wrapped.feature()).isEqualTo("TLS 1.3 rekey");
        assertThat(wrapped.sinceVersion()).isEqualTo("6.14");

        var old = new KernelFeatureException(Errno.EOPNOTSUPP, "TLS 1.3 rekey", "6.14", "x").withDetail("y");
        assertThat(old).hasMessageEndingWith("is not supported by this kernel (it needs Linux 6.14 or later): y");
    }
}
