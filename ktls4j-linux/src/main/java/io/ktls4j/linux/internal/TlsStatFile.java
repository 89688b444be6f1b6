package io.ktls4j.linux.internal;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsStat;
import io.ktls4j.TlsStatistics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /proc/net/tls_stat}: one {@code "Name<spaces>value"} line per counter, in the caller's network namespace.
 * The file exists while the tls module is loaded. Lines this version does not know are ignored.
 */
public final class TlsStatFile {
    public static final Path PATH = Path.of("/proc/net/tls_stat");

    private TlsStatFile() {
    }

    public static TlsStatistics read() throws IOException {
        return read(PATH);
    }

    static TlsStatistics read(Path path) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (NoSuchFileException e) {
            throw new KtlsException(Errno.ENOENT, "this kernel has no kTLS (" + path + " missing: the tls module is"
                    + " not built or not loaded)", e);
        }
        return new TlsStatistics(path.toString(), parse(lines));
    }

    /** Parses tls_stat lines; unknown names and malformed lines are skipped. */
    public static Map<TlsStat, Long> parse(List<String> lines) {
        Map<TlsStat, Long> counters = new EnumMap<>(TlsStat.class);
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 2) {
                continue;
            }
            TlsStat stat = TlsStat.byName(f[0]);
            if (stat != null) {
                try {
                    counters.put(stat, Long.parseUnsignedLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // not a counter line
                }
            }
        }
        return counters;
    }
}
