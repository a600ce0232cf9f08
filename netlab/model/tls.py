"""kubernetes.io/tls Secrets and the certificates they hold (pure): what the API server checks, and
what a TLS server (ingress-nginx, a Gateway's HTTPS listener) needs to know before it uses one.

The API server accepts a Secret of type kubernetes.io/tls when its data has both `tls.crt` and
`tls.key` (it does not parse them: pkg/apis/core/validation, ValidateSecret). Whether they hold a
certificate is the controller's to find out: ingress-nginx parses the PEM (internal/net/ssl) and,
for a Secret it cannot use, logs a warning and serves its default certificate. `certificate()`
does that parse here: the first CERTIFICATE block's subject (CN, O) and DNS names, read from its
DER with a small reader of its own (no dependency), and a PRIVATE KEY block that decodes. Whether
the key matches the certificate only a TLS library can tell: the kernel side checks that before it
writes the files (netlab.kernel.tls).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from netlab.model.lab import ConfigData

TLS_TYPE = "kubernetes.io/tls"
FAKE_PEM = "default-fake-certificate.pem"  # ingress-nginx's file name for the one it makes at start
FAKE_SUBJECT = "O=Acme Co; CN=Kubernetes Ingress Controller Fake Certificate"
CERT_KEY, KEY_KEY = "tls.crt", "tls.key"
PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.S)
PRIVATE_KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")
# DER object identifiers (their encoded bytes): subject CN and O, the subjectAltName extension
OID_CN, OID_O, OID_SAN = bytes.fromhex("550403"), bytes.fromhex("55040a"), bytes.fromhex("551d11")
SEQUENCE, SET, OID, OCTET_STRING, DNS_NAME, EXTENSIONS = 0x30, 0x31, 0x06, 0x04, 0x82, 0xA3


@dataclass(frozen=True)
class Certificate:
    """What a TLS server needs of a Secret: the PEM it loads, and the names it is valid for."""

    common_name: str
    organization: str
    dns_names: tuple[str, ...]
    pem: str  # tls.crt and tls.key, one after the other (ingress-nginx's <namespace>-<name>.pem)

    @property
    def subject(self) -> str:
        """As curl prints it: `O=Acme Co; CN=...` (only the parts present)."""
        return "; ".join(f"{k}={v}" for k, v in (("O", self.organization), ("CN", self.common_name)) if v)

    def matches(self, host: str) -> bool:
        """Whether the certificate is valid for `host`: its DNS names, else its CN (ingress-nginx
        falls back to the CN, as Go's VerifyHostname did); `*.example` covers one label."""
        return any(_name_matches(name, host) for name in self.dns_names or (self.common_name,))


def missing_keys(data: dict[str, str]) -> list[str]:
    """The keys a kubernetes.io/tls Secret lacks (the API server refuses it without them)."""
    return [key for key in (CERT_KEY, KEY_KEY) if key not in data]


def certificate(data: dict[str, str]) -> tuple[Certificate | None, str]:
    """The Secret's certificate, or why a controller cannot use it."""
    if missing := missing_keys(data):
        return None, f"no {' and '.join(missing)}"
    blocks = PEM_BLOCK.findall(data[CERT_KEY])
    der = next((_der(body) for label, body in blocks if label == "CERTIFICATE"), None)
    if der is None:
        return None, f"{CERT_KEY} holds no PEM certificate"
    key = next((_der(body) for label, body in PEM_BLOCK.findall(data[KEY_KEY]) if label in PRIVATE_KEY_LABELS), None)
    if key is None:
        return None, f"{KEY_KEY} holds no PEM private key"
    try:
        cn, org, names = _read_names(der)
    except (IndexError, ValueError):
        return None, f"{CERT_KEY} is not an X.509 certificate"
    pem = data[CERT_KEY].strip() + "\n" + data[KEY_KEY].strip() + "\n"
    return Certificate(cn, org, names, pem), ""


def _name_matches(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, dot, rest = host.partition(".")
        return bool(head and dot) and rest == pattern[2:]
    return pattern == host


def _der(body: str) -> bytes | None:
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return der if der[:1] == bytes([SEQUENCE]) else None


def _tlv(data: bytes, at: int) -> tuple[int, bytes, int]:
    """The DER element at `at`: its tag, its content and where the next one starts."""
    tag, length, at = data[at], data[at + 1], at + 2
    if length & 0x80:
        size = length & 0x7F
        if not 0 < size <= 4:
            raise ValueError("DER length")
        length, at = int.from_bytes(data[at : at + size], "big"), at + size
    if at + length > len(data):
        raise ValueError("DER truncated")
    return tag, data[at : at + length], at + length


def _children(data: bytes) -> list[tuple[int, bytes]]:
    out, at = [], 0
    while at < len(data):
        tag, content, at = _tlv(data, at)
        out.append((tag, content))
    return out


def _read_names(der: bytes) -> tuple[str, str, tuple[str, ...]]:
    """Subject CN and O, and the subjectAltName's DNS names, of a DER certificate."""
    tag, cert, _ = _tlv(der, 0)
    tbs_tag, tbs = _children(cert)[0]
    if tag != SEQUENCE or tbs_tag != SEQUENCE:
        raise ValueError("not a certificate")
    fields = _children(tbs)
    fields = fields[1:] if fields[0][0] == 0xA0 else fields  # the explicit version
    subject = {oid: value for oid, value in _attributes(fields[4][1])}
    names: tuple[str, ...] = ()
    for tag, content in fields[6:]:
        if tag == EXTENSIONS:
            for _, ext in _children(_children(content)[0][1]):
                parts = _children(ext)
                if parts[0] == (OID, OID_SAN):
                    general = _children(_children(parts[-1][1])[0][1])
                    names = tuple(value.decode("ascii") for t, value in general if t == DNS_NAME)
    return subject.get(OID_CN, ""), subject.get(OID_O, ""), names


def _attributes(name: bytes) -> list[tuple[bytes, str]]:
    """A Name's (OID, value) pairs: SEQUENCE OF SET OF SEQUENCE {OID, string}."""
    pairs = []
    for tag, rdn in _children(name):
        if tag != SET:
            raise ValueError("not a Name")
        for _, attribute in _children(rdn):
            (_, oid), (_, value) = _children(attribute)[:2]
            pairs.append((oid, value.decode("utf-8", errors="replace")))
    return pairs


def fake_certificate_argv(openssl: str, key: str, crt: str) -> list[str]:
    """The openssl command that makes ingress-nginx's fake certificate (internal/net/ssl,
    GetFakeSSLCert: RSA 2048, O=Acme Co, CN=Kubernetes Ingress Controller Fake Certificate, DNS name
    ingress.local, 365 days, server authentication), its key into `key` and itself into `crt`."""
    return [
        openssl,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "365",
        "-subj",
        "/O=Acme Co/CN=Kubernetes Ingress Controller Fake Certificate",
        "-addext",
        "subjectAltName=DNS:ingress.local",
        "-addext",
        "keyUsage=digitalSignature,keyEncipherment",
        "-addext",
        "extendedKeyUsage=serverAuth",
        "-keyout",
        key,
        "-out",
        crt,
    ]


def pem_file(directory: str, namespace: str, name: str) -> str:
    """Where a controller keeps a Secret's PEM (ingress-nginx: <namespace>-<name>.pem)."""
    return f"{directory}/{namespace}-{name}.pem"


def usable_certificates(secrets: Iterable[ConfigData]) -> dict[str, Certificate]:
    """The Secrets whose certificate a controller can use, by namespace/name. Any type will do
    when tls.crt and tls.key are there: ingress-nginx reads those keys, not the type."""
    found = {}
    for secret in secrets:
        if secret.kind == "Secret" and (cert := certificate(secret.data)[0]) is not None:
            found[f"{secret.namespace}/{secret.name}"] = cert
    return found


def why_unusable(secrets: Iterable[ConfigData], key: str) -> str:
    """Why the Secret `namespace/name` gives no certificate (a controller then serves its default)."""
    namespace, _, name = key.partition("/")
    secret = next((s for s in secrets if (s.kind, s.namespace, s.name) == ("Secret", namespace, name)), None)
    if secret is None:
        return "does not exist"
    return certificate(secret.data)[1] or "was refused by the TLS library (does the key match the certificate?)"
