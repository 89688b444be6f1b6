package io.ktls4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real client (curl, python3, openssl) with a time limit and returns what it printed. */
record Proc(int exitCode, byte[] stdout, String stderr) {

    String out() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    static Proc run(List<String> command) throws IOException, InterruptedException {
        return run(command, null, 120);
    }

    static Proc run(List<String> command, byte[] stdin, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin);
        }
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t1 = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread t2 = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command.get(0) + " did not finish within " + timeoutSeconds + " s");
        }
        t1.join();
        t2.join();
        return new Proc(p.exitValue(), out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // the process ended
        }
    }


    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file of {@code size} pseudo-random bytes (a repeated random MiB, fast for large sizes). */
    static Path randomFile(Path file, long size, long seed) throws IOException {
        byte[] block = new byte[1 << 20];
        new java.util.Random(seed).nextBytes(block);
        try (var out = Files.newOutputStream(file)) {
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(left, block.length);
                out.write(block, 0, n);
                left -= n;
                block[(int) (left % block.length)] ^= 0x5a;
            }
        }
        return file;
    }
}
