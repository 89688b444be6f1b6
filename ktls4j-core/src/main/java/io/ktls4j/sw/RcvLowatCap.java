package io.ktls4j.sw;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The most {@code SO_RCVLOWAT} can be: {@code tcp_set_rcvlowat} caps it at half of {@code tcp_rmem[2]}, the largest
 * TCP receive buffer ({@code /proc/sys/net/ipv4/tcp_rmem}; 6 MiB by default where it cannot be read).
 */
final class RcvLowatCap {
    private static final int DEFAULT_TCP_RMEM_MAX = 6 << 20;
    static final int CAP = read() >> 1;

    private RcvLowatCap() {
    }

    private static int read() {
        try {
            String[] f = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_rmem")).trim().split("\\s+");
            return f.length == 3 ? Integer.parseInt(f[2]) : DEFAULT_TCP_RMEM_MAX;
        } catch (IOException | RuntimeException e) {
            return DEFAULT_TCP_RMEM_MAX;
        }
    }
}
