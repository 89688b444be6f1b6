package io.ktls4j.conformance;

import static io.ktls4j.conformance.SocketIo.readPipe;
import static io.ktls4j.conformance.SocketIo.writePipe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ktls4j.Errno;
import io.ktls4j.KtlsException;
import io.ktls4j.KtlsPipe;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The {@link KtlsPipe} a backend opens behaves as a Linux pipe (not a selftest: the splice cases rely on it): 16 pages
 * unless set, {@code F_SETPIPE_SZ} rounded up to a power of two pages and EBUSY below what the pipe holds, bytes out
 * in the order they went in, and a closed pipe refuses every call.
 */
public abstract class PipeCases extends ConformanceCases {

    @Test
    void pipe_capacity() throws Exception {
        KtlsPipe pipe = pipe();
        assertThat(pipe.capacity()).as("F_GETPIPE_SZ of a new pipe").isEqualTo(KtlsPipe.DEFAULT_CAPACITY);
        assertThat(pipe.setCapacity(4096)).isEqualTo(4096);
        assertThat(pipe.setCapacity(5000)).as("rounded up to a power of two pages").isEqualTo(8192);
        assertThat(pipe.setCapacity(49 * 4096)).isEqualTo(64 * 4096);
        assertThat(pipe.capacity()).isEqualTo(64 * 4096);
    }

    @Test
    void pipe_set_capacity_below_content_is_ebusy() throws Exception {
        KtlsPipe pipe = pipe();
        writePipe(pipe, Bytes.random(10000));
        Expect.errno(KtlsException.class, Errno.EBUSY, () -> pipe.setCapacity(4096));
        assertThat(pipe.available()).isEqualTo(10000);
    }

    /** Writes and reads that wrap around the pipe's buffer keep every byte in order. */
    @Test
    void pipe_bytes_in_order() throws Exception {
        KtlsPipe pipe = pipe();
        byte[] mem = Bytes.random(120000);
        writePipe(pipe, Arrays.copyOfRange(mem, 0, 60000));
        assertThat(pipe.available()).isEqualTo(60000);
        byte[] got = readPipe(pipe, 30000);
        writePipe(pipe, Arrays.copyOfRange(mem, 60000, 90000));
        got = Bytes.concat(got, readPipe(pipe, 60000));
        writePipe(pipe, Arrays.copyOfRange(mem, 90000, 120000));
        got = Bytes.concat(got, readPipe(pipe, 30000));
        assertThat(got).isEqualTo(mem);
        assertThat(pipe.available()).isZero();
        assertThat(pipe.read(ByteBuffer.allocate(0))).as("a read into no room").isZero();
    }

    @Test
    void pipe_closed() throws Exception {
        KtlsPipe pipe = pipe();
        writePipe(pipe, Bytes.random(10));
        pipe.close();
        assertThat(pipe.isOpen()).isFalse();
        assertThatThrownBy(() -> pipe.read(ByteBuffer.allocate(10))).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> pipe.write(ByteBuffer.allocate(10))).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(pipe::available).isInstanceOf(ClosedChannelException.class);
        pipe.close(); // a second close does nothing
    }
}
