package io.ktls4j.conformance;

import static io.ktls4j.conformance.Bytes.hex;

/**
 * The {@code raw_rec} test vectors of tools/testing/selftests/net/tls.c: TLS 1.2 AES_CCM_128 records under the
 * all-zero generation-0 key, explicit nonce = sequence number, plaintext "Hello world" (11 bytes) or empty. Records
 * written by the kernel, so a backend that reads them reads what the kernel writes.
 */
public enum RawRecords {
    ID0_DATA_L11(true, """
            17 03 03 00 23 00 00 00 00 00 00 00 00 26 a2 33 de 8d 94 f0 29 6c b1 af 6a 75 b2 93
            ad 45 d5 fd 03 51 57 8f f9 cc 3b 42"""),
    ID0_CTRL_L0(false, """
            16 03 03 00 18 00 00 00 00 00 00 00 00 13 38 7b a6 1c dd a7 19 33 ab ae 88 e1 d2 08 4f"""),
    ID0_DATA_L0(false, """
            17 03 03 00 18 00 00 00 00 00 00 00 00 c5 37 90 70 45 89 fb 5c c7 89 03 68 80 d3 d8 cc"""),
    ID1_DATA_L11(true, """
            17 03 03 00 23 00 00 00 00 00 00 00 01 3a 1a 9c d0 a8 9a d6 69 d6 1a e3 b5 1f 0d 2c
            e2 97 46 ff 2b cc 5a c4 a3 b9 ef ba"""),
    ID1_CTRL_L0(false, """
            16 03 03 00 18 00 00 00 00 00 00 00 01 3e f0 fe ee d9 e2 5d c7 11 4c e6 b4 7e ef 40 2b"""),
    ID1_DATA_L0(false, """
            17 03 03 00 18 00 00 00 00 00 00 00 01 ce fc 86 c8 f0 55 f9 47 3f 74 dc c9 bf fe 5b b1"""),
    ID2_CTRL_L11(true, """
            16 03 03 00 23 00 00 00 00 00 00 00 02 e5 3d 19 3d ca b8 16 b6 ff 79 87 2a 04 11 3d
            f8 64 5f 36 8b a8 ee 4c 6d 62 a5 00"""),
    ID2_DATA_L11(true, """
            17 03 03 00 23 00 00 00 00 00 00 00 02 e5 3d 19 3d ca b8 16 b6 ff 79 87 8e a1 d0 cd
            33 b5 86 2b 17 f1 52 2a 55 62 65 11"""),
    ID2_CTRL_L0(false, """
            16 03 03 00 18 00 00 00 00 00 00 00 02 dc 5c 0e 41 dd ba d3 cc cf 6d d9 06 db 79 e5 5d"""),
    ID2_DATA_L0(false, """
            17 03 03 00 18 00 00 00 00 00 00 00 02 c3 ca 26 22 e4 25 fb 5f 6d bf 83 30 48 69 1a 47""");

    private static final byte[] HELLO_WORLD = Bytes.ascii("Hello world");

    private final boolean hello;
    private final String cipherHex;

    RawRecords(boolean hello, String cipherHex) {
        this.hello = hello;
        this.cipherHex = cipherHex;
    }

    /** The record as it travels on the wire. */
    public byte[] cipher() {
        return hex(cipherHex);
    }

    /** Its plaintext: "Hello world" or nothing. */
    public byte[] plain() {
        return hello ? HELLO_WORLD.clone() : new byte[0];
    }
}
