package io.ktls4j.agent.daemon;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR: one request a consumer sent the agent, from the connection's accept to the reply: who asked and what the agent
 * decided (OK, or the refusal's status and message). Never carries key material.
 */
@Name("io.ktls4j.AgentRequest")
@Label("kTLS Agent Request")
@Category({"ktls4j", "Handshake agent"})
@Description("A request to the handshake agent and its decision")
@StackTrace(false)
final class AgentRequestEvent extends Event {
    @Label("Request")
    @Description("The agent's number for the request, as in its log")
    long request;

    @Label("Consumer")
    @Description("pid, uid and gid of the consumer (SO_PEERCRED)")
    String consumer;

    @Label("Decision")
    @Description("OK, or the status of the refusal (DENIED, BUSY, KTLS_UNAVAILABLE, ...)")
    String decision;

    @Label("Message")
    String message;
}
