package io.ktls4j.records;

import io.ktls4j.CipherType;
import io.ktls4j.CryptoInfo;
import io.ktls4j.KtlsException;
import io.ktls4j.TlsVersion;
import java.util.ArrayList;
import java.util.List;

/** The records tools/vectors/gen-vectors.c computed with OpenSSL (format: tools/vectors/README.md). */
final class OpenSslVectors {
    private OpenSslVectors() {}

    enum Kind { SEAL, OPEN, REJECT }

    record Step(Kind kind, int type, byte[] plaintext, int pad, byte[] record) {}

    record Case(String name, TlsVersion version, CipherType cipher, byte[] key, byte[] iv, byte[] salt,
                byte[] recSeq, List<Step> steps, byte[] nextRecSeq, byte[] nextIv) {
        CryptoInfo info() {
            return TestData.info(version, cipher, key, iv, salt, recSeq);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Byte i of the pattern plaintext ("*"): (i * 131 + 7) mod 256. */
    static byte[] pattern(int length) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) (i * 131 + 7);
        }
        return p;
    }

    private static byte[] plaintext(String field, int length) {
        byte[] p = field.equals("*") ? pattern(length) : TestData.hex(field);
        if (p.length != length) {
            throw new IllegalStateException("plaintext of " + p.length + " bytes where the line says " + length);
        }
        return p;
    }

    static List<Case> load() {
        List<Case> cases = new ArrayList<>();
        String name = null;
        TlsVersion version = null;
        CipherType cipher = null;
        byte[] key = null, iv = null, salt = null, seq = null, nextSeq = null, nextIv = null;
        List<Step> steps = new ArrayList<>();
        for (String line : TestData.resourceLines("openssl-records.txt")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" ");
            try {
                switch (f[0]) {
                    case "case" -> {
                        name = f[1];
                        steps = new ArrayList<>();
                    }
                    case "version" -> version = TlsVersion.of(Integer.decode(f[1]));
                    case "cipher" -> cipher = CipherType.of(Integer.parseInt(f[1]));
                    case "key" -> key = TestData.hex(f[1]);
                    case "iv" -> iv = TestData.hex(f[1]);
                    case "salt" -> salt = TestData.hex(f[1]);
                    case "rec_seq" -> seq = TestData.hex(f[1]);
                    case "seal" -> steps.add(new Step(Kind.SEAL, Integer.parseInt(f[1]),
                            plaintext(f[3], Integer.parseInt(f[2])), 0, TestData.hex(f[4])));
                    case "open" -> steps.add(new Step(Kind.OPEN, Integer.parseInt(f[1]),
                            plaintext(f[4], Integer.parseInt(f[2])), Integer.parseInt(f[3]), TestData.hex(f[5])));
                    case "reject" -> steps.add(new Step(Kind.REJECT, -1, null, 0, TestData.hex(f[1])));
                    case "next_rec_seq" -> nextSeq = TestData.hex(f[1]);
                    case "next_iv" -> nextIv = TestData.hex(f[1]);
                    case "end" -> cases.add(new Case(name, version, cipher, key, iv, salt, seq, List.copyOf(steps),
                            nextSeq, nextIv));
                    default -> throw new IllegalStateException("unknown line kind " + f[0]);
                }
            } catch (KtlsException e) {
                throw new IllegalStateException("bad vector line: " + line, e);
            }
        }
        return cases;
    }
}
