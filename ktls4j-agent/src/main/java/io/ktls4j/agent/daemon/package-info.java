/**
 * The handshake agent's daemon side ({@code ktls agent}): the process that holds the credentials, runs the TLS
 * handshakes on the sockets consumers send it and installs their keys in the kernel (docs/AGENT.md).
 *
 * <ul>
 *   <li>{@link io.ktls4j.agent.daemon.AgentDaemon} with its {@link io.ktls4j.agent.daemon.AgentDaemon.Options};
 *       {@link io.ktls4j.agent.daemon.AgentMain}, the command line.</li>
 *   <li>The configuration: {@link io.ktls4j.agent.daemon.AgentConfig},
 *       {@link io.ktls4j.agent.daemon.CredentialConfig}, {@link io.ktls4j.agent.daemon.ConfigParser},
 *       {@link io.ktls4j.agent.daemon.DefaultCredential}; decisions go to an
 *       {@link io.ktls4j.agent.daemon.AgentLog}.</li>
 * </ul>
 * Package-private: the access policy, one request's handling and handshake, the sessions kept for KeyUpdates, and
 * {@code KernelPort}, the daemon's only way to the kernel's TLS on a consumer's socket.
 */
package io.ktls4j.agent.daemon;
