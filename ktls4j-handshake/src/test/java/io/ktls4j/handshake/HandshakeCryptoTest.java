package io.ktls4j.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsNonceGenerator;
import org.junit.jupiter.api.Test;

class HandshakeCryptoTest {
    /** The Hello randoms of every connection come from one DRBG per context, used from many threads at once. */
    @Test
    void oneNonceGeneratorServesEveryConnectionFromManyThreadsWithoutRepeating() throws Exception {
        TlsCrypto crypto = HandshakeCrypto.create(HandshakeCrypto.Kind.FASTEST);
        TlsNonceGenerator first = crypto.createNonceGenerator(new byte[] {1});
        assertThat(crypto.createNonceGenerator(new byte[] {2})).as("not one per connection").isSameAs(first);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        CompletableFuture<?>[] threads = new CompletableFuture<?>[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 5_000; i++) {
                    seen.add(HexFormat.of().formatHex(first.generateNonce(32)));
                }
            });
        }
        CompletableFuture.allOf(threads).get();
        assertThat(seen).hasSize(20_000);
        TlsCrypto other = HandshakeCrypto.create(HandshakeCrypto.Kind.FASTEST);
        assertThat(seen).doesNotContain(HexFormat.of().formatHex(other.createNonceGenerator(new byte[0])
                .generateNonce(32)));
    }
}
