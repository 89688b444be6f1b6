package io.ktls4j.cli;

import io.ktls4j.KernelFeatureException;
import io.ktls4j.handshake.TlsAlertException;
import io.ktls4j.http.LogLines;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXReason;

/**
 * What a user reads when a command fails: one line that says what failed, on what (host and port, address, file)
 * and what to do, and the exit code ({@link ExitCodes}). The JDK's exceptions name a class and rarely the endpoint;
 * commands wrap those they can place in an {@link EndpointException}.
 */
final class FailureMessages {
    /** The line (without the "ktls COMMAND: " prefix) and the exit code. */
    record Failure(String message, int exitCode) {
    }

    private FailureMessages() {
    }

    static Failure of(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof KernelRequiredException || c instanceof KernelFeatureException) {
                return new Failure(LogLines.clean(c.getMessage()), ExitCodes.KERNEL_FEATURE_MISSING);
            }
        }
        EndpointException endpoint = find(t, EndpointException.class);
        Throwable cause = endpoint != null && endpoint.getCause() != null ? endpoint.getCause() : t;
        String network = endpoint == null ? null : network(endpoint, cause);
        if (network != null) {
            return new Failure(network, ExitCodes.FAILURE);
        }
        if (cause instanceof UnresolvedAddressException) {
            return new Failure("a host name could not be resolved; check its spelling and the DNS settings",
                    ExitCodes.FAILURE);
        }
        if (cause instanceof NoSuchFileException e) {
            return new Failure("no such file or directory: " + e.getFile(), ExitCodes.FAILURE);
        }
        if (cause instanceof AccessDeniedException e) {
            return new Failure("permission denied: " + e.getFile() + " (check its owner and mode)", ExitCodes.FAILURE);
        }
        if (cause instanceof FileSystemException e && e.getReason() != null) {
            return new Failure(e.getFile() + ": " + e.getReason(), ExitCodes.FAILURE);
        }
        if (cause instanceof IllegalArgumentException) {
            // option values checked where they are used: an unknown cipher suite, TLS version, URL scheme
            return new Failure(LogLines.describe(cause), ExitCodes.USAGE);
        }
        // anything else at an endpoint (a handshake that failed without an alert): say where
        String what = endpoint == null ? "" : endpoint.getMessage() + ": ";
        return new Failure(what + LogLines.describe(cause), ExitCodes.FAILURE);
    }

    /** The line for a failure at a known endpoint, or null when the cause is not about reaching it. */
    private static String network(EndpointException at, Throwable cause) {
        String where = at.hostPort();
        if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
            return "cannot resolve the host name " + at.host() + "; check its spelling and the DNS settings";
        }
        if (at.action() == EndpointException.Action.LISTEN && cause instanceof BindException) {
            String m = String.valueOf(cause.getMessage());
            if (m.contains("in use")) {
                return "cannot listen on " + where + ": the address is already in use (another process listens "
                        + "there); stop it or pick another --port";
            }
            if (m.contains("assign")) {
                return "cannot listen on " + where + ": " + at.host() + " is not an address of this host; pick "
                        + "another --bind";
            }
            if (m.contains("ermission")) {
                return "cannot listen on " + where + ": ports below 1024 need root or CAP_NET_BIND_SERVICE; pick "
                        + "another --port";
            }
            return "cannot listen on " + where + ": " + LogLines.describe(cause);
        }
        if (cause instanceof ConnectException) {
            String m = String.valueOf(cause.getMessage());
            return "cannot connect to " + where + ": " + (m.contains("refused")
                    ? "connection refused (no server listens there); check the host and port, or start the server"
                    : LogLines.describe(cause));
        }
        if (cause instanceof NoRouteToHostException) {
            return "cannot connect to " + where + ": no route to the host; check the address and the network";
        }
        if (cause instanceof SocketTimeoutException) {
            return "no answer from " + where + " in time; check the host, port and firewall";
        }
        TlsAlertException alert = find(cause, TlsAlertException.class);
        if (alert != null) {
            return tls(where, alert);
        }
        return null;
    }

    /** A handshake that ended in an alert: the certificate check says why; other alerts by name. */
    private static String tls(String where, TlsAlertException alert) {
        CertificateException certificate = alert.isReceived() ? null : find(alert, CertificateException.class);
        if (certificate == null) {
            return "TLS handshake with " + where + " failed: " + LogLines.clean(alert.getMessage())
                    + (alert.isReceived()
                    ? "; check --tls, --ciphers and --groups against what the server accepts"
                    : "; check that " + where + " speaks TLS (http:// for plain HTTP)");
        }
        if (untrusted(certificate)) {
            return "the server certificate of " + where + " is not trusted (it does not chain to a trusted "
                    + "certificate authority); trust it with --cacert FILE (its certificate or CA in PEM), or skip "
                    + "the check with --insecure (test servers only)";
        }
        if (expired(certificate)) {
            return "the server certificate of " + where + " has expired or is not valid yet; check the server's "
                    + "certificate and this host's clock";
        }
        return "the server certificate of " + where + " was rejected: " + LogLines.describe(certificate)
                + "; use the host name the certificate names, or --insecure for test servers";
    }

    private static boolean untrusted(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CertPathBuilderException || (c instanceof CertPathValidatorException v
                    && v.getReason() == PKIXReason.NO_TRUST_ANCHOR)) {
                return true;
            }
        }
        return false;
    }

    private static boolean expired(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CertificateExpiredException || c instanceof CertificateNotYetValidException
                    || (c instanceof CertPathValidatorException v
                        && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED)) {
                return true;
            }
        }
        return false;
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
