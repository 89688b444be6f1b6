package io.ktls4j.handshake;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client's sessions to resume, per server ({@code host:port}), of one {@link KtlsContext} (so of one
 * configuration): the TLS 1.3 NewSessionTickets servers sent after handshakes, each with its PSK, and TLS 1.2
 * sessions the server gave an ID, each with its master secret. A connection to the same server takes the newest
 * unexpired one out and offers it (a TLS 1.3 ticket once, RFC 8446 §C.4; a TLS 1.2 session goes back in when the
 * server resumes it); if the server does not resume it, the handshake is a full one. At most {@value #PER_SERVER}
 * sessions per server and {@value #SERVERS} servers (the least recently used go). Thread-safe.
 *
 * <p>{@link #save} and {@link #load} keep the tickets across processes ({@code ktls get --session FILE}). The file
 * holds the PSKs: whoever reads it can resume these sessions (as with {@code openssl s_client -sess_out}); it is
 * written readable by its owner only. {@code toString()} shows counts only.
 */
public final class SessionCache {
    static final int PER_SERVER = 4;
    static final int SERVERS = 1024;
    private static final int FILE_MAGIC = 0x6b746c73; // "ktls"
    private static final int FILE_VERSION = 2;
    /** Version 1 files hold TLS 1.3 tickets only (no session ID, no extended-master-secret flag). */
    private static final int FILE_VERSION_1 = 1;
    /**
     * How long a TLS 1.2 session is offered: the server says nothing of how long it keeps one; OpenSSL's default
     * is this, nginx's 5 minutes, JSSE's a day. A session the server forgot costs a full handshake, nothing more.
     */
    static final long TLS12_LIFETIME_SECONDS = 7200;

    /**
     * One session and what resuming it needs: for TLS 1.3 a ticket and its PSK; for TLS 1.2 ({@link #tls12()}) the
     * session ID, the master secret in {@code psk} and the extended-master-secret flag, with no ticket.
     * {@code toString()} leaves out the secret.
     */
    record Ticket(byte[] ticket, byte[] psk, TlsCipherSuite suite, long receivedMillis, long lifetimeSeconds,
            long ageAdd, List<X509Certificate> peerCertificates, byte[] sessionId, boolean extendedMasterSecret) {
        Ticket {
            peerCertificates = List.copyOf(peerCertificates);
        }

        /** A TLS 1.3 ticket. */
        Ticket(byte[] ticket, byte[] psk, TlsCipherSuite suite, long receivedMillis, long lifetimeSeconds,
                long ageAdd, List<X509Certificate> peerCertificates) {
            this(ticket, psk, suite, receivedMillis, lifetimeSeconds, ageAdd, peerCertificates, new byte[0], true);
        }

        /** A TLS 1.2 session kept under the ID the server gave it; takes {@code masterSecret}. */
        static Ticket tls12(byte[] sessionId, byte[] masterSecret, TlsCipherSuite suite, long receivedMillis,
                boolean extendedMasterSecret, List<X509Certificate> peerCertificates) {
            return new Ticket(new byte[0], masterSecret, suite, receivedMillis, TLS12_LIFETIME_SECONDS, 0,
                    peerCertificates, sessionId.clone(), extendedMasterSecret);
        }

        boolean tls12() {
            return suite.version() == io.ktls4j.TlsVersion.TLS_1_2;
        }

        /** The same session with its own copy of the secret (a TLS 1.2 session can be resumed again). */
        Ticket copy() {
            return new Ticket(ticket, psk.clone(), suite, receivedMillis, lifetimeSeconds, ageAdd, peerCertificates,
                    sessionId, extendedMasterSecret);
        }

        boolean expired(long nowMillis) {
            return nowMillis < receivedMillis || nowMillis - receivedMillis >= lifetimeSeconds * 1000;
        }

        void destroy() {
            Arrays.fill(psk, (byte) 0);
        }

        @Override
        public String toString() {
            return tls12() ? "Ticket[" + suite + ", session ID of " + sessionId.length + " bytes, lifetime "
                    + lifetimeSeconds + " s]"
                    : "Ticket[" + suite + ", " + ticket.length + " bytes, lifetime " + lifetimeSeconds + " s]";
        }
    }

    private final Clock clock;
    private final Map<String, Deque<Ticket>> servers = new LinkedHashMap<>(16, 0.75f, true);

    SessionCache(Clock clock) {
        this.clock = clock;
    }

    long nowMillis() {
        return clock.millis();
    }

    static String key(String host, int port) {
        return (host == null ? "" : host.toLowerCase(java.util.Locale.ROOT)) + ":" + port;
    }

    synchronized void add(String server, Ticket t) {
        if (t.lifetimeSeconds == 0) {
            t.destroy(); // RFC 8446 §4.6.1: lifetime 0 means do not cache
            return;
        }
        Deque<Ticket> d = servers.computeIfAbsent(server, k -> new ArrayDeque<>());
        d.addLast(t);
        while (d.size() > PER_SERVER) {
            d.removeFirst().destroy();
        }
        while (servers.size() > SERVERS) {
            var eldest = servers.entrySet().iterator().next();
            eldest.getValue().forEach(Ticket::destroy);
            servers.remove(eldest.getKey());
        }
    }

    /** The newest unexpired ticket for {@code server}, removed from the cache; null when there is none. */
    synchronized Ticket take(String server) {
        Deque<Ticket> d = servers.get(server);
        long now = clock.millis();
        while (d != null && !d.isEmpty()) {
            Ticket t = d.removeLast();
            if (!t.expired(now)) {
                if (d.isEmpty()) {
                    servers.remove(server);
                }
                return t;
            }
            t.destroy();
        }
        servers.remove(server);
        return null;
    }

    /** Tickets held (expired ones included until they are next looked at). */
    public synchronized int size() {
        return servers.values().stream().mapToInt(Deque::size).sum();
    }

    /** Forgets every ticket and zeroes their PSKs. */
    public synchronized void clear() {
        servers.values().forEach(d -> d.forEach(Ticket::destroy));
        servers.clear();
    }

    /** Writes the unexpired tickets to {@code file} (owner-only permissions where the file system has them). */
    public void save(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        try (OutputStream os = Files.newOutputStream(tmp); DataOutputStream out = new DataOutputStream(os)) {
            write(out);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Adds the tickets saved in {@code file}; a missing file adds nothing. A file that is not a session file, or is
     * damaged, adds nothing and throws.
     */
    public void load(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] bytes = Files.readAllBytes(file);
        try (InputStream is = new ByteArrayInputStream(bytes); DataInputStream in = new DataInputStream(is)) {
            Map<String, List<Ticket>> read = read(in);
            read.forEach((server, tickets) -> tickets.forEach(t -> add(server, t)));
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a ktls4j session file or is damaged: " + e.getMessage(), e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private synchronized void write(DataOutputStream out) throws IOException {
        long now = clock.millis();
        out.writeInt(FILE_MAGIC);
        out.writeInt(FILE_VERSION);
        List<Map.Entry<String, Ticket>> live = new ArrayList<>();
        servers.forEach((server, d) -> d.stream().filter(t -> !t.expired(now))
                .forEach(t -> live.add(Map.entry(server, t))));
        out.writeInt(live.size());
        for (var e : live) {
            Ticket t = e.getValue();
            out.writeUTF(e.getKey());
            out.writeShort(t.suite.id());
            out.writeLong(t.receivedMillis);
            out.writeLong(t.lifetimeSeconds);
            out.writeLong(t.ageAdd);
            writeBytes(out, t.ticket);
            writeBytes(out, t.psk);
            writeBytes(out, t.sessionId);
            out.writeBoolean(t.extendedMasterSecret);
            out.writeInt(t.peerCertificates.size());
            for (X509Certificate c : t.peerCertificates) {
                try {
                    writeBytes(out, c.getEncoded());
                } catch (CertificateEncodingException ex) {
                    throw new IOException("cannot encode a peer certificate", ex);
                }
            }
        }
    }

    private static Map<String, List<Ticket>> read(DataInputStream in) throws IOException {
        if (in.readInt() != FILE_MAGIC) {
            throw new IOException("unknown format");
        }
        int version = in.readInt();
        if (version != FILE_VERSION && version != FILE_VERSION_1) {
            throw new IOException("unknown format version " + version);
        }
        int n = in.readInt();
        if (n < 0 || n > PER_SERVER * SERVERS) {
            throw new IOException("bad ticket count " + n);
        }
        Map<String, List<Ticket>> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String server = in.readUTF();
            TlsCipherSuite suite = TlsCipherSuite.of(in.readUnsignedShort());
            long received = in.readLong();
            long lifetime = in.readLong();
            long ageAdd = in.readLong();
            byte[] ticket = readBytes(in);
            byte[] psk = readBytes(in);
            byte[] sessionId = version == FILE_VERSION_1 ? new byte[0] : readBytes(in);
            boolean ems = version == FILE_VERSION_1 || in.readBoolean();
            if (suite.version() == io.ktls4j.TlsVersion.TLS_1_2 && (sessionId.length == 0 || sessionId.length > 32)) {
                throw new IOException("a TLS 1.2 session without a session ID");
            }
            int certs = in.readInt();
            if (certs < 0 || certs > 16) {
                throw new IOException("bad certificate count " + certs);
            }
            List<X509Certificate> chain = new ArrayList<>();
            for (int c = 0; c < certs; c++) {
                chain.add(Credentials.toX509(readBytes(in)));
            }
            out.computeIfAbsent(server, k -> new ArrayList<>())
                    .add(new Ticket(ticket, psk, suite, received, lifetime, ageAdd, chain, sessionId, ems));
        }
        if (in.read() != -1) {
            throw new IOException("trailing bytes");
        }
        return out;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > 1 << 20) {
            throw new IOException("bad length " + len);
        }
        byte[] b = in.readNBytes(len);
        if (b.length != len) {
            throw new IOException("truncated");
        }
        return b;
    }

    @Override
    public synchronized String toString() {
        return "SessionCache[" + servers.size() + " servers, " + size() + " tickets]";
    }
}
