package io.ktls4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * A connected TCP socket with the TLS ULP attached: the one contract that both backends implement (the Linux kernel
 * through {@code ktls4j-linux}, and the pure-Java software record layer). The semantics are the kernel's, as pinned
 * down by {@code tools/testing/selftests/net/tls.c}; each method names the socket call it mirrors.
 *
 * <p>Blocking follows the underlying {@link SocketChannel}'s mode; {@link MsgFlag#DONTWAIT} makes one call
 * non-blocking. A call that can make no progress without blocking throws {@link WouldBlockException} (the
 * package's would-block convention: channels built on this contract return 0 instead).
 * Until a direction has keys installed it passes bytes through unchanged (the kernel's {@code tls_basic.base_base}).
 *
 * <p>Threading: one reader and one writer may use the socket concurrently; concurrent readers (or writers) are
 * serialised.
 */
public interface KtlsSocket extends AutoCloseable {

    /** The channel the socket runs on. Do not read or write it directly once keys are installed. */
    SocketChannel channel();

    /** The backend that carries each direction of this socket. */
    BackendKind backend(Direction direction);

    /**
     * {@code setsockopt(SOL_TLS, TLS_TX|TLS_RX, crypto_info)}: installs keys for one direction, or, on TLS 1.3, the
     * next keys after a KeyUpdate. The caller keeps ownership of {@code info} and should destroy it afterwards.
     *
     * @throws KtlsException EINVAL (bad version or cipher, or a rekey that changes either), EBUSY (TLS 1.2 rekey),
     *     {@link KernelFeatureException} when the kernel lacks what is asked
     */
    void install(Direction direction, CryptoInfo info) throws IOException;

    /**
     * {@code getsockopt(SOL_TLS, TLS_TX|TLS_RX)}: the installed state with the live {@code rec_seq}, or empty when no
     * key is installed in that direction. The returned copy belongs to the caller.
     */
    Optional<CryptoInfo> cryptoInfo(Direction direction) throws IOException;

    /** {@code setsockopt(SOL_TLS, TLS_RX_EXPECT_NO_PAD)}; TLS 1.3 only (EINVAL otherwise). */
    void setRxExpectNoPad(boolean expectNoPad) throws IOException;

    /** {@code getsockopt(SOL_TLS, TLS_RX_EXPECT_NO_PAD)}. */
    boolean rxExpectNoPad() throws IOException;

    /**
     * {@code setsockopt(SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN, u16)}: the largest plaintext of records this end writes
     * (64..16384 for TLS 1.2, 63..16384 for TLS 1.3). EBUSY while a record is open ({@link MsgFlag#MORE}).
     */
    void setTxMaxPayloadLen(int maxPayloadLen) throws IOException;

    /**
     * {@code getsockopt(SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN)}: the largest plaintext of records this end writes; 16384
     * unless set, and on kernels that lack the option (before Linux 6.19), whose records are always up to 2^14.
     */
    int txMaxPayloadLen() throws IOException;

    /**
     * {@code sendmsg} of application data gathered from {@code srcs}. Without {@link MsgFlag#MORE} the data ends a
     * record; with it the record stays open until it is full or a send without it. Returns the number of bytes
     * taken (all of them in blocking mode).
     *
     * @throws KtlsException EBADMSG when {@code rec_seq} would wrap
     */
    long send(ByteBuffer[] srcs, MsgFlag... flags) throws IOException;

    default int send(ByteBuffer src, MsgFlag... flags) throws IOException {
        return (int) send(new ByteBuffer[] {src}, flags);
    }

    /**
     * {@code sendmsg} with a {@code TLS_SET_RECORD_TYPE} control message: sends {@code data} as one record of
     * {@code type}. An open data record is first closed and sent as its own record. {@link MsgFlag#MORE} is EINVAL.
     */
    int sendControl(RecordType type, ByteBuffer data, MsgFlag... flags) throws IOException;

    /**
     * {@code sendfile}: sends {@code count} bytes of {@code file} from {@code position} as full-size records. On the
     * kernel backend no payload passes through the Java heap. Returns the number of bytes sent.
     */
    long sendFile(FileChannel file, long position, long count) throws IOException;

    /**
     * {@code splice(pipe → socket)}: sends up to {@code len} bytes that are in {@code pipe} as application data, as a
     * {@code send} of them would: {@link SpliceFlag#MORE} is {@code MSG_MORE} (the record stays open), without it the
     * data ends a record. Waits until the pipe holds at least one byte unless {@link SpliceFlag#NONBLOCK}; does not
     * wait for more than is there. Blocking on the socket follows the channel. Returns the number of bytes moved.
     *
     * @throws WouldBlockException EAGAIN with {@link SpliceFlag#NONBLOCK} when the pipe is empty
     * @throws KtlsException EINVAL when the backend cannot splice with this pipe (the kernel backend needs its own)
     */
    long spliceFrom(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException;

    /**
     * {@code splice(socket → pipe)}: moves application data of the next record into {@code pipe}, at most
     * {@code len} bytes, the rest of one record per call (one partly read by {@code recv} included), and no more
     * than the pipe has room for. Empty data records are skipped. Waits for a record (and for room in the pipe)
     * unless {@link SpliceFlag#NONBLOCK}, or the channel is non-blocking. Returns the byte count, or -1 at end of
     * stream.
     *
     * @throws KtlsException EINVAL when the next record is a control record, which stays queued for
     *     {@link #receive}; a splice never moves a control record
     * @throws KeyExpiredException EKEYEXPIRED after a KeyUpdate was read and before the next RX key
     * @throws BadRecordException EBADMSG, sticky as for {@link #read}
     * @throws WouldBlockException EAGAIN when it would wait and may not
     */
    long spliceTo(KtlsPipe pipe, long len, SpliceFlag... flags) throws IOException;

    /**
     * {@code setsockopt(SOL_SOCKET, SO_RCVLOWAT)}: a read without {@link MsgFlag#WAITALL} waits until it has
     * {@code min(bytes, buffer size)} bytes (taking them from as many data records as it takes), or a record type
     * change, an error or end of stream. A negative value means {@link Integer#MAX_VALUE}, 0 means 1; the kernel caps
     * the value at half the largest TCP receive buffer.
     */
    void setRcvLowat(int bytes) throws IOException;

    /** {@code getsockopt(SOL_SOCKET, SO_RCVLOWAT)}: 1 unless set. */
    int rcvLowat() throws IOException;

    /**
     * {@code recv} without a control buffer: reads application data into {@code dsts}, possibly spanning several data
     * records (never a control record). Returns the byte count, or -1 at end of stream.
     *
     * @throws ControlRecordException EIO when the next record is a control record
     */
    long read(ByteBuffer[] dsts, MsgFlag... flags) throws IOException;

    default int read(ByteBuffer dst, MsgFlag... flags) throws IOException {
        return (int) read(new ByteBuffer[] {dst}, flags);
    }

    /**
     * {@code recvmsg} with a control buffer: reads records of one type into {@code dsts} and says which type
     * ({@code TLS_GET_RECORD_TYPE}). Data records may be merged; control records never are.
     */
    Received receive(ByteBuffer[] dsts, MsgFlag... flags) throws IOException;

    default Received receive(ByteBuffer dst, MsgFlag... flags) throws IOException {
        return receive(new ByteBuffer[] {dst}, flags);
    }

    /**
     * True when a read would return at once: a whole record (or the rest of one) is buffered, a sticky error or EOF
     * is pending. Like {@code poll(POLLIN)}, false while a KeyUpdate waits for the next RX key or only part of a
     * record has arrived. Never blocks.
     */
    boolean readable() throws IOException;

    /** {@code shutdown(SHUT_WR)}. An open record is discarded, as in the kernel. */
    void shutdownOutput() throws IOException;

    /** An ordinary {@link java.nio.channels.ByteChannel} view for application code. */
    KtlsChannel asChannel();

    /**
     * Closes the socket. An open ({@link MsgFlag#MORE}) record is discarded. A call blocked on this socket in another
     * thread (a send to a peer that stopped reading, a read with nothing to read) ends with an {@link IOException}
     * or end of stream; close does not wait for it to make progress.
     */
    @Override
    void close() throws IOException;
}
