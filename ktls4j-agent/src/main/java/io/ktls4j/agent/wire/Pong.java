package io.ktls4j.agent.wire;

import io.ktls4j.agent.AgentStatus;
import java.util.List;

/**
 * PONG (type 4), the daemon's answer to a PING (type 3, no fields), both sides (docs/AGENT.md, "PING / PONG").
 *
 * @param agentVersion AGENT_VERSION, e.g. {@code ktls4j-agent 0.1.0-SNAPSHOT} (null when a daemon sent none)
 * @param ktls KTLS: the daemon's kernel has kTLS (the tls ULP attaches)
 * @param maxVersion MAX_VERSION, an optional tag: the highest protocol version both this code and the daemon speak;
 *     {@link Wire#VERSION} when the daemon sent none (a version-1 agent)
 */
public record Pong(String agentVersion, boolean ktls, int maxVersion) {
    static final int AGENT_VERSION = 0x10;
    static final int KTLS = 0x11;
    static final int MAX_VERSION = 0x8001;

    /** The PING frame. */
    public static byte[] ping() {
        return new Wire.Builder(Wire.TYPE_PING).toBytes();
    }

    /** The PONG frame: STATUS OK and the fields. */
    public byte[] encode() {
        return new Wire.Builder(Wire.TYPE_PONG).u16(AgentReply.STATUS, AgentStatus.OK.code())
                .string(AGENT_VERSION, agentVersion).u8(KTLS, ktls ? 1 : 0).u8(MAX_VERSION, maxVersion).toBytes();
    }

    /** Parses a PONG body; other fields (STATUS) are skipped; a MAX_VERSION of 0 is malformed. */
    public static Pong decode(List<Wire.Field> fields) throws WireException {
        String version = null;
        boolean ktls = false;
        int protocol = Wire.VERSION;
        for (Wire.Field f : fields) {
            if (f.tag() == AGENT_VERSION) {
                version = Wire.string(f);
            } else if (f.tag() == KTLS) {
                ktls = Wire.u8(f) == 1;
            } else if (f.tag() == MAX_VERSION) {
                int v = Wire.u8(f);
                if (v < Wire.VERSION) {
                    // a consumer would ask in version 0, which no agent speaks
                    throw Wire.bad("MAX_VERSION must be at least " + Wire.VERSION + ", got " + v);
                }
                protocol = Math.min(Wire.MAX_VERSION, v);
            }
        }
        return new Pong(version, ktls, protocol);
    }
}
