package io.ktls4j.linux.internal;

import io.ktls4j.Errno;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Raw file descriptors: {@code dup3}, {@code fcntl(F_GETFL/F_SETFL)}, {@code close}, and the count of this process's
 * open descriptors (for leak checks). Results follow {@link Native}: {@code >= 0} or {@code -errno}.
 */
public final class Descriptors {
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    private static final int F_GETFD = 1;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int F_DUPFD_CLOEXEC = 1030;

    private Descriptors() {
    }

    /**
     * {@code dup3(oldFd, newFd, O_CLOEXEC)}: makes {@code newFd} refer to {@code oldFd}'s open file, atomically closing
     * what {@code newFd} referred to before. Returns {@code newFd} or -errno.
     */
    public static int dup3(int oldFd, int newFd) {
        try (Arena arena = Arena.ofConfined()) {
            int r;
            do {
                r = Native.dup3(arena, oldFd, newFd, O_CLOEXEC);
            } while (r == -Errno.EBUSY.code()); // a race with open(2) in another thread: retry
            return r;
        }
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)}: a new descriptor for the same open file, or -errno. */
    public static int dup(int fd) {
        return fcntl(fd, F_DUPFD_CLOEXEC, 0);
    }

    /** {@code fcntl(fd, F_GETFL)}: the file status flags ({@link #O_NONBLOCK} ...) or -errno (EBADF). */
    public static int statusFlags(int fd) {
        return fcntl(fd, F_GETFL, 0);
    }

    /** {@code fcntl(fd, F_SETFL, flags)}: 0 or -errno. The flags belong to the open file, shared by every dup. */
    public static int setStatusFlags(int fd, int flags) {
        return fcntl(fd, F_SETFL, flags);
    }

    /** True when {@code fd} is an open descriptor of this process ({@code fcntl(F_GETFD)} succeeds). */
    public static boolean isOpen(int fd) {
        return fd >= 0 && fcntl(fd, F_GETFD, 0) >= 0;
    }

    /** {@code close(fd)}: 0 or -errno. Only for descriptors the caller owns outright (never a channel's). */
    public static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return Native.close(arena, fd);
        }
    }

    /** The number of entries in {@code /proc/self/fd} (the listing's own descriptor excluded). */
    public static int openCount() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                n++;
            }
        }
        return n - 1;
    }

    private static int fcntl(int fd, int cmd, int arg) {
        try (Arena arena = Arena.ofConfined()) {
            return Native.fcntl(arena, fd, cmd, arg);
        }
    }
}
