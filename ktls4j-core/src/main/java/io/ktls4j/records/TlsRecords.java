package io.ktls4j.records;

import io.ktls4j.BadRecordException;
import io.ktls4j.CipherType;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordOverflowException;
import io.ktls4j.TlsVersion;
import java.nio.ByteBuffer;

/**
 * Sizes of the TLS record framing and the header check the kernel's receive path applies
 * ({@code tls_rx_msg_size()} in {@code net/tls/tls_sw.c}).
 */
public final class TlsRecords {
    /** The record header: type, legacy version 0x0303, 16-bit body length. */
    public static final int HEADER_SIZE = 5;
    /** Maximum plaintext of one record, 2^14 ({@code TLS_MAX_PAYLOAD_SIZE}). */
    public static final int MAX_PLAINTEXT = 16384;
    /** Size of the TLS 1.2 explicit nonce that follows the header (all ciphers but ChaCha20-Poly1305). */
    public static final int EXPLICIT_NONCE_SIZE = 8;

    private TlsRecords() {}

    /**
     * Bytes a record body adds to its plaintext: TLS 1.2 GCM/CCM/SM4/ARIA 8 explicit nonce + 16 tag; TLS 1.2
     * ChaCha20-Poly1305 16; TLS 1.3 1 inner type + 16 tag.
     */
    public static int overhead(TlsVersion v, CipherType c) {
        return cipherOverhead(v, c) + tailSize(v);
    }

    /** The kernel's {@code cipher_overhead}: the tag, plus the explicit nonce for TLS 1.2 non-ChaCha ciphers. */
    static int cipherOverhead(TlsVersion v, CipherType c) {
        return c.tagSize() + (hasExplicitNonce(v, c) ? EXPLICIT_NONCE_SIZE : 0);
    }

    /** The kernel's {@code tail_size}: 1 (the inner content type) for TLS 1.3, else 0. */
    static int tailSize(TlsVersion v) {
        return v == TlsVersion.TLS_1_3 ? 1 : 0;
    }

    /** True when records carry an explicit nonce after the header: TLS 1.2 with any cipher but ChaCha20. */
    static boolean hasExplicitNonce(TlsVersion v, CipherType c) {
        return v == TlsVersion.TLS_1_2 && c.hasExplicitNonce();
    }

    /** The largest body length a record header may announce for this version and cipher. */
    public static int maxBodyLength(TlsVersion v, CipherType c) {
        return MAX_PLAINTEXT + overhead(v, c);
    }

    /**
     * Validates a 5-byte record header read from the wire exactly as Linux {@code tls_rx_msg_size()} does and returns
     * the body length. The checks run in the kernel's order:
     * <ol>
     *   <li>length &gt; 2^14 + cipher overhead + tail: {@link RecordOverflowException} ({@code EMSGSIZE});
     *   <li>length &lt; cipher overhead (the tag, plus 8 for TLS 1.2 non-ChaCha): {@link BadRecordException}
     *       ({@code EBADMSG});
     *   <li>bytes 1..2 not {@code 03 03}: {@link KtlsException} with {@link Errno#EINVAL}.
     * </ol>
     * The type byte is not checked (any type is a valid control record type).
     *
     * @param header at least 5 bytes from its position; not consumed
     * @throws IllegalArgumentException when fewer than 5 bytes remain (the caller must wait for more)
     */
    public static int parseHeader(ByteBuffer header, TlsVersion v, CipherType c) throws KtlsException {
        if (header.remaining() < HEADER_SIZE) {
            throw new IllegalArgumentException("a record header is 5 bytes, only " + header.remaining() + " remain");
        }
        int p = header.position();
        int type = header.get(p) & 0xff;
        int length = ((header.get(p + 3) & 0xff) << 8) | (header.get(p + 4) & 0xff);
        int cipherOverhead = cipherOverhead(v, c);
        int max = MAX_PLAINTEXT + cipherOverhead + tailSize(v);
        if (length > max) {
            throw new RecordOverflowException("record header (type " + type + ") announces a " + length
                    + "-byte body; " + v + " " + c + " allows at most " + max);
        }
        if (length < cipherOverhead) {
            throw new BadRecordException("record header (type " + type + ") announces a " + length
                    + "-byte body, shorter than the " + cipherOverhead + " bytes of " + v + " " + c + " overhead");
        }
        int major = header.get(p + 1) & 0xff;
        int minor = header.get(p + 2) & 0xff;
        if (major != 3 || minor != 3) {
            throw new KtlsException(Errno.EINVAL, String.format(
                    "record header (type %d, %d-byte body) has version 0x%02x%02x; both TLS 1.2 and 1.3 records say 0x0303",
                    type, length, major, minor));
        }
        return length;
    }
}
