/**
 * The record-layer contract and the kernel's vocabulary: {@link io.ktls4j.KtlsSocket} (a TCP socket with the TLS ULP,
 * {@code TLS_TX}/{@code TLS_RX}, records, control messages), {@link io.ktls4j.TlsBackend} (how a socket gets one),
 * {@link io.ktls4j.CryptoInfo} ({@code tls12_crypto_info_*} byte for byte), and the errno-typed exceptions.
 *
 * <h2>Would-block convention</h2>
 * One rule across ktls4j, stated once here:
 * <ul>
 * <li>The record-layer contract mirrors the syscalls: a {@link io.ktls4j.KtlsSocket} call that can make no progress
 *     without blocking throws {@link io.ktls4j.WouldBlockException} ({@code EAGAIN}; stackless, never marks the
 *     socket broken; retry when the channel is ready).</li>
 * <li>Channels follow {@code java.nio}: {@link io.ktls4j.KtlsChannel} and the handshake module's
 *     {@code KtlsConnection} return 0 from a read or write that cannot progress in non-blocking mode (-1 is end of
 *     stream), and never throw {@code WouldBlockException} from those methods. Their other non-blocking operations
 *     (e.g. {@code KtlsConnection.keyUpdate}) are record-layer calls and throw it, as the contract does.</li>
 * <li>A handshake driven step by step ({@code TlsHandshake.step()}) returns what it waits for
 *     ({@code NEEDS_READ}/{@code NEEDS_WRITE}) instead of throwing.</li>
 * </ul>
 * Any other {@link java.io.IOException} is a real failure: the socket, channel or connection is then unusable and
 * later calls fail the same way.
 */
package io.ktls4j;
