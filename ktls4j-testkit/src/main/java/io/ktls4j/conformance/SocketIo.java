package io.ktls4j.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.KtlsPipe;
import io.ktls4j.KtlsSocket;
import io.ktls4j.MsgFlag;
import io.ktls4j.Received;
import io.ktls4j.RecordType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** {@code send}/{@code recv}/{@code poll} as the selftests call them, on the {@link KtlsSocket} contract. */
public final class SocketIo {
    /** The handshake record type, {@code TLS_RECORD_TYPE_HANDSHAKE 0x16}. */
    public static final RecordType HANDSHAKE = RecordType.HANDSHAKE;
    /** The control record type the selftests use for user control messages. */
    public static final RecordType TYPE_100 = RecordType.of(100);
    /** {@code key_update_msg = "\x18\x00\x00\x01\x00"}: sizeof is 6, its NUL included, as in tls.c. */
    private static final byte[] KEY_UPDATE_MSG = {0x18, 0x00, 0x00, 0x01, 0x00, 0x00};

    private SocketIo() {
    }

    public static byte[] keyUpdateMessage() {
        return KEY_UPDATE_MSG.clone();
    }

    /** {@code send(fd, data, len, flags)}. */
    public static int send(KtlsSocket s, byte[] data, MsgFlag... flags) throws IOException {
        return s.send(ByteBuffer.wrap(data), flags);
    }

    /** {@code send(fd, data + off, len, flags)}. */
    public static int send(KtlsSocket s, byte[] data, int off, int len, MsgFlag... flags) throws IOException {
        return s.send(ByteBuffer.wrap(data, off, len), flags);
    }

    /** {@code tls_send_cmsg(fd, type, data, len, flags)}. */
    public static int sendCmsg(KtlsSocket s, RecordType type, byte[] data, MsgFlag... flags) throws IOException {
        return s.sendControl(type, ByteBuffer.wrap(data), flags);
    }

    /** {@code recv(fd, buf, len, flags)} without a control buffer: the bytes read, or {@code null} at EOF. */
    public static byte[] recv(KtlsSocket s, int len, MsgFlag... flags) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        int n = s.read(b, flags);
        assertThat(n).as("read() count agrees with the buffer position").isEqualTo(n < 0 ? -1 : b.position());
        return n < 0 ? null : Bytes.written(b);
    }

    /** {@code recv(fd, buf, len, flags)}: the return value only. */
    public static int recvCount(KtlsSocket s, int len, MsgFlag... flags) throws IOException {
        return s.read(ByteBuffer.allocate(len), flags);
    }

    /** A received record's bytes and type ({@code recvmsg} with a {@code CMSG_SPACE(1)} control buffer). */
    public record Cmsg(byte[] data, long count, RecordType type) {
    }

    /** {@code __tls_recv_cmsg(fd, &type, buf, len, flags)}. */
    public static Cmsg recvCmsg(KtlsSocket s, int len, MsgFlag... flags) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len);
        Received r = s.receive(b, flags);
        assertThat(r).as("receive() result").isNotNull();
        return new Cmsg(Bytes.written(b), r.bytes(), r.type());
    }

    /** {@code tls_send_keyupdate(fd)}: a handshake record holding the 6-byte KeyUpdate message. */
    public static void sendKeyUpdate(KtlsSocket s) throws IOException {
        assertThat(sendCmsg(s, HANDSHAKE, KEY_UPDATE_MSG)).as("tls_send_keyupdate").isEqualTo(KEY_UPDATE_MSG.length);
    }

    /** {@code tls_recv_keyupdate(fd, flags)}: 6 bytes of type 22 read into a 100-byte buffer, equal to the message. */
    public static void recvKeyUpdate(KtlsSocket s, MsgFlag... flags) throws IOException {
        Cmsg c = recvCmsg(s, 100, flags);
        assertThat(c.count()).as("tls_recv_keyupdate count").isEqualTo(KEY_UPDATE_MSG.length);
        assertThat(c.type()).as("tls_recv_keyupdate type").isEqualTo(HANDSHAKE);
        assertThat(c.data()).as("tls_recv_keyupdate bytes").isEqualTo(KEY_UPDATE_MSG);
    }

    /** Reads exactly {@code n} bytes with as many plain reads as it takes (for raw, keyless peers). */
    public static byte[] readFully(KtlsSocket s, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            int r = s.read(b);
            assertThat(r).as("EOF after %d of %d bytes", b.position(), n).isNotNegative();
        }
        return b.array();
    }

    /** Reads until EOF (for raw, keyless peers). */
    public static byte[] readToEof(KtlsSocket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (true) {
            b.clear();
            int r = s.read(b);
            if (r < 0) {
                return out.toByteArray();
            }
            out.write(b.array(), 0, b.position());
        }
    }

    /**
     * Reads one whole TLS record (5-byte header plus the length it announces) from a keyless peer that sees
     * ciphertext, as {@code tls_send_bad_auth} does with MSG_WAITALL.
     */
    public static byte[] rawRecord(KtlsSocket rawPeer) throws IOException {
        byte[] header = readFully(rawPeer, 5);
        int len = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
        return Bytes.concat(header, readFully(rawPeer, len));
    }

    /** {@code poll(fd, POLLIN, timeout)} returning 1: true as soon as {@link KtlsSocket#readable()} is. */
    public static boolean pollIn(KtlsSocket s, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (s.readable()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            sleep(Duration.ofMillis(1));
        }
    }

    /**
     * {@code poll(fd, POLLIN, timeout)} returning 0: true when {@link KtlsSocket#readable()} stays false for the
     * whole of {@code duration}.
     */
    public static boolean staysUnreadable(KtlsSocket s, Duration duration) throws IOException {
        return !pollIn(s, duration);
    }

    /** Lets bytes written on loopback reach the peer's receive queue before a MSG_DONTWAIT read. */
    public static void settle() {
        sleep(Duration.ofMillis(50));
    }

    public static void sleep(Duration d) {
        try {
            TimeUnit.NANOSECONDS.sleep(d.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** {@code write(pipe[1], data, len)}. */
    public static void writePipe(KtlsPipe pipe, byte[] data) throws IOException {
        assertThat(pipe.write(ByteBuffer.wrap(data))).as("write(pipe)").isEqualTo(data.length);
    }

    /** {@code read(pipe[0], buf, n)} until {@code n} bytes are read (a pipe read returns what is there). */
    public static byte[] readPipe(KtlsPipe pipe, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            assertThat(pipe.read(b)).as("read(pipe) after %d of %d bytes", b.position(), n).isPositive();
        }
        return b.array();
    }
}
