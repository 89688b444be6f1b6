package io.ktls4j.agent.wire;

import io.ktls4j.WouldBlockException;
import io.ktls4j.linux.fd.RawDescriptors;
import io.ktls4j.linux.unix.UnixSocket;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One end of an {@code AF_UNIX} stream connection as the agent protocol uses it, on either side: whole frames in and
 * out, with deadlines, never blocking a carrier thread (ktls4j-linux's {@link UnixSocket} waits park virtual threads).
 * Descriptors that arrive while reading are collected ({@link #takeDescriptors()}) up to a budget (one: a request
 * carries one socket); any beyond it is closed as it arrives and counted, so a peer that attaches descriptors to every
 * byte of a slow frame holds none of them. Whatever is still held at {@link #close()} is closed, so none leaks. Not
 * thread-safe, except {@link #peerGone()} and {@link #close()}.
 */
public final class FrameStream implements AutoCloseable {
    /** Room for this many descriptors per {@code recvmsg}; more are dropped by the kernel (MSG_CTRUNC). */
    public static final int MAX_FDS_PER_READ = 4;

    private final UnixSocket socket;
    private final List<Integer> received = new ArrayList<>();
    private int descriptorBudget = 1;
    private int descriptorsSeen;
    private boolean truncatedDescriptors;
    private boolean closed;

    public FrameStream(UnixSocket socket) {
        this.socket = socket;
    }

    /** Connects to the agent's socket at {@code path}. */
    public static FrameStream connect(Path path) throws IOException {
        return new FrameStream(UnixSocket.connect(path));
    }

    /** The connection itself (its peer's credentials, waiting for the next frame). */
    public UnixSocket socket() {
        return socket;
    }

    /** Reads one frame's header and body (at most {@code maxBody} bytes). */
    public byte[][] readFrame(int maxBody, long deadlineNanos) throws IOException {
        byte[] header = new byte[Wire.HEADER];
        readFully(header, deadlineNanos);
        Wire.Header h = Wire.header(header, maxBody);
        byte[] body = new byte[h.length()];
        readFully(body, deadlineNanos);
        return new byte[][] {header, body};
    }

    /** Reads exactly {@code dst.length} bytes, collecting any descriptors that come with them. */
    public void readFully(byte[] dst, long deadlineNanos) throws IOException {
        int off = 0;
        while (off < dst.length) {
            UnixSocket.Received r;
            try {
                r = socket.receive(dst, off, dst.length - off, MAX_FDS_PER_READ);
            } catch (WouldBlockException e) {
                if (!socket.awaitReadable(deadlineNanos)) {
                    throw new SocketTimeoutException("no complete frame within the time allowed (" + off + " of "
                            + dst.length + " bytes)");
                }
                continue;
            }
            for (int f : r.fds()) {
                descriptorsSeen++;
                if (received.size() < descriptorBudget) {
                    received.add(f);
                } else {
                    RawDescriptors.close(f);
                }
            }
            truncatedDescriptors |= r.descriptorsTruncated();
            if (r.bytes() < 0) {
                throw new EOFException("the other end closed the connection after " + off + " of " + dst.length
                        + " bytes");
            }
            off += r.bytes();
        }
    }

    /** Writes a whole frame, with {@code fds} attached to its first bytes. */
    public void write(byte[] frame, int[] fds, long deadlineNanos) throws IOException {
        int off = 0;
        int[] attach = fds;
        while (off < frame.length) {
            try {
                off += socket.send(frame, off, frame.length - off, attach);
                attach = new int[0];
            } catch (WouldBlockException e) {
                if (!socket.awaitWritable(deadlineNanos)) {
                    throw new SocketTimeoutException("the other end did not take the frame in time");
                }
            }
        }
    }

    /** True when the other end hung up (or the connection broke); never blocks. */
    public boolean peerGone() {
        return socket.peerClosed();
    }

    /**
     * How many received descriptors to hold (default 1); later ones are closed on arrival. 0 for a peer that may use
     * no credential: nothing it sends is kept.
     */
    public void descriptorBudget(int n) {
        descriptorBudget = n;
    }

    /** Descriptors that arrived since the last {@link #takeDescriptors()}, kept or not. */
    public int descriptorsSeen() {
        return descriptorsSeen;
    }

    /** The descriptors received so far; the caller now owns them. */
    public int[] takeDescriptors() {
        int[] fds = received.stream().mapToInt(Integer::intValue).toArray();
        received.clear();
        descriptorsSeen = 0;
        return fds;
    }

    /** True when the kernel dropped descriptors that did not fit a read's control buffer. */
    public boolean descriptorsTruncated() {
        return truncatedDescriptors;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int f : takeDescriptors()) {
            RawDescriptors.close(f);
        }
        socket.close();
    }
}
