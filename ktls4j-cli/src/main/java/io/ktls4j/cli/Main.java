package io.ktls4j.cli;

import io.ktls4j.http.LogLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ktls}: an HTTPS file server and client on kernel TLS, with probes, counters and benchmarks. */
@Command(name = "ktls", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Kernel TLS for the JVM: serve and fetch files over HTTPS with the record layer in the "
                + "Linux kernel (sendfile for file bodies), falling back to ktls4j's software record layer where the "
                + "kernel cannot.", "Run 'ktls COMMAND --help' for the options of each command."},
        subcommands = {ServeCommand.class, ProxyCommand.class, AgentCommand.class, GetCommand.class, ProbeCommand.class, StatCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
            "0:ok", "1:runtime failure (I/O, TLS handshake)", "2:usage error",
            "3:a kernel feature is missing that was required (--backend kernel)",
            "22:get: the server answered an HTTP error", "47:get -L: more redirects than --max-redirs"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (nothing calls System.exit). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** As {@link #execute(String...)} with the given standard output and error (for tests). */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setResourceBundle(new OptionTexts());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            FailureMessages.Failure f = FailureMessages.of(e);
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + f.message());
            cmd.getErr().flush();
            return f.exitCode();
        });
        // one line, as for a runtime failure, instead of the whole usage text after the message
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(name + ": " + LogLines.clean(e.getMessage()) + " (see '" + name + " --help')");
            cmd.getErr().flush();
            return ExitCodes.USAGE;
        });
        return cl;
    }

    /** The version from the jar manifest, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"ktls " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (Java "
                    + Runtime.version() + ", " + System.getProperty("os.name") + " "
                    + System.getProperty("os.version") + ")"};
        }
    }
}
