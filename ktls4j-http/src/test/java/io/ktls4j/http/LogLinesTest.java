package io.ktls4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** Log lines and messages say what happened in words: never a bare Java class name. */
class LogLinesTest {

    @Test
    void aMessageIsKeptWithoutTheExceptionType() {
        assertThat(LogLines.oneLine(new SocketException("Connection reset"))).isEqualTo("Connection reset");
    }

    @Test
    void classNamesNestedInMessagesAreRemoved() {
        var e = new IOException("javax.net.ssl.SSLHandshakeException: sun.security.validator.ValidatorException:"
                + " PKIX path building failed");
        assertThat(LogLines.describe(e)).isEqualTo("PKIX path building failed");
        assertThat(LogLines.clean("PKIX path building failed: sun.security.provider.certpath."
                + "SunCertPathBuilderException: unable to find valid certification path"))
                .isEqualTo("PKIX path building failed: unable to find valid certification path");
    }

    @Test
    void anExceptionWithoutAMessageIsDescribedByItsKind() {
        assertThat(LogLines.describe(new EOFException())).isEqualTo("the connection ended early");
        assertThat(LogLines.describe(new ClosedChannelException())).isEqualTo("the connection was closed");
        assertThat(LogLines.describe(new IOException())).isEqualTo("an I/O error without a description");
        assertThat(LogLines.describe(new NullPointerException()))
                .isEqualTo("an internal error without a description; please report it");
    }

    @Test
    void aFileExceptionSaysWhatHappenedToTheFile() {
        assertThat(LogLines.describe(new NoSuchFileException("/srv/a.txt")))
                .isEqualTo("no such file or directory: /srv/a.txt");
    }

    @Test
    void oneLineFitsAQuotedLogField() {
        assertThat(LogLines.oneLine(new IOException("bad \"name\"\nsecond line"))).isEqualTo("bad 'name' second line");
    }
}
