package io.ktls4j.bench;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Holds N idle HTTPS keep-alive connections to one server (the memory benchmark, src/bench/idle-memory.sh): each
 * makes a full TLS 1.3 handshake (JSSE), sends one GET and reads the whole response, then stays open and idle.
 * Prints {@code READY n} when all are up; closes them all when its standard input ends.
 *
 * <p>Usage: {@code IdleConnections PORT COUNT CERT.pem PATH}
 */
public final class IdleConnections {
    private IdleConnections() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = new FileInputStream(args[2])) {
            trust.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(null, tmf.getTrustManagers(), null);
        byte[] request = ("GET " + args[3] + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        List<SSLSocket> open = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("localhost", port);
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            readResponse(s.getInputStream());
            open.add(s);
        }
        System.out.println("READY " + open.size());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).lines().count();
        for (SSLSocket s : open) {
            s.close();
        }
    }

    /** Reads one response: the head, then Content-Length bytes of body. */
    private static void readResponse(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IllegalStateException("the server closed the connection: " + head);
            }
            head.append((char) b);
        }
        long length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).strip());
            }
        }
        for (long left = length; left > 0; left--) {
            if (in.read() < 0) {
                throw new IllegalStateException("the body ended early");
            }
        }
    }
}
