package io.ktls4j.linux;

import org.junit.jupiter.api.Tag;
import io.ktls4j.testkit.LabTags;
import io.ktls4j.testkit.KernelRequired;
import io.ktls4j.CipherType;
import io.ktls4j.TlsBackend;
import io.ktls4j.TlsVersion;
import io.ktls4j.conformance.BackendUnderTest;
import io.ktls4j.conformance.TlsBasicCases;
import io.ktls4j.conformance.TlsSendCases;
import io.ktls4j.conformance.TlsSpliceCases;
import io.ktls4j.conformance.PipeCases;
import io.ktls4j.conformance.ChannelViewCases;
import io.ktls4j.conformance.TlsRecvCases;
import io.ktls4j.conformance.TlsPeekCases;
import io.ktls4j.conformance.TlsPollBlockingCases;
import io.ktls4j.conformance.TlsMultiprocCases;
import io.ktls4j.conformance.TlsControlCases;
import io.ktls4j.conformance.TlsRekeyCases;
import io.ktls4j.conformance.ZeroLenCases;
import io.ktls4j.conformance.TlsErrCases;
import io.ktls4j.conformance.SocketOptionCases;
import io.ktls4j.conformance.MalformedRecordCases;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The conformance suite (the selftests' fixtures on the {@link io.ktls4j.KtlsSocket} contract) on the Linux kernel.
 * What the backend claims comes from {@link KernelTls} probing the running kernel, so an unsupported variant, rekey or
 * {@code TLS_TX_MAX_PAYLOAD_LEN} is skipped by the cases with the kernel's reason, and the cases that check the
 * "not supported" answer run instead. Skipped as a whole (one line) without kTLS, failed under
 * {@code KTLS4J_REQUIRE_KERNEL=1}.
 */
@Tag(LabTags.KERNEL)
@ExtendWith(KernelRequired.class)
class KernelConformanceTest {

    static final BackendUnderTest KERNEL = new BackendUnderTest() {
        @Override
        public String name() {
            return "kernel " + KernelTls.kernelRelease();
        }

        @Override
        public TlsBackend backend() {
            return new KernelBackend();
        }

        @Override
        public boolean supports(TlsVersion version, CipherType cipher) {
            return KernelTls.supports(version, cipher);
        }

        @Override
        public boolean supportsRekey() {
            return KernelTls.supportsRekey();
        }

        @Override
        public boolean supportsTxMaxPayloadLen() {
            return KernelTls.supportsTxMaxPayloadLen();
        }
    };

    @Nested
    class TlsBasic extends TlsBasicCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class TlsSend extends TlsSendCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class Pipe extends PipeCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class TlsSplice extends TlsSpliceCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class ChannelView extends ChannelViewCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class TlsRecv extends TlsRecvCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class TlsPeek extends TlsPeekCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class TlsPollBlocking extends TlsPollBlockingCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class TlsMultiproc extends TlsMultiprocCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class TlsControl extends TlsControlCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class TlsRekey extends TlsRekeyCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class ZeroLenRecords extends ZeroLenCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class TlsErr extends TlsErrCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class SocketOptions extends SocketOptionCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }

    @Nested
    class MalformedRecords extends MalformedRecordCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return KERNEL;
        }
    }
}
