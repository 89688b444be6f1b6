package io.ktls4j.cli;

import picocli.CommandLine.Option;

/** {@code --json}: a report as JSON instead of text ({@link OptionTexts} says what each command reports). */
final class JsonOption {
    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;
}
