package io.ktls4j.handshake;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A server's stateless session tickets, TLS 1.3's (RFC 8446 §4.6.1) and TLS 1.2's (RFC 5077): what resuming needs (the
 * PSK, or for TLS 1.2 the master secret and whether it is an extended one (RFC 7627), its suite, when it was issued,
 * the SNI and ALPN of the session) sealed with AES-256-GCM under a ticket key held in memory only.
 * A fresh key is made every {@link #lifetime()}; tickets under the previous key stay valid until they expire, older
 * ones no longer open. A ticket that does not open, has expired, or names a suite this server does not enable is
 * simply not resumed (a full handshake follows). Thread-safe. The keys are never shown ({@link #toString()}).
 *
 * <p>Ticket: key id (4) ‖ nonce (12) ‖ AES-256-GCM(contents, AAD = key id) with a 16-byte tag.
 */
final class SessionTickets {
    private static final int KEY_ID = 4;
    private static final int NONCE = 12;
    private static final int TAG = 16;
    private static final int FORMAT = 2;

    /**
     * What a ticket holds. {@code toString()} leaves out the PSK.
     *
     * @param psk TLS 1.3: the resumption PSK; TLS 1.2 (a TLS 1.2 {@code suite}): the session's master secret
     * @param extendedMasterSecret TLS 1.2: whether the master secret is an extended one (RFC 7627)
     */
    record Contents(long issuedMillis, long lifetimeSeconds, long ageAdd, TlsCipherSuite suite, byte[] psk,
            String serverName, String applicationProtocol, boolean extendedMasterSecret) {
        boolean expired(long nowMillis) {
            return nowMillis < issuedMillis || nowMillis - issuedMillis >= lifetimeSeconds * 1000;
        }

        void destroy() {
            Arrays.fill(psk, (byte) 0);
        }

        @Override
        public String toString() {
            return "Contents[" + suite + ", issued " + issuedMillis + ", lifetime " + lifetimeSeconds + " s]";
        }
    }

    private record Key(int id, SecretKey key, long createdMillis) {
        @Override
        public String toString() {
            return "Key[" + Integer.toHexString(id) + "]";
        }
    }

    private final int count;
    private final Duration lifetime;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /**
     * The provider of the JDK's AES-GCM, found when the context is built: {@code Cipher.getInstance} by name alone
     * walks the provider list for each ticket sealed or opened.
     */
    private final Provider aesGcm = aesGcmProvider();
    private Key current;
    private Key previous;

    SessionTickets(int count, Duration lifetime, Clock clock) {
        if (count < 1 || lifetime.isNegative() || lifetime.isZero() || lifetime.toSeconds() > 7 * 24 * 3600) {
            throw new IllegalArgumentException("tickets: count >= 1, lifetime up to 7 days (RFC 8446 §4.6.1)");
        }
        this.count = count;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** Tickets sent after each handshake. */
    int count() {
        return count;
    }

    Duration lifetime() {
        return lifetime;
    }

    long nowMillis() {
        return clock.millis();
    }

    /** A random {@code ticket_age_add}. */
    long newAgeAdd() {
        return random.nextInt() & 0xffffffffL;
    }

    /** Seals {@code c} under the current key (rotating it first when it is older than the lifetime). */
    byte[] seal(Contents c) {
        Key k = currentKey();
        byte[] sni = c.serverName == null ? new byte[0] : c.serverName.getBytes(StandardCharsets.UTF_8);
        byte[] alpn = c.applicationProtocol == null ? new byte[0]
                : c.applicationProtocol.getBytes(StandardCharsets.UTF_8);
        ByteBuffer plain = ByteBuffer.allocate(1 + 1 + 8 + 4 + 4 + 2 + 1 + c.psk.length + 1 + sni.length + 1
                + alpn.length);
        plain.put((byte) FORMAT).put((byte) (c.extendedMasterSecret ? 1 : 0)).putLong(c.issuedMillis)
                .putInt((int) c.lifetimeSeconds).putInt((int) c.ageAdd)
                .putShort((short) c.suite.id()).put((byte) c.psk.length).put(c.psk)
                .put((byte) sni.length).put(sni).put((byte) alpn.length).put(alpn);
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        byte[] ticket = new byte[KEY_ID + NONCE + plain.capacity() + TAG];
        ByteBuffer.wrap(ticket).putInt(k.id).put(nonce);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding", aesGcm);
            gcm.init(Cipher.ENCRYPT_MODE, k.key, new GCMParameterSpec(TAG * 8, nonce));
            gcm.updateAAD(ticket, 0, KEY_ID);
            gcm.doFinal(plain.array(), 0, plain.capacity(), ticket, KEY_ID + NONCE);
            return ticket;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed sealing a session ticket", e);
        } finally {
            Arrays.fill(plain.array(), (byte) 0);
        }
    }

    /** The contents of a ticket this server issued and that has not expired, or null. Never throws. */
    Contents open(byte[] ticket) {
        if (ticket == null || ticket.length < KEY_ID + NONCE + TAG + 1) {
            return null;
        }
        int id = ByteBuffer.wrap(ticket).getInt();
        Key k;
        synchronized (this) {
            k = current != null && current.id == id ? current : previous != null && previous.id == id ? previous
                    : null;
        }
        if (k == null) {
            return null;
        }
        byte[] plain = null;
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding", aesGcm);
            gcm.init(Cipher.DECRYPT_MODE, k.key, new GCMParameterSpec(TAG * 8, ticket, KEY_ID, NONCE));
            gcm.updateAAD(ticket, 0, KEY_ID);
            plain = gcm.doFinal(ticket, KEY_ID + NONCE, ticket.length - KEY_ID - NONCE);
            ByteBuffer b = ByteBuffer.wrap(plain);
            if (b.get() != FORMAT) {
                return null;
            }
            int flags = b.get();
            long issued = b.getLong();
            long life = b.getInt() & 0xffffffffL;
            long ageAdd = b.getInt() & 0xffffffffL;
            int suiteId = b.getShort() & 0xffff;
            byte[] psk = new byte[b.get() & 0xff];
            b.get(psk);
            byte[] sni = new byte[b.get() & 0xff];
            b.get(sni);
            byte[] alpn = new byte[b.get() & 0xff];
            b.get(alpn);
            if (b.hasRemaining()) {
                return null;
            }
            Contents c = new Contents(issued, life, ageAdd, TlsCipherSuite.of(suiteId), psk,
                    sni.length == 0 ? null : new String(sni, StandardCharsets.UTF_8),
                    alpn.length == 0 ? null : new String(alpn, StandardCharsets.UTF_8), (flags & 1) != 0);
            if (c.expired(clock.millis())) {
                c.destroy();
                return null;
            }
            return c;
        } catch (GeneralSecurityException | RuntimeException e) {
            return null; // forged, truncated, from another key: not ours
        } finally {
            if (plain != null) {
                Arrays.fill(plain, (byte) 0);
            }
        }
    }

    private synchronized Key currentKey() {
        long now = clock.millis();
        if (current == null || now - current.createdMillis >= lifetime.toMillis()) {
            byte[] raw = new byte[32];
            random.nextBytes(raw);
            int id;
            do {
                id = random.nextInt();
            } while (current != null && id == current.id);
            previous = current;
            current = new Key(id, new SecretKeySpec(raw, "AES"), now);
            Arrays.fill(raw, (byte) 0);
        }
        return current;
    }

    @Override
    public String toString() {
        return "SessionTickets[" + count + " per handshake, lifetime " + lifetime.toSeconds() + " s]";
    }

    private static Provider aesGcmProvider() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding").getProvider();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no AES-GCM for session tickets", e);
        }
    }
}
