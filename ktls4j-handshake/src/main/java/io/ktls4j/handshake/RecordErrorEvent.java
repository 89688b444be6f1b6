package io.ktls4j.handshake;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR: an established connection failed on a record (a bad record, an alert, a truncation, an I/O error). */
@Name("io.ktls4j.RecordError")
@Label("kTLS Record Error")
@Category({"ktls4j", "TLS"})
@Description("An established ktls4j connection failed on a record")
@StackTrace(false)
final class RecordErrorEvent extends Event {
    @Label("Errno")
    @Description("The errno the record layer answered with (EBADMSG, EMSGSIZE, EIO, ...), or empty for others")
    String errno;

    @Label("Error")
    @Description("The exception's type")
    String error;

    @Label("Message")
    String message;

    @Label("Backend")
    @Description("What carried the receiving direction")
    String backend;
}
