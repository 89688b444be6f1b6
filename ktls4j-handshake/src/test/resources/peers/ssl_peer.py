#!/usr/bin/env python3
"""A python3 ssl (OpenSSL) peer for the ktls4j interop tests, on 127.0.0.1 only.

  server: prints "LISTENING <port>", accepts one connection, echoes everything until close_notify,
          prints "ECHOED <bytes>", answers with its own close_notify.
  client: sends <bytes> pseudo-random bytes (SHA-256 counter stream of --seed) in 50,000-byte chunks, reading
          each chunk's echo before the next, checks every byte, prints "VERIFIED <bytes>", sends close_notify and waits for the peer's.
Both print "NEGOTIATED <version> <cipher> <alpn> <sessions-tickets-or-peer-subject>" after the handshake.
"""
import argparse
import hashlib
import socket
import ssl
import sys


def pattern(seed, n):
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(seed.encode() + i.to_bytes(8, "big")).digest()
        i += 1
    return bytes(out[:n])


def context(a, server):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    v = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}[a.version]
    ctx.minimum_version = v
    ctx.maximum_version = v
    if a.cipher and a.version == "TLSv1.2":
        ctx.set_ciphers(a.cipher)  # TLS 1.3 suites cannot be restricted from python's ssl module
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    ctx.load_verify_locations(a.ca)
    if server and a.require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
    if a.alpn:
        ctx.set_alpn_protocols(a.alpn.split(","))
    return ctx


def negotiated(tls):
    peer = tls.getpeercert()
    subject = "-"
    if peer:
        subject = ",".join("=".join(x) for rdn in peer.get("subject", ()) for x in rdn).replace(" ", "_")
    print("NEGOTIATED", tls.version(), tls.cipher()[0], tls.selected_alpn_protocol() or "-", subject, flush=True)


def serve(a):
    ctx = context(a, True)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        print("LISTENING", s.getsockname()[1], flush=True)
        conn, _ = s.accept()
        tls = ctx.wrap_socket(conn, server_side=True)
        negotiated(tls)
        total = 0
        while True:
            d = tls.recv(65536)
            if not d:
                break
            tls.sendall(d)
            total += len(d)
        print("ECHOED", total, flush=True)
        tls.unwrap()
        conn.close()


def client(a):
    ctx = context(a, False)
    sock = socket.create_connection(("127.0.0.1", a.port))
    tls = ctx.wrap_socket(sock, server_hostname="localhost")
    negotiated(tls)
    data = pattern(a.seed, a.bytes)
    # One thread, in lockstep: a chunk out, then its echo back. An SSLSocket is one OpenSSL SSL object, which OpenSSL
    # does not support using from two threads at once; with a reader thread beside the writer, a CI run's server saw
    # this client's fourth record fail authentication (bad_record_mac). At most one chunk is in flight each way, so
    # neither side's writes can block for good on the other's full buffers.
    view = memoryview(data)
    got = bytearray()
    for off in range(0, len(data), 50000):
        chunk = view[off:off + 50000]
        tls.sendall(chunk)
        want = off + len(chunk)
        while len(got) < want:
            d = tls.recv(65536)
            if not d:
                break
            got += d
        if len(got) < want:
            break
    if bytes(got) != data:
        print("MISMATCH", len(got), flush=True)
        sys.exit(1)
    print("VERIFIED", len(got), flush=True)
    tls.unwrap()
    sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["server", "client"])
    p.add_argument("--port", type=int)
    p.add_argument("--version", default="TLSv1.3")
    p.add_argument("--cipher")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ca", required=True)
    p.add_argument("--alpn")
    p.add_argument("--require-client-cert", action="store_true")
    p.add_argument("--seed", default="ktls4j")
    p.add_argument("--bytes", type=int, default=1 << 20)
    a = p.parse_args()
    serve(a) if a.mode == "server" else client(a)


if __name__ == "__main__":
    main()
