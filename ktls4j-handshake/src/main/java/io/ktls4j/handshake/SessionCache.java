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
 * A client's TLS 1.3 sessions to resume: the NewSessionTickets servers sent after handshakes of one
 * {@link KtlsContext} (so of one configuration), per server ({@code host:port}), each with its PSK. A connection to
 * the same server takes the newest unexpired ticket out (a ticket is offered once, RFC 8446 §C.4) and offers it;
 * if the server does not resume it, the handshake is a full one. At most {@value #PER_SERVER} tickets per server
 * and {@value #SERVERS} servers (the least recently used go). Thread-safe.
 *
 * <p>{@link #save} and {@link #load} keep the tickets across processes ({@code ktls get --session FILE}). The file
 * holds the PSKs: whoever reads it can resume these sessions (as with {@code openssl s_client -sess_out}); it is
 * written readable by its owner only. {@code toString()} shows counts only.
 */
public final class SessionCache {
    static final int PER_SERVER = 4;
    static final int SERVERS = 1024;
    private static final int FILE_MAGIC = 0x6b746c73; // "ktls"
    private static final int FILE_VERSION = 1;

    /** One ticket and what resuming with it needs. {@code toString()} leaves out the PSK. */
    record Ticket(byte[] ticket, byte[] psk, TlsCipherSuite suite, long receivedMillis, long lifetimeSeconds,
            long ageAdd, List<X509Certificate> peerCertificates) {
        Ticket {
            peerCertificates = List.copyOf(peerCertificates);
        }

        boolean expired(long nowMillis) {
            return nowMillis < receivedMillis || nowMillis - receivedMillis >= lifetimeSeconds * 1000;
        }

        void destroy() {
            Arrays.fill(psk, (byte) 0);
        }

        @Override
        public String toString() {
            return "Ticket[" + suite + ", " + ticket.length + " bytes, lifetime " + lifetimeSeconds + " s]";
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
        if (in.readInt() != FILE_MAGIC || in.readInt() != FILE_VERSION) {
            throw new IOException("unknown format");
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
            int certs = in.readInt();
            if (certs < 0 || certs > 16) {
                throw new IOException("bad certificate count " + certs);
            }
            List<X509Certificate> chain = new ArrayList<>();
            for (int c = 0; c < certs; c++) {
                chain.add(Credentials.toX509(readBytes(in)));
            }
            out.computeIfAbsent(server, k -> new ArrayList<>())
                    .add(new Ticket(ticket, psk, suite, received, lifetime, ageAdd, chain));
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
