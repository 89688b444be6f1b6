package io.ktls4j.handshake;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the few fields of plaintext handshake messages that BouncyCastle does not report: the key-share group of a
 * ServerHello or HelloRetryRequest (RFC 8446 §4.2.8), the named curve of a TLS 1.2 ServerKeyExchange (RFC 8422
 * §5.4), and where the {@code obfuscated_ticket_age} fields of a ClientHello's {@code pre_shared_key} are (RFC 8446
 * §4.2.11). Every method takes whole handshake messages (type, uint24 length, body) and returns "not found" (-1, an
 * empty list) on anything malformed: the protocol engine, which sees the same bytes, reports that.
 */
final class Hellos {
    static final int CLIENT_HELLO = 1;
    static final int SERVER_HELLO = 2;
    static final int SERVER_KEY_EXCHANGE = 12;
    private static final int EXT_PRE_SHARED_KEY = 41;
    private static final int EXT_KEY_SHARE = 51;

    private Hellos() {
    }

    /** The handshake messages in a record body (the last one possibly partial, then left out). */
    static List<int[]> messages(byte[] record, int off, int len) {
        List<int[]> out = new ArrayList<>(); // {offset, total length}
        int pos = off;
        int end = off + len;
        while (end - pos >= 4) {
            int length = u24(record, pos + 1);
            if (end - pos - 4 < length) {
                break;
            }
            out.add(new int[] {pos, 4 + length});
            pos += 4 + length;
        }
        return out;
    }

    /**
     * The group of a ServerHello's key_share (or of a HelloRetryRequest's selected_group), or -1 (TLS 1.2, PSK-only,
     * malformed). {@code m}: a whole ServerHello message at {@code off}.
     */
    static int serverHelloGroup(byte[] m, int off) {
        if ((m[off] & 0xff) != SERVER_HELLO) {
            return -1;
        }
        int end = off + 4 + u24(m, off + 1);
        int pos = off + 4 + 2 + 32; // legacy_version, random
        if (pos >= end) {
            return -1;
        }
        pos += 1 + (m[pos] & 0xff); // legacy_session_id_echo
        pos += 2 + 1; // cipher_suite, legacy_compression_method
        if (pos + 2 > end) {
            return -1;
        }
        int extEnd = Math.min(end, pos + 2 + u16(m, pos));
        pos += 2;
        while (pos + 4 <= extEnd) {
            int type = u16(m, pos);
            int len = u16(m, pos + 2);
            if (type == EXT_KEY_SHARE && len >= 2 && pos + 6 <= extEnd) {
                return u16(m, pos + 4);
            }
            pos += 4 + len;
        }
        return -1;
    }

    /** The named curve of a TLS 1.2 ECDHE ServerKeyExchange, or -1. */
    static int serverKeyExchangeGroup(byte[] m, int off) {
        if ((m[off] & 0xff) != SERVER_KEY_EXCHANGE || u24(m, off + 1) < 3 || m[off + 4] != 3) {
            return -1; // not ECParameters with curve_type named_curve(3)
        }
        return u16(m, off + 5);
    }

    /**
     * The offsets (in {@code m}) of each {@code obfuscated_ticket_age} of a ClientHello's pre_shared_key extension,
     * which must be the last extension; empty when there is none or the message is malformed.
     */
    static List<Integer> ticketAgeOffsets(byte[] m, int off) {
        List<Integer> ages = new ArrayList<>();
        if ((m[off] & 0xff) != CLIENT_HELLO) {
            return ages;
        }
        int end = off + 4 + u24(m, off + 1);
        try {
            int pos = off + 4 + 2 + 32;
            pos += 1 + (m[pos] & 0xff); // legacy_session_id
            pos += 2 + u16(m, pos); // cipher_suites
            pos += 1 + (m[pos] & 0xff); // legacy_compression_methods
            int extEnd = pos + 2 + u16(m, pos);
            if (extEnd != end) {
                return ages;
            }
            pos += 2;
            while (pos + 4 <= extEnd) {
                int type = u16(m, pos);
                int len = u16(m, pos + 2);
                int data = pos + 4;
                if (data + len > extEnd) {
                    return List.of();
                }
                if (type == EXT_PRE_SHARED_KEY) {
                    if (data + len != extEnd) {
                        return List.of(); // not last: the engine refuses it
                    }
                    int idEnd = data + 2 + u16(m, data);
                    int p = data + 2;
                    while (p + 2 <= idEnd) {
                        p += 2 + u16(m, p);
                        if (p + 4 > idEnd) {
                            return List.of();
                        }
                        ages.add(p);
                        p += 4;
                    }
                    return p == idEnd ? ages : List.of();
                }
                pos = data + len;
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            return List.of();
        }
        return List.of();
    }

    static int u16(byte[] b, int i) {
        return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
    }

    static int u24(byte[] b, int i) {
        return ((b[i] & 0xff) << 16) | ((b[i + 1] & 0xff) << 8) | (b[i + 2] & 0xff);
    }
}
