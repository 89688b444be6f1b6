package io.ktls4j.agent.lab;

import io.ktls4j.Direction;
import io.ktls4j.agent.AgentClient;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.Lines;
import io.ktls4j.handshake.KtlsConnection;
import io.ktls4j.testkit.Patience;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The consumer process of the lab tests: an application that holds no key, only sockets whose TLS handshakes the
 * agent runs. Prints {@code KEY value} lines for the test to check.
 *
 * <pre>
 * LabConsumer SOCKET client HOST PORT LINE [N]  connect, handshake as client, send LINE, print the answer; N times
 *                                               (one by default) one after the other
 * LabConsumer SOCKET server PORTFILE [N]        listen, write the port to PORTFILE, handshake N clients (one by
 *                                               default) one after the other as server, answer each one's line in
 *                                               upper case
 * LabConsumer SOCKET pairs N CREDENTIAL         N loopback connections, both ends handed to the agent (2N
 *                                               handshakes at once), a line each way on each
 * LabConsumer SOCKET rekey HOST PORT            connect, handshake as client, send "hello", then print each line
 *                                               read ("GOT line"); on "do-update" send a KeyUpdate asking for one
 *                                               back and the line "after-our-update"; on "end" print the counts
 * </pre>
 *
 * With {@code -Dlab.heapDump=FILE -Dlab.marker=HEX} it finally dumps its whole heap (unreachable objects included)
 * while holding the marker bytes, so the test can show that a scan finds what is there.
 */
public final class LabConsumer {
    private LabConsumer() {
    }

    /** {@code -Dlab.credential=NAME}: the credential of client and server requests. */
    private static final String CREDENTIAL = System.getProperty("lab.credential", HandshakeRequest.DEFAULT_CREDENTIAL);

    /**
     * Exit codes: 0 done, 3 the agent refused or failed ({@code AGENT_ERROR status socketState message}), 4 the agent
     * could not be reached ({@code CONNECT_ERROR message}).
     */
    public static void main(String[] args) throws Exception {
        AgentClient agent;
        try {
            // the agent's first answer runs cold code; in the guest that is ~100x slower than on the host
            agent = AgentClient.connect(Path.of(args[0]), Patience.of(java.time.Duration.ofSeconds(60)));
        } catch (java.io.IOException e) {
            System.out.println("CONNECT_ERROR " + e.getMessage());
            System.out.flush();
            System.exit(4);
            return;
        }
        try {
            run(agent, args);
        } catch (io.ktls4j.agent.AgentException e) {
            System.out.println("AGENT_ERROR " + e.status() + " " + e.socketState() + " " + e.getMessage());
            System.out.flush();
            System.exit(3);
        }
    }

    private static void run(AgentClient agent, String[] args) throws Exception {
        byte[] marker = System.getProperty("lab.marker") == null ? null
                : HexFormat.of().parseHex(System.getProperty("lab.marker"));
        switch (args[1]) {
            case "client" -> {
                for (int i = 0, n = args.length > 5 ? Integer.parseInt(args[5]) : 1; i < n; i++) {
                    client(agent, args[2], Integer.parseInt(args[3]), args[4]);
                }
            }
            case "server" -> server(agent, Path.of(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 1);
            case "pairs" -> pairs(agent, Integer.parseInt(args[2]), args[3]);
            case "rekey" -> rekey(agent, args[2], Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException(args[1]);
        }
        String dump = System.getProperty("lab.heapDump");
        if (dump != null) {
            // by reflection: on the module path the test module does not read jdk.management
            Object hotspot = ManagementFactory.getPlatformMBeanServer() == null ? null : ManagementFactory
                    .newPlatformMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                            "com.sun.management:type=HotSpotDiagnostic",
                            Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
                                    .asSubclass(java.lang.management.PlatformManagedObject.class));
            hotspot.getClass().getMethod("dumpHeap", String.class, boolean.class).invoke(hotspot, dump, false);
            System.out.println("HEAPDUMP " + dump + " " + (marker == null ? 0 : marker.length));
        }
        System.out.flush();
        System.exit(0);
    }

    private static void client(AgentClient agent, String host, int port, String line) throws Exception {
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
             KtlsConnection c = agent.handshake(ch, HandshakeRequest.client("localhost").credential(CREDENTIAL)
                     .build())) {
            describe(c);
            System.out.println("RESUMED " + c.isResumed());
            Lines.send(c, line);
            System.out.println("REPLY " + Lines.receive(c));
            System.out.println("TICKETS " + c.sessionTicketsReceived());
        }
    }

    private static void server(AgentClient agent, Path portFile, int clients) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Files.writeString(portFile, Integer.toString(((InetSocketAddress) listener.getLocalAddress()).getPort()));
            for (int i = 0; i < clients; i++) {
                try (SocketChannel ch = listener.accept();
                     KtlsConnection c = agent.handshake(ch, HandshakeRequest.server().credential(CREDENTIAL)
                             .build())) {
                    describe(c);
                    System.out.println("RESUMED " + c.isResumed());
                    String line = Lines.receive(c);
                    System.out.println("RECEIVED " + line);
                    Lines.send(c, line.toUpperCase());
                }
            }
        }
    }

    private static void pairs(AgentClient agent, int n, String credential) throws Exception {
        long start = System.nanoTime();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), n);
             // platform threads: a read blocked on ktls4j-linux's kernel socket pins a virtual thread's carrier
             ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory())) {
            List<Future<String>> clients = new ArrayList<>();
            List<Future<String>> servers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i;
                clients.add(threads.submit(() -> {
                    try (SocketChannel ch = SocketChannel.open(listener.getLocalAddress());
                         KtlsConnection c = agent.handshake(ch, HandshakeRequest.client(null)
                                 .auth(HandshakeRequest.Auth.PSK).credential(credential).build())) {
                        Lines.send(c, "pair " + id);
                        String answer = Lines.receive(c);
                        return answer + " " + placement(c, Direction.TX) + " " + placement(c, Direction.RX);
                    }
                }));
            }
            for (int i = 0; i < n; i++) {
                SocketChannel accepted = listener.accept();
                servers.add(threads.submit(() -> {
                    try (accepted; KtlsConnection c = agent.handshake(accepted, HandshakeRequest.server()
                            .auth(HandshakeRequest.Auth.PSK).credential(credential).build())) {
                        String line = Lines.receive(c);
                        Lines.send(c, line.toUpperCase());
                        return line;
                    }
                }));
            }
            int ok = 0;
            for (int i = 0; i < n; i++) {
                String r = clients.get(i).get(600, TimeUnit.SECONDS);
                if (r.equals("PAIR " + i + " KERNEL KERNEL")) {
                    ok++;
                } else {
                    System.out.println("UNEXPECTED " + r);
                }
                servers.get(i).get(60, TimeUnit.SECONDS);
            }
            System.out.println("PAIRS " + ok + " " + (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static void rekey(AgentClient agent, String host, int port) throws Exception {
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress(host, port));
             KtlsConnection c = agent.handshake(ch, HandshakeRequest.client("localhost").credential(CREDENTIAL)
                     .build())) {
            describe(c);
            System.out.println("PROTOCOL " + agent.protocolVersion());
            Lines.send(c, "hello");
            for (String line; (line = Lines.receive(c)) != null;) {
                System.out.println("GOT " + line);
                System.out.flush();
                if (line.equals("do-update")) {
                    c.keyUpdate(true);
                    Lines.send(c, "after-our-update");
                } else if (line.equals("end")) {
                    break;
                }
            }
            System.out.println("COUNTS " + c.keyUpdatesSent() + " " + c.keyUpdatesReceived() + " "
                    + c.sessionTicketsReceived());
        }
    }

    private static void describe(KtlsConnection c) {
        System.out.println("SESSION " + c.version() + " " + c.cipherSuite() + " " + placement(c, Direction.TX) + " "
                + placement(c, Direction.RX) + " " + c.backend(Direction.TX) + " " + c.backend(Direction.RX));
    }

    /** Where the agent put a direction's keys, as the connection's record layer reports it. */
    private static String placement(KtlsConnection c, Direction d) {
        return c.backend(d).isKernel() ? "KERNEL" : "SOFTWARE";
    }
}
