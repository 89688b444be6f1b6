package io.ktls4j;

/**
 * The result of {@link KtlsSocket#receive}: how many bytes were read ({@code -1} at end of stream) and the record
 * type they came from ({@code TLS_GET_RECORD_TYPE}).
 */
public record Received(long bytes, RecordType type) {
    public boolean isEndOfStream() {
        return bytes < 0;
    }

    public boolean isControl() {
        return type != null && type.isControl();
    }
}
