package io.ktls4j.cli;

import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.http.HttpHeaders;
import io.ktls4j.http.ResponseHead;
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
            "Shows a progress bar when standard error is a terminal (with the total size and the time left when "
                + "the server sends a Content-Length), and the throughput at the end."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:ok (HTTP 2xx; without -o also 3xx)",
            "1:runtime failure: connection, TLS handshake or certificate check failed, truncated body",
            "2:usage error",
            "3:--backend kernel and the kernel has no kTLS for the suites",
            "22:the server answered an HTTP error (400 or more; with -o anything but 2xx, and then FILE is not "
                + "written)",
            "47:-L and more redirects than --max-redirs"})
final class GetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URL", description = "https://host[:port]/path")
    String url;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write the body to FILE. A status other than 2xx writes nothing to FILE and exits 22, as "
                    + "curl --fail does.")
    Path output;

    @Option(names = {"-L", "--location"},
            description = "Follow redirects (301, 302, 303, 307, 308) to their Location, resolved against the URL "
                    + "that answered, up to --max-redirs times.")
    boolean location;

    @Option(names = "--max-redirs", paramLabel = "N", defaultValue = "50",
            description = "With -L, give up after N redirects, exit 47 (default: ${DEFAULT-VALUE}).")
    int maxRedirs;

    @Option(names = {"-I", "--head"}, description = "Send HEAD and print the response head only.")
    boolean head;

    @Option(names = {"-s", "--silent"}, description = "No progress bar and no summary line.")
    boolean silent;

    @Option(names = "--session", paramLabel = "FILE",
            description = "Resume the session kept in FILE, if any (a TLS 1.3 ticket or a TLS 1.2 session ID), and "
                    + "keep the sessions this connection gets in it (created readable by its owner only: it holds "
                    + "session keys).")
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
        if (maxRedirs < 0) {
            throw new ParameterException(spec.commandLine(), "--max-redirs " + maxRedirs + " is negative: use 0 or "
                    + "more");
        }
        PrintWriter err = spec.commandLine().getErr();
        var context = client.context();
        if (session != null && context.sessionCache() != null) {
            context.sessionCache().load(session);
        }
        String method = head ? "HEAD" : "GET";
        for (int redirects = 0; ; redirects++) {
            try (Fetcher f = Fetcher.open(uri, context)) {
                long t0 = System.nanoTime();
                ResponseHead h = f.request(method, new HttpHeaders(), false);
                URI next = location ? Redirects.next(uri, h) : null;
                if (next != null) {
                    // the redirect's own body is not wanted: the connection closes without reading it
                    if (head) {
                        printHead(h);
                    }
                    if (redirects == maxRedirs) {
                        err.println("ktls get: stopped at --max-redirs " + maxRedirs + ": " + uri + " redirects "
                                + "again, to " + next);
                        err.flush();
                        return ExitCodes.TOO_MANY_REDIRECTS;
                    }
                    uri = next;
                    continue;
                }
                if (output != null && h.status() / 100 != 2) {
                    err.println("ktls get: " + uri + " answered HTTP " + h.status() + " " + h.reason()
                            + "; nothing written to " + output + hint(h));
                    err.flush();
                    return ExitCodes.HTTP_ERROR;
                }
                return received(f, h, t0, context, err);
            }
        }
    }

    /** The final response: its body to FILE or standard output, the summary, the session kept. */
    private int received(Fetcher f, ResponseHead h, long t0, KtlsContext context, PrintWriter err)
            throws java.io.IOException {
        long n;
        try (WritableByteChannel sink = sink()) {
            Progress progress = !silent && output != null && Progress.isTerminal() ? new Progress(err) : null;
            n = f.body(h, head, sink, progress == null ? null : progress.tracker(h.contentLength()));
            if (progress != null) {
                progress.done();
            }
        }
        Fetcher.Result r = new Fetcher.Result(h, n, System.nanoTime() - t0, f.session());
        if (head) {
            printHead(h);
        }
        if (!silent) {
            err.println(summary(r));
            err.flush();
        }
        if (session != null && context.sessionCache() != null) {
            context.sessionCache().save(session);
        }
        return h.status() >= 400 ? ExitCodes.HTTP_ERROR : ExitCodes.OK;
    }

    /** A response head as curl -I prints it, each head ending in an empty line (with -L, one per hop). */
    private void printHead(ResponseHead h) {
        PrintWriter out = spec.commandLine().getOut();
        out.println("HTTP/1." + h.minorVersion() + " " + h.status() + " " + h.reason());
        out.print(h.headers());
        out.println();
        out.flush();
    }

    /** What to do about a response that was not written: follow it, for a redirect without -L. */
    private String hint(ResponseHead h) {
        String to = h.headers().first("Location");
        return !location && Redirects.isRedirect(h.status()) && to != null
                ? " (it redirects to " + to.strip() + "; add -L to follow)" : "";
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
