package io.ktls4j.agent.daemon;

import io.ktls4j.linux.ErrnoException;
import io.ktls4j.linux.unix.UnixServerSocket;
import io.ktls4j.linux.unix.UnixSocket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    /** Room the temporary name's suffix ({@code .NAME.PID.RANDOM}) takes beyond the path. */
    private static final int TEMPORARY_SUFFIX_BYTES = 24;

    private final Path path;
    private final UnixServerSocket server;
    private final Object fileKey;

    private AgentSocket(Path path, UnixServerSocket server, Object fileKey) {
        this.path = path;
        this.server = server;
        this.fileKey = fileKey;
    }

    /**
     * Creates, binds and listens.
     *
     * @param group null for mode 0600, else mode 0660 with this group
     */
    static AgentSocket listen(Path path, String group, int backlog) throws IOException {
        Path abs = path.toAbsolutePath();
        int max = UnixServerSocket.MAX_PATH_BYTES - TEMPORARY_SUFFIX_BYTES;
        if (abs.toString().getBytes(StandardCharsets.UTF_8).length > max) {
            throw new IOException("the socket path " + abs + " is too long for AF_UNIX (keep it under " + (max + 1)
                    + " bytes)");
        }
        refuseLiveAgent(abs);
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
        UnixServerSocket server = UnixServerSocket.bind(tmp);
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(group == null ? "rw-------"
                        : "rw-rw----"));
                if (group != null) {
                    GroupPrincipal g = tmp.getFileSystem().getUserPrincipalLookupService()
                            .lookupPrincipalByGroupName(group);
                    Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(g);
                }
                server.listen(backlog);
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            Object key = Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return new AgentSocket(abs, server, key);
        } catch (IOException | RuntimeException e) {
            server.close();
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
        try (UnixSocket probe = UnixSocket.connect(path)) {
            throw new IOException("an agent is already listening on " + path);
        } catch (ErrnoException stale) {
            // nothing answers: a stale file, replaced below
        }
    }

    Path path() {
        return path;
    }

    /** The next consumer connection (blocks the calling platform thread; {@link #shutdown()} wakes it). */
    UnixSocket accept() throws IOException {
        return server.accept();
    }

    /** Wakes a thread blocked in {@link #accept()} (it gets AsynchronousCloseException). */
    void shutdown() {
        server.shutdown();
    }

    /** Closes the socket and removes the file if it is still ours. */
    @Override
    public void close() {
        server.close();
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
