package io.ktls4j.linux;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsVersion;
import io.ktls4j.linux.internal.Errors;
import io.ktls4j.linux.internal.KernelBuild;
import io.ktls4j.linux.internal.LoopbackPair;
import io.ktls4j.linux.internal.MsgIo;
import io.ktls4j.linux.internal.Native;
import io.ktls4j.linux.internal.Readiness;
import io.ktls4j.linux.internal.SockDiag;
import io.ktls4j.linux.internal.Sockopt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The probes behind {@link KernelTls}: each one runs the real calls on a fresh loopback pair with all-zero keys (as
 * the kernel selftests do) and reports what the kernel answered. Uncached; {@link KernelTls} caches.
 */
final class KernelProbes {
    static final String ULP_CALL = "setsockopt(TCP_ULP, \"tls\")";

    private KernelProbes() {
    }

    /** What one install attempt answered: 0 on success, else the errno and which call failed. */
    record Raw(int errno, String call) {
        boolean ok() {
            return errno == 0;
        }

        String answer() {
            return call + " answered " + (ok() ? "0" : LinuxErrno.name(errno));
        }
    }

    static FeatureProbe ulp() {
        String name = KernelFeature.ULP.title();
        if (!Native.isUsable()) {
            return FeatureProbe.no(name, null, Errno.EOPNOTSUPP, Native.unavailabilityCause());
        }
        try (LoopbackPair p = LoopbackPair.open()) {
            int r = Sockopt.attachUlp(p.clientFd, "tls");
            if (r == 0) {
                return FeatureProbe.yes(name, KernelFeature.ULP, ULP_CALL + " on a loopback socket answered 0");
            }
            String answer = ULP_CALL + " on a loopback socket answered " + LinuxErrno.name(-r);
            String why = r == -Errno.ENOENT.code() ? KernelBuild.runningWhyNoTlsUlp() + " (" + answer + ")" : answer;
            return FeatureProbe.no(name, KernelFeature.ULP, errnoOf(-r), why);
        } catch (IOException e) {
            return FeatureProbe.no(name, null, Errno.EIO, "could not open a loopback TCP pair to probe: " + e);
        }
    }

    static CryptoInfo zeroKeys(TlsVersion v, CipherType c, long seq) throws KtlsException {
        return CryptoInfo.of(v, c, new byte[c.keySize()], new byte[c.ivSize()], new byte[c.saltSize()],
                CryptoInfo.seqBytes(seq));
    }

    /** TX on the client and RX on the server with zero keys, then one record through. */
    static Raw cipher(TlsVersion v, CipherType c) {
        try (LoopbackPair p = LoopbackPair.open()) {
            int r = Sockopt.attachUlp(p.clientFd, "tls");
            if (r == 0) {
                r = Sockopt.attachUlp(p.serverFd, "tls");
            }
            if (r < 0) {
                return new Raw(-r, ULP_CALL);
            }
            String name = v + " " + c;
            Raw tx = install(p.clientFd, 1, v, c, 0, "setsockopt(SOL_TLS, TLS_TX, " + name + ")");
            if (!tx.ok()) {
                return tx;
            }
            Raw rx = install(p.serverFd, 2, v, c, 0, "setsockopt(SOL_TLS, TLS_RX, " + name + ")");
            return rx.ok() ? roundTrip(p) : rx;
        } catch (IOException e) {
            return new Raw(Errno.EIO.code(), "probe pair: " + e);
        }
    }

    static Raw install(int fd, int optname, TlsVersion v, CipherType c, long seq, String call) throws KtlsException {
        CryptoInfo info = zeroKeys(v, c, seq);
        byte[] struct = info.toBytes();
        try {
            int r = Sockopt.setSecret(fd, Native.SOL_TLS, optname, struct);
            return new Raw(r < 0 ? -r : 0, call);
        } finally {
            Arrays.fill(struct, (byte) 0);
            info.destroy();
        }
    }

    private static Raw roundTrip(LoopbackPair p) throws IOException {
        byte[] msg = "ktls4j probe".getBytes(StandardCharsets.US_ASCII);
        long w = MsgIo.send(p.clientFd, new ByteBuffer[] {ByteBuffer.wrap(msg)}, 0, -1, Long.MAX_VALUE);
        if (w != msg.length) {
            return new Raw(w < 0 ? (int) -w : Errno.EIO.code(), "sendmsg of a probe record");
        }
        ByteBuffer in = ByteBuffer.allocate(64);
        long deadline = System.nanoTime() + 30_000_000_000L; // TCG guests are slow
        while (in.position() < msg.length && System.nanoTime() < deadline) {
            if (Readiness.now(p.serverFd, Native.POLLIN) == 0) {
                Thread.onSpinWait();
                continue;
            }
            long n = MsgIo.receive(p.serverFd, new ByteBuffer[] {in}, Native.MSG_DONTWAIT, false, 64).result();
            if (n < 0 && n != -Errno.EAGAIN.code()) {
                return new Raw((int) -n, "recv of the probe record");
            }
        }
        boolean same = Arrays.equals(Arrays.copyOf(in.array(), in.position()), msg);
        return same ? new Raw(0, "a probe record round trip") : new Raw(Errno.EBADMSG.code(),
                "a probe record round trip (read " + in.position() + " bytes, not the record sent)");
    }

    static FeatureProbe rxExpectNoPad() {
        String name = KernelFeature.RX_EXPECT_NO_PAD.title();
        try (LoopbackPair p = LoopbackPair.open()) {
            Sockopt.attachUlp(p.serverFd, "tls");
            Raw rx = install(p.serverFd, 2, TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0,
                    "setsockopt(SOL_TLS, TLS_RX, TLSv1.3 AES_GCM_128)");
            if (!rx.ok()) {
                return FeatureProbe.no(name, KernelFeature.TLS_1_3, errnoOf(rx.errno()), rx.answer());
            }
            int r = Sockopt.setInt(p.serverFd, Native.SOL_TLS, Native.TLS_RX_EXPECT_NO_PAD, 1);
            String call = "setsockopt(SOL_TLS, TLS_RX_EXPECT_NO_PAD, 1) on a TLS 1.3 RX socket";
            return r == 0 ? FeatureProbe.yes(name, KernelFeature.RX_EXPECT_NO_PAD, call + " answered 0")
                    : FeatureProbe.no(name, KernelFeature.RX_EXPECT_NO_PAD, errnoOf(-r), call + " answered " + LinuxErrno.name(-r));
        } catch (IOException e) {
            return FeatureProbe.no(name, null, Errno.EIO, "probe failed: " + e);
        }
    }

    static FeatureProbe txMaxPayloadLen() {
        String name = KernelFeature.TX_MAX_PAYLOAD_LEN.title();
        try (LoopbackPair p = LoopbackPair.open()) {
            Sockopt.attachUlp(p.clientFd, "tls");
            Raw tx = install(p.clientFd, 1, TlsVersion.TLS_1_2, CipherType.AES_GCM_128, 0,
                    "setsockopt(SOL_TLS, TLS_TX, TLSv1.2 AES_GCM_128)");
            if (!tx.ok()) {
                return FeatureProbe.no(name, KernelFeature.ULP, errnoOf(tx.errno()), tx.answer());
            }
            long r = Sockopt.getUnsigned(p.clientFd, Native.SOL_TLS, Native.TLS_TX_MAX_PAYLOAD_LEN, 2);
            String call = "getsockopt(SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN) on a TLS 1.2 TX socket";
            return r >= 0 ? FeatureProbe.yes(name, KernelFeature.TX_MAX_PAYLOAD_LEN, call + " answered " + r)
                    : FeatureProbe.no(name, KernelFeature.TX_MAX_PAYLOAD_LEN, errnoOf((int) -r),
                            call + " answered " + LinuxErrno.name((int) -r));
        } catch (IOException e) {
            return FeatureProbe.no(name, null, Errno.EIO, "probe failed: " + e);
        }
    }

    static FeatureProbe rekey() {
        String name = KernelFeature.REKEY.title();
        try (LoopbackPair p = LoopbackPair.open()) {
            Sockopt.attachUlp(p.clientFd, "tls");
            String call = "setsockopt(SOL_TLS, TLS_TX, TLSv1.3 AES_GCM_128)";
            Raw first = install(p.clientFd, 1, TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 0, call);
            if (!first.ok()) {
                return FeatureProbe.no(name, KernelFeature.TLS_1_3, errnoOf(first.errno()), first.answer());
            }
            Raw second = install(p.clientFd, 1, TlsVersion.TLS_1_3, CipherType.AES_GCM_128, 1, call + " a second time");
            return second.ok() ? FeatureProbe.yes(name, KernelFeature.REKEY, second.answer())
                    : FeatureProbe.no(name, KernelFeature.REKEY, errnoOf(second.errno()), second.answer());
        } catch (IOException e) {
            return FeatureProbe.no(name, null, Errno.EIO, "probe failed: " + e);
        }
    }

    static FeatureProbe sockDiag() {
        String name = KernelFeature.SOCK_DIAG.title();
        try (LoopbackPair p = LoopbackPair.open()) {
            Sockopt.attachUlp(p.clientFd, "tls");
            Raw tx = install(p.clientFd, 1, TlsVersion.TLS_1_2, CipherType.AES_GCM_128, 0, "setsockopt(TLS_TX)");
            if (!tx.ok()) {
                return FeatureProbe.no(name, KernelFeature.ULP, errnoOf(tx.errno()), tx.answer());
            }
            SockDiag.TlsConf conf = SockDiag.query(p.clientFd);
            return conf.known() ? FeatureProbe.yes(name, KernelFeature.SOCK_DIAG, "TLS_INFO_TXCONF=" + conf.tx()
                    + ", TLS_INFO_RXCONF=" + conf.rx() + " for a TX-installed socket")
                    : FeatureProbe.no(name, KernelFeature.SOCK_DIAG, null, conf.why());
        } catch (IOException e) {
            return FeatureProbe.no(name, null, Errno.EIO, "probe failed: " + e);
        }
    }

    static Errno errnoOf(int errno) {
        Errno e = Errno.ofCode(errno);
        return e == null ? Errno.EOPNOTSUPP : e;
    }
}
