package io.ktls4j.linux.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemoryLayout.PathElement;
import org.junit.jupiter.api.Test;

/** The LP64 struct layouts and CMSG arithmetic, against the values of glibc's headers on x86-64 and aarch64. */
class NativeLayoutTest {

    private static long offset(java.lang.foreign.StructLayout s, String field) {
        return s.byteOffset(PathElement.groupElement(field));
    }

    @Test
    void platformIsSupportedHere() {
        assertThat(Native.unavailabilityCause()).isNull();
    }

    @Test
    void msghdrIs56BytesWithPaddingAfterNamelenAndFlags() {
        assertThat(Native.MSGHDR.byteSize()).isEqualTo(56);
        assertThat(offset(Native.MSGHDR, "msg_name")).isZero();
        assertThat(offset(Native.MSGHDR, "msg_namelen")).isEqualTo(8);
        assertThat(offset(Native.MSGHDR, "msg_iov")).isEqualTo(16);
        assertThat(offset(Native.MSGHDR, "msg_iovlen")).isEqualTo(24);
        assertThat(offset(Native.MSGHDR, "msg_control")).isEqualTo(32);
        assertThat(offset(Native.MSGHDR, "msg_controllen")).isEqualTo(40);
        assertThat(offset(Native.MSGHDR, "msg_flags")).isEqualTo(48);
    }

    @Test
    void iovecCmsghdrAndPollfd() {
        assertThat(Native.IOVEC.byteSize()).isEqualTo(16);
        assertThat(offset(Native.IOVEC, "iov_len")).isEqualTo(8);
        assertThat(Native.CMSGHDR.byteSize()).isEqualTo(16);
        assertThat(offset(Native.CMSGHDR, "cmsg_level")).isEqualTo(8);
        assertThat(offset(Native.CMSGHDR, "cmsg_type")).isEqualTo(12);
        assertThat(Native.POLLFD.byteSize()).isEqualTo(8);
        assertThat(offset(Native.POLLFD, "revents")).isEqualTo(6);
    }

    @Test
    void cmsgArithmeticForTheOneByteRecordType() {
        // CMSG_LEN(1) = 16 + 1, CMSG_SPACE(1) = 16 + CMSG_ALIGN(1) = 24, CMSG_DATA at 16: as tls.rst's example sizes them.
        assertThat(Native.cmsgLen(1)).isEqualTo(17);
        assertThat(Native.cmsgSpace(1)).isEqualTo(24);
        assertThat(Native.cmsgDataOffset()).isEqualTo(16);
        assertThat(Native.cmsgSpace(8)).isEqualTo(24);
        assertThat(Native.cmsgSpace(9)).isEqualTo(32);
        assertThat(Native.cmsgAlign(0)).isZero();
    }
}
