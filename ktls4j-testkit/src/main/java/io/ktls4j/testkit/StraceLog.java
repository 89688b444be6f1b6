package io.ktls4j.testkit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The calls in an {@code strace -f -o FILE} log: name, result and, for sendfile, the file offset it started at (the
 * kernel lab's tests that watch a server under strace: which calls carried the bytes).
 */
public final class StraceLog {
    private static final Pattern CALL = Pattern.compile("^(\\d+)\\s+(?:(\\w+)\\(|<\\.\\.\\. (\\w+) resumed>)");
    private static final Pattern RESULT = Pattern.compile("\\)\\s+=\\s+(-?\\d+|\\?)(?:\\s+E\\w+ \\(.*\\))?$");
    private static final Pattern SENDFILE_OFFSET = Pattern.compile("^\\d+\\s+sendfile\\(\\d+, \\d+, \\[(\\d+)\\]");

    private StraceLog() {
    }

    /**
     * One finished call. {@code result} is -1 for an error and for "?" (the thread ended inside the call);
     * {@code offset} is sendfile's starting file offset, -1 for other calls or when strace did not show one.
     */
    public record Call(String name, long result, long offset, String line) {
    }

    /**
     * The finished calls in {@code lines}; a call split by another thread ({@code <unfinished ...>} and
     * {@code <... NAME resumed>}) counts once, when it resumes. Signal and exit lines are skipped.
     */
    public static List<Call> parse(List<String> lines) {
        List<Call> calls = new ArrayList<>();
        Map<String, Long> offsets = new HashMap<>();
        for (String line : lines) {
            Matcher c = CALL.matcher(line);
            if (!c.find()) {
                continue;
            }
            String tid = c.group(1);
            String name = c.group(2) != null ? c.group(2) : c.group(3);
            if (c.group(2) != null) {
                offsets.remove(tid);
                Matcher o = SENDFILE_OFFSET.matcher(line);
                if (o.find()) {
                    offsets.put(tid, Long.parseLong(o.group(1)));
                }
            }
            if (line.endsWith("<unfinished ...>")) {
                continue;
            }
            Matcher r = RESULT.matcher(line);
            if (!r.find()) {
                throw new IllegalArgumentException("cannot read the result of this strace line: " + line);
            }
            long result = r.group(1).equals("?") ? -1 : Long.parseLong(r.group(1));
            long offset = name.equals("sendfile") ? offsets.getOrDefault(tid, -1L) : -1;
            calls.add(new Call(name, result, offset, line));
        }
        return calls;
    }
}
