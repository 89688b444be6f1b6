package io.ktls4j.handshake;

import io.ktls4j.TlsBackend;
import io.ktls4j.TlsVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Builds an immutable {@link KtlsContext}; start with {@link KtlsContext#forClient()} or
 * {@link KtlsContext#forServer(Credentials)}. Defaults: TLS 1.3 and 1.2, every {@link TlsCipherSuite}, groups
 * X25519MLKEM768, X25519, SecP256r1MLKEM768, P-256, P-384 (a client sends key shares for X25519MLKEM768 and X25519;
 * a server picks by its own order), the system trust store, hostname verification and SNI on, no ALPN, no client
 * authentication, a 10-second handshake timeout, the software record layer, no key log (unless SSLKEYLOGFILE is
 * set); TLS 1.3 session resumption on: a server sends two session tickets after each full handshake (one after a
 * resumed one) valid for two hours, a client keeps the tickets it receives and offers one on its next connection to
 * the same server.
 */
public final class KtlsContextBuilder {
    /** A source that may need I/O, evaluated by {@link #build()}. */
    @FunctionalInterface
    interface IoSupplier<T> {
        T get() throws IOException;
    }

    final boolean client;
    IoSupplier<Credentials> credentials;
    List<TlsVersion> protocols = List.of(TlsVersion.TLS_1_3, TlsVersion.TLS_1_2);
    List<TlsCipherSuite> cipherSuites = List.of(TlsCipherSuite.values());
    List<TlsGroup> groups = List.of(TlsGroup.X25519_MLKEM768, TlsGroup.X25519, TlsGroup.SECP256R1_MLKEM768,
            TlsGroup.P_256, TlsGroup.P_384);
    IoSupplier<X509TrustManager> trust = () -> trustManagerFor(null);
    boolean insecureTrustAll;
    boolean hostnameVerification = true;
    boolean sni = true;
    List<String> applicationProtocols = List.of();
    ClientAuth clientAuth = ClientAuth.NONE;
    final List<ExternalPsk> psks = new ArrayList<>();
    Duration handshakeTimeout = Duration.ofSeconds(10);
    TlsBackend backend;
    KeyLog keyLog;
    boolean keyLogFromEnvironment = true;
    java.util.Map<String, String> environment = System.getenv();
    long keyUpdateAfterRecords;
    boolean resumption = true;
    int ticketCount = 2;
    Duration ticketLifetime = Duration.ofHours(2);
    java.time.Clock clock = java.time.Clock.systemUTC();

    KtlsContextBuilder(boolean client, IoSupplier<Credentials> credentials) {
        this.client = client;
        this.credentials = credentials;
    }

    /** Enabled protocol versions by JSSE name: "TLSv1.3", "TLSv1.2". */
    public KtlsContextBuilder protocols(String... names) {
        List<TlsVersion> v = new ArrayList<>();
        for (String n : names) {
            v.add(switch (n.trim()) {
                case "TLSv1.3" -> TlsVersion.TLS_1_3;
                case "TLSv1.2" -> TlsVersion.TLS_1_2;
                default -> throw new IllegalArgumentException("unsupported protocol \"" + n
                        + "\"; kTLS carries TLSv1.3 and TLSv1.2");
            });
        }
        return protocols(v.toArray(TlsVersion[]::new));
    }

    public KtlsContextBuilder protocols(TlsVersion... versions) {
        if (versions.length == 0) {
            throw new IllegalArgumentException("at least one protocol version is needed");
        }
        protocols = List.copyOf(new LinkedHashSet<>(Arrays.asList(versions)));
        return this;
    }

    /** Enabled cipher suites by IANA name, in order of preference. */
    public KtlsContextBuilder cipherSuites(String... ianaNames) {
        return cipherSuites(Arrays.stream(ianaNames).map(TlsCipherSuite::of).toArray(TlsCipherSuite[]::new));
    }

    public KtlsContextBuilder cipherSuites(TlsCipherSuite... suites) {
        if (suites.length == 0) {
            throw new IllegalArgumentException("at least one cipher suite is needed");
        }
        cipherSuites = List.copyOf(new LinkedHashSet<>(Arrays.asList(suites)));
        return this;
    }

    /**
     * Key exchange groups in order of preference: "X25519MLKEM768", "SecP256r1MLKEM768" (TLS 1.3 only), "X25519",
     * "P-256", "P-384", "P-521", "X448". A client sends a key share for the first, and for the first classical one
     * when the first is a hybrid (a server without the hybrid picks that one, or asks for another with a
     * HelloRetryRequest); a server selects by this order among the client's groups.
     */
    public KtlsContextBuilder groups(String... names) {
        return groups(Arrays.stream(names).map(TlsGroup::of).toArray(TlsGroup[]::new));
    }

    public KtlsContextBuilder groups(TlsGroup... groups) {
        if (groups.length == 0) {
            throw new IllegalArgumentException("at least one group is needed");
        }
        this.groups = List.copyOf(new LinkedHashSet<>(Arrays.asList(groups)));
        return this;
    }

    /** Our certificate and key: required on a server (unless it only does PSK), optional on a client (mTLS). */
    public KtlsContextBuilder keyManager(Credentials credentials) {
        Objects.requireNonNull(credentials, "credentials");
        this.credentials = () -> credentials;
        return this;
    }

    /** Our certificate chain and key from PEM files, read by {@link #build()}. */
    public KtlsContextBuilder keyManager(Path certificateChainPem, Path privateKeyPem) {
        this.credentials = () -> Credentials.fromPem(certificateChainPem, privateKeyPem);
        return this;
    }

    /** Trusts the certificates of a PEM bundle (read by {@link #build()}). */
    public KtlsContextBuilder trustManager(Path pemBundle) {
        this.trust = () -> {
            try (InputStream in = Files.newInputStream(pemBundle)) {
                List<X509Certificate> certs = new ArrayList<>();
                for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    certs.add((X509Certificate) c);
                }
                if (certs.isEmpty()) {
                    throw new IOException("no certificate in trust bundle " + pemBundle);
                }
                return trustManagerFor(keyStoreOf(certs));
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot read trust bundle " + pemBundle + ": " + e.getMessage(), e);
            }
        };
        this.insecureTrustAll = false;
        return this;
    }

    /** Trusts the given certificates. */
    public KtlsContextBuilder trustManager(X509Certificate... trusted) {
        List<X509Certificate> certs = List.of(trusted);
        this.trust = () -> trustManagerFor(keyStoreOf(certs));
        this.insecureTrustAll = false;
        return this;
    }

    /** Trusts the certificate entries of a Java key store. */
    public KtlsContextBuilder trustManager(KeyStore trustStore) {
        Objects.requireNonNull(trustStore, "trustStore");
        this.trust = () -> trustManagerFor(trustStore);
        this.insecureTrustAll = false;
        return this;
    }

    /** Uses a JSSE trust manager of your own for the path check. */
    public KtlsContextBuilder trustManager(X509TrustManager trustManager) {
        Objects.requireNonNull(trustManager, "trustManager");
        this.trust = () -> trustManager;
        this.insecureTrustAll = false;
        return this;
    }

    /** The JDK's default trust store (the default). */
    public KtlsContextBuilder trustSystemDefault() {
        this.trust = () -> trustManagerFor(null);
        this.insecureTrustAll = false;
        return this;
    }

    /**
     * INSECURE: accepts any peer certificate and skips hostname verification, so anyone on the path can read and
     * change the traffic. For tests against throw-away certificates only.
     */
    public KtlsContextBuilder insecureTrustAllForTestingOnly() {
        this.insecureTrustAll = true;
        this.trust = () -> null;
        return this;
    }

    /** Client: check that the server certificate names the host passed to connect (default true). */
    public KtlsContextBuilder hostnameVerification(boolean verify) {
        this.hostnameVerification = verify;
        return this;
    }

    /** Client: send the host name as server_name (SNI) unless it is an IP literal (default true). */
    public KtlsContextBuilder serverNameIndication(boolean send) {
        this.sni = send;
        return this;
    }

    /** ALPN protocols in order of preference, e.g. "h2", "http/1.1". A server with a list rejects clients without overlap. */
    public KtlsContextBuilder applicationProtocols(String... protocols) {
        this.applicationProtocols = List.of(protocols);
        return this;
    }

    /** Server: whether to ask for a client certificate (default NONE). */
    public KtlsContextBuilder clientAuth(ClientAuth clientAuth) {
        this.clientAuth = Objects.requireNonNull(clientAuth, "clientAuth");
        return this;
    }

    /** Adds a TLS 1.3 external PSK: a client offers every PSK added, a server accepts any of them. */
    public KtlsContextBuilder externalPsk(ExternalPsk psk) {
        psks.add(Objects.requireNonNull(psk, "psk"));
        return this;
    }

    /** How long a handshake may take before it fails with {@link TlsHandshakeTimeoutException} (default 10 s). */
    public KtlsContextBuilder handshakeTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the handshake timeout must be positive");
        }
        this.handshakeTimeout = timeout;
        return this;
    }

    /** The record layer that carries the connection after the handshake (default: the kernel per direction where it takes the keys, else the software backend). */
    public KtlsContextBuilder backend(TlsBackend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        return this;
    }

    /** Writes session secrets to {@code file} in NSS key log format. For debugging only: it defeats TLS. */
    public KtlsContextBuilder keyLogFile(Path file) {
        this.keyLog = file == null ? null : KeyLog.to(file);
        return this;
    }

    /**
     * Whether a set {@code SSLKEYLOGFILE} environment variable turns key logging on (default true, as in curl and
     * browsers; read by {@link #build()}). Pass false for processes that must never log keys.
     */
    public KtlsContextBuilder keyLogFromEnvironment(boolean honour) {
        this.keyLogFromEnvironment = honour;
        return this;
    }

    /** For tests: the environment {@link #build()} reads SSLKEYLOGFILE from. */
    KtlsContextBuilder environment(java.util.Map<String, String> environment) {
        this.environment = environment;
        return this;
    }

    /**
     * TLS 1.3: send a KeyUpdate after this many records under one key. Default: the RFC 8446 §5.5 limits with a
     * margin (2^24 records for AES-GCM, 2^23 for AES-CCM, never for ChaCha20-Poly1305).
     */
    public KtlsContextBuilder keyUpdateAfterRecords(long records) {
        if (records < 1) {
            throw new IllegalArgumentException("records must be positive");
        }
        this.keyUpdateAfterRecords = records;
        return this;
    }

    /**
     * Session resumption (default on). TLS 1.3: a server sends NewSessionTickets after each handshake (stateless:
     * the session's PSK sealed under ticket keys held in memory and renewed every ticket lifetime) and resumes the
     * tickets it issued with a psk_dhe_ke handshake; a client keeps the tickets it receives in
     * {@link KtlsContext#sessionCache()} and offers one on its next connection to the same server. No 0-RTT data
     * either way. TLS 1.2: a server issues RFC 5077 tickets to clients that ask and keeps sessions by ID for those
     * that do not; a client keeps each session the server gave an ID and offers that ID next time (it asks for no
     * RFC 5077 tickets). A server with client authentication issues no tickets.
     */
    public KtlsContextBuilder sessionResumption(boolean enabled) {
        this.resumption = enabled;
        return this;
    }

    /** Server: send {@code count} tickets (1..8) after a full handshake, each valid for {@code lifetime} (at most 7 days). */
    public KtlsContextBuilder sessionTickets(int count, Duration lifetime) {
        if (count < 1 || count > 8) {
            throw new IllegalArgumentException("ticket count must be 1..8");
        }
        if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(Duration.ofDays(7)) > 0) {
            throw new IllegalArgumentException("ticket lifetime must be positive and at most 7 days (RFC 8446 §4.6.1)");
        }
        this.ticketCount = count;
        this.ticketLifetime = lifetime;
        this.resumption = true;
        return this;
    }

    /** For tests: the clock of ticket lifetimes and key rotation. */
    KtlsContextBuilder clock(java.time.Clock clock) {
        this.clock = clock;
        return this;
    }

    /** Reads any files named and checks the configuration. */
    public KtlsContext build() throws IOException {
        return new KtlsContext(this);
    }

    static X509TrustManager trustManagerFor(KeyStore keyStore) throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(keyStore);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IOException("no X509TrustManager available");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up the trust manager: " + e.getMessage(), e);
        }
    }

    private static KeyStore keyStoreOf(List<X509Certificate> certs) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            for (int i = 0; i < certs.size(); i++) {
                ks.setCertificateEntry("trusted-" + i, certs.get(i));
            }
            return ks;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build a trust store: " + e.getMessage(), e);
        }
    }
}
