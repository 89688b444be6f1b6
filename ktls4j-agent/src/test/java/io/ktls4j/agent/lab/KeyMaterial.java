package io.ktls4j.agent.lab;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secrets of a session, from the peer's NSS key log (openssl {@code -keylogfile}): TLS 1.3 traffic secrets and
 * the record keys and IVs derived from them (RFC 8446 §7.3, SHA-256 suites), TLS 1.2 master secrets; and a scan of a
 * heap dump for any of them.
 */
final class KeyMaterial {
    private KeyMaterial() {
    }

    /** Every byte string a heap holding this session's keys would contain, with a name for each. */
    record Secret(String name, byte[] bytes) {
    }

    static List<Secret> fromKeyLog(Path keyLog) throws IOException, GeneralSecurityException {
        List<Secret> out = new ArrayList<>();
        for (String line : Files.readAllLines(keyLog)) {
            String[] f = line.strip().split(" ");
            if (f.length != 3) {
                continue;
            }
            byte[] secret = HexFormat.of().parseHex(f[2]);
            out.add(new Secret(f[0], secret));
            if (f[0].endsWith("TRAFFIC_SECRET_0") && secret.length == 32) {
                out.add(new Secret(f[0] + " key", expandLabel(secret, "key", 16)));
                out.add(new Secret(f[0] + " iv", expandLabel(secret, "iv", 12)));
            }
        }
        return out;
    }

    /** HKDF-Expand-Label(secret, label, "", length) with SHA-256, for length <= 32. */
    static byte[] expandLabel(byte[] secret, String label, int length) throws GeneralSecurityException {
        byte[] full = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
        ByteBuffer info = ByteBuffer.allocate(2 + 1 + full.length + 1 + 1);
        info.putShort((short) length).put((byte) full.length).put(full).put((byte) 0).put((byte) 1);
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(secret, "HmacSHA256"));
        byte[] t1 = hmac.doFinal(info.array());
        byte[] r = new byte[length];
        System.arraycopy(t1, 0, r, 0, length);
        return r;
    }

    /** The names of the secrets (and the marker) that occur in {@code file}, read once. */
    static List<String> found(Path file, List<Secret> secrets) throws IOException {
        byte[] hay = Files.readAllBytes(file);
        List<String> found = new ArrayList<>();
        for (Secret s : secrets) {
            if (indexOf(hay, s.bytes()) >= 0) {
                found.add(s.name());
            }
        }
        return found;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        byte first = needle[0];
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            if (hay[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
