package io.ktls4j;

/**
 * {@code EIO}: the next record is a control record (not application_data) and the read was made without a control
 * buffer. The record is kept; read it with {@link KtlsSocket#receive}.
 */
public final class ControlRecordException extends KtlsException {
    private static final long serialVersionUID = 1L;

    private final RecordType recordType;

    public ControlRecordException(RecordType recordType) {
        super(Errno.EIO, "next record is " + recordType + "; read it with receive() (recvmsg with a control buffer)");
        this.recordType = recordType;
    }

    /** The type of the waiting record, or {@code null} when the kernel backend could not tell. */
    public RecordType recordType() {
        return recordType;
    }
}
