"""Test PKI and TLS contexts for security profiles 2 and 3.

With ``security.tls.generate: true`` the suite makes a throw-away CA, a server certificate for 127.0.0.1/localhost
and a client certificate whose CN is the charge point identity (OCPP 1.6 security white paper: CN = serial number),
all under ``reports/pki``. Nothing is committed.
"""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path("reports") / "pki"


@dataclass(frozen=True)
class TestPki:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def generate(directory: Path, *, client_cn: str, organization: str = "ocpp-conformance test CPO") -> TestPki:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import ipaddress

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization), x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write_key(key: Any, path: Path) -> None:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("ocpp-conformance test root"))
        .issuer_name(name("ocpp-conformance test root"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(cn: str, server: bool) -> tuple[Any, Any]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        return key, builder.sign(ca_key, hashes.SHA256())

    server_key, server_cert = leaf("localhost", True)
    client_key, client_cert = leaf(client_cn, False)
    pem = serialization.Encoding.PEM
    pki = TestPki(
        ca_cert=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
        client_cert=directory / "client.pem",
        client_key=directory / "client.key",
    )
    pki.ca_cert.write_bytes(ca.public_bytes(pem))
    pki.server_cert.write_bytes(server_cert.public_bytes(pem))
    pki.client_cert.write_bytes(client_cert.public_bytes(pem))
    write_key(server_key, pki.server_key)
    write_key(client_key, pki.client_key)
    return pki


_generated: dict[str, TestPki] = {}


def test_pki_for(descriptor: Any, directory: Path = DEFAULT_DIR) -> TestPki:
    key = descriptor.identity
    if key not in _generated:
        _generated[key] = generate(directory / descriptor.name, client_cn=descriptor.identity)
    return _generated[key]


def ssl_context_for(descriptor: Any) -> ssl.SSLContext | None:
    """The TLS context of the suite's endpoint for the descriptor's security profile (None for profiles 0 and 1)."""
    sec = descriptor.security
    if sec.profile < 2:
        return None
    from conformance.wire import Role

    suite_is_server = descriptor.sut is Role.CHARGE_POINT
    if sec.generate:
        pki = test_pki_for(descriptor)
        ca, cert, key = pki.ca_cert, (pki.server_cert if suite_is_server else pki.client_cert), (pki.server_key if suite_is_server else pki.client_key)
    else:
        ca, cert, key = sec.ca_cert, sec.cert, sec.key
    if suite_is_server:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2  # white paper: TLS 1.2 or higher
        ctx.load_cert_chain(cert, key)
        if sec.profile == 3:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(ca)
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(ca)
        if sec.server_name is None:
            ctx.check_hostname = False if not sec.generate else True
        if sec.profile == 3 and cert and key:
            ctx.load_cert_chain(cert, key)
    return ctx
