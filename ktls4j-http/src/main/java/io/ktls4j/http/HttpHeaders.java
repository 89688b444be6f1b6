package io.ktls4j.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Header fields in arrival order, looked up case-insensitively (field names are case-insensitive, RFC 9110 5.1). */
public final class HttpHeaders {
    private final List<String[]> fields = new ArrayList<>();

    public HttpHeaders add(String name, String value) {
        fields.add(new String[] {name, value});
        return this;
    }

    /** Replaces every field of this name with one. */
    public HttpHeaders set(String name, String value) {
        remove(name);
        return add(name, value);
    }

    public void remove(String name) {
        fields.removeIf(f -> f[0].equalsIgnoreCase(name));
    }

    /** The first value of the field, or {@code null}. */
    public String first(String name) {
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) {
                return f[1];
            }
        }
        return null;
    }

    public List<String> all(String name) {
        List<String> r = new ArrayList<>();
        for (String[] f : fields) {
            if (f[0].equalsIgnoreCase(name)) {
                r.add(f[1]);
            }
        }
        return r;
    }

    public boolean has(String name) {
        return first(name) != null;
    }

    /** True when a comma-separated field (like Connection) lists {@code token}, case-insensitively. */
    public boolean hasToken(String name, String token) {
        for (String v : all(name)) {
            for (String t : v.split(",")) {
                if (t.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }

    public int size() {
        return fields.size();
    }

    /** Name/value pairs in order. */
    public List<String[]> fields() {
        return Collections.unmodifiableList(fields);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (String[] f : fields) {
            sb.append(f[0]).append(": ").append(f[1]).append("\r\n");
        }
        return sb.toString();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
