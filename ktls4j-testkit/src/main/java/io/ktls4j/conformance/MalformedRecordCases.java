package io.ktls4j.conformance;

import static io.ktls4j.MsgFlag.DONTWAIT;
import static io.ktls4j.conformance.SocketIo.rawRecord;
import static io.ktls4j.conformance.SocketIo.recv;
import static io.ktls4j.conformance.SocketIo.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.ktls4j.BadRecordException;
import io.ktls4j.CipherType;
import io.ktls4j.ControlRecordException;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsSocket;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.WouldBlockException;
import io.ktls4j.testkit.Patience;
import java.io.ByteArrayOutputStream;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every category of malformed input a raw peer can put on the wire after two good records: each is reported as a
 * typed error naming its errno, the earlier records' data is delivered intact first, nothing hangs. Each category
 * runs with the TCP stream written 1 byte at a time, in random chunks, and in one piece, for TLS 1.2 and 1.3
 * AES-GCM-128 and TLS 1.2 ChaCha20 (no explicit nonce). The {@code tls_err} fixture: fd encrypts, cfd reads the
 * ciphertext, fd2 writes the stream, cfd2 has RX keys.
 */
public abstract class MalformedRecordCases extends ConformanceCases {
    static final Duration NO_HANG = Patience.of(Duration.ofSeconds(20));

    /** How the raw peer cuts the stream into writes. */
    public enum Chunking { ONE_BYTE, RANDOM, LARGE }

    static Stream<Arguments> cases() {
        return Stream.of(Variant.V12_AES_GCM, Variant.V13_AES_GCM, Variant.V12_CHACHA)
                .flatMap(v -> Arrays.stream(Chunking.values()).map(c -> Arguments.of(v, c)));
    }

    /** What cfd2 gave: the data before the failure, and the failure (null at a clean EOF). */
    record Outcome(byte[] delivered, Throwable error) {
    }

    private ErrPairs fixture;
    private byte[] goodPlain;
    private byte[] goodWire;

    /** The tls_err fixture plus two good records (100 and 37 bytes) produced by fd. */
    private void setUp(Variant v) throws Exception {
        fixture = tlsErr(v.version(), v.cipher());
        byte[] a = Bytes.random(100);
        byte[] b = Bytes.random(37);
        goodPlain = Bytes.concat(a, b);
        goodWire = Bytes.concat(encrypt(a), encrypt(b));
        fixture.fd2().channel().setOption(StandardSocketOptions.TCP_NODELAY, true);
    }

    private byte[] encrypt(byte[] plain) throws Exception {
        assertThat(send(fixture.fd(), plain)).isEqualTo(plain.length);
        return rawRecord(fixture.cfd());
    }

    /** Writes the good records and then {@code bad}, chunked; ends the stream when {@code eof}; reads cfd2. */
    private Outcome run(Chunking chunking, byte[] bad, boolean eof) throws Exception {
        byte[] stream = Bytes.concat(goodWire, bad);
        KtlsSocket fd2 = fixture.fd2();
        Future<Void> writer = background(() -> {
            write(fd2, stream, chunking);
            if (eof) {
                fd2.shutdownOutput();
            }
            return null;
        });
        Outcome o = assertTimeoutPreemptively(NO_HANG, () -> readUntilFailure(fixture.cfd2()),
                "the reader must not hang on a malformed stream");
        join(writer);
        assertThat(o.delivered()).as("the data before the malformed record, intact").isEqualTo(goodPlain);
        return o;
    }

    private static void write(KtlsSocket fd2, byte[] stream, Chunking chunking) throws Exception {
        Random random = new Random(stream.length);
        int off = 0;
        while (off < stream.length) {
            int n = switch (chunking) {
                case ONE_BYTE -> 1;
                case RANDOM -> 1 + random.nextInt(97);
                case LARGE -> stream.length;
            };
            n = Math.min(n, stream.length - off);
            assertThat(send(fd2, stream, off, n)).isEqualTo(n);
            off += n;
            if (chunking != Chunking.LARGE) {
                LockSupport.parkNanos(chunking == Chunking.ONE_BYTE ? 200_000 : 1_000_000);
            }
        }
    }

    private static Outcome readUntilFailure(KtlsSocket cfd2) {
        ByteArrayOutputStream delivered = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (true) {
            buf.clear();
            try {
                int n = cfd2.read(buf);
                if (n < 0) {
                    return new Outcome(delivered.toByteArray(), null);
                }
                delivered.write(buf.array(), 0, n);
            } catch (Exception e) {
                return new Outcome(delivered.toByteArray(), e);
            }
        }
    }

    private static <E extends KtlsException> E failedWith(Outcome o, Class<E> type, Errno errno) {
        return Expect.errno(type, errno, () -> {
            if (o.error() != null) {
                throw o.error();
            }
        });
    }

    /** The next record as fd writes it (a real, authenticated record). */
    private byte[] nextRecord() throws Exception {
        return encrypt(Bytes.random(64));
    }

    /** Bytes after a malformed header, so a parser that wants more than 5 header bytes (TLS 1.2: 13) has them. */
    private static byte[] tail() {
        return Bytes.random(32);
    }

    private static int overhead(TlsVersion v, CipherType c) {
        int explicitNonce = v == TlsVersion.TLS_1_2 && c.hasExplicitNonce() ? 8 : 0;
        int contentType = v == TlsVersion.TLS_1_3 ? 1 : 0;
        return c.tagSize() + explicitNonce + contentType;
    }

    /** After a header error the parser stops: reported once, then a DONTWAIT read is EAGAIN (tls_err.bad_rec). */
    private void thenWouldBlock() {
        Expect.errno(WouldBlockException.class, Errno.EAGAIN, () -> recv(fixture.cfd2(), 64, DONTWAIT));
    }

    /** Three header bytes and then the end of the stream: EPROTO (the kernel backend checks SIOCINQ). */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("cases")
    void short_header_at_eof(Variant v, Chunking c) throws Exception {
        setUp(v);
        Outcome o = run(c, new byte[] {0x17, 0x03, 0x03}, true);
        failedWith(o, KtlsException.class, Errno.EPROTO);
    }

    /** A header with version 0x0301: EINVAL (tls.rst: "the TLS version in the received message does not match"). */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("cases")
    void bad_version(Variant v, Chunking c) throws Exception {
        setUp(v);
        byte[] rec = nextRecord();
        rec[2] = 0x01;
        Outcome o = run(c, Bytes.concat(rec, tail()), false);
        failedWith(o, KtlsException.class, Errno.EINVAL);
        thenWouldBlock();
    }

    /** A header announcing one byte more than 2^14 + the cipher's overhead: EMSGSIZE, without waiting for the body. */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("cases")
    void length_over_max(Variant v, Chunking c) throws Exception {
        setUp(v);
        int len = 16384 + overhead(v.version(), v.cipher()) + 1;
        byte[] header = {0x17, 0x03, 0x03, (byte) (len >> 8), (byte) len};
        Outcome o = run(c, Bytes.concat(header, tail()), false);
        failedWith(o, RecordOverflowException.class, Errno.EMSGSIZE);
        thenWouldBlock();
    }

    /** A real record with its last tag byte changed: EBADMSG, sticky. */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("cases")
    void bad_tag(Variant v, Chunking c) throws Exception {
        setUp(v);
        byte[] rec = nextRecord();
        rec[rec.length - 1] ^= 0x01;
        Outcome o = run(c, rec, false);
        failedWith(o, BadRecordException.class, Errno.EBADMSG);
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> recv(fixture.cfd2(), 64, DONTWAIT));
    }

    /** A real record missing its last 10 bytes, then the end of the stream: EPROTO (the kernel backend checks SIOCINQ). */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("cases")
    void truncated_record_at_eof(Variant v, Chunking c) throws Exception {
        setUp(v);
        byte[] rec = nextRecord();
        Outcome o = run(c, Arrays.copyOf(rec, rec.length - 10), true);
        failedWith(o, KtlsException.class, Errno.EPROTO);
        assertThat(catchThrowable(() -> recv(fixture.cfd2(), 64, DONTWAIT))).as("no data after it")
                .isInstanceOf(KtlsException.class);
    }

    /** A well-formed header followed by 64 random bytes: authentication fails, EBADMSG, sticky. */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("cases")
    void garbage(Variant v, Chunking c) throws Exception {
        setUp(v);
        byte[] rec = Bytes.concat(new byte[] {0x17, 0x03, 0x03, 0x00, 0x40}, Bytes.random(64));
        Outcome o = run(c, rec, false);
        failedWith(o, BadRecordException.class, Errno.EBADMSG);
        Expect.errno(BadRecordException.class, Errno.EBADMSG, () -> recv(fixture.cfd2(), 64, DONTWAIT));
    }

    /**
     * An authenticated record of unknown content type 66: not an error of the record layer but a control record, so
     * a data read is EIO ({@link ControlRecordException}) and a read with a control buffer returns it as type 66.
     */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("cases")
    void unknown_type(Variant v, Chunking c) throws Exception {
        setUp(v);
        RecordType type66 = RecordType.of(66);
        byte[] payload = Bytes.cstr("record of type 66");
        assertThat(SocketIo.sendCmsg(fixture.fd(), type66, payload)).isEqualTo(payload.length);
        Outcome o = run(c, rawRecord(fixture.cfd()), false);
        ControlRecordException e = failedWith(o, ControlRecordException.class, Errno.EIO);
        if (e.recordType() != null) {
            assertThat(e.recordType()).isEqualTo(type66);
        }
        SocketIo.Cmsg got = SocketIo.recvCmsg(fixture.cfd2(), 100, DONTWAIT);
        assertThat(got.type()).isEqualTo(type66);
        assertThat(got.data()).isEqualTo(payload);
    }

    /** A header announcing a 0-byte body (less than the tag): EBADMSG, and the good record after it never comes. */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("cases")
    void zero_length_ciphertext(Variant v, Chunking c) throws Exception {
        setUp(v);
        byte[] header = {0x17, 0x03, 0x03, 0x00, 0x00};
        Outcome o = run(c, Bytes.concat(header, nextRecord()), false);
        failedWith(o, BadRecordException.class, Errno.EBADMSG);
        thenWouldBlock();
    }
}
