package io.ktls4j.linux.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the handshake agent needs beyond {@link Native}'s: Unix-domain sockets ({@code bind}, {@code listen},
 * {@code accept4}, {@code connect}, {@code socketpair}) and descriptor control ({@code dup3}, {@code fcntl}). Same
 * convention as {@link Native}: {@code result >= 0}, or {@code -errno} captured per call in the caller's arena.
 * Used through {@link UnixSockets} and {@link Descriptors}; only usable where {@link Native#isUsable()}.
 */
final class LibC {
    private static final StructLayout CAPTURE;
    private static final VarHandle ERRNO;
    static final MethodHandle BIND;
    static final MethodHandle LISTEN;
    static final MethodHandle ACCEPT4;
    static final MethodHandle CONNECT;
    static final MethodHandle SOCKETPAIR;
    static final MethodHandle DUP3;
    static final MethodHandle FCNTL_INT;

    static {
        StructLayout capture = null;
        VarHandle errno = null;
        MethodHandle bind = null, listen = null, accept4 = null, connect = null, socketpair = null, dup3 = null,
                fcntl = null;
        if (Native.isUsable()) {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            capture = Linker.Option.captureStateLayout();
            errno = capture.varHandle(MemoryLayout.PathElement.groupElement("errno"));
            Linker.Option ccs = Linker.Option.captureCallState("errno");
            bind = handle(linker, libc, "bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ccs);
            listen = handle(linker, libc, "listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ccs);
            accept4 = handle(linker, libc, "accept4",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT), ccs);
            connect = handle(linker, libc, "connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
                    ccs);
            socketpair = handle(linker, libc, "socketpair",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS), ccs);
            dup3 = handle(linker, libc, "dup3", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ccs);
            // int fcntl(int fd, int cmd, ...): the third argument is variadic
            fcntl = handle(linker, libc, "fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ccs,
                    Linker.Option.firstVariadicArg(2));
        }
        CAPTURE = capture;
        ERRNO = errno;
        BIND = bind;
        LISTEN = listen;
        ACCEPT4 = accept4;
        CONNECT = connect;
        SOCKETPAIR = socketpair;
        DUP3 = dup3;
        FCNTL_INT = fcntl;
    }

    private LibC() {
    }

    private static MethodHandle handle(Linker linker, SymbolLookup libc, String name, FunctionDescriptor fd,
            Linker.Option... options) {
        MemorySegment symbol = libc.find(name).orElseThrow(() -> new IllegalStateException("libc has no " + name));
        return linker.downcallHandle(symbol, fd, options);
    }

    /** A fresh errno capture segment for one call. */
    static MemorySegment capture(Arena arena) {
        if (CAPTURE == null) {
            throw new UnsupportedOperationException(Native.unavailabilityCause());
        }
        return arena.allocate(CAPTURE);
    }

    /** The call's result, or {@code -errno} when it is negative. */
    static int result(int r, MemorySegment capture) {
        return r < 0 ? -Math.max(1, (int) ERRNO.get(capture, 0L)) : r;
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
