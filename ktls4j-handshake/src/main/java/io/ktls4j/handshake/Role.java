package io.ktls4j.handshake;

/** Which end of the TLS connection this process is. */
public enum Role {
    CLIENT,
    SERVER
}
