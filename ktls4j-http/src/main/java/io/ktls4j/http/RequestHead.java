package io.ktls4j.http;

/** Parses the bytes of one request head (RFC 9112 sections 3 and 5), strictly: anything ambiguous is a 400. */
final class RequestHead {
    private RequestHead() {
    }

    static HttpRequest parse(byte[] b, int from, int to, HttpLimits limits) throws HttpException {
        int lineEnd = indexOf(b, from, to, (byte) '\n');
        // the length first, as RequestReader checks it before the head is complete: one answer however it arrives
        if (withoutCr(b, from, lineEnd) - from > limits.maxRequestLine()) {
            throw new HttpException(414, "the request line is longer than " + limits.maxRequestLine() + " bytes");
        }
        String requestLine = line(b, from, lineEnd);
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3) {
            throw new HttpException(400, "the request line is not 'METHOD target HTTP/1.x'");
        }
        String method = parts[0];
        if (!isToken(method)) {
            throw new HttpException(400, "the method is not a token");
        }
        int minor = version(parts[2]);
        HttpHeaders headers = new HttpHeaders();
        int pos = lineEnd + 1;
        while (pos < to) {
            int e = indexOf(b, pos, to, (byte) '\n');
            String h = line(b, pos, e);
            pos = e + 1;
            if (h.isEmpty()) {
                break;
            }
            if (headers.size() == limits.maxHeaderCount()) {
                throw new HttpException(431, "more than " + limits.maxHeaderCount() + " header fields");
            }
            addField(headers, h);
        }
        checkFraming(method, minor, headers);
        return target(method, parts[1], minor, headers);
    }

    private static HttpRequest target(String method, String target, int minor, HttpHeaders headers)
            throws HttpException {
        if (target.isEmpty()) {
            throw new HttpException(400, "empty request target");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new HttpException(400, "the request target has a byte outside visible ASCII");
            }
        }
        String pathAndQuery = target;
        if (target.equals("*")) {
            if (!method.equals("OPTIONS")) {
                throw new HttpException(400, "'*' is a target for OPTIONS only");
            }
            return new HttpRequest(method, target, "*", null, minor, headers);
        }
        if (!target.startsWith("/")) {
            int scheme = target.indexOf("://");
            String s = scheme > 0 ? target.substring(0, scheme).toLowerCase(java.util.Locale.ROOT) : "";
            if (!s.equals("http") && !s.equals("https")) {
                throw new HttpException(400, "the request target is neither origin-form nor absolute-form");
            }
            int slash = target.indexOf('/', scheme + 3);
            pathAndQuery = slash < 0 ? "/" : target.substring(slash);
        }
        int frag = pathAndQuery.indexOf('#');
        if (frag >= 0) {
            throw new HttpException(400, "a request target has no fragment");
        }
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        return new HttpRequest(method, target, path, query, minor, headers);
    }

    private static int version(String v) throws HttpException {
        if (v.length() != 8 || !v.startsWith("HTTP/") || v.charAt(6) != '.'
                || !Character.isDigit(v.charAt(5)) || !Character.isDigit(v.charAt(7))) {
            throw new HttpException(400, "malformed HTTP version");
        }
        if (v.charAt(5) != '1') {
            throw new HttpException(505, "only HTTP/1.x is served here");
        }
        return v.charAt(7) - '0' >= 1 ? 1 : 0;
    }

    private static void addField(HttpHeaders headers, String h) throws HttpException {
        if (h.charAt(0) == ' ' || h.charAt(0) == '\t') {
            throw new HttpException(400, "obsolete line folding in a header field");
        }
        int colon = h.indexOf(':');
        if (colon <= 0 || !isToken(h.substring(0, colon))) {
            throw new HttpException(400, "a header line is not 'name: value'");
        }
        String value = h.substring(colon + 1).strip();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new HttpException(400, "a control character in a header value");
            }
        }
        headers.add(h.substring(0, colon), value);
    }

    /** Request smuggling defences (RFC 9112 6.3): one unambiguous Content-Length, no request Transfer-Encoding. */
    private static void checkFraming(String method, int minor, HttpHeaders headers) throws HttpException {
        if (headers.has("Transfer-Encoding")) {
            if (headers.has("Content-Length")) {
                throw new HttpException(400, "both Transfer-Encoding and Content-Length");
            }
            throw new HttpException(501, "request bodies with Transfer-Encoding are not accepted");
        }
        String length = null;
        for (String v : headers.all("Content-Length")) {
            for (String one : v.split(",", -1)) {
                String t = one.strip();
                if (t.isEmpty() || t.length() > 18 || !t.chars().allMatch(Character::isDigit)
                        || (length != null && !length.equals(t))) {
                    throw new HttpException(400, "invalid or conflicting Content-Length");
                }
                length = t;
            }
        }
        if (minor == 1 && headers.all("Host").size() != 1) {
            throw new HttpException(400, "an HTTP/1.1 request needs exactly one Host header");
        }
    }

    /** The request body length from Content-Length (validated by {@link #parse}), 0 without one. */
    static long contentLength(HttpRequest request) {
        String v = request.headers().first("Content-Length");
        return v == null ? 0 : Long.parseLong(v.split(",")[0].strip());
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, int from, int to, byte x) {
        for (int i = from; i < to; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return to;
    }

    /** The line [from, lfIndex) without its CR; a bare CR inside a line is a 400. */
    private static String line(byte[] b, int from, int lf) throws HttpException {
        int e = withoutCr(b, from, lf);
        for (int i = from; i < e; i++) {
            if (b[i] == '\r' || b[i] == 0) {
                throw new HttpException(400, "a bare CR or NUL in the request head");
            }
        }
        return RequestReader.latin1(b, from, e);
    }

    /** The end of the line [from, lf) without the CR of its CRLF. */
    private static int withoutCr(byte[] b, int from, int lf) {
        return lf > from && b[lf - 1] == '\r' ? lf - 1 : lf;
    }
}
