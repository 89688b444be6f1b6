package io.ktls4j.bench;

import io.ktls4j.handshake.Credentials;
import io.ktls4j.handshake.KtlsContext;
import io.ktls4j.handshake.spi.HandshakeEngine;
import io.ktls4j.handshake.spi.Handshakes;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.KEM;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.crypto.CryptoHashAlgorithm;
import org.bouncycastle.tls.crypto.TlsAgreement;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsECConfig;
import org.bouncycastle.tls.crypto.TlsHash;
import org.bouncycastle.tls.crypto.TlsKemConfig;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * The TLS handshake alone, BouncyCastle's pure-Java crypto ({@code BcTlsCrypto}) against the JDK's providers
 * ({@code JcaTlsCrypto} over SunEC, SUN, SunJCE), per primitive and for whole handshakes (a client and a server
 * {@link HandshakeEngine} in this thread, bytes moved between them, no socket). Each pair alternates slices in ABBA
 * order (swapped every round) and reports the median per-round ratio, so load that drifts slower than a round
 * cancels out.
 *
 * <pre>java -cp ktls4j-bench/target/benchmarks.jar io.ktls4j.bench.HandshakeCryptoBench [ROUNDS] [SLICE_MS] [FILTER]</pre>
 */
public final class HandshakeCryptoBench {
    private HandshakeCryptoBench() {}

    @FunctionalInterface
    interface Op {
        void run() throws Exception;
    }

    record Pair(String name, String aName, Op a, String bName, Op b) {}

    static long sink;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("loop")) {
            // for a profiler: java ... HandshakeCryptoBench loop CRYPTO GROUP SECONDS
            Op op = handshake(args[1], args[2]);
            double us = slice(op, Long.parseLong(args[3]) * 1_000_000_000L);
            System.out.printf(Locale.ROOT, "%s %s: %.1f us per handshake (client+server)%n", args[1], args[2], us);
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        long sliceNanos = (args.length > 1 ? Long.parseLong(args[1]) : 200) * 1_000_000L;
        String filter = args.length > 2 ? args[2] : "";
        SecureRandom random = new SecureRandom();
        TlsCrypto bc = new BcTlsCrypto(random);
        TlsCrypto jdk = new JcaTlsCryptoProvider().create(random);

        List<Pair> pairs = new ArrayList<>();
        pairs.add(new Pair("X25519 keygen+agree", "bc", agreement(bc, NamedGroup.x25519), "jdk",
                agreement(jdk, NamedGroup.x25519)));
        pairs.add(new Pair("P-256 ECDH keygen+agree", "bc", agreement(bc, NamedGroup.secp256r1), "jdk",
                agreement(jdk, NamedGroup.secp256r1)));
        pairs.add(new Pair("ML-KEM-768 keygen+encaps+decaps", "bc", mlkemBc(bc), "jdk", mlkemJdk()));
        pairs.add(new Pair("ECDSA P-256 sign", "bc", signBc(), "jdk", signJdk()));
        pairs.add(new Pair("ECDSA P-256 verify", "bc", verifyBc(), "jdk", verifyJdk()));
        pairs.add(new Pair("SHA-256 4 KiB transcript", "bc", hash(bc), "jdk", hash(jdk)));
        pairs.add(new Pair("HKDF TLS 1.3 key schedule (extract + 10 expand-label)", "bc", hkdf(bc), "jdk",
                hkdf(jdk)));
        for (String group : new String[] {"X25519", "X25519MLKEM768"}) {
            for (String other : new String[] {"jdk", "fastest"}) {
                pairs.add(new Pair("full TLS 1.3 handshake, client+server, " + group + ", ECDSA P-256", "bc",
                        handshake("bc", group), other, handshake(other, group)));
            }
        }

        System.out.printf(Locale.ROOT, "rounds %d, slice %d ms, JDK %s, %s%n", rounds, sliceNanos / 1_000_000,
                Runtime.version(), System.getProperty("os.arch"));
        for (Pair p : pairs) {
            if (!p.name.contains(filter)) {
                continue;
            }
            measure(p, rounds, sliceNanos);
        }
    }

    private static void measure(Pair p, int rounds, long sliceNanos) throws Exception {
        // warm-up: both sides until C2 has compiled them (about 3 s each)
        slice(p.a, 3_000_000_000L);
        slice(p.b, 3_000_000_000L);
        // time a / time b: > 1 means b is faster
        AbbaRounds.Result r = AbbaRounds.run(() -> slice(p.a, sliceNanos), () -> slice(p.b, sliceNanos), rounds);
        System.out.printf(Locale.ROOT, "%-70s %s %9.1f us  %s %9.1f us  %s/%s time ratio %.2f (quartiles %.2f..%.2f)%n",
                p.name, p.aName, AbbaRounds.median(r.a()), p.bName, AbbaRounds.median(r.b()), p.aName, p.bName,
                AbbaRounds.median(r.ratios()), AbbaRounds.quantile(r.ratios(), 0.25),
                AbbaRounds.quantile(r.ratios(), 0.75));
    }

    /** Runs {@code op} for about {@code nanos}; returns microseconds per operation. */
    private static double slice(Op op, long nanos) throws Exception {
        long start = System.nanoTime();
        long end = start + nanos;
        long n = 0;
        long now;
        do {
            op.run();
            n++;
            now = System.nanoTime();
        } while (now < end);
        return (now - start) / 1000.0 / n;
    }

    private static Op agreement(TlsCrypto crypto, int group) throws Exception {
        byte[] peer = crypto.createECDomain(new TlsECConfig(group)).createECDH().generateEphemeral();
        return () -> {
            TlsAgreement a = crypto.createECDomain(new TlsECConfig(group)).createECDH();
            a.generateEphemeral();
            a.receivePeerValue(peer);
            TlsSecret s = a.calculateSecret();
            sink += s.extract()[0];
        };
    }

    private static Op mlkemBc(TlsCrypto crypto) {
        return () -> {
            TlsAgreement client = crypto.createKemDomain(new TlsKemConfig(NamedGroup.MLKEM768, false)).createKem();
            TlsAgreement server = crypto.createKemDomain(new TlsKemConfig(NamedGroup.MLKEM768, true)).createKem();
            byte[] ek = client.generateEphemeral();
            server.receivePeerValue(ek);
            byte[] ct = server.generateEphemeral();
            client.receivePeerValue(ct);
            sink += client.calculateSecret().extract()[0] + server.calculateSecret().extract()[0];
        };
    }

    private static Op mlkemJdk() throws Exception {
        KEM kem = KEM.getInstance("ML-KEM");
        return () -> {
            KeyPairGenerator g = KeyPairGenerator.getInstance("ML-KEM-768");
            KeyPair kp = g.generateKeyPair();
            KEM.Encapsulated e = kem.newEncapsulator(kp.getPublic()).encapsulate();
            byte[] k = kem.newDecapsulator(kp.getPrivate()).decapsulate(e.encapsulation()).getEncoded();
            sink += k[0] + e.key().getEncoded()[0];
        };
    }

    private static final byte[] TO_SIGN = new byte[130]; // TLS 1.3 CertificateVerify content: 64 spaces, label, hash

    private static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static final KeyPair EC = uncheckedKeyPair();

    private static KeyPair uncheckedKeyPair() {
        try {
            return ecKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Op signBc() throws Exception {
        ECPrivateKeyParameters key = (ECPrivateKeyParameters) PrivateKeyFactory.createKey(EC.getPrivate().getEncoded());
        return () -> {
            // what BcTlsECDSA13Signer does: deterministic ECDSA (RFC 6979) over SHA-256
            SHA256Digest d = new SHA256Digest();
            d.update(TO_SIGN, 0, TO_SIGN.length);
            byte[] h = new byte[32];
            d.doFinal(h, 0);
            ECDSASigner s = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
            s.init(true, key);
            BigInteger[] rs = s.generateSignature(h);
            sink += rs[0].intValue();
        };
    }

    private static Op signJdk() {
        PrivateKey key = EC.getPrivate();
        return () -> {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update(TO_SIGN);
            sink += s.sign()[5];
        };
    }

    private static Op verifyBc() throws Exception {
        ECPublicKeyParameters key = (ECPublicKeyParameters) PublicKeyFactory.createKey(EC.getPublic().getEncoded());
        ECPrivateKeyParameters priv = (ECPrivateKeyParameters) PrivateKeyFactory.createKey(EC.getPrivate().getEncoded());
        SHA256Digest d = new SHA256Digest();
        d.update(TO_SIGN, 0, TO_SIGN.length);
        byte[] h = new byte[32];
        d.doFinal(h, 0);
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, priv);
        BigInteger[] rs = signer.generateSignature(h);
        return () -> {
            SHA256Digest dd = new SHA256Digest();
            dd.update(TO_SIGN, 0, TO_SIGN.length);
            byte[] hh = new byte[32];
            dd.doFinal(hh, 0);
            ECDSASigner v = new ECDSASigner();
            v.init(false, key);
            if (!v.verifySignature(hh, rs[0], rs[1])) {
                throw new IllegalStateException("verify");
            }
        };
    }

    private static Op verifyJdk() throws Exception {
        PublicKey key = EC.getPublic();
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(EC.getPrivate());
        s.update(TO_SIGN);
        byte[] sig = s.sign();
        return () -> {
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(key);
            v.update(TO_SIGN);
            if (!v.verify(sig)) {
                throw new IllegalStateException("verify");
            }
        };
    }

    private static Op hash(TlsCrypto crypto) {
        byte[] data = new byte[4096];
        return () -> {
            TlsHash h = crypto.createHash(CryptoHashAlgorithm.sha256);
            h.update(data, 0, data.length);
            // the handshake forks the transcript several times (Finished, CertificateVerify, key schedule)
            sink += h.cloneHash().calculateHash()[0] + h.calculateHash()[0];
        };
    }

    private static Op hkdf(TlsCrypto crypto) {
        byte[] shared = new byte[32];
        byte[] transcript = new byte[32];
        return () -> {
            TlsSecret early = crypto.hkdfInit(CryptoHashAlgorithm.sha256).hkdfExtract(CryptoHashAlgorithm.sha256,
                    crypto.hkdfInit(CryptoHashAlgorithm.sha256));
            TlsSecret derived = TlsCryptoUtils.hkdfExpandLabel(early, CryptoHashAlgorithm.sha256, "derived",
                    transcript, 32);
            TlsSecret hs = derived.hkdfExtract(CryptoHashAlgorithm.sha256, crypto.createSecret(shared));
            for (int i = 0; i < 9; i++) {
                sink += TlsCryptoUtils.hkdfExpandLabel(hs, CryptoHashAlgorithm.sha256, "c hs traffic", transcript, 32)
                        .extract()[0];
            }
        };
    }

    private static Op handshake(String crypto, String group) throws Exception {
        Map<String, KtlsContext> ctx = contexts(crypto, group);
        KtlsContext client = ctx.get("client");
        KtlsContext server = ctx.get("server");
        return () -> {
            try (HandshakeEngine c = Handshakes.newEngine(client, "localhost");
                 HandshakeEngine s = Handshakes.newEngine(server, null)) {
                ByteBuffer toServer = ByteBuffer.allocate(1 << 15).flip();
                ByteBuffer toClient = ByteBuffer.allocate(1 << 15).flip();
                c.start();
                s.start();
                for (int round = 0; round < 10 && !(c.isComplete() && s.isComplete()); round++) {
                    pump(c, toServer);
                    if (!s.isComplete()) {
                        s.offer(toServer);
                    }
                    pump(s, toClient);
                    if (!c.isComplete()) {
                        c.offer(toClient);
                    }
                }
                if (!c.isComplete() || !s.isComplete()) {
                    throw new IllegalStateException("handshake did not complete");
                }
                c.takeKeys().destroy();
                s.takeKeys().destroy();
            }
        };
    }

    private static void pump(HandshakeEngine from, ByteBuffer wire) {
        ByteBuffer chunk = ByteBuffer.allocate(from.outputBytes());
        from.readOutput(chunk);
        wire.compact().put(chunk.flip()).flip();
    }

    /** A client and a server context with the handshake crypto {@code crypto} ("bc", "jdk" or "fastest"). */
    static Map<String, KtlsContext> contexts(String crypto, String group) throws Exception {
        KeyPair kp = ecKeyPair();
        X509Certificate cert = selfSigned(kp);
        StringWriter certPem = new StringWriter();
        StringWriter keyPem = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(certPem)) {
            w.writeObject(cert);
        }
        keyPem.write("-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(kp.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        String before = System.getProperty("ktls4j.handshake.crypto");
        System.setProperty("ktls4j.handshake.crypto", crypto);
        try {
            Map<String, KtlsContext> m = new LinkedHashMap<>();
            m.put("client", KtlsContext.forClient().trustManager(cert).protocols("TLSv1.3").groups(group)
                    .keyLogFromEnvironment(false).build());
            m.put("server", KtlsContext.forServer(Credentials.fromPem(certPem.toString(), keyPem.toString(), null))
                    .protocols("TLSv1.3").groups(group).keyLogFromEnvironment(false).build());
            return m;
        } finally {
            if (before == null) {
                System.clearProperty("ktls4j.handshake.crypto");
            } else {
                System.setProperty("ktls4j.handshake.crypto", before);
            }
        }
    }

    private static X509Certificate selfSigned(KeyPair kp) throws Exception {
        X500Name name = new X500Name("CN=localhost");
        long now = System.currentTimeMillis();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, new java.util.Date(now - 60_000),
                new java.util.Date(now + 86_400_000L), name, kp.getPublic());
        builder.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
                new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
                        org.bouncycastle.asn1.x509.GeneralName.dNSName, "localhost")));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    }
}
