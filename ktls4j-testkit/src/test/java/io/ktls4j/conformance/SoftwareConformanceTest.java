package io.ktls4j.conformance;

import io.ktls4j.CipherType;
import io.ktls4j.TlsBackend;
import io.ktls4j.TlsVersion;
import io.ktls4j.sw.SoftwareBackend;
import org.junit.jupiter.api.Nested;

/** The conformance suite on the pure-Java record layer, which claims every variant, rekey and max payload len. */
class SoftwareConformanceTest {

    static final BackendUnderTest SOFTWARE = new BackendUnderTest() {
        @Override
        public String name() {
            return "software";
        }

        @Override
        public TlsBackend backend() {
            return new SoftwareBackend();
        }

        @Override
        public boolean supports(TlsVersion version, CipherType cipher) {
            for (Variant v : Variant.values()) {
                if (v.version() == version && v.cipher() == cipher) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public boolean supportsRekey() {
            return true;
        }

        @Override
        public boolean supportsTxMaxPayloadLen() {
            return true;
        }
    };

    @Nested
    class TlsBasic extends TlsBasicCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class TlsSend extends TlsSendCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class Pipe extends PipeCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class TlsSplice extends TlsSpliceCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class ChannelView extends ChannelViewCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class TlsRecv extends TlsRecvCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class TlsPeek extends TlsPeekCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class TlsPollBlocking extends TlsPollBlockingCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class TlsMultiproc extends TlsMultiprocCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class TlsControl extends TlsControlCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class TlsRekey extends TlsRekeyCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class ZeroLenRecords extends ZeroLenCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class TlsErr extends TlsErrCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class SocketOptions extends SocketOptionCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }

    @Nested
    class MalformedRecords extends MalformedRecordCases {
        @Override
        protected BackendUnderTest backendUnderTest() {
            return SOFTWARE;
        }
    }
}
