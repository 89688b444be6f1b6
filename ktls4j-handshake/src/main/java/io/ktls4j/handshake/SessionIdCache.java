package io.ktls4j.handshake;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A server's TLS 1.2 sessions by session ID (RFC 5246 §7.4.1.2), for clients that resume without tickets (curl turns
 * TLS 1.2 tickets off): what {@link SessionTickets} would seal, kept in memory instead, at most {@link #capacity()}
 * sessions (the least recently used goes first), each until the ticket lifetime has passed. A session's master secret
 * is zeroed when it leaves. Like nginx's {@code ssl_session_cache}, per process. Thread-safe; {@link #toString()}
 * shows no secret and no ID.
 */
final class SessionIdCache {
    static final int ID_LENGTH = 32;

    private final int capacity;
    private final SecureRandom random = new SecureRandom();
    private final LinkedHashMap<String, SessionTickets.Contents> sessions = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SessionTickets.Contents> eldest) {
            if (size() > capacity) {
                eldest.getValue().destroy();
                return true;
            }
            return false;
        }
    };

    SessionIdCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a session cache holds at least one session");
        }
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** A fresh random session ID for a full handshake. */
    byte[] newId() {
        byte[] id = new byte[ID_LENGTH];
        random.nextBytes(id);
        return id;
    }

    /** Keeps {@code session} (taking it) under {@code id}. */
    synchronized void put(byte[] id, SessionTickets.Contents session) {
        SessionTickets.Contents old = sessions.put(HexFormat.of().formatHex(id), session);
        if (old != null) {
            old.destroy();
        }
    }

    /**
     * A copy of the unexpired session kept under {@code id} (the caller destroys it), or null. An expired one is
     * dropped.
     */
    synchronized SessionTickets.Contents get(byte[] id, long nowMillis) {
        String key = HexFormat.of().formatHex(id);
        SessionTickets.Contents c = sessions.get(key);
        if (c == null) {
            return null;
        }
        if (c.expired(nowMillis)) {
            sessions.remove(key);
            c.destroy();
            return null;
        }
        return new SessionTickets.Contents(c.issuedMillis(), c.lifetimeSeconds(), c.ageAdd(), c.suite(),
                Arrays.copyOf(c.psk(), c.psk().length), c.serverName(), c.applicationProtocol(),
                c.extendedMasterSecret());
    }

    synchronized int size() {
        return sessions.size();
    }

    @Override
    public synchronized String toString() {
        return "SessionIdCache[" + sessions.size() + " of " + capacity + "]";
    }
}
