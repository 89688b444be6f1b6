package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.testkit.Patience;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Faults while {@code ktls serve} (software backend) sends a large file: the file truncated, replaced by a rename or
 * deleted, and a client that resets mid-download. The client gets the right bytes or a clean abort (the connection
 * closed before Content-Length bytes), never a wrong byte, and the server goes on serving others.
 */
class ServeFileFaultsTest {
    private static final int SIZE = 32 << 20;
    /** How much the client reads before the fault: the response is under way, most of it not yet sent. */
    private static final int BEFORE_FAULT = 1 << 20;
    private static final long TRUNCATED = 16 << 20;

    @TempDir
    Path tmp;
    Path www;
    Path big;
    byte[] content;

    @BeforeEach
    void files() throws IOException {
        www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        big = Proc.randomFile(www.resolve("big.bin"), SIZE, 15);
        content = Files.readAllBytes(big);
    }

    /** What happens to the file once the client has read {@link #BEFORE_FAULT} bytes of it. */
    enum Fault {
        /** Cut to 16 MiB in place (same inode): what is past the cut is gone. */
        TRUNCATED {
            @Override
            void apply(Path file) throws IOException {
                try (FileChannel f = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    f.truncate(ServeFileFaultsTest.TRUNCATED);
                }
            }
        },
        /** Another file of the same size, every byte different, renamed over it. */
        REPLACED {
            @Override
            void apply(Path file) throws IOException {
                byte[] other = Files.readAllBytes(file);
                for (int i = 0; i < other.length; i++) {
                    other[i] = (byte) ~other[i];
                }
                Path next = Files.write(file.resolveSibling(file.getFileName() + ".next"), other);
                Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        },
        /** Unlinked. */
        DELETED {
            @Override
            void apply(Path file) throws IOException {
                Files.delete(file);
            }
        };

        abstract void apply(Path file) throws IOException;
    }

    /**
     * A truncated file ends the response early (the connection closes); a replaced or deleted one is sent whole as
     * it was when the response began (the server reads the file it opened). Every byte the client gets is the
     * original's.
     */
    @ParameterizedTest
    @EnumSource(Fault.class)
    void aFileChangedWhileItIsSentGivesTheRightBytesOrACleanAbort(Fault fault) throws Exception {
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet", "--backend", "software")) {
            KtlsContext client = KtlsContext.forClient().trustManager(s.certificate).build();
            CheckingSink sink = new CheckingSink(content, BEFORE_FAULT, () -> fault.apply(big));
            IOException abort = assertTimeoutPreemptively(Patience.of(Duration.ofSeconds(30)), () -> {
                try (Fetcher f = Fetcher.open(URI.create(s.url("/big.bin")), client)) {
                    f.exchange("GET", null, false, sink, null);
                    return null;
                } catch (IOException e) {
                    return e;
                }
            }, "the response neither completed nor ended");
            assertThat(sink.faulted).as("the fault happened mid-response").isTrue();
            if (fault == Fault.TRUNCATED) {
                assertThat(abort).as("a response cut short by the file ends with the connection").isNotNull();
                assertThat(sink.received).as("bytes received of a file truncated to %d", TRUNCATED)
                        .isLessThan(SIZE);
            } else {
                assertThat(abort).as("the file opened for the response is sent whole").isNull();
                assertThat(sink.received).isEqualTo(SIZE);
            }
            assertServesOthers(s, client);
        }
    }

    /** A client that resets the connection mid-download: its connection ends, others are served. */
    @Test
    void aClientThatResetsMidDownloadLeavesTheServerServing() throws Exception {
        try (RunningServer s = RunningServer.start(www, tmp.resolve("state"), "--quiet", "--backend", "software")) {
            KtlsContext client = KtlsContext.forClient().trustManager(s.certificate).build();
            for (int i = 0; i < 3; i++) {
                SocketChannel socket = SocketChannel.open(new InetSocketAddress("127.0.0.1", s.port));
                KtlsConnection tls = client.connect(socket, "localhost");
                tls.write(ByteBuffer.wrap("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer b = ByteBuffer.allocate(64 << 10);
                for (long n = 0; n < BEFORE_FAULT; b.clear()) {
                    n += tls.read(b);
                }
                socket.setOption(StandardSocketOptions.SO_LINGER, 0);
                socket.close(); // an RST, no close_notify
            }
            long deadline = System.nanoTime() + Patience.of(Duration.ofSeconds(10)).toNanos();
            while (s.command.activeConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(s.command.activeConnections()).as("connections still served after the resets; log: %s",
                    s.log()).isZero();
            assertServesOthers(s, client);
        }
    }

    /** A small file and the whole large one (as it is now) are served, and the log has no stack trace. */
    private void assertServesOthers(RunningServer s, KtlsContext client) throws IOException {
        try (Fetcher f = Fetcher.open(URI.create(s.url("/a.txt")), client)) {
            assertThat(f.exchange("GET", null, false, Channels.newChannel(new ByteArrayOutputStream()), null)
                    .head().status()).isEqualTo(200);
        }
        Files.write(big, content);
        CheckingSink whole = new CheckingSink(content, SIZE + 1, () -> { });
        try (Fetcher f = Fetcher.open(URI.create(s.url("/big.bin")), client)) {
            assertThat(f.exchange("GET", null, false, whole, null).head().status()).isEqualTo(200);
        }
        assertThat(whole.received).isEqualTo(SIZE);
        assertThat(s.log()).doesNotContain("\tat ");
    }

    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    /** Compares every byte with the expected content as it arrives; runs {@code fault} once past {@code at}. */
    private static final class CheckingSink implements WritableByteChannel {
        private final byte[] expected;
        private final long at;
        private final Action fault;
        long received;
        boolean faulted;

        CheckingSink(byte[] expected, long at, Action fault) {
            this.expected = expected;
            this.at = at;
            this.fault = fault;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            while (src.hasRemaining()) {
                byte b = src.get();
                if (received >= expected.length || b != expected[(int) received]) {
                    throw new AssertionError("a wrong byte at offset " + received + " of " + expected.length);
                }
                received++;
            }
            if (!faulted && received >= at) {
                faulted = true;
                fault.run();
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
