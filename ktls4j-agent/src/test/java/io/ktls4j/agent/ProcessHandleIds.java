package io.ktls4j.agent;

import java.nio.file.Files;
import java.nio.file.Path;

/** This process's effective uid and gid, from /proc/self/status. */
public final class ProcessHandleIds {
    private ProcessHandleIds() {
    }

    public static long uid() throws Exception {
        return field("Uid:");
    }

    public static long gid() throws Exception {
        return field("Gid:");
    }

    private static long field(String name) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.substring(name.length()).strip().split("\\s+")[1]);
            }
        }
        throw new IllegalStateException("no " + name + " in /proc/self/status");
    }
}
