package io.ktls4j.agent.daemon;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * What makes the agent re-read its configuration: {@code SIGHUP} through {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}; reached by reflection so the build needs no internal API), or, where that is unavailable
 * or asked for, a poll of the file's modification time and size every 2 s.
 */
final class ReloadTrigger {
    static final long WATCH_MILLIS = 2000;

    private ReloadTrigger() {
    }

    /**
     * Installs {@code reload} as the {@code SIGHUP} handler.
     *
     * @return null on success, else why it could not (then use {@link #watch})
     */
    static String onSighup(Runnable reload) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object hup = signal.getConstructor(String.class).newInstance("HUP");
            InvocationHandler h = (proxy, method, args) -> switch (method.getName()) {
                case "handle" -> {
                    Thread.ofVirtual().name("ktls-agent-reload").start(reload);
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "ktls-agent SIGHUP handler";
                default -> null;
            };
            Object proxy = Proxy.newProxyInstance(ReloadTrigger.class.getClassLoader(), new Class<?>[] {handler}, h);
            Method handle = signal.getMethod("handle", signal, handler);
            handle.invoke(null, hup, proxy);
            return null;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            return "sun.misc.Signal is unavailable (" + cause + ")";
        }
    }

    /** Polls {@code file} every 2 s on a virtual thread and runs {@code reload} when it changes; interrupt to stop. */
    static Thread watch(Path file, Runnable reload) {
        return Thread.ofVirtual().name("ktls-agent-config-watch").start(() -> {
            String last = stamp(file);
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(WATCH_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                String now = stamp(file);
                if (!now.equals(last)) {
                    last = now;
                    reload.run();
                }
            }
        });
    }

    private static String stamp(Path file) {
        try {
            FileTime t = Files.getLastModifiedTime(file);
            return t.toMillis() + "/" + Files.size(file);
        } catch (IOException e) {
            return "missing";
        }
    }
}
