/**
 * The agent protocol's wire format, shared by both sides and not API: frames ({@link io.ktls4j.agent.wire.Wire}), one
 * end of a Unix connection that moves whole frames with their descriptors ({@link io.ktls4j.agent.wire.FrameStream}),
 * and the encoding and decoding of every message: HANDSHAKE_REQUEST
 * ({@link io.ktls4j.agent.wire.HandshakeRequestFrame}), HANDSHAKE_REPLY ({@link io.ktls4j.agent.wire.HandshakeReply}), PING/PONG ({@link io.ktls4j.agent.wire.Pong}) and the
 * version-2 session operations ({@link io.ktls4j.agent.wire.SessionRequest},
 * {@link io.ktls4j.agent.wire.SessionReply}). A frame that breaks the format is a
 * {@link io.ktls4j.agent.wire.WireException} carrying the status to answer with. docs/AGENT.md is the specification.
 */
package io.ktls4j.agent.wire;
