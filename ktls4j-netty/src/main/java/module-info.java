/**
 * Kernel TLS in a Netty pipeline: {@code io.ktls4j.netty.KtlsHandler} runs a {@code KtlsContext}'s handshake on the
 * channel's bytes and places TX in the kernel on the epoll transport, the software record layer otherwise. The
 * example static-file server ({@code io.ktls4j.netty.example.StaticFileServer}) is not exported: it runs by its main
 * class, and Netty's HTTP codec it needs is an optional dependency (on the module path:
 * {@code --add-modules io.netty.codec.http}).
 *
 * <p>Needs native access for ktls4j-linux ({@code --enable-native-access=io.ktls4j.linux}) and, for the epoll
 * transport's JNI library, Netty's ({@code io.netty.common}).
 */
module io.ktls4j.netty {
    requires transitive io.ktls4j.handshake;
    requires transitive io.ktls4j.linux; // BackendPolicy in KtlsHandler's constructor
    requires transitive io.netty.buffer;
    requires transitive io.netty.common;
    requires transitive io.netty.transport;
    requires io.netty.codec;
    requires io.netty.handler;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;
    requires org.bouncycastle.tls; // AlertDescription: the alert codes the record layer sends
    requires static io.netty.codec.http; // the example only

    exports io.ktls4j.netty;
}
