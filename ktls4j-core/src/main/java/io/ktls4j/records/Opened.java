package io.ktls4j.records;

import io.ktls4j.RecordType;

/**
 * What {@link RecordCipher#open} found in one record.
 *
 * @param type the record's content type (TLS 1.3: the inner type)
 * @param length the number of plaintext content bytes written to the destination buffer
 * @param padded true when a TLS 1.3 record carried zero padding after its inner type (the kernel never sends
 *     padding, but a peer may)
 */
public record Opened(RecordType type, int length, boolean padded) {}
