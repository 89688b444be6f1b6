package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.TlsCipherSuite;
import io.ktls4j.http.ConnectionLog;
import io.ktls4j.http.HttpLimits;
import io.ktls4j.http.HttpServer;
import io.ktls4j.http.StaticFileHandler;
import io.ktls4j.linux.FallbackStatistics;
import io.ktls4j.linux.KernelTls;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ktls bench}: loopback HTTPS download throughput of each backend x suite, one connection and N, with server
 * and client in this process (so both ends' record layers share the CPU).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures loopback HTTPS throughput: an in-process 'serve' and keep-alive clients repeatedly "
                + "downloading one file, for each backend (software; kernel when kTLS is available) and cipher suite, "
                + "with 1 and N connections. Server and client run in this process and share the CPU."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:ok", "1:runtime failure", "2:usage error",
            "3:--backend kernel and the kernel has no kTLS"})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "64", paramLabel = "MiB",
            description = "Size of the downloaded file in MiB (default: ${DEFAULT-VALUE}).")
    int sizeMiB;

    @Option(names = "--connections", defaultValue = "4", paramLabel = "N",
            description = "Concurrent connections of the second run (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--seconds", defaultValue = "3", description = "Seconds per measurement (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--backend", paramLabel = "all|software|kernel", defaultValue = "all",
            description = "Backends to measure (default: ${DEFAULT-VALUE}: software, and kernel when available).")
    String backend;

    @Option(names = "--suites", split = ",", paramLabel = "SUITE",
            description = "Cipher suites (default: TLS 1.3 AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305 and TLS 1.2 "
                    + "ECDHE-ECDSA AES-128-GCM).")
    List<String> suites;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "SECONDS",
            description = "Untimed run before the first measurement, for the JIT (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Mixin
    JsonOption output;

    record Row(String backend, String suite, int connections, double mibPerSecond, long requests, String note) {
    }

    @Override
    public Integer call() throws Exception {
        if (sizeMiB < 1 || connections < 1 || seconds <= 0) {
            throw new IllegalArgumentException("--size, --connections and --seconds must be positive");
        }
        List<BackendPolicy> backends = backends();
        List<TlsCipherSuite> suiteList = suites == null
                ? List.of(TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_256_GCM_SHA384,
                        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
                        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
                : suites.stream().map(TlsCipherSuite::of).toList();
        PrintWriter out = spec.commandLine().getOut();
        Path tmp = Files.createTempDirectory("ktls-bench");
        List<Row> rows = new ArrayList<>();
        try {
            Path www = Files.createDirectories(tmp.resolve("www"));
            try (RandomAccessFile f = new RandomAccessFile(www.resolve("bench.bin").toFile(), "rw")) {
                byte[] chunk = new byte[1 << 20];
                new java.util.Random(1).nextBytes(chunk);
                for (int i = 0; i < sizeMiB; i++) {
                    f.write(chunk);
                }
            }
            SelfSignedCertificate cert = SelfSignedCertificate.loadOrCreate(tmp.resolve("state"));
            if (!output.json) {
                out.println(String.format(Locale.ROOT, "%-9s %-46s %5s %10s %9s", "backend", "suite", "conns",
                        "MiB/s", "requests"));
                out.flush();
            }
            if (warmup > 0) {
                double timed = seconds;
                seconds = warmup;
                measure(backends.get(0), suiteList.get(0), 1, www, cert);
                seconds = timed;
            }
            for (BackendPolicy b : backends) {
                for (TlsCipherSuite s : suiteList) {
                    for (int n : connections == 1 ? new int[] {1} : new int[] {1, connections}) {
                        Row r = measure(b, s, n, www, cert);
                        rows.add(r);
                        if (!output.json) {
                            out.println(format(r));
                            out.flush();
                        }
                    }
                }
            }
        } finally {
            try (Stream<Path> w = Files.walk(tmp)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        if (output.json) {
            List<Object> list = new ArrayList<>();
            for (Row r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("backend", r.backend());
                m.put("suite", r.suite());
                m.put("connections", r.connections());
                m.put("mib_per_second", Math.round(r.mibPerSecond() * 10) / 10.0);
                m.put("requests", r.requests());
                m.put("note", r.note());
                list.add(m);
            }
            out.print(Json.write(Map.of("file_mib", sizeMiB, "results", list)));
        } else if (!KernelTls.isAvailable()) {
            out.println("kernel: not measured, " + KernelTls.unavailabilityCause().getMessage());
        }
        out.flush();
        return ExitCodes.OK;
    }

    private List<BackendPolicy> backends() throws KernelRequiredException {
        return switch (backend.toLowerCase(Locale.ROOT)) {
            case "all" -> KernelTls.isAvailable() ? List.of(BackendPolicy.SOFTWARE, BackendPolicy.KERNEL)
                    : List.of(BackendPolicy.SOFTWARE);
            case "software" -> List.of(BackendPolicy.SOFTWARE);
            case "kernel" -> {
                if (!KernelTls.isAvailable()) {
                    throw new KernelRequiredException("--backend kernel: " + KernelTls.unavailabilityCause()
                            .getMessage(), KernelTls.unavailabilityCause());
                }
                yield List.of(BackendPolicy.KERNEL);
            }
            default -> throw new IllegalArgumentException("--backend takes all, software or kernel");
        };
    }

    static String format(Row r) {
        return String.format(Locale.ROOT, "%-9s %-46s %5d %10.1f %9d%s", r.backend(), r.suite(), r.connections(),
                r.mibPerSecond(), r.requests(), r.note() == null ? "" : "  " + r.note());
    }

    private Row measure(BackendPolicy policy, TlsCipherSuite suite, int n, Path www, SelfSignedCertificate cert)
            throws IOException, InterruptedException {
        if (policy == BackendPolicy.KERNEL && !KernelTls.supports(suite.version(), suite.cipher())) {
            return new Row(policy.toString(), suite.name(), n, 0, 0, "skipped: " + KernelTls.probe(suite.version(),
                    suite.cipher()).reason());
        }
        Map<String, Long> fallbacksBefore = FallbackStatistics.snapshot().fallbackReasons();
        KtlsContext server = KtlsContext.forServer(cert.certificate(), cert.privateKey()).protocols(suite.version())
                .cipherSuites(suite).backend(policy.backend()).build();
        KtlsContext client = KtlsContext.forClient().protocols(suite.version()).cipherSuites(suite)
                .trustManager(cert.certificate()).backend(policy.backend()).build();
        try (HttpServer s = new HttpServer(HttpServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                128), new TlsTransport(server, null), new StaticFileHandler(www), HttpLimits.DEFAULT, n + 4,
                Duration.ofSeconds(10), SILENT).start()) {
            URI uri = URI.create("https://localhost:" + s.localAddress().getPort() + "/bench.bin");
            LongAdder bytes = new LongAdder();
            LongAdder requests = new LongAdder();
            List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            long t0 = System.nanoTime();
            long end = t0 + (long) (seconds * 1e9);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try (Fetcher f = Fetcher.open(uri, client)) {
                        WritableByteChannel sink = new Discard();
                        do {
                            // at least one download per connection, however short --seconds is
                            Fetcher.Result r = f.exchange("GET", null, true, sink, null);
                            bytes.add(r.bytes());
                            requests.increment();
                        } while (System.nanoTime() < end);
                    } catch (IOException | RuntimeException e) {
                        errors.add(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            String note = errors.isEmpty() ? null : "error: " + FailureMessages.of(errors.get(0)).message();
            List<String> fellBack = new ArrayList<>();
            FallbackStatistics.snapshot().fallbackReasons().forEach((reason, count) -> {
                if (count > fallbacksBefore.getOrDefault(reason, 0L)) {
                    fellBack.add(reason);
                }
            });
            if (!fellBack.isEmpty()) {
                note = (note == null ? "" : note + "; ") + "fell back: " + fellBack;
            }
            return new Row(policy.toString(), suite.name(), n, bytes.sum() / elapsed / (1 << 20), requests.sum(), note);
        }
    }

    private static final ConnectionLog SILENT = new ConnectionLog() {
        @Override
        public void served(Summary summary) {
        }

        @Override
        public void failed(SocketAddress peer, Duration duration, Throwable cause) {
        }
    };

    /** Counts nothing, keeps nothing: the downloaded bytes are dropped. */
    private static final class Discard implements WritableByteChannel {
        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
