package io.ktls4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ktls4j.linux.KernelTls;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Help, exit codes and the commands that only read the kernel: probe and stat. */
class CommandLineTest {

    @ParameterizedTest
    @ValueSource(strings = {"probe", "stat"})
    void everyCommandHasHelpWithTheExitCodes(String command) {
        Cli r = Cli.run(command, "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("Usage: ktls " + command).contains("Exit codes:").contains("2   usage error");
    }

    @Test
    void topLevelHelpListsCommandsAndExitCodes() {
        Cli r = Cli.run("--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("probe").contains("stat").containsPattern("3 +a kernel feature is missing")
                .containsPattern("22 +get: the server answered an HTTP error");
    }

    @Test
    void getHelpDocumentsRedirectsAndTheCurlExitCodes() {
        assertThat(Cli.run("get", "--help").out()).contains("-L, --location").contains("--max-redirs=N")
                .containsPattern("22 +the server answered an HTTP error").containsPattern("47 +-L and more redirects");
    }

    /** An option shared through a mixin keeps each command's wording (OptionTexts). */
    @Test
    void sharedOptionsAreWordedByTheirCommand() {
        assertThat(Cli.run("serve", "--help").out()).contains("TLS versions (default: 1.3,1.2).")
                .contains("kernel (exit 3 without kTLS)");
        assertThat(Cli.run("get", "--help").out()).contains("TLS versions to offer (default: 1.3 and 1.2).")
                .contains("Record layer after the handshake (default: auto).");
        assertThat(Cli.run("probe", "--help").out()).contains("Print the probes as JSON.");
        assertThat(Cli.run("stat", "--help").out()).contains("Print the counters as JSON.");
        assertThat(Cli.run("bench", "--help").out()).contains("Print the results as JSON.");
    }

    @Test
    void unknownCommandOrOptionIsAUsageError() {
        assertThat(Cli.run("bogus").exitCode()).isEqualTo(2);
        assertThat(Cli.run("probe", "--bogus").exitCode()).isEqualTo(2);
        assertThat(Cli.run().exitCode()).isEqualTo(2);
    }

    @Test
    void probeJsonAgreesWithTheKernelProbes() {
        Cli r = Cli.run("probe", "--json");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("\"available\": " + KernelTls.isAvailable())
                .contains("\"name\": \"TLSv1.3 AES_GCM_128\"").contains("\"nic_offload\"");
        assertThat(r.out().lines().filter(l -> l.contains("\"supported\":")).count())
                .isEqualTo(KernelTls.report().size());
    }

    @Test
    void probeTextSaysWhetherKtlsIsAvailable() {
        Cli r = Cli.run("probe");
        assertThat(r.out()).contains(KernelTls.isAvailable() ? "kTLS available" : "kTLS NOT available")
                .contains("TLSv1.2 AES_GCM_128");
    }

    /** Without --cacert, stat --url trusts the certificate 'ktls serve' made in the same state directory. */
    @Test
    void statUrlTrustsTheLocalDefaultCertificate(@TempDir Path tmp) throws Exception {
        Path state = tmp.resolve("state");
        try (RunningServer server = RunningServer.start(tmp, state, "--quiet")) {
            Cli trusted = Cli.run("stat", "--url", server.url("/"), "--state-dir", state.toString());
            assertThat(trusted.exitCode()).as(trusted.err()).isZero();
            assertThat(trusted.out()).contains("server " + server.url("/_ktls/status") + ":");

            Cli elsewhere = Cli.run("stat", "--url", server.url("/"), "--state-dir", tmp.resolve("other").toString());
            assertThat(elsewhere.exitCode()).isEqualTo(1);
            assertThat(elsewhere.err()).contains("is not trusted");
        }
    }

    @Test
    void statPrintsCountersOrSaysThereIsNoKtls() {
        Cli r = Cli.run("stat");
        assertThat(r.exitCode()).isZero();
        if (Files.exists(Path.of("/proc/net/tls_stat"))) {
            assertThat(r.out()).contains("TlsCurrTxSw").contains("TlsTxSw");
        } else {
            assertThat(r.out()).contains("this kernel has no kTLS");
        }
        Cli j = Cli.run("stat", "--json");
        assertThat(j.out()).contains("\"available\": " + Files.exists(Path.of("/proc/net/tls_stat")));
    }
}
