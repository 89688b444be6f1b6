/**
 * The handshake agent's consumer side: what an application uses to have a separate process
 * ({@code io.ktls4j.agent.daemon}, {@code ktls agent}) run its TLS handshakes and hand the socket back with the record
 * layer in the kernel (docs/AGENT.md).
 *
 * <ul>
 *   <li>{@link io.ktls4j.agent.AgentClient}: connect to an agent and run
 *       {@link io.ktls4j.agent.AgentClient#handshake handshake(channel, request)}, which returns a
 *       {@link io.ktls4j.handshake.KtlsConnection}.</li>
 *   <li>{@link io.ktls4j.agent.HandshakeRequest}: what to ask (side, peer name, ALPN, authentication, credential,
 *       timeout).</li>
 *   <li>{@link io.ktls4j.agent.AgentException} with its {@link io.ktls4j.agent.AgentStatus} and
 *       {@link io.ktls4j.agent.SocketState}; {@link io.ktls4j.agent.Placement}: where each direction's keys went.</li>
 * </ul>
 * The package-private classes are the consumer's record layer after the handshake and the post-handshake duties it
 * routes to the agent. The frames both sides exchange are {@code io.ktls4j.agent.wire}, which is not API.
 */
package io.ktls4j.agent;
