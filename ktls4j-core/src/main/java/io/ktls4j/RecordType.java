package io.ktls4j;

/**
 * A TLS record's content type: the byte a control record is sent with ({@code TLS_SET_RECORD_TYPE}) and read back
 * with ({@code TLS_GET_RECORD_TYPE}). Any byte value is a valid control record type; 23 is application data.
 */
public record RecordType(int value) {
    public static final RecordType CHANGE_CIPHER_SPEC = new RecordType(20);
    public static final RecordType ALERT = new RecordType(21);
    public static final RecordType HANDSHAKE = new RecordType(22);
    public static final RecordType APPLICATION_DATA = new RecordType(23);

    public RecordType {
        if (value < 0 || value > 255) {
            throw new IllegalArgumentException("a record type is one byte, got " + value);
        }
    }

    public static RecordType of(int value) {
        return switch (value) {
            case 20 -> CHANGE_CIPHER_SPEC;
            case 21 -> ALERT;
            case 22 -> HANDSHAKE;
            case 23 -> APPLICATION_DATA;
            default -> new RecordType(value & 0xff);
        };
    }

    /** True for every type but application_data: such records are never merged and need a control-capable read. */
    public boolean isControl() {
        return value != 23;
    }

    @Override
    public String toString() {
        return switch (value) {
            case 20 -> "change_cipher_spec(20)";
            case 21 -> "alert(21)";
            case 22 -> "handshake(22)";
            case 23 -> "application_data(23)";
            default -> "record type " + value;
        };
    }
}
