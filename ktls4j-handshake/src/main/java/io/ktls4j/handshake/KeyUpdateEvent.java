package io.ktls4j.handshake;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR: a TLS 1.3 KeyUpdate, sent or received, and the record layer that took the next key. */
@Name("io.ktls4j.KeyUpdate")
@Label("kTLS KeyUpdate")
@Category({"ktls4j", "TLS"})
@Description("A TLS 1.3 KeyUpdate: the next traffic key installed in one direction")
@StackTrace(false)
final class KeyUpdateEvent extends Event {
    @Label("Direction")
    @Description("TLS_TX (this end sent the KeyUpdate) or TLS_RX (the peer sent it)")
    String direction;

    @Label("Backend")
    @Description("What carries the direction with its next key: KERNEL_SW, SOFTWARE, ...")
    String backend;

    @Label("Update Requested")
    @Description("The KeyUpdate asked the other end to update too")
    boolean updateRequested;
}
