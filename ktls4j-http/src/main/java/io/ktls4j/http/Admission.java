package io.ktls4j.http;

import java.net.InetAddress;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decides which accepted connections are served, within {@link ConnectionLimits}:
 * <ul>
 *   <li>a client address at its limit: the newcomer is refused (nginx's {@code limit_conn});
 *   <li>the server at its total limit: the connection that has waited longest without being answered (still in its
 *       handshake, idle between requests, or still sending a request head) is closed to make room. nginx closes idle
 *       keep-alive connections when it runs out of connections; closing the oldest unfinished handshake or head as
 *       well is what makes a flood of idle TCP connections, or of slowloris heads, unable to keep a newcomer out:
 *       the newcomer's own handshake and head take milliseconds, the flood would have to open more connections than
 *       the limit in that time. Only when every connection is being answered is the newcomer refused.
 * </ul>
 * {@link #admit} runs on the accept thread only; the connections' threads move their {@link Slot}s through the
 * {@link State}s and release them.
 */
final class Admission {
    /** What a connection is doing, as far as making room is concerned. */
    enum State {
        /** The transport is being opened (the TLS handshake): may be closed to make room. */
        HANDSHAKE,
        /** Waiting for the first byte of a request: may be closed to make room. */
        WAITING,
        /** Reading a request head: may be closed to make room. */
        READING,
        /** Answering a request. */
        ANSWERING,
        /** Closed to make room. */
        EVICTED,
        /** Closed while idle because the server is stopping ({@link #stopIfWaiting}). */
        STOPPED
    }

    /**
     * What became of an accepted socket.
     *
     * @param slot the admitted connection's slot, or null when refused
     * @param evicted the connection closed to make room for it, or null (the caller closes its socket)
     * @param refusal why it was refused, or null
     */
    record Decision(Slot slot, Slot evicted, String refusal) {
    }

    private final ConnectionLimits limits;
    private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile boolean stopping;

    Admission(ConnectionLimits limits) {
        this.limits = limits;
    }

    /** Connections held now. */
    int size() {
        return total.get();
    }

    /** From now on every connection ends after the response it is writing ({@link Slot#stopping()}). */
    void stop() {
        stopping = true;
    }

    /** Every slot held now (to close them all when the server stops). */
    Set<Slot> slots() {
        return slots;
    }

    /** Decides on a socket the accept thread just accepted from {@code address} (null if not known). */
    Decision admit(SocketChannel socket, InetAddress address) {
        if (address != null) {
            if (perAddress.getOrDefault(address, 0) >= limits.maxPerAddress()) {
                return new Decision(null, null, "over the limit of " + limits.maxPerAddress() + " connections from "
                        + address.getHostAddress());
            }
        }
        Slot evicted = null;
        if (total.get() >= limits.maxConnections()) {
            evicted = evictOldest();
            if (evicted == null) {
                return new Decision(null, null, "at the limit of " + limits.maxConnections()
                        + " connections, all of them being answered");
            }
        }
        Slot slot = new Slot(socket, address);
        total.incrementAndGet();
        if (address != null) {
            perAddress.merge(address, 1, Integer::sum);
        }
        slots.add(slot);
        return new Decision(slot, evicted, null);
    }

    /** Closes the oldest connection not being answered, or returns null when there is none. */
    private Slot evictOldest() {
        for (int attempt = 0; attempt < 3; attempt++) {
            Slot oldest = null;
            for (Slot s : slots) {
                if (s.evictable() && (oldest == null || s.since - oldest.since < 0)) {
                    oldest = s;
                }
            }
            if (oldest == null) {
                return null;
            }
            if (oldest.evict()) {
                return oldest;
            }
            // it moved on (to answering a request) meanwhile: look again
        }
        return null;
    }

    /** One admitted connection. */
    final class Slot implements HttpConnection.Activity {
        final SocketChannel socket;
        private final InetAddress address;
        private final AtomicReference<State> state = new AtomicReference<>(State.HANDSHAKE);
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile long since = System.nanoTime();

        private Slot(SocketChannel socket, InetAddress address) {
            this.socket = socket;
            this.address = address;
        }

        /** Moves to {@code next} unless the connection was closed to make room or to stop (then false). */
        boolean to(State next) {
            while (true) {
                State s = state.get();
                if (s == State.EVICTED || s == State.STOPPED) {
                    return false;
                }
                if (s == next || state.compareAndSet(s, next)) {
                    since = System.nanoTime();
                    return true;
                }
            }
        }

        @Override
        public void waiting() {
            to(State.WAITING);
        }

        @Override
        public void reading() {
            to(State.READING);
        }

        @Override
        public void answering() {
            to(State.ANSWERING);
        }

        @Override
        public boolean stopping() {
            return stopping;
        }

        /** Whether it was closed to make room. */
        boolean evicted() {
            return state.get() == State.EVICTED;
        }

        /** Whether it was closed while idle because the server is stopping. */
        boolean stopped() {
            return state.get() == State.STOPPED;
        }

        /**
         * Marks the connection stopped if it is waiting for a request (idle or just after its handshake), for the
         * caller to close its socket; false when it is doing something else (it will end after its response).
         */
        boolean stopIfWaiting() {
            return state.compareAndSet(State.WAITING, State.STOPPED);
        }

        private boolean evictable() {
            State s = state.get();
            return s == State.HANDSHAKE || s == State.WAITING || s == State.READING;
        }

        private boolean evict() {
            State s = state.get();
            if ((s == State.HANDSHAKE || s == State.WAITING || s == State.READING)
                    && state.compareAndSet(s, State.EVICTED)) {
                release();
                return true;
            }
            return false;
        }

        /** Gives the slot back (once; an evicted slot was given back when it was evicted). */
        void release() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            slots.remove(this);
            total.decrementAndGet();
            if (address != null) {
                perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
            }
        }
    }
}
