package io.ktls4j.handshake;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Server identity check (RFC 6125 / RFC 9525): a DNS name must match a subjectAltName dNSName (a wildcard only as the
 * whole left-most label, matching exactly one label); an IP literal must equal an iPAddress entry. The subject CN is
 * not consulted, as in current browsers.
 */
final class HostnameMatcher {
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    private HostnameMatcher() {
    }

    static boolean isIpLiteral(String host) {
        String h = stripBrackets(host);
        return h.matches("[0-9.]+") && h.chars().filter(c -> c == '.').count() == 3 || h.contains(":");
    }

    /** Returns null when {@code cert} is valid for {@code host}, else a reason. */
    static String mismatch(String host, X509Certificate cert) {
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    if (type == SAN_DNS) {
                        dns.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    } else if (type == SAN_IP) {
                        ips.add((String) san.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return "cannot parse subjectAltName: " + e.getMessage();
        }
        if (isIpLiteral(host)) {
            try {
                InetAddress want = InetAddress.getByName(stripBrackets(host));
                for (String ip : ips) {
                    if (InetAddress.getByName(ip).equals(want)) {
                        return null;
                    }
                }
            } catch (UnknownHostException e) {
                return "not an IP address: " + host;
            }
            return "certificate for " + ips + " does not cover IP address " + host;
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        for (String pattern : dns) {
            if (matches(pattern, name)) {
                return null;
            }
        }
        return "certificate for " + dns + " does not match host name " + host;
    }

    private static boolean matches(String pattern, String name) {
        if (pattern.endsWith(".")) {
            pattern = pattern.substring(0, pattern.length() - 1);
        }
        if (!pattern.startsWith("*.")) {
            return pattern.equals(name);
        }
        String suffix = pattern.substring(1); // ".example.com"
        if (suffix.indexOf('.', 1) < 0 || pattern.indexOf('*', 1) >= 0) {
            return false; // "*.com" or a second wildcard: never
        }
        int dot = name.indexOf('.');
        return dot > 0 && name.substring(dot).equals(suffix);
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
