/** The {@code ktls} command: serve, get, probe, stat, bench, agent. An application: nothing is exported. */
module io.ktls4j.cli {
    requires io.ktls4j.agent;
    requires io.ktls4j.handshake;
    requires io.ktls4j.http;
    requires io.ktls4j.linux;
    requires info.picocli;
    // sun.misc.Signal: SIGTERM starts a graceful stop instead of the JVM's exit
    requires jdk.unsupported;

    // picocli fills the commands' option fields and reads their annotations by reflection
    opens io.ktls4j.cli to info.picocli;
}
