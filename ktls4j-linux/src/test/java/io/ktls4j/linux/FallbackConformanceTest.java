package io.ktls4j.linux;

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

/**
 * The conformance suite over {@code Ktls.backend(AUTO)}: {@link FallbackKtlsSocket}, what users get by default.
 * Where the kernel has kTLS the variants it supports run through the wrapper on the kernel (the others would go to
 * the software backend, which {@code KtlsFallbackTest} covers direction by direction); without kTLS every variant
 * runs through the wrapper on the software backend. The claims follow: the kernel's where it carries the traffic.
 * It runs in every host build, not in the kernel lab: under emulation it would double the lab's longest part, and
 * the wrapper's kernel path is the kernel suite's calls plus one delegation, which KtlsFallbackTest runs there.
 */
class FallbackConformanceTest {

    static final BackendUnderTest AUTO = new BackendUnderTest() {
        @Override
        public String name() {
            return "auto (" + (KernelTls.isAvailable() ? "kernel " + KernelTls.kernelRelease() : "software") + ")";
        }

        @Override
        public TlsBackend backend() {
            return Ktls.backend(BackendPolicy.AUTO);
        }

        @Override
        public boolean supports(TlsVersion version, CipherType cipher) {
            return !KernelTls.isAvailable() || KernelTls.supports(version, cipher);
        }

        @Override
        public boolean supportsRekey() {
            return !KernelTls.isAvailable() || KernelTls.supportsRekey();
        }

        @Override
        public boolean supportsTxMaxPayloadLen() {
            return !KernelTls.isAvailable() || KernelTls.supportsTxMaxPayloadLen();
        }
    };

    @Nested
    class TlsBasic extends TlsBasicCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class TlsSend extends TlsSendCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class Pipe extends PipeCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class TlsSplice extends TlsSpliceCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class ChannelView extends ChannelViewCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class TlsRecv extends TlsRecvCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class TlsPeek extends TlsPeekCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class TlsPollBlocking extends TlsPollBlockingCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class TlsMultiproc extends TlsMultiprocCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class TlsControl extends TlsControlCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class TlsRekey extends TlsRekeyCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class ZeroLenRecords extends ZeroLenCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class TlsErr extends TlsErrCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class SocketOptions extends SocketOptionCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }

    @Nested
    class MalformedRecords extends MalformedRecordCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return AUTO;
        }
    }
}
