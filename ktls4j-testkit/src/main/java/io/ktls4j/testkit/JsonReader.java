package io.ktls4j.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON for what the tests read (the status page of {@code ktls serve}, the browser's DevTools protocol):
 * objects as {@link LinkedHashMap}s in their order, arrays as {@link List}s, strings, integers as {@link Long},
 * other numbers as {@link Double}, booleans, null. Malformed text throws {@link IllegalArgumentException} naming the
 * offset and showing the text, so a failing test shows what the other side sent.
 */
public final class JsonReader {
    private final String s;
    private int i;

    private JsonReader(String s) {
        this.s = s;
    }

    /** The value {@code json} holds: exactly one, with only white space around it. */
    public static Object parse(String json) {
        JsonReader r = new JsonReader(json);
        Object v = r.value();
        r.ws();
        if (r.i != json.length()) {
            throw r.error("trailing text");
        }
        return v;
    }

    /** {@link #parse} of text that must hold an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(String json) {
        Object v = parse(json);
        if (!(v instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("expected a JSON object, got " + json);
        }
        return (Map<String, Object>) v;
    }

    private Object value() {
        ws();
        char c = peek();
        if (c == '{') {
            i++;
            Map<String, Object> m = new LinkedHashMap<>();
            ws();
            if (peek() == '}') {
                i++;
                return m;
            }
            do {
                ws();
                String k = str();
                ws();
                expect(':');
                m.put(k, value());
                ws();
            } while (next() == ',');
            if (s.charAt(i - 1) != '}') {
                throw error("expected , or }");
            }
            return m;
        }
        if (c == '[') {
            i++;
            List<Object> l = new ArrayList<>();
            ws();
            if (peek() == ']') {
                i++;
                return l;
            }
            do {
                l.add(value());
                ws();
            } while (next() == ',');
            if (s.charAt(i - 1) != ']') {
                throw error("expected , or ]");
            }
            return l;
        }
        if (c == '"') {
            return str();
        }
        for (String word : List.of("true", "false", "null")) {
            if (s.startsWith(word, i)) {
                i += word.length();
                return word.equals("null") ? null : Boolean.valueOf(word);
            }
        }
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        String n = s.substring(start, i);
        if (n.isEmpty()) {
            throw error("unexpected character");
        }
        return n.matches("-?\\d+") ? (Object) Long.valueOf(n) : (Object) Double.valueOf(n);
    }

    private String str() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        for (char c; (c = next()) != '"';) {
            if (c == '\\') {
                char e = next();
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("unexpected end");
                        }
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private char peek() {
        if (i >= s.length()) {
            throw error("unexpected end");
        }
        return s.charAt(i);
    }

    private char next() {
        char c = peek();
        i++;
        return c;
    }

    private void expect(char c) {
        if (i >= s.length() || s.charAt(i) != c) {
            throw error("expected " + c);
        }
        i++;
    }

    private void ws() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at offset " + i + " in this JSON:\n" + s);
    }
}
