package io.ktls4j.handshake;

import java.util.ArrayDeque;
import java.util.Deque;

/** Closes what a test opened (sockets, peer processes), newest first, ignoring errors. */
final class Closer {
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();

    synchronized <T extends AutoCloseable> T add(T resource) {
        resources.push(resource);
        return resource;
    }

    synchronized void closeAll() {
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception ignored) {
                // best effort in teardown
            }
        }
    }
}
