package io.ktls4j.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The server's TLS 1.2 session-ID cache: bounded, expiring, and zeroing what leaves it. */
class SessionIdCacheTest {
    private static SessionTickets.Contents session(long issuedMillis, byte fill) {
        byte[] masterSecret = new byte[48];
        java.util.Arrays.fill(masterSecret, fill);
        return new SessionTickets.Contents(issuedMillis, 60, 0,
                TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, masterSecret, "localhost", null, true);
    }

    @Test
    void theLeastRecentlyUsedSessionLeavesFirstWithItsSecretZeroed() {
        SessionIdCache cache = new SessionIdCache(2);
        byte[] a = cache.newId();
        byte[] b = cache.newId();
        byte[] c = cache.newId();
        assertThat(a).hasSize(32).isNotEqualTo(b);
        SessionTickets.Contents first = session(0, (byte) 1);
        cache.put(a, first);
        SessionTickets.Contents second = session(0, (byte) 2);
        cache.put(b, second);
        SessionTickets.Contents copy = cache.get(a, 1000);
        assertThat(copy.psk()).as("a copy, for the handshake to destroy").isNotSameAs(first.psk())
                .containsOnly((byte) 1);
        cache.put(c, session(0, (byte) 3)); // b is now the least recently used
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.get(b, 1000)).isNull();
        assertThat(second.psk()).as("zeroed as it left").containsOnly((byte) 0);
        assertThat(cache.get(a, 1000)).isNotNull();
        copy.destroy();
        assertThat(first.psk()).as("the copy's destruction leaves the kept one").containsOnly((byte) 1);
        assertThat(cache.toString()).doesNotContain("01").contains("2 of 2");
    }

    @Test
    void anExpiredSessionIsDroppedAndZeroed() {
        SessionIdCache cache = new SessionIdCache(4);
        byte[] id = cache.newId();
        SessionTickets.Contents s = session(0, (byte) 7);
        cache.put(id, s);
        assertThat(cache.get(id, 59_999)).isNotNull();
        assertThat(cache.get(id, 60_000)).as("lifetime 60 s").isNull();
        assertThat(s.psk()).containsOnly((byte) 0);
        assertThat(cache.size()).isZero();
        assertThat(cache.get(cache.newId(), 0)).as("an ID never given out").isNull();
    }
}
