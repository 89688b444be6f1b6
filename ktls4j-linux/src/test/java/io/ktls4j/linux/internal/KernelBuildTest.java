package io.ktls4j.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Why a kernel has no tls ULP, read from a fake kernel's config, module list and module tree (not this host's). */
class KernelBuildTest {
    private static final String RELEASE = "6.18.44-test";

    @TempDir
    Path root;

    private KernelBuild kernel(String release) {
        return new KernelBuild(release, root.resolve("proc/config.gz"), root.resolve("boot"),
                root.resolve("proc/modules"), root.resolve("lib/modules"));
    }

    private void procConfig(String text) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(root.resolve("proc/config.gz")))) {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private Path moduleFile(String name) throws IOException {
        Path dir = Files.createDirectories(root.resolve("lib/modules/" + RELEASE + "/kernel/net/tls"));
        return Files.writeString(dir.resolve(name), "");
    }

    @Test
    void notBuiltAndNoModulesNeverSuggestsModprobeOrAnUpgrade() throws IOException {
        procConfig("CONFIG_NET=y\n# CONFIG_MODULES is not set\n# CONFIG_TLS is not set\n");
        assertThat(kernel(RELEASE).whyNoTlsUlp()).isEqualTo("this kernel was built without kTLS and without module "
                + "support (CONFIG_TLS and CONFIG_MODULES are not set in " + root.resolve("proc/config.gz")
                + "); use a kernel built with CONFIG_TLS=y");
    }

    @Test
    void notBuiltWithModuleSupportAsksForABuildWithTls() throws IOException {
        procConfig("CONFIG_MODULES=y\n# CONFIG_TLS is not set\n");
        assertThat(kernel(RELEASE).whyNoTlsUlp()).isEqualTo("this kernel was built without kTLS (CONFIG_TLS is not "
                + "set in " + root.resolve("proc/config.gz") + "); use a kernel built with CONFIG_TLS=y or =m");
    }

    @Test
    void aModuleThatIsInstalledButNotLoadedIsLoadedWithModprobe() throws IOException {
        procConfig("CONFIG_MODULES=y\nCONFIG_TLS=m\n");
        Path ko = moduleFile("tls.ko.xz");
        Files.writeString(root.resolve("proc/modules"), "nf_tables 372736 0 - Live 0x0000000000000000\n");
        assertThat(kernel(RELEASE).whyNoTlsUlp()).isEqualTo("the tls module is not loaded (CONFIG_TLS=m in "
                + root.resolve("proc/config.gz") + ", " + ko + " exists) and this process could not load it "
                + "(autoloading needs CAP_NET_ADMIN, or the module is blacklisted); load it with `sudo modprobe tls`");
    }

    @Test
    void aModuleThatIsNotInstalledSaysSo() throws IOException {
        Files.createDirectories(root.resolve("boot"));
        Files.writeString(root.resolve("boot/config-" + RELEASE), "CONFIG_MODULES=y\nCONFIG_TLS=m\n");
        assertThat(kernel(RELEASE).whyNoTlsUlp()).isEqualTo("kTLS is built as a module (CONFIG_TLS=m in "
                + root.resolve("boot/config-" + RELEASE) + ") but " + root.resolve("lib/modules/" + RELEASE)
                + " has no tls.ko (this kernel's modules are not installed); install them, then load it with "
                + "`sudo modprobe tls`");
    }

    @Test
    void withoutAReadableConfigTheModuleTreeDecides() throws IOException {
        assertThat(kernel(RELEASE).whyNoTlsUlp()).startsWith("this kernel has no tls module under "
                + root.resolve("lib/modules/" + RELEASE) + " and no readable configuration")
                .doesNotContain("modprobe");
        moduleFile("tls.ko");
        assertThat(kernel(RELEASE).whyNoTlsUlp()).startsWith("the tls module is not loaded (the kernel "
                + "configuration is not readable, ").endsWith("load it with `sudo modprobe tls`");
    }

    @Test
    void aLoadedModuleOrBuiltInTlsPointsAtWhatDeniesIt() throws IOException {
        procConfig("CONFIG_MODULES=y\nCONFIG_TLS=y\n");
        assertThat(kernel(RELEASE).whyNoTlsUlp()).contains("CONFIG_TLS=y").contains("seccomp");
        procConfig("CONFIG_MODULES=y\nCONFIG_TLS=m\n");
        moduleFile("tls.ko");
        Files.writeString(root.resolve("proc/modules"), "tls 151552 0 - Live 0x0000000000000000\n");
        assertThat(kernel(RELEASE).whyNoTlsUlp()).startsWith("the tls module is loaded (");
    }

    @Test
    void aKernelOlderThanKtlsSaysItsVersion() {
        assertThat(kernel("4.9.0-19-amd64").whyNoTlsUlp()).isEqualTo("this kernel (Linux 4.9.0-19-amd64) is older "
                + "than 4.13, the first with kTLS; use a newer kernel");
    }

    @Test
    void releasesCompareByMajorAndMinor() {
        assertThat(KernelBuild.atLeast("6.18.44-fc", "4.13")).isTrue();
        assertThat(KernelBuild.atLeast("4.13.0", "4.13")).isTrue();
        assertThat(KernelBuild.atLeast("4.9.0", "4.13")).isFalse();
        assertThat(KernelBuild.atLeast("5.10.0", "5.11")).isFalse();
        assertThat(KernelBuild.atLeast("10.1", "6.19")).isTrue();
    }
}
