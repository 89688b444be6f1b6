package io.ktls4j.records;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Hex, resources, crypto_infos and buffers for the record-layer tests. */
final class TestData {
    private TestData() {}

    static byte[] hex(String s) {
        String compact = s.replaceAll("\\s+", "");
        return compact.equals("-") ? new byte[0] : HexFormat.of().parseHex(compact);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    static List<String> resourceLines(String name) {
        try (InputStream in = TestData.class.getResourceAsStream("/vectors/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource vectors/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kernel selftests' {@code tls_crypto_info_init(version, cipher, keys, generation)}: every byte = gen. */
    static CryptoInfo generation(TlsVersion v, CipherType c, int gen) {
        byte[] key = new byte[c.keySize()];
        byte[] iv = new byte[c.ivSize()];
        byte[] salt = new byte[c.saltSize()];
        byte[] seq = new byte[CipherType.REC_SEQ_SIZE];
        for (byte[] a : new byte[][] {key, iv, salt, seq}) {
            Arrays.fill(a, (byte) gen);
        }
        return info(v, c, key, iv, salt, seq);
    }

    static CryptoInfo info(TlsVersion v, CipherType c, byte[] key, byte[] iv, byte[] salt, byte[] seq) {
        try {
            return CryptoInfo.of(v, c, key, iv, salt, seq);
        } catch (KtlsException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Remaining bytes of a buffer, without consuming them. */
    static byte[] remaining(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Bytes between a start index and the buffer's position (what was just written). */
    static byte[] written(ByteBuffer b, int start) {
        byte[] out = new byte[b.position() - start];
        b.get(start, out);
        return out;
    }

    /** The (version, cipher) pairs the kernel accepts: ARIA is TLS 1.2 only. */
    static List<Object[]> kernelPairs() {
        return Arrays.stream(TlsVersion.values())
                .flatMap(v -> Arrays.stream(CipherType.values())
                        .filter(c -> !(v == TlsVersion.TLS_1_3
                                && (c == CipherType.ARIA_GCM_128 || c == CipherType.ARIA_GCM_256)))
                        .map(c -> new Object[] {v, c}))
                .toList();
    }

    /**
     * The buffer shapes every byte-exact test runs over. Each buffer starts 3 bytes into its storage and uses
     * little-endian order, so code relying on absolute index 0 or on big-endian putLong fails.
     */
    enum Buffers {
        HEAP,
        DIRECT,
        /** Heap buffers sliced 5 bytes into their array: arrayOffset() is not 0. */
        HEAP_SLICE,
        /** Read-only heap inputs (no accessible array), writable heap destinations. */
        READ_ONLY_INPUT;

        ByteBuffer allocate(int size) {
            ByteBuffer b = switch (this) {
                case HEAP, READ_ONLY_INPUT -> ByteBuffer.allocate(size + 3);
                case DIRECT -> ByteBuffer.allocateDirect(size + 3);
                case HEAP_SLICE -> ByteBuffer.allocate(size + 3 + 5).position(5).slice();
            };
            b.order(ByteOrder.LITTLE_ENDIAN).position(3);
            return b;
        }

        ByteBuffer wrap(byte[] content) {
            ByteBuffer b = allocate(content.length);
            b.put(content).position(3);
            return this == READ_ONLY_INPUT ? b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN) : b;
        }
    }
}
