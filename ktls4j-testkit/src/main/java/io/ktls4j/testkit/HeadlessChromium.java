package io.ktls4j.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium with one tab, driven over the DevTools protocol (a WebSocket on loopback): a test opens a
 * page, lets its scripts run in real time, and reads the live DOM with {@link #evaluate} as often as it likes, which
 * a one-shot {@code --dump-dom} cannot do (the page must keep running while the test changes the server under it).
 * Script exceptions, console errors and Content-Security-Policy violations of the page are collected in
 * {@link #problems()}. Chromium gets a fresh profile and no background networking: it talks to loopback only.
 * {@link #close()} kills it and its helper processes. {@link Tools#requireBrowser()} finds the executable.
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on ws://127\\.0\\.0\\.1:(\\d+)/");

    private final PeerProcess process;
    /** Set once the socket is open: its listener, this object, is made first. */
    private volatile WebSocket tab;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();

    private HeadlessChromium(PeerProcess process) {
        this.process = process;
    }

    /**
     * Starts {@code executable} with its profile under {@code dir} and opens {@code url}.
     *
     * @param trustedKeyPin a self-signed server certificate's key Chromium is to accept, as curl's
     *     {@code --pinnedpubkey} writes it ({@code sha256//BASE64}), or null to trust only the system's CAs
     */
    public static HeadlessChromium open(String executable, Path dir, String url, String trustedKeyPin)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(executable, "--headless", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--user-data-dir=" + dir.resolve("chromium-profile"),
                "--remote-debugging-port=0"));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("--no-sandbox"); // Chromium refuses to run as root with its sandbox
        }
        if (trustedKeyPin != null) {
            cmd.add("--ignore-certificate-errors-spki-list=" + trustedKeyPin.replaceFirst("^sha256//", ""));
        }
        cmd.add("about:blank");
        PeerProcess p = PeerProcess.start(dir, cmd);
        try {
            Duration patience = Patience.of(Duration.ofSeconds(30));
            p.awaitOutput("DevTools listening on", patience);
            Matcher m = DEVTOOLS.matcher(p.output());
            if (!m.find()) {
                throw new AssertionError("Chromium's DevTools line has no loopback port: " + p.describe());
            }
            HttpClient http = HttpClient.newHttpClient();
            URI tabSocket = tabSocket(http, Integer.parseInt(m.group(1)), p, patience);
            HeadlessChromium chromium = new HeadlessChromium(p);
            chromium.tab = http.newWebSocketBuilder().buildAsync(tabSocket, chromium.listener())
                    .get(patience.toMillis(), TimeUnit.MILLISECONDS);
            chromium.call("Runtime.enable", "{}");
            chromium.call("Log.enable", "{}");
            chromium.call("Page.enable", "{}");
            chromium.call("Page.navigate", "{\"url\": " + quote(url) + "}");
            return chromium;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            p.close();
            throw e;
        } catch (ExecutionException | TimeoutException e) {
            String d = p.describe();
            p.close();
            throw new AssertionError("cannot open Chromium's DevTools WebSocket (" + e + "): " + d, e);
        }
    }

    /** The tab's WebSocket from {@code /json/list}: the one page target, once Chromium lists it. */
    private static URI tabSocket(HttpClient http, int port, PeerProcess p, Duration patience)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        URI list = URI.create("http://127.0.0.1:" + port + "/json/list");
        String last = "";
        while (System.nanoTime() < deadline) {
            last = http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (JsonReader.parse(last) instanceof List<?> targets) {
                for (Object t : targets) {
                    if (t instanceof Map<?, ?> target && "page".equals(target.get("type"))
                            && target.get("webSocketDebuggerUrl") instanceof String ws) {
                        return URI.create(ws);
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("Chromium listed no page target at " + list + " within " + patience.toMillis()
                + " ms (last answer: " + last + "): " + p.describe());
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                message.append(data);
                if (last) {
                    String text = message.toString();
                    message.setLength(0);
                    received(JsonReader.object(text));
                }
                ws.request(1);
                return null;
            }
        };
    }

    /** An answer to a call (by its id), or an event of the tab. */
    @SuppressWarnings("unchecked")
    private void received(Map<String, Object> m) {
        if (m.get("id") instanceof Long id) {
            CompletableFuture<Map<String, Object>> f = pending.remove(id);
            if (f != null) {
                f.complete(m);
            }
            return;
        }
        Map<String, Object> params = m.get("params") instanceof Map<?, ?> p ? (Map<String, Object>) p : Map.of();
        switch (String.valueOf(m.get("method"))) {
            case "Runtime.exceptionThrown" -> problems.add("uncaught exception: " + params.get("exceptionDetails"));
            case "Runtime.consoleAPICalled" -> {
                if ("error".equals(params.get("type"))) {
                    problems.add("console.error: " + params.get("args"));
                }
            }
            case "Log.entryAdded" -> {
                if (params.get("entry") instanceof Map<?, ?> e && "error".equals(e.get("level"))) {
                    problems.add(e.get("source") + ": " + e.get("text") + " (" + e.get("url") + ")");
                }
            }
            default -> {
                // other events: not asked about
            }
        }
    }

    /** Sends one DevTools command and waits for its answer; an error answer fails with the command named. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> call(String method, String paramsJson) throws InterruptedException {
        long id = ids.incrementAndGet();
        CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
        pending.put(id, answer);
        Duration patience = Patience.of(Duration.ofSeconds(20));
        try {
            synchronized (tab) {
                tab.sendText("{\"id\": " + id + ", \"method\": " + quote(method) + ", \"params\": " + paramsJson
                        + "}", true).get(patience.toMillis(), TimeUnit.MILLISECONDS);
            }
            Map<String, Object> m = answer.get(patience.toMillis(), TimeUnit.MILLISECONDS);
            if (m.get("error") != null) {
                throw new AssertionError("Chromium answered " + method + " with " + m.get("error"));
            }
            return m.get("result") instanceof Map<?, ?> r ? (Map<String, Object>) r : Map.of();
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("no answer from Chromium to " + method + " within " + patience.toMillis()
                    + " ms (" + e + "): " + process.describe(), e);
        } finally {
            pending.remove(id);
        }
    }

    /**
     * The value of the JavaScript {@code expression} in the page (a string, number, boolean, null, or a
     * JSON-like map or list); an exception thrown by the expression fails with its description.
     */
    @SuppressWarnings("unchecked")
    public Object evaluate(String expression) throws InterruptedException {
        Map<String, Object> r = call("Runtime.evaluate", "{\"expression\": " + quote(expression)
                + ", \"returnByValue\": true}");
        if (r.get("exceptionDetails") != null) {
            throw new AssertionError("the page threw evaluating " + expression + ": " + r.get("exceptionDetails"));
        }
        Map<String, Object> result = r.get("result") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        return result.get("value");
    }

    /** {@link #evaluate} of an expression whose value is text ({@code ""} for null or undefined). */
    public String text(String expression) throws InterruptedException {
        Object v = evaluate(expression);
        return v == null ? "" : String.valueOf(v);
    }

    /** The page's script exceptions, console errors and security (CSP) errors so far. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Chromium's output so far, for a failure message. */
    public String describe() {
        return process.describe();
    }

    /**
     * Asks Chromium to quit, so that it removes its temporary files (a socket directory in /tmp), then kills whatever
     * is left of it.
     */
    @Override
    public void close() {
        WebSocket ws = tab;
        try {
            if (ws != null && !process.exited()) {
                try {
                    call("Browser.close", "{}");
                } catch (AssertionError e) {
                    // it may quit before it answers; the kill below covers a Chromium that did not quit at all
                }
                process.awaitExit(Patience.of(Duration.ofSeconds(10)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (ws != null) {
                ws.abort();
            }
            process.close();
        }
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
