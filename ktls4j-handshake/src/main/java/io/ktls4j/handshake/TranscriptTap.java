package io.ktls4j.handshake;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.tls.crypto.TlsHash;

/**
 * The handshake transcript of one connection, seen through the hashes BouncyCastle creates for it while this tap is
 * {@link HandshakeCrypto#enter entered}. BouncyCastle 1.82 keeps its transcript hash package-private and does not
 * derive {@code resumption_master_secret} (RFC 8446 §7.1), which needs the transcript up to the client's Finished;
 * the transcript is the one hash the protocol creates and feeds the whole handshake without ever finishing it
 * itself (it finishes clones), so {@link #transcriptHash} finishes a clone of the longest such hash.
 *
 * <p>It also undoes a server-side rewrite ({@link #clientHelloRewritten}): BouncyCastle's server matches a
 * pre_shared_key identity only with {@code obfuscated_ticket_age} 0 (its external-PSK rule), so the engine hands it
 * the ClientHello with the ages zeroed, and every hash that is fed that ClientHello from its first byte gets the
 * original bytes instead, so that binders, Finished and keys are computed over what the client sent.
 */
final class TranscriptTap {
    private final List<TappedHash> hashes = new ArrayList<>();
    private byte[] original;
    private byte[] rewritten;

    /** BouncyCastle is given {@code rewritten} in place of the first ClientHello message {@code original}. */
    void clientHelloRewritten(byte[] original, byte[] rewritten) {
        this.original = original.clone();
        this.rewritten = rewritten.clone();
    }

    TlsHash track(int cryptoHashAlgorithm, TlsHash hash) {
        TappedHash t = new TappedHash(cryptoHashAlgorithm, hash);
        hashes.add(t);
        return t;
    }

    /**
     * The transcript hash so far followed by {@code more}, or null when no transcript hash of that algorithm was
     * seen.
     */
    byte[] transcriptHash(int cryptoHashAlgorithm, byte[] more) {
        TappedHash best = null;
        for (TappedHash h : hashes) {
            if (h.algorithm == cryptoHashAlgorithm && !h.finished && (best == null || h.fed > best.fed)) {
                best = h;
            }
        }
        if (best == null) {
            return null;
        }
        TlsHash copy = best.delegate.cloneHash();
        copy.update(more, 0, more.length);
        return copy.calculateHash();
    }

    /** Forgets the hashes (the handshake is over). */
    void clear() {
        hashes.clear();
        original = null;
        rewritten = null;
    }

    private final class TappedHash implements TlsHash {
        final int algorithm;
        final TlsHash delegate;
        long fed;
        boolean finished;

        TappedHash(int algorithm, TlsHash delegate) {
            this.algorithm = algorithm;
            this.delegate = delegate;
        }

        @Override
        public void update(byte[] input, int inOff, int length) {
            if (original != null && fed < original.length && length > 0) {
                int n = (int) Math.min(length, original.length - fed);
                int at = (int) fed;
                if (Arrays.equals(input, inOff, inOff + n, rewritten, at, at + n)) {
                    delegate.update(original, at, n);
                    delegate.update(input, inOff + n, length - n);
                    fed += length;
                    return;
                }
            }
            delegate.update(input, inOff, length);
            fed += length;
        }

        @Override
        public byte[] calculateHash() {
            finished = true;
            return delegate.calculateHash();
        }

        @Override
        public TlsHash cloneHash() {
            return delegate.cloneHash();
        }

        @Override
        public void reset() {
            fed = 0;
            delegate.reset();
        }
    }
}
