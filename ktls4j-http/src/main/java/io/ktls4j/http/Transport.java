package io.ktls4j.http;

import java.io.IOException;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;

/**
 * Turns an accepted TCP socket into the channel HTTP runs on: as it is ({@link #PLAIN}), or after a TLS handshake.
 * The server bounds {@link #open} with its handshake timeout by closing the socket.
 */
@FunctionalInterface
public interface Transport {

    /** Plain TCP: the socket itself, with {@code sendfile} through {@code transferTo}. */
    Transport PLAIN = socket -> new Session() {
        @Override
        public ByteChannel channel() {
            return socket;
        }

        @Override
        public FileSender fileSender() {
            return FileSender.forChannel(socket);
        }

        @Override
        public String describe() {
            return "plain";
        }

        @Override
        public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    };

    /** Opens the session on a connected, blocking socket; on failure the caller closes the socket. */
    Session open(SocketChannel socket) throws IOException;

    /** An open connection as HTTP sees it. */
    interface Session extends AutoCloseable {
        /** The blocking channel carrying plaintext HTTP. */
        ByteChannel channel();

        /** How file bodies go out on this connection. */
        FileSender fileSender();

        /** One phrase for the connection log: version, suite and backend per direction for TLS. */
        String describe();

        /**
         * Ends this side's output, keeping input open (TLS: close_notify, then {@code shutdown(SHUT_WR)}): after an
         * error response the server drains what the client still sends until the client closes.
         */
        void shutdownOutput() throws IOException;

        /**
         * What to call the end of the connection when its channel threw {@code e}, if {@code e} means the peer sent
         * input this transport refused (TLS: a record that failed authentication or broke the record layer's
         * rules), so that the log shows an attack or a fault, not a client that went away; null otherwise (plain
         * TCP: always).
         */
        default String peerFault(IOException e) {
            return null;
        }

        /** Ends the session (TLS: close_notify if not sent yet) and closes the socket. */
        @Override
        void close() throws IOException;
    }
}
