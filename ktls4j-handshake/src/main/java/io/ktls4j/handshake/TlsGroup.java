package io.ktls4j.handshake;

import org.bouncycastle.tls.NamedGroup;

/**
 * Key exchange groups ({@code supported_groups}), by their usual names. The two hybrids (draft-ietf-tls-ecdhe-mlkem)
 * combine ML-KEM-768 with an elliptic curve, and exist in TLS 1.3 only.
 */
public enum TlsGroup {
    /** X25519 and ML-KEM-768 (0x11EC): the post-quantum hybrid of current browsers and OpenSSL 3.5. */
    X25519_MLKEM768("X25519MLKEM768", NamedGroup.X25519MLKEM768),
    /** P-256 and ML-KEM-768 (0x11EB). */
    SECP256R1_MLKEM768("SecP256r1MLKEM768", NamedGroup.SecP256r1MLKEM768),
    X25519("X25519", NamedGroup.x25519),
    P_256("P-256", NamedGroup.secp256r1),
    P_384("P-384", NamedGroup.secp384r1),
    P_521("P-521", NamedGroup.secp521r1),
    X448("X448", NamedGroup.x448);

    private final String displayName;
    private final int id;

    TlsGroup(String displayName, int id) {
        this.displayName = displayName;
        this.id = id;
    }

    /** The IANA {@code NamedGroup} code point. */
    public int id() {
        return id;
    }

    /** "X25519", "P-256", ... */
    public String displayName() {
        return displayName;
    }

    /** True for the ML-KEM hybrids, which TLS 1.2 cannot negotiate. */
    public boolean isHybrid() {
        return NamedGroup.refersToASpecificHybrid(id);
    }

    /**
     * Accepts "X25519MLKEM768", "SecP256r1MLKEM768", "X25519", "P-256", "secp256r1", "prime256v1" and the enum names,
     * case-insensitively.
     */
    public static TlsGroup of(String name) {
        String n = name.trim();
        for (TlsGroup g : values()) {
            if (g.displayName.equalsIgnoreCase(n) || g.name().equalsIgnoreCase(n)
                    || NamedGroup.getName(g.id).equalsIgnoreCase(n)) {
                return g;
            }
        }
        if (n.equalsIgnoreCase("prime256v1")) {
            return P_256;
        }
        throw new IllegalArgumentException("unknown group \"" + name + "\"; known: X25519MLKEM768, SecP256r1MLKEM768, X25519, "
                + "P-256, P-384, P-521, X448");
    }

    static TlsGroup ofId(int id) {
        for (TlsGroup g : values()) {
            if (g.id == id) {
                return g;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
