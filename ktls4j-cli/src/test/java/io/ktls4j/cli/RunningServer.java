package io.ktls4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** {@code ktls serve} run in-process on an ephemeral port, its output captured, stopped by {@link #close()}. */
final class RunningServer implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("on https://[^/]+:(\\d+)/");
    private static final Pattern CERT = Pattern.compile("certificate: (\\S+)");

    final ServeCommand command = new ServeCommand();
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    private final Thread thread;
    private volatile int exitCode = -1;
    final int port;
    final Path certificate;

    private RunningServer(String... args) throws InterruptedException {
        CommandLine cl = new CommandLine(command);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        thread = Thread.ofPlatform().daemon().name("test-serve").start(() -> exitCode = cl.execute(args));
        long deadline = System.nanoTime() + 30_000_000_000L;
        Matcher m = URL.matcher("");
        while (System.nanoTime() < deadline && thread.isAlive()) {
            m = URL.matcher(out.toString());
            if (m.find() && out.toString().contains("status:")) {
                break;
            }
            Thread.sleep(20);
        }
        if (!m.find(0)) {
            throw new IllegalStateException("ktls serve did not start (exit " + exitCode + "): " + out + err);
        }
        port = Integer.parseInt(m.group(1));
        Matcher c = CERT.matcher(out.toString());
        certificate = c.find() ? Path.of(c.group(1)) : null;
    }

    /** Starts {@code ktls serve DIR --port 0 --state-dir STATE} plus {@code extra}. */
    static RunningServer start(Path dir, Path state, String... extra) throws InterruptedException {
        String[] args = new String[4 + 2 + extra.length];
        args[0] = dir.toString();
        args[1] = "--port";
        args[2] = "0";
        args[3] = "--state-dir";
        args[4] = state.toString();
        args[5] = "--request-timeout=5";
        System.arraycopy(extra, 0, args, 6, extra.length);
        return new RunningServer(args);
    }

    /** The banner's key pin ({@code sha256//BASE64}, as for {@code curl --pinnedpubkey}). */
    String publicKeyPin() {
        String banner = out.toString();
        int at = banner.indexOf("sha256//");
        if (at < 0) {
            throw new IllegalStateException("the banner shows no key pin (is it the default certificate?): " + banner);
        }
        return banner.substring(at, banner.indexOf("'", at));
    }

    String url(String path) {
        return "https://localhost:" + port + path;
    }

    /** The connection log so far. */
    String log() {
        return err.toString();
    }

    @Override
    public void close() throws InterruptedException {
        command.stop();
        thread.join(10_000);
    }
}
