package io.ktls4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The lab tests' reading of strace logs, on lines as strace 6.1 writes them for {@code ktls serve}. */
class StraceLogTest {

    @Test
    void reads_results_offsets_and_split_calls() {
        var calls = StraceLog.parse(List.of(
                "143   write(1, \"ktls serve: /tmp/w/www on https:\"..., 51) = 51",
                "143   --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---",
                "310   sendmsg(9, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"HTTP/1.1 200 OK\\r\\nDate: Sun, 22"
                        + " N\"..., iov_len=205}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, MSG_NOSIGNAL) = 205",
                "310   sendfile(9, 11, [0] => [4194304], 4194304) = 4194304",
                "311   sendfile(12, 13, [1000000], 2000000 <unfinished ...>",
                "310   write(2, \"2026-11-22T02:28:29.703598370Z /\"..., 169) = 169",
                "311   <... sendfile resumed> => [1065536], 2000000) = 65536",
                "311   sendfile(12, 13, [1065536], 1934464) = -1 EAGAIN (Resource temporarily unavailable)",
                "312   write(5, \"x = 1\", 5 <unfinished ...>",
                "312   <... write resumed>) = ?",
                "310   +++ exited with 0 +++"));
        assertThat(calls).extracting(StraceLog.Call::name)
                .containsExactly("write", "sendmsg", "sendfile", "write", "sendfile", "sendfile", "write");
        assertThat(calls).extracting(StraceLog.Call::result)
                .containsExactly(51L, 205L, 4194304L, 169L, 65536L, -1L, -1L);
        assertThat(calls).extracting(StraceLog.Call::offset)
                .containsExactly(-1L, -1L, 0L, -1L, 1000000L, 1065536L, -1L);
    }

    @Test
    void a_line_without_a_result_is_an_error_not_a_silent_zero() {
        assertThatThrownBy(() -> StraceLog.parse(List.of("310   sendfile(9, 11, [0] => [4194304], 4194304) = ")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
