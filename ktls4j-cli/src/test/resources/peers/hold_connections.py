#!/usr/bin/env python3
"""Holds many keep-alive HTTPS connections open to one server, for the load tests: python3's ssl (OpenSSL's
assembly, no JIT) costs the client little, which matters under the kernel lab's emulation.

  hold_connections.py PORT CAFILE PATH WARMUP N

Opens WARMUP connections one after another (handshake, GET PATH, close), prints "WARM", waits for a line on
stdin; then opens N connections, each through its handshake and one GET PATH on keep-alive, and keeps them open: after
the first half it prints "HALF <n>" and waits for a line on stdin (so the test can measure the server at two levels),
after all of them "HELD <n> <seconds>"; closes them all when stdin ends and prints "CLOSED". Every response must be a 200
whose body has its Content-Length; anything else ends the script with "ERROR <what>" and exit status 1.
"""
import socket
import ssl
import sys
import time


def get(tls, path):
    tls.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(65536)
        if not chunk:
            raise IOError("connection closed before the response head")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/1.1 200"):
        raise IOError("status line %r" % lines[0])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        raise IOError("no Content-Length")
    while len(body) < length:
        chunk = tls.recv(65536)
        if not chunk:
            raise IOError("connection closed after %d of %d body bytes" % (len(body), length))
        body += chunk


def connect(ctx, port, path):
    raw = socket.create_connection(("127.0.0.1", port))
    tls = ctx.wrap_socket(raw, server_hostname="localhost")
    get(tls, path)
    return tls


def main():
    port, cafile, path, warmup, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    ctx = ssl.create_default_context(cafile=cafile)
    held = []
    try:
        for _ in range(warmup):
            connect(ctx, port, path).close()
        print("WARM", flush=True)
        sys.stdin.readline()
        t0 = time.monotonic()
        paused = 0.0
        for i in range(n):
            if i == n // 2:
                print("HALF %d" % len(held), flush=True)
                p0 = time.monotonic()
                sys.stdin.readline()
                paused = time.monotonic() - p0
            held.append(connect(ctx, port, path))
        print("HELD %d %.1f" % (len(held), time.monotonic() - t0 - paused), flush=True)
        sys.stdin.read()
    except Exception as e:  # the test reads the line: what failed, after how many connections
        print("ERROR after %d connections: %s" % (len(held), e), flush=True)
        sys.exit(1)
    for tls in held:
        tls.close()
    print("CLOSED", flush=True)


if __name__ == "__main__":
    main()
