package io.ktls4j.netty;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** Test-thread helpers: a task on another thread, awaited with the tests' limit. */
public final class Async {
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-traffic");
        t.setDaemon(true);
        return t;
    });

    private Async() {
    }

    @FunctionalInterface
    public interface Task {
        void run() throws Exception;
    }

    public static CompletableFuture<Void> run(Task task) {
        return CompletableFuture.runAsync(() -> {
            try {
                task.run();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, POOL);
    }

    public static void await(CompletableFuture<?> f) throws Exception {
        try {
            f.get(Peer.WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof CompletionException ce ? ce.getCause() : e.getCause();
            throw c instanceof Exception x ? x : e;
        }
    }
}
