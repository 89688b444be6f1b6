package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzzes the server's request reader ({@link RequestReader}, {@link RequestHead}) with whole client streams: request
 * heads, bodies and pipelined requests, over the real request loop ({@link HttpConnection}) within limits the input
 * picks (the defaults, or small ones that the input can reach). The contract checked on every input:
 * <ul>
 * <li>the connection ends normally (no exception), after answering each request the reader accepted and at most one
 *     refusal, last, with 400, 413, 414, 431, 501 or 505;</li>
 * <li>every request handed on is what the reader promises: a token method, a target of visible ASCII, a path that
 *     starts with '/', HTTP/1.0 or 1.1, at most {@code maxHeaderCount} fields of token names and values without
 *     control characters, one Host in HTTP/1.1, no Transfer-Encoding, a Content-Length within {@code maxBodyBytes}
 *     (a larger one is refused with 413 before a byte of the body is read: no buffer is sized by it);</li>
 * <li>no more input is read than the client sent, and the answers do not depend on how the input is cut: the same
 *     stream read in pieces of 1 to {@code maxRead} bytes and read whole gets the same responses.</li>
 * </ul>
 * No hang: the client is in memory ({@link ChunkedChannel}) and ends with a FIN. Regression inputs in
 * src/test/resources/io/ktls4j/http/RequestFuzzTestInputs (the client's bytes, then a byte that picks the read size
 * and a last one that picks the limits); {@code JAZZER_FUZZ=1} fuzzes (bin/fuzz, docs/RELIABILITY.md).
 */
class RequestFuzzTest {
    private static final Watchdog WATCHDOG = new Watchdog();
    private static final Set<Integer> REFUSALS = Set.of(400, 413, 414, 431, 501, 505);
    private static final Pattern STATUS = Pattern.compile("(?m)^HTTP/1\\.1 (\\d{3}) ");
    private static final Pattern DATE = Pattern.compile("\r\nDate: [^\r]*");

    /** The limits an input can pick: the defaults, and small ones that short inputs reach. */
    private static final HttpLimits[] LIMITS = {
        HttpLimits.DEFAULT,
        new HttpLimits(32, 64, 3, 16, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(60), 4),
        new HttpLimits(64, 256, 8, 100, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(60), 100),
        new HttpLimits(100, 100, 100, 0, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(60), 2),
    };

    @FuzzTest(maxDuration = "30s")
    @DictionaryEntries({"GET ", "HEAD ", "OPTIONS * ", " HTTP/1.1\\x0d\\x0a", " HTTP/1.0\\x0d\\x0a", "\\x0d\\x0a",
        "Host: a", "Content-Length: ", "Transfer-Encoding: chunked", "Connection: close", "Connection: keep-alive",
        "http://h/", "https://h", "%2F", "?q#f", "1,1", "65536", "65537"})
    void requestStream(FuzzedDataProvider in) throws IOException {
        HttpLimits limits = LIMITS[in.consumeInt(0, LIMITS.length - 1)];
        int maxRead = in.consumeInt(1, 64);
        byte[] stream = in.consumeRemainingAsBytes();
        Served whole = serve(stream, limits, 0);
        Served cut = serve(stream, limits, maxRead);
        assertThat(cut.requests()).as("requests read in pieces of up to %d bytes", maxRead)
                .isEqualTo(whole.requests());
        assertThat(cut.responses()).as("responses with the input read in pieces of up to %d bytes", maxRead)
                .isEqualTo(whole.responses());
    }

    /** What the handler was given, and what the client got back (its Date fields left out). */
    private record Served(List<String> requests, String responses) {
    }

    private static Served serve(byte[] stream, HttpLimits limits, int maxRead) throws IOException {
        ChunkedChannel client = new ChunkedChannel(stream, maxRead, stream.length);
        List<String> requests = new ArrayList<>();
        Handler handler = request -> {
            checkRequest(request, limits);
            String seen = "request " + requests.size() + ": " + request.method() + " " + request.target() + " "
                    + request.minorVersion() + " " + request.headers().size() + " fields, body "
                    + RequestHead.contentLength(request) + "\n";
            requests.add(seen);
            return HttpResponse.bytes(200, "text/plain", seen.getBytes(StandardCharsets.ISO_8859_1));
        };
        HttpConnection connection = new HttpConnection(client, FileSender.forChannel(client), () -> {
        }, handler, limits, WATCHDOG);
        connection.serve();
        assertThat(connection.bytesIn()).isEqualTo(client.consumed()).isLessThanOrEqualTo(stream.length);
        String out = new String(client.written(), StandardCharsets.ISO_8859_1);
        List<Integer> statuses = new ArrayList<>();
        Matcher m = STATUS.matcher(out);
        while (m.find()) {
            statuses.add(Integer.parseInt(m.group(1)));
        }
        assertThat(statuses.size()).as("responses: %s", statuses).isBetween(requests.size(), requests.size() + 1);
        for (int i = 0; i < requests.size(); i++) {
            assertThat(statuses.get(i)).isEqualTo(200);
        }
        if (statuses.size() > requests.size()) {
            assertThat(statuses.getLast()).as(out).isIn(REFUSALS);
        }
        return new Served(requests, DATE.matcher(out).replaceAll(""));
    }

    /** What {@link RequestHead#parse} promises about a request it accepts. */
    private static void checkRequest(HttpRequest r, HttpLimits limits) {
        assertThat(isToken(r.method())).as("method %s", r.method()).isTrue();
        assertThat(r.target()).isNotEmpty();
        assertThat(r.target().chars().allMatch(c -> c > 0x20 && c < 0x7f)).as("target %s", r.target()).isTrue();
        assertThat(r.requestLine().length()).isLessThanOrEqualTo(limits.maxRequestLine());
        if (r.target().equals("*")) {
            assertThat(r.method()).isEqualTo("OPTIONS");
        } else {
            assertThat(r.path()).startsWith("/");
        }
        assertThat(r.minorVersion()).isBetween(0, 1);
        assertThat(r.headers().size()).isLessThanOrEqualTo(limits.maxHeaderCount());
        for (String[] f : r.headers().fields()) {
            assertThat(isToken(f[0])).as("field name %s", f[0]).isTrue();
            assertThat(f[1].chars().noneMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)).as("value of %s", f[0]).isTrue();
        }
        if (r.minorVersion() == 1) {
            assertThat(r.headers().all("Host")).hasSize(1);
        }
        assertThat(r.headers().has("Transfer-Encoding")).isFalse();
        assertThat(RequestHead.contentLength(r)).isBetween(0L, limits.maxBodyBytes());
    }

    private static boolean isToken(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }
}
