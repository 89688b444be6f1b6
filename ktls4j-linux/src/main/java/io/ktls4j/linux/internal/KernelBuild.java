package io.ktls4j.linux.internal;

import io.ktls4j.linux.KernelFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * How the running kernel was built and what it has loaded, as far as kTLS is concerned: {@code CONFIG_TLS} and
 * {@code CONFIG_MODULES} from {@code /proc/config.gz} (else {@code /boot/config-RELEASE}), whether {@code tls} is in
 * {@code /proc/modules}, and whether {@code /lib/modules/RELEASE} has a {@code tls.ko}. It turns the kernel's bare
 * ENOENT for {@code setsockopt(TCP_ULP, "tls")} into which of: too old, not built, built as a module that is not
 * installed, or a module that is not loaded (and loadable).
 *
 * <p>The files are given to the constructor so that tests feed it a kernel of their own; {@link #running()} reads
 * this host's.
 *
 * @param release the kernel release, e.g. "6.1.0-27-amd64" ({@code /proc/sys/kernel/osrelease})
 * @param procConfig {@code /proc/config.gz} (gzip; present with CONFIG_IKCONFIG_PROC)
 * @param boot the directory holding {@code config-RELEASE} (distributions install it there)
 * @param procModules {@code /proc/modules} (absent without CONFIG_MODULES)
 * @param libModules the directory holding {@code RELEASE/kernel/net/tls/tls.ko*}
 */
public record KernelBuild(String release, Path procConfig, Path boot, Path procModules, Path libModules) {
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

    /** What the configuration says of one option. */
    public enum Option { BUILT_IN, MODULE, NOT_SET, UNKNOWN }

    /** This host's kernel. */
    public static KernelBuild running() {
        return new KernelBuild(runningRelease(), Path.of("/proc/config.gz"), Path.of("/boot"),
                Path.of("/proc/modules"), Path.of("/lib/modules"));
    }

    /**
     * {@link #whyNoTlsUlp()} of {@link #running()}, read once per process: each refused attach asks for it, and the
     * build does not change while the process runs.
     */
    public static String runningWhyNoTlsUlp() {
        return Running.WHY_NO_TLS_ULP;
    }

    private static final class Running {
        static final String WHY_NO_TLS_ULP = running().whyNoTlsUlp();
    }

    /**
     * The running kernel's release ({@code /proc/sys/kernel/osrelease}), else the JVM's {@code os.version}; read
     * once per process (every refused install names it).
     */
    public static String runningRelease() {
        return Release.RUNNING;
    }

    private static final class Release {
        static final String RUNNING = read();

        private static String read() {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
            } catch (IOException e) {
                return System.getProperty("os.version", "unknown");
            }
        }
    }

    /** Whether {@code release} is at least {@code version} ("major.minor"); true when either does not parse. */
    public static boolean atLeast(String release, String version) {
        int[] r = majorMinor(release);
        int[] v = majorMinor(version);
        if (r == null || v == null) {
            return true;
        }
        return r[0] != v[0] ? r[0] > v[0] : r[1] >= v[1];
    }

    private static int[] majorMinor(String s) {
        Matcher m = VERSION.matcher(s == null ? "" : s);
        return m.find() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : null;
    }

    /**
     * Why the kernel has no tls ULP, and what to do, in one sentence: the explanation of ENOENT from
     * {@code setsockopt(TCP_ULP, "tls")}.
     */
    public String whyNoTlsUlp() {
        String first = KernelFeature.ULP.sinceVersion();
        if (!atLeast(release, first)) {
            return "this kernel (Linux " + release + ") is older than " + first + ", the first with kTLS; use a "
                    + "newer kernel";
        }
        Config config = config();
        Path module = tlsModuleFile();
        if (config == null) {
            if (module != null) {
                return notLoaded(module, "the kernel configuration is not readable");
            }
            return "this kernel has no tls module under " + libModules.resolve(release)
                    + " and no readable configuration (" + procConfig + ", " + boot.resolve("config-" + release)
                    + "): it was most likely built without CONFIG_TLS; use a kernel built with CONFIG_TLS=y or =m";
        }
        Option tls = config.option("CONFIG_TLS");
        return switch (tls) {
            case NOT_SET, UNKNOWN -> config.option("CONFIG_MODULES") == Option.BUILT_IN
                    ? "this kernel was built without kTLS (CONFIG_TLS is not set in "
                        + config.source + "); use a kernel built with CONFIG_TLS=y or =m"
                    : "this kernel was built without kTLS and without module support "
                        + "(CONFIG_TLS and CONFIG_MODULES are not set in " + config.source + "); use a kernel built "
                        + "with CONFIG_TLS=y";
            case MODULE -> module != null ? notLoaded(module, "CONFIG_TLS=m in " + config.source)
                    : "kTLS is built as a module (CONFIG_TLS=m in " + config.source + ") but " + libModules
                        .resolve(release) + " has no tls.ko (this kernel's modules are not installed); install "
                        + "them, then load it with `sudo modprobe tls`";
            case BUILT_IN -> "kTLS is built in (CONFIG_TLS=y in " + config.source + "), yet the kernel refused the "
                    + "tls ULP: a seccomp filter or security module may deny it to this process";
        };
    }

    private String notLoaded(Path module, String because) {
        if (tlsLoaded()) {
            return "the tls module is loaded (" + procModules + "), yet the kernel refused the tls ULP: a seccomp "
                    + "filter or security module may deny it to this process";
        }
        return "the tls module is not loaded (" + because + ", " + module + " exists) and this process could not "
                + "load it (autoloading needs CAP_NET_ADMIN, or the module is blacklisted); load it with "
                + "`sudo modprobe tls`";
    }

    /** Whether {@code /proc/modules} lists {@code tls}. */
    boolean tlsLoaded() {
        try (var lines = Files.lines(procModules, StandardCharsets.US_ASCII)) {
            return lines.anyMatch(l -> l.startsWith("tls "));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** {@code tls.ko}, {@code tls.ko.xz}, {@code tls.ko.zst}, ... of this release, or null. */
    Path tlsModuleFile() {
        Path dir = libModules.resolve(release).resolve("kernel/net/tls");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "tls.ko*")) {
            for (Path p : ds) {
                return p;
            }
        } catch (IOException e) {
            // no such directory: no module
        }
        return null;
    }

    /** The configuration text and where it came from, or null when neither file is readable. */
    Config config() {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(procConfig))) {
            return new Config(procConfig.toString(), new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            // not built with CONFIG_IKCONFIG_PROC, or not readable: try the distribution's copy
        }
        Path copy = boot.resolve("config-" + release);
        try {
            return new Config(copy.toString(), Files.readString(copy, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return null;
        }
    }

    /** A kernel {@code .config}: "CONFIG_X=y", "CONFIG_X=m" or "# CONFIG_X is not set". */
    record Config(String source, String text) {
        Option option(String name) {
            for (String line : text.split("\n")) {
                if (line.equals(name + "=y")) {
                    return Option.BUILT_IN;
                }
                if (line.equals(name + "=m")) {
                    return Option.MODULE;
                }
                if (line.equals("# " + name + " is not set")) {
                    return Option.NOT_SET;
                }
            }
            return Option.UNKNOWN;
        }
    }
}
