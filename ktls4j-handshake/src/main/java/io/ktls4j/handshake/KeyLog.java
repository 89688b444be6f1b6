package io.ktls4j.handshake;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsSecret;

/**
 * Writes session secrets in the NSS key log format ({@code SSLKEYLOGFILE}) so that Wireshark can decrypt a capture.
 * Off unless opted in, by {@link KtlsContextBuilder#keyLogFile(Path)} or, as in curl and browsers, by setting the
 * {@code SSLKEYLOGFILE} environment variable (which {@link KtlsContextBuilder#keyLogFromEnvironment(boolean)} can
 * tell a context to ignore). Anyone who can read the file can decrypt the traffic; the file is created readable by
 * its owner only, and turning it on logs a warning.
 *
 * <p>Lines: TLS 1.2 {@code CLIENT_RANDOM}; TLS 1.3 {@code CLIENT_TRAFFIC_SECRET_0}, {@code SERVER_TRAFFIC_SECRET_0},
 * {@code EXPORTER_SECRET}. TLS 1.3 handshake traffic secrets are not available from BouncyCastle, so a capture shows
 * application data but not the encrypted handshake messages.
 */
final class KeyLog {
    private static final System.Logger LOG = System.getLogger(KeyLog.class.getName());
    private static final Object LOCK = new Object();

    private final Path file;

    private KeyLog(Path file) {
        this.file = file;
    }

    static KeyLog to(Path file) {
        LOG.log(Level.WARNING, "TLS key logging is ON: session secrets are written to " + file
                + "; anyone who can read it can decrypt the traffic");
        return new KeyLog(file);
    }

    /** The key log named by SSLKEYLOGFILE in {@code environment}, or null when it is unset. */
    static KeyLog fromEnvironment(java.util.Map<String, String> environment) {
        String f = environment.get("SSLKEYLOGFILE");
        return f == null || f.isBlank() ? null : to(Path.of(f));
    }

    Path file() {
        return file;
    }

    void tls12(byte[] clientRandom, TlsSecret masterSecret, TlsCrypto crypto) {
        write(new String[] {"CLIENT_RANDOM"}, clientRandom, new TlsSecret[] {masterSecret}, crypto);
    }

    void tls13(byte[] clientRandom, TlsSecret clientTraffic0, TlsSecret serverTraffic0, TlsSecret exporter,
            TlsCrypto crypto) {
        write(new String[] {"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"}, clientRandom,
                new TlsSecret[] {clientTraffic0, serverTraffic0, exporter}, crypto);
    }

    /** Appends the lines; a key log that cannot be written is reported, but never fails the connection. */
    private void write(String[] labels, byte[] clientRandom, TlsSecret[] secrets, TlsCrypto crypto) {
        try {
            append(labels, clientRandom, secrets, crypto);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot write the TLS key log " + file + ": " + e.getMessage());
        }
    }

    private void append(String[] labels, byte[] clientRandom, TlsSecret[] secrets, TlsCrypto crypto)
            throws IOException {
        HexFormat hex = HexFormat.of();
        String random = hex.formatHex(clientRandom);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < labels.length; i++) {
            if (secrets[i] == null) {
                continue;
            }
            byte[] raw = crypto.adoptSecret(secrets[i]).extract(); // a copy: BouncyCastle's secret stays usable
            try {
                sb.append(labels[i]).append(' ').append(random).append(' ').append(hex.formatHex(raw)).append('\n');
            } finally {
                Arrays.fill(raw, (byte) 0);
            }
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
        sb.setLength(0);
        synchronized (LOCK) {
            if (!Files.exists(file) && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (java.nio.file.FileAlreadyExistsException ignored) {
                    // another process created it first
                }
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }
}
