package io.ktls4j.bench;

import io.ktls4j.CipherType;
import io.ktls4j.TlsVersion;
import io.ktls4j.records.AeadProviders;
import io.ktls4j.records.TlsRecords;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The baseline: the AEAD operations {@code RecordCipher} performs, written directly against JCE with byte arrays
 * and no record framing. Same provider ({@link AeadProviders}), key, nonce rule, AAD contents and plaintext (TLS 1.3:
 * content plus the inner type byte); {@code Cipher.init + updateAAD + doFinal} into preallocated arrays.
 */
final class RawAead {
    private final TlsVersion version;
    private final CipherType cipher;
    private final SecretKeySpec key;
    private final byte[] writeIv;
    private final long initialExplicit;
    private final Cipher enc;
    private final Cipher dec;
    private final byte[] nonce = new byte[12];
    private final byte[] aad;
    private final byte[] plaintext;
    private final int ciphertextLength;
    private final byte[][] bodies;
    private final byte[][] out;
    private long sealSeq = 1L << 40; // far from the sealed batch's sequence numbers: no nonce is used twice

    RawAead(TlsVersion version, CipherType cipher, byte[] keyBytes, byte[] writeIv, int size, ByteBuffer[] sealed)
            throws GeneralSecurityException {
        this.version = version;
        this.cipher = cipher;
        this.key = new SecretKeySpec(keyBytes, cipher.keyAlgorithm());
        this.writeIv = writeIv.clone();
        long explicit = 0;
        for (int i = 4; i < 12; i++) {
            explicit = (explicit << 8) | (writeIv[i] & 0xff);
        }
        this.initialExplicit = explicit;
        this.enc = Cipher.getInstance(cipher.transformation(), AeadProviders.providerFor(cipher));
        this.dec = Cipher.getInstance(cipher.transformation(), AeadProviders.providerFor(cipher));
        boolean tls13 = version == TlsVersion.TLS_1_3;
        this.aad = new byte[tls13 ? 5 : 13];
        this.plaintext = new byte[size + (tls13 ? 1 : 0)];
        for (int i = 0; i < size; i++) {
            plaintext[i] = (byte) (i * 31);
        }
        if (tls13) {
            plaintext[size] = 23;
        }
        this.ciphertextLength = plaintext.length + cipher.tagSize();
        int bodyOffset = TlsRecords.HEADER_SIZE + (explicitNonce() ? TlsRecords.EXPLICIT_NONCE_SIZE : 0);
        this.bodies = new byte[sealed.length][ciphertextLength];
        this.out = new byte[sealed.length][ciphertextLength];
        for (int i = 0; i < sealed.length; i++) {
            sealed[i].get(sealed[i].position() + bodyOffset, bodies[i]);
        }
    }

    private boolean explicitNonce() {
        return version == TlsVersion.TLS_1_2 && cipher.hasExplicitNonce();
    }

    /** The record's nonce: salt || (iv + seq) for TLS 1.2 explicit-nonce ciphers, else writeIv XOR seq. */
    private AlgorithmParameterSpec spec(long seq) {
        System.arraycopy(writeIv, 0, nonce, 0, 12);
        long low = explicitNonce() ? initialExplicit + seq : seq;
        for (int i = 4; i < 12; i++) {
            byte b = (byte) (low >>> (8 * (11 - i)));
            nonce[i] = explicitNonce() ? b : (byte) (nonce[i] ^ b);
        }
        return cipher == CipherType.CHACHA20_POLY1305
                ? new IvParameterSpec(nonce)
                : new GCMParameterSpec(cipher.tagSize() * 8, nonce);
    }

    /** TLS 1.3: type 23, 0x0303, body length. TLS 1.2: seq, type 23, 0x0303, plaintext length. */
    private void makeAad(long seq) {
        int off = 0;
        if (version == TlsVersion.TLS_1_2) {
            for (int i = 0; i < 8; i++) {
                aad[i] = (byte) (seq >>> (8 * (7 - i)));
            }
            off = 8;
        }
        int length = version == TlsVersion.TLS_1_3 ? ciphertextLength : plaintext.length;
        aad[off] = 23;
        aad[off + 1] = 3;
        aad[off + 2] = 3;
        aad[off + 3] = (byte) (length >>> 8);
        aad[off + 4] = (byte) length;
    }

    /** Encrypts the record plaintext under a fresh sequence number into array {@code slot}. */
    int seal(int slot) throws GeneralSecurityException {
        long seq = sealSeq++;
        makeAad(seq);
        enc.init(Cipher.ENCRYPT_MODE, key, spec(seq));
        enc.updateAAD(aad);
        return enc.doFinal(plaintext, 0, plaintext.length, out[slot], 0);
    }

    /** Decrypts the body of the sealed record with sequence number {@code seq} into array {@code seq}. */
    int open(int seq) throws GeneralSecurityException {
        makeAad(seq);
        dec.init(Cipher.DECRYPT_MODE, key, spec(seq));
        dec.updateAAD(aad);
        return dec.doFinal(bodies[seq], 0, ciphertextLength, out[seq], 0);
    }
}
