package io.ktls4j.http;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * IP addresses as people and nginx write them: IPv6 in the short form of RFC 5952 ({@code ::1}, where the JDK writes
 * {@code 0:0:0:0:0:0:0:1}).
 */
public final class IpAddresses {
    private IpAddresses() {
    }

    /** "address:port" as in a URL's authority: an IPv6 address in brackets ({@code [::1]:8443}). */
    public static String withPort(java.net.InetSocketAddress a) {
        String host = text(a.getAddress());
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * The address as text: IPv4 dotted; IPv6 in lower case with the longest run of two or more zero groups (the
     * first of equal runs) written as "::", and without a scope ({@code %eth0}).
     */
    public static String text(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
