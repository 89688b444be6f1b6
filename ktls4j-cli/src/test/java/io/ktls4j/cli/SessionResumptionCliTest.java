package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ktls serve} issues TLS 1.3 session tickets unless {@code --no-tickets}; {@code ktls get --session FILE}
 * resumes across runs (a TLS 1.2 session by its ID too); both print the key exchange group (X25519MLKEM768
 * between two ktls ends by default), and {@code --groups} chooses it.
 */
class SessionResumptionCliTest {
    @TempDir
    Path tmp;

    /** {@code ktls serve} of a directory with one file, a.txt, on the software backend. */
    private RunningServer serve(String... options) throws Exception {
        Path www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("a.txt"), "a");
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--backend", "software"));
        args.addAll(java.util.List.of(options));
        return RunningServer.start(www, tmp.resolve("state"), args.toArray(String[]::new));
    }

    private Cli get(RunningServer s, Path session, String... extra) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("get", s.url("/a.txt"), "-o",
                tmp.resolve("a").toString(), "--cacert", s.certificate.toString(), "--backend", "software"));
        if (session != null) {
            args.addAll(java.util.List.of("--session", session.toString()));
        }
        args.addAll(java.util.List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void getResumesAcrossRunsWithASessionFile() throws Exception {
        Path session = tmp.resolve("session");
        try (RunningServer s = serve()) {
            assertThat(s.out.toString()).contains("groups [X25519MLKEM768, X25519").contains(", session tickets");
            Cli first = get(s, session);
            assertThat(first.exitCode()).as(first.err()).isZero();
            assertThat(first.err()).contains("TLSv1.3").contains(" X25519MLKEM768 ").doesNotContain("resumed");
            assertThat(session).exists();
            Cli second = get(s, session);
            assertThat(second.exitCode()).as(second.err()).isZero();
            assertThat(second.err()).contains(" X25519MLKEM768 resumed ");
            Cli without = get(s, null);
            assertThat(without.err()).as("no --session: nothing to resume").doesNotContain("resumed");
            Cli classical = get(s, null, "--groups", "X25519");
            assertThat(classical.err()).contains(" X25519 tx=");
        }
    }

    /** TLS 1.2: the session file keeps the session ID the server gave and its master secret. */
    @Test
    void getResumesATls12SessionAcrossRunsBySessionId() throws Exception {
        Path session = tmp.resolve("session");
        try (RunningServer s = serve("--tls", "1.2")) {
            Cli first = get(s, session);
            assertThat(first.exitCode()).as(first.err()).isZero();
            assertThat(first.err()).contains("TLSv1.2").doesNotContain("resumed");
            Cli second = get(s, session);
            assertThat(second.exitCode()).as(second.err()).isZero();
            assertThat(second.err()).contains("TLSv1.2").contains(" resumed ");
            Cli third = get(s, session);
            assertThat(third.err()).as("a session ID may be resumed again").contains(" resumed ");
        }
    }

    @Test
    void serveWithNoTicketsIsNeverResumed() throws Exception {
        Path session = tmp.resolve("session");
        try (RunningServer s = serve("--no-tickets")) {
            assertThat(s.out.toString()).contains(", no session tickets");
            assertThat(get(s, session).exitCode()).isZero();
            Cli second = get(s, session);
            assertThat(second.exitCode()).as(second.err()).isZero();
            assertThat(second.err()).doesNotContain("resumed");
        }
    }

    @Test
    void anUnknownGroupIsAUsageError() {
        Cli r = Cli.run("get", "https://localhost:1/", "--groups", "X9999");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
    }
}
