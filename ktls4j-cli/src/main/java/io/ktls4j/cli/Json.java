package io.ktls4j.cli;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** A minimal JSON writer for the CLI's {@code --json} output: maps, lists, strings, numbers, booleans, null. */
public final class Json {
    private Json() {
    }

    /** Text that is already JSON (e.g. a server's answer), written as it is. */
    public record Raw(String json) {
    }

    /** Writes {@code value} as JSON, indented by two spaces per level. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, Object v, int depth) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Raw r) {
            sb.append(r.json());
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map<?, ?> m) {
            container(sb, '{', '}', m.entrySet().iterator(), depth, (e, d) -> {
                Map.Entry<?, ?> en = (Map.Entry<?, ?>) e;
                string(sb, String.valueOf(en.getKey()));
                sb.append(": ");
                write(sb, en.getValue(), d);
            });
        } else if (v instanceof List<?> l) {
            container(sb, '[', ']', l.iterator(), depth, (e, d) -> write(sb, e, d));
        } else {
            string(sb, v.toString());
        }
    }

    private interface Item {
        void write(Object item, int depth);
    }

    private static void container(StringBuilder sb, char open, char close, Iterator<?> it, int depth, Item item) {
        sb.append(open);
        if (!it.hasNext()) {
            sb.append(close);
            return;
        }
        String pad = "  ".repeat(depth + 1);
        sb.append('\n');
        while (it.hasNext()) {
            sb.append(pad);
            item.write(it.next(), depth + 1);
            sb.append(it.hasNext() ? ",\n" : "\n");
        }
        sb.append("  ".repeat(depth)).append(close);
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
