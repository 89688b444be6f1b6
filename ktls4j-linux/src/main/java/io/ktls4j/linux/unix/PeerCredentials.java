package io.ktls4j.linux.unix;

/**
 * The process at the other end of a Unix socket as the kernel recorded it when the connection was made
 * ({@code SO_PEERCRED}, {@code struct ucred}): it does not change when that process later changes its ids.
 *
 * @param pid the peer's process id (in this process's pid namespace; 0 when it has none here)
 * @param uid the peer's effective user id
 * @param gid the peer's effective group id
 */
public record PeerCredentials(int pid, int uid, int gid) {
}
