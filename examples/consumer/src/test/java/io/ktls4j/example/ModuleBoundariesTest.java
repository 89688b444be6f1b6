package io.ktls4j.example;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * ktls4j's modules export their API and nothing else: a user's module cannot reach the native facade, the raw
 * descriptors, the record protection or the agent's plumbing, not even by reflection.
 */
class ModuleBoundariesTest {
    private final Module me = getClass().getModule();

    private static Module module(String name) {
        return ModuleLayer.boot().findModule(name).orElseThrow(() -> new AssertionError(name + " is not a module"));
    }

    @Test
    void theApiIsExported() {
        assertTrue(me.isNamed());
        assertTrue(module("io.ktls4j.core").isExported("io.ktls4j", me));
        assertTrue(module("io.ktls4j.core").isExported("io.ktls4j.sw", me));
        assertTrue(module("io.ktls4j.linux").isExported("io.ktls4j.linux", me));
        assertTrue(module("io.ktls4j.handshake").isExported("io.ktls4j.handshake", me));
    }

    @Test
    void internalsAreNot() {
        assertFalse(module("io.ktls4j.linux").isExported("io.ktls4j.linux.internal", me));
        assertFalse(module("io.ktls4j.linux").isExported("io.ktls4j.linux.fd", me));
        assertFalse(module("io.ktls4j.core").isExported("io.ktls4j.records", me));
        assertFalse(module("io.ktls4j.handshake").isExported("io.ktls4j.handshake.spi", me));
    }

    @Test
    void notEvenByReflection() throws Exception {
        Class<?> nativeFacade = Class.forName("io.ktls4j.linux.internal.Native");
        assertThrows(IllegalAccessException.class,
                () -> nativeFacade.getMethod("unavailabilityCause").invoke(null));
        assertThrows(IllegalAccessException.class, () -> Class.forName("io.ktls4j.handshake.spi.Handshakes")
                .getMethod("noDuties").invoke(null));
    }
}
