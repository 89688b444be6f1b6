/**
 * The Linux kernel backend of ktls4j: kTLS through FFM ({@code java.lang.foreign}), no JNI and no native build.
 *
 * <ul>
 *   <li>{@link io.ktls4j.linux.KernelBackend} / {@link io.ktls4j.linux.KernelKtlsSocket}: the
 *       {@link io.ktls4j.KtlsSocket} contract as the kernel's own socket calls ({@code TCP_ULP}, {@code TLS_TX},
 *       {@code TLS_RX}, {@code sendmsg}/{@code recvmsg} with {@code TLS_SET/GET_RECORD_TYPE}, {@code sendfile}).</li>
 *   <li>{@link io.ktls4j.linux.KernelTls}: what the running kernel can do, probed once per process, every "no" with
 *       the kernel's answer and the {@link io.ktls4j.linux.KernelFeature} version that has it; plus
 *       {@code /proc/net/tls_stat}.</li>
 *   <li>{@link io.ktls4j.linux.Ktls#attach}: per-direction fallback to the software backend
 *       ({@link io.ktls4j.linux.BackendPolicy}, {@link io.ktls4j.linux.FallbackDecision},
 *       {@link io.ktls4j.linux.FallbackStatistics}).</li>
 *   <li>{@link io.ktls4j.linux.ErrnoException} and {@link io.ktls4j.linux.LinuxErrno}: a failed call whose errno is
 *       outside {@link io.ktls4j.Errno}, and the names of those errnos.</li>
 * </ul>
 *
 * <p>Beside it: {@code io.ktls4j.linux.unix} ({@code AF_UNIX} sockets with descriptor passing and peer credentials)
 * and {@code io.ktls4j.linux.fd} (raw descriptors, for ktls4j's own integrations). {@code io.ktls4j.linux.internal}
 * holds the one native facade ({@code Native}), the errno mapping ({@code Errors}), the one wait for a descriptor
 * ({@code Readiness}, {@code Poller}), the fd lookup ({@code SocketFd}) and sock_diag; none of its types appear in
 * any public signature.
 * Callers need {@code --enable-native-access=ALL-UNNAMED} (or the module name) to run without warnings.
 */
package io.ktls4j.linux;
