/**
 * Raw descriptors for ktls4j's own integrations (the handshake agent, the Netty module), which hold sockets that no
 * {@link java.nio.channels.SocketChannel} of theirs owns; meant to be exported to them only.
 *
 * <ul>
 *   <li>{@link io.ktls4j.linux.fd.KtlsDescriptor}: the kernel's TLS on a raw TCP socket descriptor (attach the ULP,
 *       install keys, control records), one non-blocking syscall each, with the kernel backend's typed errors.</li>
 *   <li>{@link io.ktls4j.linux.fd.SocketInfo}: what a descriptor is (TCP? connected? listening? which ULP?) and its
 *       {@code SO_COOKIE}.</li>
 *   <li>{@link io.ktls4j.linux.fd.RawDescriptors}: the descriptor of a JDK channel, {@code dup3}, file status flags,
 *       {@code close}, and waiting for readiness with a deadline (virtual threads park).</li>
 * </ul>
 * No {@code java.lang.foreign} type appears in these signatures.
 */
package io.ktls4j.linux.fd;
