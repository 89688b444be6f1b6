package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 5952's short form, as nginx's $remote_addr writes IPv6 addresses. */
class IpAddressesTest {
    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, 127.0.0.1",
        "::1, ::1",
        "::, ::",
        "2001:DB8:0:0:0:0:0:7, 2001:db8::7",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "fe80:0:0:0:0:0:0:0, fe80::",
        "0:0:1:0:0:0:0:1, 0:0:1::1",
        "::ffff:0:102:304, ::ffff:0:102:304",
    })
    void shortForm(String address, String expected) throws Exception {
        assertThat(IpAddresses.text(InetAddress.getByName(address))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, 8443, 127.0.0.1:8443",
        "::1, 8443, [::1]:8443",
        "0:0:0:0:0:0:0:0, 443, [::]:443",
    })
    void withPort(String address, int port, String expected) throws Exception {
        assertThat(IpAddresses.withPort(new InetSocketAddress(InetAddress.getByName(address), port)))
                .isEqualTo(expected);
    }
}
