/**
 * {@code AF_UNIX} stream sockets for processes that hand each other descriptors: connect, listen and accept on a
 * socket file, send and receive bytes with descriptors attached ({@code SCM_RIGHTS}), the peer's credentials
 * ({@code SO_PEERCRED}, {@code SO_PEERGROUPS}), shutdown and close, and a wait with a deadline that never pins a
 * virtual thread's carrier. No {@code java.lang.foreign} type appears here; the calls are ktls4j-linux's FFM facade.
 *
 * <ul>
 *   <li>{@link io.ktls4j.linux.unix.UnixSocket}: one connected end ({@link io.ktls4j.linux.unix.UnixSocket#connect},
 *       {@link io.ktls4j.linux.unix.UnixSocket#pair}, or accepted).</li>
 *   <li>{@link io.ktls4j.linux.unix.UnixServerSocket}: a listening socket bound to a path.</li>
 *   <li>{@link io.ktls4j.linux.unix.PeerCredentials}: who is at the other end.</li>
 * </ul>
 *
 * <p>Errors: a call that would block throws {@link io.ktls4j.WouldBlockException} (the would-block convention of
 * {@code io.ktls4j}); a socket closed before or during a call gives {@link java.nio.channels.ClosedChannelException};
 * any other failure is {@link io.ktls4j.linux.ErrnoException} naming the call and the errno. Every descriptor this
 * package creates or receives is {@code O_CLOEXEC}, so none leaks into child processes.
 */
package io.ktls4j.linux.unix;
