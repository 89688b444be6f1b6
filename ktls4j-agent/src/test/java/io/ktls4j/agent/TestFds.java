package io.ktls4j.agent;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Raw descriptors of every kind a consumer might wrongly send (leak checks: testkit's OpenDescriptors). */
public final class TestFds {
    private TestFds() {
    }

    /** A regular file opened by the JDK, and its descriptor (found in /proc/self/fd by its unique path). */
    public record OpenFile(FileChannel channel, int fd) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    public static OpenFile file() throws IOException {
        Path p = Files.createTempFile("ktls4j-agent-not-a-socket", ".txt");
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path e : dir) {
                try {
                    if (Files.readSymbolicLink(e).equals(p)) {
                        return new OpenFile(ch, Integer.parseInt(e.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        ch.close();
        throw new IOException("the file's descriptor is not in /proc/self/fd");
    }

    /** The number of open descriptors of another process. */
    public static int openCount(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        }
    }
}
