package io.ktls4j.cli;

import io.ktls4j.http.HttpHeaders;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ktls get URL}: an HTTPS download over kernel TLS, with certificate verification on by default. */
@Command(name = "get", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Downloads URL (https://, or http://) to FILE or standard output. The server certificate is "
                + "verified against the system trust store or --cacert, and its name against the URL's host.",
            "Shows a progress bar when standard error is a terminal, and the throughput at the end."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:ok (HTTP status below 400)",
            "1:runtime failure: connection, TLS handshake or certificate check failed, truncated body, or an HTTP "
                + "status of 400 or more",
            "2:usage error",
            "3:--backend kernel and the kernel has no kTLS for the suites"})
final class GetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URL", description = "https://host[:port]/path")
    String url;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the body to FILE.")
    Path output;

    @Option(names = {"-I", "--head"}, description = "Send HEAD and print the response head only.")
    boolean head;

    @Option(names = {"-s", "--silent"}, description = "No progress bar and no summary line.")
    boolean silent;

    @Option(names = "--session", paramLabel = "FILE",
            description = "Resume the TLS 1.3 session kept in FILE, if any, and keep the session tickets this "
                    + "connection receives in it (created readable by its owner only: it holds session keys).")
    Path session;

    @Mixin
    ClientOptions client;

    @Override
    public Integer call() throws Exception {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "not a URL: " + url);
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new ParameterException(spec.commandLine(), "not an http(s) URL with a host: " + url);
        }
        PrintWriter err = spec.commandLine().getErr();
        var context = client.context();
        if (session != null && context.sessionCache() != null) {
            context.sessionCache().load(session);
        }
        try (Fetcher f = Fetcher.open(uri, context);
             WritableByteChannel sink = sink()) {
            Progress progress = !silent && output != null && Progress.isTerminal() ? new Progress(err) : null;
            Fetcher.Result r = f.exchange(head ? "HEAD" : "GET", new HttpHeaders(), false, sink,
                    h -> progress == null ? null : progress.tracker(h.contentLength()));
            if (progress != null) {
                progress.done();
            }
            if (head) {
                PrintWriter out = spec.commandLine().getOut();
                out.println("HTTP/1." + r.head().minorVersion() + " " + r.head().status() + " " + r.head().reason());
                out.print(r.head().headers());
                out.flush();
            }
            if (!silent) {
                err.println(summary(r));
                err.flush();
            }
            if (session != null && context.sessionCache() != null) {
                context.sessionCache().save(session);
            }
            return r.head().status() >= 400 ? ExitCodes.FAILURE : ExitCodes.OK;
        }
    }

    static String summary(Fetcher.Result r) {
        double seconds = r.nanos() / 1e9;
        return String.format(Locale.ROOT, "ktls get: HTTP %d, %d bytes in %.3f s (%s/s), %s", r.head().status(),
                r.bytes(), seconds, Progress.bytes(seconds > 0 ? (long) (r.bytes() / seconds) : r.bytes()),
                r.session());
    }

    private WritableByteChannel sink() throws java.io.IOException {
        if (output != null) {
            return FileChannel.open(output, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        }
        // standard output stays open after the command (closing the channel would close fd 1)
        FileChannel stdout = new FileOutputStream(FileDescriptor.out).getChannel();
        return new WritableByteChannel() {
            @Override
            public int write(java.nio.ByteBuffer src) throws java.io.IOException {
                return stdout.write(src);
            }

            @Override
            public boolean isOpen() {
                return stdout.isOpen();
            }

            @Override
            public void close() {
                // not ours to close
            }
        };
    }
}
