/** The README's examples, as a program that depends on ktls4j like any user's. */
module io.ktls4j.example {
    requires io.ktls4j.handshake;
}
