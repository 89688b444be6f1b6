package io.ktls4j.bench;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsException;
import io.ktls4j.RecordType;
import io.ktls4j.TlsVersion;
import io.ktls4j.records.Opened;
import io.ktls4j.records.RecordCipher;
import io.ktls4j.records.TlsRecords;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The record layer's {@link RecordCipher#seal}/{@link RecordCipher#open} next to a raw JCE loop doing the same AEAD
 * work: same provider, same key, same nonce and AAD rule, same bytes (TLS 1.3: content plus the inner type byte),
 * {@code Cipher.init + updateAAD + doFinal} into preallocated arrays.
 *
 * <p>Every invocation handles a batch of {@value #BATCH} records in distinct buffers (the raw loop has as many
 * arrays of its own), so both sides walk the same amount of memory. The opening side needs fresh sequence numbers for each
 * batch: its {@link RecordCipher} is re-created before every invocation, outside the timed part.
 *
 * <pre>java -jar ktls4j-bench/target/benchmarks.jar RecordCipherBench -f 1 -wi 2 -i 3 -w 2s -r 3s</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RecordCipherBench {
    static final int BATCH = 32;

    /** What all four benchmarks share: the crypto_info, the plaintext, the sealed batch. */
    @State(Scope.Thread)
    public static class Records {
        @Param({"AES_GCM_128", "AES_GCM_256", "CHACHA20_POLY1305", "AES_CCM_128"})
        public String cipher;

        @Param({"16384", "1024"})
        public int size;

        @Param({"TLS_1_3"})
        public String version;

        @Param({"heap"})
        public String buffers;

        CryptoInfo info;
        ByteBuffer plaintext;
        /** BATCH sealed records, sequence numbers 0..BATCH-1 (what open and rawOpen read). */
        ByteBuffer[] sealed;
        /** BATCH destinations for seal and rawSeal, and for open's plaintext. */
        ByteBuffer[] slots;
        RawAead raw;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            TlsVersion v = TlsVersion.valueOf(version);
            CipherType c = CipherType.valueOf(cipher);
            byte[] key = new byte[c.keySize()];
            byte[] writeIv = new byte[12];
            for (int i = 0; i < key.length; i++) {
                key[i] = (byte) (0x3c + 7 * i);
            }
            for (int i = 0; i < writeIv.length; i++) {
                writeIv[i] = (byte) (0xa5 ^ i);
            }
            info = CryptoInfo.fromWriteIv(v, c, key, writeIv, 0);
            int recordSize = TlsRecords.HEADER_SIZE + size + TlsRecords.overhead(v, c);
            plaintext = allocate(size);
            for (int i = 0; i < size; i++) {
                plaintext.put(i, (byte) (i * 31));
            }
            RecordCipher tx = RecordCipher.forTx(info);
            sealed = new ByteBuffer[BATCH];
            slots = new ByteBuffer[BATCH];
            for (int i = 0; i < BATCH; i++) {
                sealed[i] = allocate(recordSize);
                slots[i] = allocate(recordSize);
                tx.seal(RecordType.APPLICATION_DATA, plaintext.clear(), sealed[i]);
                sealed[i].flip();
            }
            tx.destroy();
            raw = new RawAead(v, c, key, writeIv, size, sealed);
            for (int i = 0; i < BATCH; i++) {
                raw.open(i); // the baseline authenticates the record layer's records, or the trial stops here
            }
        }

        private ByteBuffer allocate(int n) {
            return buffers.equals("direct") ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
        }
    }

    /** The sealing side: one cipher for the whole trial, its sequence number simply grows. */
    @State(Scope.Thread)
    public static class Sealer {
        RecordCipher tx;

        @Setup(Level.Trial)
        public void setUp(Records r) throws KtlsException {
            tx = RecordCipher.forTx(r.info);
        }
    }

    /** The opening side: a fresh cipher at sequence 0 before each batch of the records sealed at 0..BATCH-1. */
    @State(Scope.Thread)
    public static class Opener {
        RecordCipher rx;

        @Setup(Level.Invocation)
        public void setUp(Records r) throws KtlsException {
            rx = RecordCipher.forRx(r.info);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void seal(Records r, Sealer s, Blackhole bh) throws KtlsException {
        for (int i = 0; i < BATCH; i++) {
            ByteBuffer dst = r.slots[i].clear();
            s.tx.seal(RecordType.APPLICATION_DATA, r.plaintext.clear(), dst);
            bh.consume(dst.position());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void open(Records r, Opener o, Blackhole bh) throws KtlsException {
        for (int i = 0; i < BATCH; i++) {
            Opened opened = o.rx.open(r.sealed[i].rewind(), r.slots[i].clear());
            bh.consume(opened.length());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawSeal(Records r, Blackhole bh) throws Exception {
        for (int i = 0; i < BATCH; i++) {
            bh.consume(r.raw.seal(i));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawOpen(Records r, Blackhole bh) throws Exception {
        for (int i = 0; i < BATCH; i++) {
            bh.consume(r.raw.open(i));
        }
    }
}
