package io.ktls4j.agent.daemon;

import io.ktls4j.TlsVersion;
import io.ktls4j.agent.HandshakeRequest;
import io.ktls4j.agent.HandshakeRequest.Side;
import io.ktls4j.handshake.ClientAuth;
import io.ktls4j.handshake.Credentials;
import io.ktls4j.handshake.ExternalPsk;
import io.ktls4j.handshake.TlsCipherSuite;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the agent's configuration file (docs/AGENT.md, "Configuration"): {@code [agent]} and
 * {@code [credential NAME]} sections of {@code key = value} lines. Relative paths are resolved against the file's
 * directory. Every error names the file and line.
 */
public final class ConfigParser {
    private static final Set<String> AGENT_KEYS = Set.of("max-concurrent", "default-timeout-ms", "max-sessions",
            "session-idle-ms", "max-unread-per-uid");
    private static final Set<String> CREDENTIAL_KEYS = Set.of("certificate", "key", "trust", "client-auth", "sides",
            "protocols", "cipher-suites", "allow-uid", "allow-gid", "allow-software-return", "timeout-ms",
            "session-tickets", "psk-identity", "psk-key", "psk-hash");

    private final Path file;
    private final int agentUid;

    private ConfigParser(Path file, int agentUid) {
        this.file = file;
        this.agentUid = agentUid;
    }

    /**
     * Loads {@code file}.
     *
     * @param agentUid the agent's own uid: who may use a credential without allow lists
     * @throws IOException naming the file and line of the first problem
     */
    public static AgentConfig load(Path file, int agentUid) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text (save the configuration as UTF-8)", e);
        }
        return new ConfigParser(file, agentUid).parse(lines);
    }

    /** A parsed section: its header line and its keys with their line numbers. */
    private record Section(String kind, String name, int line, Map<String, String> values, Map<String, Integer> lines) {
    }

    private AgentConfig parse(List<String> lines) throws IOException {
        List<Section> sections = new ArrayList<>();
        Section current = null;
        for (int i = 0; i < lines.size(); i++) {
            int no = i + 1;
            String line = stripComment(lines.get(i)).strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]")) {
                    throw error(no, "a section header ends with ]");
                }
                String[] parts = line.substring(1, line.length() - 1).strip().split("\\s+", 2);
                if (parts[0].equals("agent") && parts.length == 1) {
                    current = new Section("agent", null, no, new LinkedHashMap<>(), new LinkedHashMap<>());
                } else if (parts[0].equals("credential") && parts.length == 2 && parts[1].matches("[A-Za-z0-9._-]+")) {
                    current = new Section("credential", parts[1], no, new LinkedHashMap<>(), new LinkedHashMap<>());
                } else {
                    throw error(no, "unknown section " + line + " (use [agent] or [credential NAME], NAME of letters, "
                            + "digits, '.', '_' and '-')");
                }
                sections.add(current);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 1) {
                throw error(no, "expected key = value");
            }
            if (current == null) {
                throw error(no, "a key outside any section");
            }
            String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            Set<String> known = current.kind().equals("agent") ? AGENT_KEYS : CREDENTIAL_KEYS;
            if (!known.contains(key)) {
                throw error(no, "unknown key " + key + " in [" + current.kind() + "] (known: " + new java.util.TreeSet<>(known) + ")");
            }
            if (current.values().put(key, line.substring(eq + 1).strip()) != null) {
                throw error(no, key + " is set twice");
            }
            current.lines().put(key, no);
        }
        int maxConcurrent = AgentConfig.DEFAULT_MAX_CONCURRENT;
        Duration defaultTimeout = AgentConfig.DEFAULT_TIMEOUT;
        int maxSessions = AgentConfig.DEFAULT_MAX_SESSIONS;
        Duration sessionIdle = AgentConfig.DEFAULT_SESSION_IDLE;
        int maxUnreadPerUid = AgentConfig.DEFAULT_MAX_UNREAD_PER_UID;
        Map<String, CredentialConfig> credentials = new LinkedHashMap<>();
        for (Section s : sections) {
            if (s.kind().equals("agent")) {
                maxConcurrent = (int) number(s, "max-concurrent", maxConcurrent, 1, 1_000_000);
                defaultTimeout = Duration.ofMillis(number(s, "default-timeout-ms", defaultTimeout.toMillis(), 1,
                        HandshakeRequest.MAX_TIMEOUT_MS));
                maxSessions = (int) number(s, "max-sessions", maxSessions, 0, 1_000_000);
                sessionIdle = Duration.ofMillis(number(s, "session-idle-ms", sessionIdle.toMillis(), 100,
                        30L * 24 * 3600 * 1000));
                maxUnreadPerUid = (int) number(s, "max-unread-per-uid", maxUnreadPerUid, 1, 1_000_000);
            }
        }
        for (Section s : sections) {
            if (s.kind().equals("credential")) {
                if (credentials.containsKey(s.name())) {
                    throw error(s.line(), "credential " + s.name() + " is defined twice");
                }
                credentials.put(s.name(), credential(s, defaultTimeout));
            }
        }
        if (credentials.isEmpty()) {
            throw new IOException(file + ": no [credential NAME] section");
        }
        return new AgentConfig(file.toString(), credentials, maxConcurrent, defaultTimeout, maxSessions, sessionIdle,
                maxUnreadPerUid);
    }

    private CredentialConfig credential(Section s, Duration defaultTimeout) throws IOException {
        Map<String, String> v = s.values();
        Credentials certificate = null;
        if (v.containsKey("certificate") || v.containsKey("key")) {
            if (!v.containsKey("certificate") || !v.containsKey("key")) {
                throw error(s.line(), "credential " + s.name() + ": certificate and key go together");
            }
            try {
                certificate = Credentials.fromPem(path(v.get("certificate")), path(v.get("key")));
            } catch (IOException e) {
                throw error(s.lines().get("certificate"), "credential " + s.name() + ": " + reason(e));
            }
        }
        ExternalPsk psk = psk(s);
        String trust = v.getOrDefault("trust", "system");
        javax.net.ssl.X509TrustManager tm;
        try {
            tm = trust.equals("system") ? Trust.system() : Trust.pemBundle(path(trust));
        } catch (IOException e) {
            throw error(s.lines().get("trust"), "credential " + s.name() + ": " + reason(e));
        }
        ClientAuth clientAuth = switch (v.getOrDefault("client-auth", "none").toLowerCase(Locale.ROOT)) {
            case "none" -> ClientAuth.NONE;
            case "optional" -> ClientAuth.OPTIONAL;
            case "require" -> ClientAuth.REQUIRE;
            default -> throw error(s.lines().get("client-auth"), "client-auth is none, optional or require");
        };
        Set<Side> sides = EnumSet.noneOf(Side.class);
        for (String side : list(v.getOrDefault("sides", "client, server"))) {
            switch (side.toLowerCase(Locale.ROOT)) {
                case "client" -> sides.add(Side.CLIENT);
                case "server" -> sides.add(Side.SERVER);
                case "both" -> sides.addAll(EnumSet.allOf(Side.class));
                default -> throw error(s.lines().get("sides"), "sides lists client and/or server");
            }
        }
        List<TlsVersion> protocols = new ArrayList<>();
        for (String p : list(v.getOrDefault("protocols", "TLSv1.3, TLSv1.2"))) {
            protocols.add(switch (p) {
                case "TLSv1.3" -> TlsVersion.TLS_1_3;
                case "TLSv1.2" -> TlsVersion.TLS_1_2;
                default -> throw error(s.lines().get("protocols"), "protocols are TLSv1.3 and/or TLSv1.2, not " + p);
            });
        }
        List<TlsCipherSuite> suites = new ArrayList<>();
        if (v.containsKey("cipher-suites")) {
            for (String name : list(v.get("cipher-suites"))) {
                try {
                    suites.add(TlsCipherSuite.of(name));
                } catch (IllegalArgumentException e) {
                    throw error(s.lines().get("cipher-suites"), e.getMessage());
                }
            }
        } else {
            suites.addAll(Arrays.asList(TlsCipherSuite.values()));
        }
        Set<Integer> uids = new HashSet<>();
        Set<Integer> gids = new HashSet<>();
        boolean anyone = ids(s, "allow-uid", uids) | ids(s, "allow-gid", gids);
        if (!v.containsKey("allow-uid") && !v.containsKey("allow-gid")) {
            uids.add(agentUid);
        }
        boolean softwareReturn = bool(s, "allow-software-return", false);
        boolean tickets = bool(s, "session-tickets", true);
        Duration timeout = Duration.ofMillis(number(s, "timeout-ms", defaultTimeout.toMillis(), 1,
                HandshakeRequest.MAX_TIMEOUT_MS));
        if (certificate == null && psk == null) {
            throw error(s.line(), "credential " + s.name() + " needs certificate and key, or psk-identity and psk-key");
        }
        return new CredentialConfig(s.name(), certificate, tm, psk, clientAuth, sides, protocols, suites, uids, gids,
                anyone, softwareReturn, timeout, tickets);
    }

    private boolean bool(Section s, String key, boolean absent) throws IOException {
        String v = s.values().get(key);
        if (v == null) {
            return absent;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes" -> true;
            case "false", "no" -> false;
            default -> throw error(s.lines().get(key), key + " is true or false, not " + v);
        };
    }

    private ExternalPsk psk(Section s) throws IOException {
        Map<String, String> v = s.values();
        if (!v.containsKey("psk-identity") && !v.containsKey("psk-key")) {
            return null;
        }
        if (!v.containsKey("psk-identity") || !v.containsKey("psk-key")) {
            throw error(s.line(), "credential " + s.name() + ": psk-identity and psk-key go together");
        }
        int line = s.lines().get("psk-key");
        String hex;
        try {
            hex = Files.readString(path(v.get("psk-key")), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw error(line, "credential " + s.name() + ": the PSK file: " + reason(e));
        }
        byte[] key;
        try {
            key = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw error(line, "the PSK file " + v.get("psk-key") + " must hold the key in hex");
        }
        ExternalPsk.Hash hash = switch (v.getOrDefault("psk-hash", "sha256").toLowerCase(Locale.ROOT)) {
            case "sha256" -> ExternalPsk.Hash.SHA256;
            case "sha384" -> ExternalPsk.Hash.SHA384;
            default -> throw error(s.lines().get("psk-hash"), "psk-hash is sha256 or sha384");
        };
        try {
            return ExternalPsk.of(v.get("psk-identity").getBytes(StandardCharsets.UTF_8), key, hash);
        } catch (IllegalArgumentException e) {
            throw error(line, e.getMessage());
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** Parses an allow list into {@code into}; returns true for {@code *}. */
    private boolean ids(Section s, String key, Set<Integer> into) throws IOException {
        String value = s.values().get(key);
        if (value == null) {
            return false;
        }
        boolean any = false;
        for (String id : list(value)) {
            if (id.equals("*")) {
                any = true;
                continue;
            }
            try {
                int n = Integer.parseInt(id);
                if (n < 0) {
                    throw new NumberFormatException();
                }
                into.add(n);
            } catch (NumberFormatException e) {
                throw error(s.lines().get(key), key + " lists numeric ids or *, not " + id);
            }
        }
        return any;
    }

    private long number(Section s, String key, long fallback, long min, long max) throws IOException {
        String value = s.values().get(key);
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw error(s.lines().get(key), key + " must be a number in " + min + ".." + max);
        }
    }

    private Path path(String value) throws IOException {
        Path p;
        try {
            p = Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IOException("not a file name: " + printable(value));
        }
        Path dir = file.toAbsolutePath().getParent();
        return p.isAbsolute() || dir == null ? p : dir.resolve(p);
    }

    private static String printable(String value) {
        StringBuilder sb = new StringBuilder();
        value.codePoints().forEach(c -> sb.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c)
                : Character.toString(c)));
        return sb.toString();
    }

    /** What went wrong with a file the configuration names, for its error line (the JDK's messages are bare paths). */
    private static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + e.getMessage();
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + e.getMessage();
        }
        if (e instanceof java.nio.charset.CharacterCodingException) {
            return "the file is not text in the expected encoding";
        }
        return e.getMessage();
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return hash < 0 ? line : line.substring(0, hash);
    }

    private IOException error(Integer line, String message) {
        return new IOException(file + (line == null ? "" : ":" + line) + ": " + message);
    }
}
