package io.ktls4j.linux.fd;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RawDescriptors#of}: the descriptor behind a JDK channel, for IP and for bound AF_UNIX channels. */
class RawDescriptorsTest {
    @TempDir
    Path dir;

    @Test
    void aBoundUnixChannelsDescriptorIsFoundByItsPath() throws Exception {
        Path path = dir.resolve("s");
        try (SocketChannel unix = SocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(path))) {
            int fd = RawDescriptors.of(unix);
            assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString()).startsWith("socket:[");
            assertThat(SocketInfo.of(fd).domain()).as("AF_UNIX").isEqualTo(1);
        }
    }
}
