package io.ktls4j.cli;

/** Placeholder until the picocli commands land. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.err.println("ktls: not yet");
        System.exit(1);
    }
}
