package io.ktls4j.agent.daemon;

import io.ktls4j.linux.unix.PeerCredentials;

/** Decides whether a process may use a credential, from its {@code SO_PEERCRED} and {@code SO_PEERGROUPS}. */
final class AccessPolicy {
    private AccessPolicy() {
    }

    /** An access decision and the rule that made it, for the log. */
    record Decision(boolean allowed, String reason) {
    }

    static Decision decide(CredentialConfig c, PeerCredentials peer, int[] groups) {
        if (c.anyone()) {
            return new Decision(true, "allowed: * (anyone who can connect)");
        }
        if (c.allowUids().contains(peer.uid())) {
            return new Decision(true, "allowed: uid " + peer.uid() + " in allow-uid");
        }
        if (c.allowGids().contains(peer.gid())) {
            return new Decision(true, "allowed: gid " + peer.gid() + " in allow-gid");
        }
        for (int g : groups) {
            if (c.allowGids().contains(g)) {
                return new Decision(true, "allowed: supplementary group " + g + " in allow-gid");
            }
        }
        return new Decision(false, "denied: uid " + peer.uid() + " gid " + peer.gid() + " (groups "
                + java.util.Arrays.toString(groups) + ") not in allow-uid " + c.allowUids() + " or allow-gid "
                + c.allowGids());
    }
}
