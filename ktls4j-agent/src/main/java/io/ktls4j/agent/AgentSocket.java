package io.ktls4j.agent;

import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.internal.Descriptors;
import io.ktls4j.linux.internal.UnixSockets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The agent's listening socket file: bound under a temporary name in the target directory, given its mode
 * ({@code 0600}, or {@code 0660} and a group) and only then renamed into place, so it is never reachable with wider
 * permissions. A stale file at the path (nothing answers) is replaced; a live agent there is an error.
 */
final class AgentSocket implements AutoCloseable {
    private final Path path;
    private final int fd;
    private final Object fileKey;

    private AgentSocket(Path path, int fd, Object fileKey) {
        this.path = path;
        this.fd = fd;
        this.fileKey = fileKey;
    }

    /**
     * Creates, binds and listens.
     *
     * @param group null for mode 0600, else mode 0660 with this group
     */
    static AgentSocket listen(Path path, String group, int backlog) throws IOException {
        Path abs = path.toAbsolutePath();
        if (abs.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= UnixSockets.SUN_PATH_MAX - 24) {
            throw new IOException("the socket path " + abs + " is too long for AF_UNIX (keep it under 84 bytes)");
        }
        refuseLiveAgent(abs);
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
        int fd = UnixSockets.socket();
        if (fd < 0) {
            throw new ErrnoException(-fd, "socket(AF_UNIX)");
        }
        try {
            int r = UnixSockets.bind(fd, tmp.toString());
            if (r < 0) {
                throw new ErrnoException(-r, "bind(" + tmp + ")");
            }
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(group == null ? "rw-------" : "rw-rw----"));
                if (group != null) {
                    GroupPrincipal g = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                    Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(g);
                }
                r = UnixSockets.listen(fd, backlog);
                if (r < 0) {
                    throw new ErrnoException(-r, "listen");
                }
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Object key = Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return new AgentSocket(abs, fd, key);
        } catch (IOException | RuntimeException e) {
            Descriptors.close(fd);
            throw e;
        }
    }

    private static void refuseLiveAgent(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isOther()) {
            throw new IOException(path + " exists and is not a socket; refusing to replace it");
        }
        int probe = UnixSockets.socket();
        try {
            if (probe >= 0 && UnixSockets.connect(probe, path.toString()) == 0) {
                throw new IOException("an agent is already listening on " + path);
            }
        } finally {
            if (probe >= 0) {
                Descriptors.close(probe);
            }
        }
    }

    Path path() {
        return path;
    }

    int fd() {
        return fd;
    }

    /** Wakes a thread blocked in {@code accept} (it gets EINVAL). */
    void shutdown() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            io.ktls4j.linux.internal.Native.shutdown(arena, fd, io.ktls4j.linux.internal.Native.SHUT_RDWR);
        }
    }

    /** Closes the socket and removes the file if it is still ours. */
    @Override
    public void close() {
        shutdown();
        Descriptors.close(fd);
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (fileKey != null && fileKey.equals(a.fileKey())) {
                Files.deleteIfExists(path);
            }
        } catch (IOException gone) {
            // already removed
        }
    }
}
