package io.ktls4j.netty.example;

import io.netty.channel.Channel;

/** Starts the example server in this JVM for tests in other packages (the lab's). */
public final class ExampleLauncher {
    private ExampleLauncher() {
    }

    /** Parses {@code args} as the command line and binds; closing the channel stops the server. */
    public static Channel start(String... args) throws Exception {
        return StaticFileServer.start(StaticFileServer.Options.parse(args));
    }
}
