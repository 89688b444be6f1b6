#!/usr/bin/env python3
"""Each JFR CPU-time sample of `ktls serve` into the first row whose rule its stack matches (so rows are exclusive).

Usage: jfr print --json --stack-depth 250 --events jdk.CPUTimeSample serve.jfr > samples.json
       handshake-profile-rows.py samples.json [-v]     (-v: the top frames of what no row took)
How the recording is made: docs/PERFORMANCE.md, "Where a resumed handshake's server CPU goes".
"""
import collections, json, sys

def has(s, *words):
    return any(w in f for f in s for w in words)

ROWS = [
    ("X25519 key generation and agreement (BouncyCastle; its key generation uses Ed25519's base-point tables)",
     lambda s, t: has(s, 'rfc7748', 'rfc8032')),
    ("ECDSA P-256 signature (CertificateVerify)", lambda s, t: has(s, 'ECDSASigner', 'ECDSA', 'SecP256R1')),
    ("the offered ticket: opened (AES-GCM) and checked", lambda s, t: has(s, 'SessionTickets.open', 'BcServerPeer.resumable')),
    ("PSK binder check (HMAC over the ClientHello's transcript)", lambda s, t: has(s, 'Binder')),
    ("new tickets: PSK derived, sealed (AES-GCM)", lambda s, t: has(s, 'issueTickets')),
    ("new tickets sent: their own record and `write`", lambda s, t: has(s, 'sendControl', 'sendSessionTickets')),
    ("traffic keys into the software record layer (handoff) and secret extraction",
     lambda s, t: has(s, 'SecretExtractor', 'BcHandshakeEngine.handoff', 'takeSessionKeys', 'KtlsSocket.install')),
    ("HKDF and the key schedule (JDK HMAC; its `Mac.getInstance` lookups included)",
     lambda s, t: any('hkdf' in f.lower() for f in s) or has(s, 'establish13', 'deriveSecret', 'FinishedHMAC',
                                                             'calculateVerifyData', 'javax/crypto/Mac', 'HmacCore')),
    ("handshake record protection (AES-GCM `Cipher`s, their lookups)",
     lambda s, t: has(s, 'TlsAEADCipher', 'JceAEADCipherImpl', 'initCipher', 'JdkFirstHelper.createCipher')),
    ("randomness (ServerHello random: BouncyCastle's SP 800-90 hash DRBG, SHA-512; `SecureRandom`)",
     lambda s, t: has(s, 'SecureRandom', 'createRandomBlock', 'NativePRNG')),
    ("transcript hash (JDK SHA-256)", lambda s, t: has(s, 'MessageDigest', 'DeferredHash', 'TlsHash', 'DigestBase')),
    ("the handshake's socket reads and writes (syscalls)",
     lambda s, t: has(s, 'TlsTransport.open') and t.startswith('sun/nio/ch/')),
    ("rest of BouncyCastle's protocol engine (messages, extensions, state)", lambda s, t: has(s, 'org/bouncycastle/')),
    ("rest of the handshake bridge (ktls4j: ClientHello checks, engine driving, JFR event)",
     lambda s, t: has(s, 'TlsTransport.open')),
    ("HTTP: request read (record open + `read`)", lambda s, t: has(s, 'SoftwareRx', 'RecordReader')),
    ("HTTP: response write (record seal + `write`)", lambda s, t: has(s, 'SoftwareTx.send')),
    ("close (close_notify + `close`)", lambda s, t: has(s, 'KtlsConnection.close', 'TlsSession.close')),
    ("HTTP: the file: open (`TreeWalker`: the root directory again, `openat`/`fstatat` per name), size, read",
     lambda s, t: has(s, 'TreeWalker', 'ServedPath', 'ResponseWriter.readSmall')),
    ("HTTP: rest of the request loop (parse, headers, dates)", lambda s, t: has(s, 'io/ktls4j/http/HttpConnection', 'StaticFileHandler')),
    ("accept loop (`accept`, thread start)", lambda s, t: has(s, 'acceptLoop')),
    ("connection setup (socket options)", lambda s, t: has(s, 'io/ktls4j/')),
]

def load(path):
    d = json.load(open(path))
    out = []
    for e in d['recording']['events']:
        st = e['values'].get('stackTrace')
        if st and st['frames']:
            out.append([f['method']['type']['name'] + '.' + f['method']['name'] for f in st['frames']])
    return out

stacks = load(sys.argv[1])
counts = collections.Counter()
other = collections.Counter()
for s in stacks:
    for name, rule in ROWS:
        if rule(s, s[0]):
            counts[name] += 1
            break
    else:
        counts['other'] += 1
        other[s[0]] += 1
n = len(stacks)
print(f"{n} samples")
print("| what the server thread was doing | share of Java-thread CPU |")
print("|---|---:|")
for name, _ in ROWS + [("other", None)]:
    print(f"| {name} | {counts[name] / n * 100:.1f}% |")
if '-v' in sys.argv:
    print(other.most_common(15))
