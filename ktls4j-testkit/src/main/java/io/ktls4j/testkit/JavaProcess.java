package io.ktls4j.testkit;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command for running a main class of this build in a child JVM the way this JVM runs: on the module path
 * (the module's tests in a normal build) or on the class path (the kernel lab's guest). The child gets native
 * access for ktls4j-linux either way.
 */
public final class JavaProcess {
    private JavaProcess() {
    }

    /** {@code java [jvmOptions] <module or class path> main}: append the program's arguments. */
    public static List<String> command(Class<?> main, String... jvmOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmOptions));
        String modulePath = System.getProperty("jdk.module.path");
        Module module = main.getModule();
        if (module.isNamed() && modulePath != null && !modulePath.isEmpty()) {
            cmd.addAll(List.of("--enable-native-access=io.ktls4j.linux", "--module-path", modulePath));
            String location = location(main);
            if (location != null && !List.of(modulePath.split(File.pathSeparator)).contains(location)) {
                // a test class, patched into its module as Surefire does; its libraries are on the class path
                cmd.addAll(List.of("--patch-module", module.getName() + "=" + location,
                        "--add-reads", module.getName() + "=ALL-UNNAMED",
                        "-cp", System.getProperty("java.class.path")));
            }
            cmd.addAll(List.of("--module", module.getName() + "/" + main.getName()));
        } else {
            cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    main.getName()));
        }
        return cmd;
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
