"""The test PKI (conformance.pki), the X.509 operations (conformance.certificates), the TLS contexts
(conformance.tls_contexts) and the `pki` command (conformance.pki_command).

TLS checks are real handshakes between a Python server and client on 127.0.0.1; each bad certificate must fail for
its own reason, and the good pair must pass through the same harness."""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from conformance import certificates as certs
from conformance import pki
from conformance.pki_command import add_pki_arguments, run_pki
from conformance.tls_contexts import (
    ECDHE_RSA_SUITES,
    IANA_NAMES,
    WHITE_PAPER_SUITES,
    client_context,
    server_context,
    weak_client_context,
    weak_server_context,
)

IDENTITY = "CP-0001"
CPO = "Example CPO"
TLS12 = ssl.TLSVersion.TLSv1_2


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pki") / "store"


@pytest.fixture(scope="module")
def ec_pki(store: Path) -> pki.SuitePki:
    return pki.ensure_pki(store, key_type="ec", identity=IDENTITY, organization=CPO)


@pytest.fixture(scope="module")
def rsa_pki(store: Path) -> pki.SuitePki:
    return pki.ensure_pki(store, key_type="rsa", identity=IDENTITY, organization=CPO)


@pytest.fixture(params=["ec", "rsa"])
def any_pki(request: pytest.FixtureRequest, ec_pki: pki.SuitePki, rsa_pki: pki.SuitePki) -> pki.SuitePki:
    return ec_pki if request.param == "ec" else rsa_pki


# --------------------------------------------------------------------------------------------------------------------
# handshake harness


@dataclass
class Outcome:
    client_error: str | None = None
    server_error: str | None = None
    version: str | None = None
    cipher: str | None = None
    sni: str | None = None
    client_cn: str | None = None

    @property
    def ok(self) -> bool:
        return self.client_error is None and self.server_error is None


def handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext, server_hostname: str = "127.0.0.1") -> Outcome:
    """One TLS connection over 127.0.0.1; the server greets with b"ok" after its handshake, so a client whose
    certificate the server refused (TLS 1.3 reports that after the client's handshake) sees the refusal too."""
    out = Outcome()

    def remember_sni(_sslobj: object, name: str | None, _ctx: object) -> None:
        out.sni = name

    server_ctx.sni_callback = remember_sni
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)

        def serve() -> None:
            try:
                conn, _ = listener.accept()
            except OSError as exc:
                out.server_error = f"accept: {exc}"
                return
            with conn:
                conn.settimeout(10)
                try:
                    with server_ctx.wrap_socket(conn, server_side=True) as tls:
                        der = tls.getpeercert(binary_form=True)
                        if der:
                            out.client_cn = certs.common_names(x509.load_der_x509_certificate(der).subject)[0]
                        tls.sendall(b"ok")
                except (ssl.SSLError, OSError) as exc:
                    out.server_error = str(exc)

        thread = threading.Thread(target=serve)
        thread.start()
        try:
            with socket.create_connection(listener.getsockname(), timeout=10) as raw:
                with client_ctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
                    out.version, out.cipher = tls.version(), tls.cipher()[0]
                    if tls.recv(2) != b"ok":
                        out.client_error = "the server closed the connection without its greeting"
        except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
            out.client_error = str(exc)
        finally:
            thread.join(15)
    return out


def good_server(p: pki.SuitePki, **kwargs: object) -> ssl.SSLContext:
    return server_context(p.server_cert, p.server_key, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------------------------
# the persistent store


def test_ca_is_made_once_and_reused(tmp_path: Path) -> None:
    first = pki.ensure_pki(tmp_path / "p", identity=IDENTITY)
    assert any("made the CSMS root CA" in line for line in first.renewed)
    ca = certs.load_certificate(first.ca_cert)
    server = certs.load_certificate(first.server_cert)
    second = pki.ensure_pki(tmp_path / "p", identity=IDENTITY)
    assert second.renewed == ()
    assert certs.fingerprint(certs.load_certificate(second.ca_cert)) == certs.fingerprint(ca)
    assert certs.load_certificate(second.server_cert).serial_number == server.serial_number
    assert ca.not_valid_after_utc - ca.not_valid_before_utc > dt.timedelta(days=9 * 365)
    assert server.not_valid_after_utc - server.not_valid_before_utc < dt.timedelta(days=400)


def test_keys_are_private_and_folders_closed_even_with_an_open_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        made = pki.ensure_pki(tmp_path / "p" / "nested", identity=IDENTITY)
        pki.bad_certificate(made, "server", "expired")
    finally:
        os.umask(old)
    root = tmp_path / "p" / "nested"
    keys = list(root.rglob("*.key"))
    assert len(keys) >= 6
    assert {oct(k.stat().st_mode & 0o777) for k in keys} == {"0o600"}
    folders = [root, *(d for d in root.rglob("*") if d.is_dir())]
    assert {oct(d.stat().st_mode & 0o777) for d in folders} == {"0o700"}
    assert oct((tmp_path / "p").stat().st_mode & 0o777) == "0o700"  # made by the suite too


def test_a_folder_open_to_others_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with pytest.raises(pki.PkiError) as refused:
        pki.ensure_pki(folder)
    message = str(refused.value)
    assert "\n" not in message and str(folder) in message and "chmod 700" in message
    assert not (folder / "ec").exists()


def test_pki_folder_from_argument_then_variable_then_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pki.PKI_DIR_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert pki.pki_root() == tmp_path / "xdg" / "ocpp-conformance" / "pki"
    monkeypatch.setenv(pki.PKI_DIR_VARIABLE, str(tmp_path / "env"))
    assert pki.pki_root() == tmp_path / "env"
    assert pki.pki_root(tmp_path / "arg") == tmp_path / "arg"


def _rewrite_server_certificate(made: pki.SuitePki, not_before: dt.datetime, not_after: dt.datetime) -> x509.Certificate:
    """Replace the server certificate by one that differs from the good one only in its dates."""
    old = certs.load_certificate(made.server_cert)
    key = certs.load_private_key(made.server_key)
    cert = certs.issue_certificate(
        old.subject, key.public_key(), issuer=pki.csms_authority(made), not_before=not_before, not_after=not_after,
        usage=certs.server_usage(made.key_type), alternative_names=certs.alternative_names(old),
    )
    made.server_cert.write_text(certs.pem([cert]))
    return cert


def test_expired_and_expiring_leaves_are_reissued_under_the_same_ca(tmp_path: Path) -> None:
    made = pki.ensure_pki(tmp_path / "p")
    ca_fingerprint = certs.fingerprint(certs.load_certificate(made.ca_cert))
    now = dt.datetime.now(dt.timezone.utc)

    _rewrite_server_certificate(made, now - dt.timedelta(days=30), now - dt.timedelta(days=1))
    again = pki.ensure_pki(tmp_path / "p")
    assert [r for r in again.renewed if "server certificate" in r] == [
        f"reissued the server certificate: it expires on {(now - dt.timedelta(days=1)):%Y-%m-%d}"]
    fresh = certs.load_certificate(again.server_cert)
    assert fresh.not_valid_after_utc > now + dt.timedelta(days=300)

    _rewrite_server_certificate(made, now - dt.timedelta(days=300), now + dt.timedelta(days=10))
    assert any("it expires on" in r for r in pki.ensure_pki(tmp_path / "p").renewed)

    still_good = _rewrite_server_certificate(made, now - dt.timedelta(days=1), now + dt.timedelta(days=90))
    assert pki.ensure_pki(tmp_path / "p").renewed == ()
    assert certs.load_certificate(made.server_cert).serial_number == still_good.serial_number
    assert certs.fingerprint(certs.load_certificate(made.ca_cert)) == ca_fingerprint


def test_naming_a_default_host_keeps_the_server_certificate(tmp_path: Path) -> None:
    """Descriptors of both roles run side by side share one server certificate: one naming 127.0.0.1 (a CSMS under
    test's host) must not make the other reissue it, or a process would read one's certificate with the other's key."""
    first = pki.ensure_pki(tmp_path / "p")
    same = pki.ensure_pki(tmp_path / "p", server_names=["127.0.0.1"])
    assert same.renewed == () and pki.ensure_pki(tmp_path / "p").renewed == ()
    assert certs.load_certificate(same.server_cert) == certs.load_certificate(first.server_cert)


def test_server_certificate_follows_its_names(tmp_path: Path) -> None:
    pki.ensure_pki(tmp_path / "p")
    renamed = pki.ensure_pki(tmp_path / "p", server_names=["csms.example.test", "192.0.2.7"])
    assert "reissued the server certificate: its names changed" in renamed.renewed
    cert = certs.load_certificate(renamed.server_cert)
    assert certs.common_names(cert.subject) == ["csms.example.test"]
    assert sorted(certs.alternative_names(cert)) == sorted(["csms.example.test", "192.0.2.7", "localhost", "127.0.0.1"])
    assert pki.ensure_pki(tmp_path / "p", server_names=["csms.example.test", "192.0.2.7"]).renewed == ()
    outcome = handshake(good_server(renamed), client_context(renamed.ca_cert, server_name="csms.example.test"))
    assert outcome.ok, outcome


def test_an_unreadable_ca_is_never_replaced_silently(tmp_path: Path) -> None:
    made = pki.ensure_pki(tmp_path / "p")
    made.ca_cert.write_text("not a certificate")
    with pytest.raises(pki.PkiError) as refused:
        pki.ensure_pki(tmp_path / "p")
    message = str(refused.value)
    assert "\n" not in message and str(made.ca_cert) in message and "delete" in message
    assert made.ca_cert.read_text() == "not a certificate"


def test_vendor_ca_issues_the_charge_point_certificate(tmp_path: Path) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    vendor_key = certs.generate_key("ec")
    vendor_cert = certs.issue_certificate(
        certs.subject_name("Vendor CA", "Vendor"), vendor_key.public_key(), issuer=None, self_signing_key=vendor_key,
        not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=900), usage=certs.CA_USAGE,
    )
    (tmp_path / "vendor.pem").write_text(certs.pem([vendor_cert]))
    (tmp_path / "vendor.key").write_bytes(certs.private_key_pem(vendor_key))
    first = pki.ensure_pki(tmp_path / "p", identity=IDENTITY)
    made = pki.ensure_pki(tmp_path / "p", identity=IDENTITY, vendor_ca=(tmp_path / "vendor.pem", tmp_path / "vendor.key"))
    assert f"reissued the charge point certificate for {IDENTITY}: issued by another CA" in made.renewed
    assert made.client_cert is not None and made.client_key is not None
    chain = certs.load_certificates(made.client_cert)
    assert len(chain) == 2 and certs.issued_by(chain[0], vendor_cert)
    assert made.client_trust != first.client_trust and len(certs.load_certificates(made.client_trust)) == 2
    mutual = good_server(made, client_ca=made.client_trust, require_client_cert=True)
    outcome = handshake(mutual, client_context(made.ca_cert, cert=made.client_cert, key=made.client_key, maximum_version=TLS12))
    assert outcome.ok and outcome.client_cn == IDENTITY, outcome
    only_csms_root = good_server(made, client_ca=made.ca_cert, require_client_cert=True)
    refused = handshake(only_csms_root, client_context(made.ca_cert, cert=made.client_cert, key=made.client_key, maximum_version=TLS12))
    assert "self-signed certificate in certificate chain" in (refused.server_error or ""), refused  # the vendor root


def test_vendor_ca_mistakes_are_one_line_naming_the_file(tmp_path: Path) -> None:
    made = pki.ensure_pki(tmp_path / "p", identity=IDENTITY)
    with pytest.raises(pki.PkiError, match="vendor CA certificate not found: .*missing.pem — fix the path"):
        pki.ensure_pki(tmp_path / "p", identity=IDENTITY, vendor_ca=(tmp_path / "missing.pem", made.ca_key))
    with pytest.raises(pki.PkiError, match=r"is not a CA certificate"):
        pki.ensure_pki(tmp_path / "p", identity=IDENTITY, vendor_ca=(made.server_cert, made.server_key))
    with pytest.raises(pki.PkiError, match=r"is not the key of"):
        pki.ensure_pki(tmp_path / "p", identity=IDENTITY, vendor_ca=(made.ca_cert, made.server_key))


def test_charge_point_certificate_carries_cpo_and_identity(ec_pki: pki.SuitePki) -> None:
    assert ec_pki.client_cert is not None
    cert = certs.load_certificate(ec_pki.client_cert)
    assert certs.organizations(cert.subject) == [CPO] and certs.common_names(cert.subject) == [IDENTITY]
    assert certs.alternative_names(cert) == []  # A00.FR.511: no dNSName for a charge point
    assert certs.issued_by(cert, certs.load_certificate(ec_pki.ca_cert))
    assert certs.client_certificate_problems(cert, expected_cn=IDENTITY, expected_org=CPO) == []
    assert certs.client_certificate_problems(cert, expected_cn="CP-9999", expected_org=CPO) == [
        "the client certificate's CN is 'CP-0001', expected 'CP-9999'"]


def test_firmware_signing_certificate_is_for_signatures_under_the_manufacturer_root(any_pki: pki.SuitePki) -> None:
    cert = certs.load_certificate(any_pki.firmware_signing_cert)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    assert certs.issued_by(cert, certs.load_certificate(any_pki.manufacturer_root))
    assert not certs.issued_by(cert, certs.load_certificate(any_pki.ca_cert))


# --------------------------------------------------------------------------------------------------------------------
# TLS with the good certificates


@pytest.mark.parametrize("suite", ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"])
def test_ec_pair_negotiates_each_ecdsa_suite(ec_pki: pki.SuitePki, suite: str) -> None:
    name = WHITE_PAPER_SUITES[suite]
    outcome = handshake(good_server(ec_pki), client_context(ec_pki.ca_cert, ciphers=(name,), maximum_version=TLS12))
    assert outcome.ok, outcome
    assert (outcome.version, outcome.cipher, IANA_NAMES[outcome.cipher]) == ("TLSv1.2", name, suite)


@pytest.mark.parametrize("suite", [
    "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
])
def test_rsa_pair_negotiates_each_rsa_suite(rsa_pki: pki.SuitePki, suite: str) -> None:
    name = {**WHITE_PAPER_SUITES, **ECDHE_RSA_SUITES}[suite]
    outcome = handshake(good_server(rsa_pki), client_context(rsa_pki.ca_cert, ciphers=(name,), maximum_version=TLS12))
    assert outcome.ok, outcome
    assert (outcome.version, outcome.cipher) == ("TLSv1.2", name)


def test_rsa_only_client_finds_no_suite_with_an_ec_server(ec_pki: pki.SuitePki) -> None:
    rsa_suites = (WHITE_PAPER_SUITES["TLS_RSA_WITH_AES_128_GCM_SHA256"], WHITE_PAPER_SUITES["TLS_RSA_WITH_AES_256_GCM_SHA384"])
    outcome = handshake(good_server(ec_pki), client_context(ec_pki.ca_cert, ciphers=rsa_suites, maximum_version=TLS12))
    assert "no shared cipher" in (outcome.server_error or ""), outcome


def test_tls13_stays_allowed(any_pki: pki.SuitePki) -> None:
    outcome = handshake(good_server(any_pki), client_context(any_pki.ca_cert))
    assert outcome.ok and outcome.version == "TLSv1.3", outcome


def test_profile_3_server_requires_a_client_certificate(any_pki: pki.SuitePki) -> None:
    mutual = good_server(any_pki, client_ca=any_pki.client_trust, require_client_cert=True)
    with_cert = handshake(mutual, client_context(any_pki.ca_cert, cert=any_pki.client_cert, key=any_pki.client_key))
    assert with_cert.ok and with_cert.client_cn == IDENTITY, with_cert
    mutual = good_server(any_pki, client_ca=any_pki.client_trust, require_client_cert=True)
    without = handshake(mutual, client_context(any_pki.ca_cert, maximum_version=TLS12))
    assert "peer did not return a certificate" in (without.server_error or ""), without


def test_server_name_sets_sni_and_the_name_checked(ec_pki: pki.SuitePki) -> None:
    plain = handshake(good_server(ec_pki), client_context(ec_pki.ca_cert))
    assert plain.ok and plain.sni is None  # an IP address is never sent as SNI
    named = handshake(good_server(ec_pki), client_context(ec_pki.ca_cert, server_name="localhost"))
    assert named.ok and named.sni == "localhost", named
    wrong = handshake(good_server(ec_pki), client_context(ec_pki.ca_cert, server_name="other.example.test"))
    assert "Hostname mismatch" in (wrong.client_error or "") and wrong.sni == "other.example.test", wrong


# --------------------------------------------------------------------------------------------------------------------
# TLS with the bad certificates: each fails for its own reason


SERVER_REFUSALS = {
    "expired": "certificate has expired",
    "not_yet_valid": "certificate is not yet valid",
    "foreign_ca": "unable to get local issuer certificate",
    "wrong_name": "Hostname mismatch, certificate is not valid for 'localhost'",
    "wrong_usage": "unsuitable certificate purpose",
    "weak_key": "EE certificate key too weak",
}


@pytest.mark.parametrize("kind", pki.BAD_VARIANTS["server"])
def test_charge_point_side_refuses_each_bad_server_certificate(any_pki: pki.SuitePki, kind: str) -> None:
    cert, key = pki.bad_certificate(any_pki, "server", kind)
    server = server_context(cert, key, security_level=0 if kind == "weak_key" else None)
    outcome = handshake(server, client_context(any_pki.ca_cert), server_hostname="localhost")
    assert SERVER_REFUSALS[kind] in (outcome.client_error or ""), outcome
    good = handshake(good_server(any_pki), client_context(any_pki.ca_cert), server_hostname="localhost")
    assert good.ok, good


def test_a_weak_server_key_does_not_even_load_at_the_default_security_level(ec_pki: pki.SuitePki) -> None:
    cert, key = pki.bad_certificate(ec_pki, "server", "weak_key")
    with pytest.raises(ssl.SSLError, match="ee key too small"):
        server_context(cert, key)


CLIENT_REFUSALS = {
    "expired": "certificate has expired",
    "not_yet_valid": "certificate is not yet valid",
    "foreign_ca": "unable to get local issuer certificate",
    "wrong_usage": "unsuitable certificate purpose",
    "weak_key": "EE certificate key too weak",
}


@pytest.mark.parametrize("kind", sorted(CLIENT_REFUSALS))
def test_central_system_side_refuses_each_bad_client_certificate(any_pki: pki.SuitePki, kind: str) -> None:
    cert, key = pki.bad_certificate(any_pki, "client", kind)
    client = client_context(any_pki.ca_cert, cert=cert, key=key, maximum_version=TLS12,
                            security_level=0 if kind == "weak_key" else None)
    mutual = good_server(any_pki, client_ca=any_pki.client_trust, require_client_cert=True)
    outcome = handshake(mutual, client)
    assert CLIENT_REFUSALS[kind] in (outcome.server_error or ""), outcome


def test_a_client_certificate_with_the_wrong_name_passes_tls_but_not_the_cn_check(any_pki: pki.SuitePki) -> None:
    cert, key = pki.bad_certificate(any_pki, "client", "wrong_name")
    mutual = good_server(any_pki, client_ca=any_pki.client_trust, require_client_cert=True)
    outcome = handshake(mutual, client_context(any_pki.ca_cert, cert=cert, key=key))
    assert outcome.ok and outcome.client_cn == f"not-{IDENTITY}", outcome
    assert certs.client_certificate_problems(cert, expected_cn=IDENTITY, expected_org=CPO) == [
        f"the client certificate's CN is 'not-{IDENTITY}', expected '{IDENTITY}'"]


def test_bad_certificates_are_made_once(ec_pki: pki.SuitePki) -> None:
    first = certs.load_certificate(pki.bad_certificate(ec_pki, "server", "expired")[0])
    again = certs.load_certificate(pki.bad_certificate(ec_pki, "server", "expired")[0])
    assert first.serial_number == again.serial_number
    with pytest.raises(ValueError, match="no 'wrong_name' variant for 'firmware'"):
        pki.bad_certificate(ec_pki, "firmware", "wrong_name")


def test_tls_1_1_client_is_refused_by_a_tls_1_2_server_and_accepted_by_a_1_1_server(ec_pki: pki.SuitePki) -> None:
    refused = handshake(good_server(ec_pki), weak_client_context(ec_pki.ca_cert))
    assert "unsupported protocol" in (refused.server_error or ""), refused
    assert "protocol version" in (refused.client_error or ""), refused
    old_server = weak_server_context(ec_pki.server_cert, ec_pki.server_key)
    accepted = handshake(old_server, weak_client_context(ec_pki.ca_cert))
    assert accepted.ok and accepted.version == "TLSv1.1", accepted


def test_tls_1_1_server_is_refused_by_the_suite_client(ec_pki: pki.SuitePki) -> None:
    outcome = handshake(weak_server_context(ec_pki.server_cert, ec_pki.server_key), client_context(ec_pki.ca_cert))
    assert "unsupported protocol" in (outcome.client_error or "") or "protocol version" in (outcome.client_error or ""), outcome


# --------------------------------------------------------------------------------------------------------------------
# CSR handling


@pytest.mark.parametrize("key_type", certs.KEY_TYPES)
def test_a_good_csr_is_signed_into_a_working_client_certificate(any_pki: pki.SuitePki, key_type: str, tmp_path: Path) -> None:
    csr_pem, key_pem = certs.make_csr(IDENTITY, CPO, key_type)
    chain, problems = certs.sign_csr(csr_pem, ca=pki.csms_authority(any_pki), expected_cn=IDENTITY, expected_org=CPO)
    assert problems == [] and chain is not None
    issued = certs.load_certificates(chain)
    assert len(issued) == 1  # a root CA is not repeated in the chain
    leaf = issued[0]
    assert certs.issued_by(leaf, certs.load_certificate(any_pki.ca_cert))
    assert certs.common_names(leaf.subject) == [IDENTITY] and certs.organizations(leaf.subject) == [CPO]
    (tmp_path / "cp.pem").write_text(chain)
    (tmp_path / "cp.key").write_text(key_pem)
    mutual = good_server(any_pki, client_ca=any_pki.client_trust, require_client_cert=True)
    outcome = handshake(mutual, client_context(any_pki.ca_cert, cert=tmp_path / "cp.pem", key=tmp_path / "cp.key"))
    assert outcome.ok and outcome.client_cn == IDENTITY, outcome


def _with_flipped_signature(csr_pem: str) -> bytes:
    der = bytearray(x509.load_pem_x509_csr(csr_pem.encode()).public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte belongs to the signature
    body = base64.encodebytes(bytes(der)).decode()
    return f"-----BEGIN CERTIFICATE REQUEST-----\n{body}-----END CERTIFICATE REQUEST-----\n".encode()


def test_csr_with_a_broken_signature_is_not_signed(ec_pki: pki.SuitePki) -> None:
    csr_pem, _ = certs.make_csr(IDENTITY, CPO, "ec")
    chain, problems = certs.sign_csr(_with_flipped_signature(csr_pem), ca=pki.csms_authority(ec_pki))
    assert chain is None
    assert problems == ["the CSR's signature does not verify with the public key it carries (it was altered or signed with another key)"]


def test_csr_subject_is_checked_against_identity_and_cpo(ec_pki: pki.SuitePki) -> None:
    csr_pem, _ = certs.make_csr("CP-7777", "Other CPO", "ec")
    chain, problems = certs.sign_csr(csr_pem, ca=pki.csms_authority(ec_pki), expected_cn=IDENTITY, expected_org=CPO)
    assert chain is not None
    assert problems == ["the CSR's CN is 'CP-7777', expected 'CP-0001'",
                        "the CSR's O is 'Other CPO', expected 'Example CPO' (the CpoName)"]


def _csr(key: certs.PrivateKey, attributes: list[x509.NameAttribute]) -> bytes:
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes)).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def test_csr_key_size_address_cn_and_garbage_are_problems(ec_pki: pki.SuitePki) -> None:
    ca = pki.csms_authority(ec_pki)
    org = x509.NameAttribute(NameOID.ORGANIZATION_NAME, CPO)
    weak = _csr(rsa.generate_private_key(65537, 1024), [org, x509.NameAttribute(NameOID.COMMON_NAME, IDENTITY)])
    assert certs.sign_csr(weak, ca=ca)[1] == ["the CSR has a 1024-bit RSA key; A00.FR.502 requires at least 2048 bits"]
    address = _csr(ec.generate_private_key(ec.SECP256R1()), [org, x509.NameAttribute(NameOID.COMMON_NAME, "192.0.2.1")])
    assert certs.sign_csr(address, ca=ca)[1] == [
        "the CSR's CN '192.0.2.1' is a URL or IP address; A00.FR.511 forbids that for a charge point certificate"]
    no_org = _csr(ec.generate_private_key(ec.SECP256R1()), [x509.NameAttribute(NameOID.COMMON_NAME, IDENTITY)])
    assert "has no O (organizationName)" in certs.sign_csr(no_org, ca=ca)[1][0]
    chain, problems = certs.sign_csr("hello", ca=ca)
    assert chain is None and problems[0].startswith("the CSR is not a PEM-encoded PKCS#10 request")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
def test_csr_signed_over_sha1_is_not_signed(ec_pki: pki.SuitePki, tmp_path: Path) -> None:
    # The cryptography library refuses to make SHA-1 signatures, so the openssl command makes this request.
    key = tmp_path / "cp.key"
    key.write_bytes(certs.private_key_pem(certs.generate_key("ec")))
    made = subprocess.run(["openssl", "req", "-new", "-key", str(key), "-sha1", "-subj", f"/O={CPO}/CN={IDENTITY}"],
                          check=True, capture_output=True)
    chain, problems = certs.sign_csr(made.stdout, ca=pki.csms_authority(ec_pki))
    assert chain is None and problems == ["the CSR is signed with SHA1; A00.FR.504/506 call for SHA-256 or stronger"]


def test_csms_csr_becomes_a_server_certificate_with_its_requested_names(ec_pki: pki.SuitePki) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(certs.subject_name("csms.example.test", CPO))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName("csms.example.test")]), critical=False)
           .sign(key, hashes.SHA256()))
    chain, problems = certs.sign_csr(csr.public_bytes(serialization.Encoding.PEM), ca=pki.csms_authority(ec_pki), usage="server")
    assert problems == [] and chain is not None
    leaf = certs.load_certificate(chain)
    assert certs.alternative_names(leaf) == ["csms.example.test"]
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]


# --------------------------------------------------------------------------------------------------------------------
# firmware signatures


@pytest.fixture(scope="module")
def firmware_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fw") / "firmware.bin"
    path.write_bytes(hashlib.shake_256(b"firmware").digest(3 * certs.FIRMWARE_CHUNK + 12345))
    return path


def test_firmware_signature_verifies_and_a_flipped_byte_fails(any_pki: pki.SuitePki, firmware_image: Path, tmp_path: Path) -> None:
    signature = certs.sign_firmware(firmware_image, any_pki.firmware_signing_cert, any_pki.firmware_signing_key)
    signing_pem, root_pem = any_pki.firmware_signing_cert.read_text(), any_pki.manufacturer_root.read_text()
    assert certs.verify_firmware(firmware_image, signature, signing_pem, root_pem) == []
    tampered = tmp_path / "tampered.bin"
    data = bytearray(firmware_image.read_bytes())
    data[len(data) - 7] ^= 0x80  # in the last chunk
    tampered.write_bytes(bytes(data))
    scheme = "RSA-PSS" if any_pki.key_type == "rsa" else "ECDSA"
    assert certs.verify_firmware(tampered, signature, signing_pem, root_pem) == [
        f"the signature does not match the firmware image ({scheme} with SHA-256 over the whole file, L01.FR.04)"]


def test_firmware_digest_is_the_same_read_in_small_chunks(firmware_image: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(certs, "FIRMWARE_CHUNK", 4093)
    assert certs.firmware_digest(firmware_image) == hashlib.sha256(firmware_image.read_bytes()).digest()


FIRMWARE_PROBLEMS = {
    "expired": "the signing certificate expired on",
    "not_yet_valid": "the signing certificate is not valid before",
    "foreign_ca": "the signing certificate is not issued by the manufacturer root certificate (L01.FR.12)",
    "wrong_usage": "the signing certificate's key usage does not allow digitalSignature",
    "weak_key": "the signing certificate has a 1024-bit RSA key; A00.FR.502 requires at least 2048 bits",
}


@pytest.mark.parametrize("kind", pki.BAD_VARIANTS["firmware"])
def test_each_bad_firmware_signing_certificate_is_reported(any_pki: pki.SuitePki, firmware_image: Path, kind: str) -> None:
    cert, key = pki.bad_certificate(any_pki, "firmware", kind)
    signature = certs.sign_firmware(firmware_image, cert, key)
    problems = certs.verify_firmware(firmware_image, signature, cert.read_text(), any_pki.manufacturer_root.read_text())
    assert len(problems) == 1 and problems[0].startswith(FIRMWARE_PROBLEMS[kind]), problems


def test_firmware_signature_format_problems(rsa_pki: pki.SuitePki, ec_pki: pki.SuitePki, firmware_image: Path) -> None:
    key = certs.load_private_key(rsa_pki.firmware_signing_key)
    assert isinstance(key, rsa.RSAPrivateKey)
    digest = certs.firmware_digest(firmware_image)
    pkcs1 = base64.b64encode(key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))).decode()
    signing, root = rsa_pki.firmware_signing_cert.read_text(), rsa_pki.manufacturer_root.read_text()
    assert certs.verify_firmware(firmware_image, pkcs1, signing, root) == ["the signature is RSA PKCS#1 v1.5; L01.FR.04 requires RSA-PSS"]
    assert certs.verify_firmware(firmware_image, "not base64!", signing, root) == ["the signature is not valid Base64"]
    good = certs.sign_firmware(firmware_image, rsa_pki.firmware_signing_cert, rsa_pki.firmware_signing_key)
    with_intermediate = signing + rsa_pki.ca_cert.read_text()
    assert certs.verify_firmware(firmware_image, good, with_intermediate, root) == [
        "the signing certificate field holds 2 certificates; the white paper allows no intermediate certificates (L01 remarks)"]
    other_root = ec_pki.manufacturer_root.read_text()
    assert "not issued by the manufacturer root" in certs.verify_firmware(firmware_image, good, signing, other_root)[0]
    with pytest.raises(ValueError, match="does not belong to the signing certificate"):
        certs.sign_firmware(firmware_image, rsa_pki.firmware_signing_cert, ec_pki.firmware_signing_key)


# --------------------------------------------------------------------------------------------------------------------
# CertificateHashDataType


@pytest.mark.parametrize("algorithm", ["SHA256", "SHA384", "SHA512"])
def test_hash_data_matches_the_ocsp_certid_of_an_independent_implementation(any_pki: pki.SuitePki, algorithm: str) -> None:
    leaf, issuer = certs.load_certificate(any_pki.server_cert), certs.load_certificate(any_pki.ca_cert)
    ours = certs.certificate_hash_data(leaf, issuer, algorithm)
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, getattr(hashes, algorithm)()).build()
    assert ours == {
        "hashAlgorithm": algorithm,
        "issuerNameHash": request.issuer_name_hash.hex().upper(),
        "issuerKeyHash": request.issuer_key_hash.hex().upper(),
        "serialNumber": format(request.serial_number, "X"),
    }
    assert certs.hash_data_problems(ours) == []


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is not installed")
def test_hash_data_matches_openssl_ocsp(rsa_pki: pki.SuitePki, tmp_path: Path) -> None:
    request = tmp_path / "request.der"
    subprocess.run(["openssl", "ocsp", "-issuer", str(rsa_pki.ca_cert), "-sha256", "-cert", str(rsa_pki.server_cert),
                    "-no_nonce", "-reqout", str(request)], check=True, capture_output=True)
    text = subprocess.run(["openssl", "ocsp", "-reqin", str(request), "-req_text"], check=True, capture_output=True,
                          text=True).stdout
    fields = dict(re.findall(r"(Issuer Name Hash|Issuer Key Hash|Serial Number): (\w+)", text))
    ours = certs.certificate_hash_data(rsa_pki.server_cert, rsa_pki.ca_cert)
    assert ours["issuerNameHash"] == fields["Issuer Name Hash"].upper()
    assert ours["issuerKeyHash"] == fields["Issuer Key Hash"].upper()
    assert ours["serialNumber"] == fields["Serial Number"].upper().lstrip("0")


def test_serial_number_is_hex_without_leading_zeroes(ec_pki: pki.SuitePki) -> None:
    ca = pki.csms_authority(ec_pki)
    now = dt.datetime.now(dt.timezone.utc)
    for serial, text in ((4095, "FFF"), (0x00AB_0000_0000_0001, "AB000000000001")):
        cert = (x509.CertificateBuilder().subject_name(certs.subject_name("x", "y")).issuer_name(ca.certificate.subject)
                .public_key(ca.key.public_key()).serial_number(serial).not_valid_before(now)
                .not_valid_after(now + dt.timedelta(days=1)).sign(ca.key, hashes.SHA256()))
        assert certs.certificate_hash_data(cert, ca.certificate)["serialNumber"] == text
    with pytest.raises(ValueError, match="unknown hashAlgorithm 'MD5'"):
        certs.certificate_hash_data(ec_pki.server_cert, ec_pki.ca_cert, "MD5")


def test_hash_data_representation_problems(ec_pki: pki.SuitePki) -> None:
    good = certs.certificate_hash_data(ec_pki.server_cert, ec_pki.ca_cert)
    lower = {k: v.lower() if k != "hashAlgorithm" else v for k, v in good.items()}
    assert certs.hash_data_problems(lower) == []  # CiString: case is free
    assert certs.same_certificate(good, lower)
    assert not certs.same_certificate(good, {**good, "hashAlgorithm": "SHA384"})
    assert certs.hash_data_problems({**good, "serialNumber": "0FFF"}) == [
        "serialNumber '0FFF' has leading zeroes; edition 3 writes it without them"]
    assert certs.hash_data_problems({**good, "serialNumber": "0x1F"}) == [
        "serialNumber '0x1F' has the prefix 0x; edition 3 writes the hex digits only"]
    assert certs.hash_data_problems({**good, "issuerKeyHash": good["issuerKeyHash"][:-1]}) == [
        "issuerKeyHash has 63 hex digits; a SHA256 digest has 64"]
    assert certs.hash_data_problems({**good, "issuerNameHash": "zz" * 32}) == [
        "issuerNameHash 'zz" + "zz" * 31 + "' is not a hexadecimal string (two hex digits per byte)"]
    assert certs.hash_data_problems({**good, "hashAlgorithm": "MD5"})[0] == "hashAlgorithm 'MD5' is not one of SHA256, SHA384, SHA512"


# --------------------------------------------------------------------------------------------------------------------
# descriptors


def test_descriptors_get_contexts_that_talk_to_each_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.iut import descriptor_from_dict

    monkeypatch.setenv(pki.PKI_DIR_VARIABLE, str(tmp_path / "p"))
    common = {"ocpp_version": "1.6", "identity": "CPDESC", "driver": {"type": "manual"},
              "security": {"profile": 3, "tls": {"generate": True}}}
    as_csms = descriptor_from_dict({**common, "name": "cp", "sut": "charge_point",
                                    "listen": {"host": "127.0.0.1", "port": 0, "path": "/ocpp"}})
    as_charge_point = descriptor_from_dict({**common, "name": "csms", "sut": "csms", "endpoint": "wss://127.0.0.1:9/ocpp"})
    server, client = pki.ssl_context_for(as_csms), pki.ssl_context_for(as_charge_point)
    assert server is not None and client is not None
    assert server.verify_mode == ssl.CERT_REQUIRED and server.minimum_version == TLS12
    outcome = handshake(server, client)
    assert outcome.ok and outcome.client_cn == "CPDESC", outcome
    assert pki.test_pki_for(as_csms).ca_cert.is_relative_to(tmp_path / "p")


# --------------------------------------------------------------------------------------------------------------------
# the `pki` command


def _pki_command(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="ocpp-conformance")
    add_pki_arguments(parser.add_subparsers(dest="command"))
    return run_pki(parser.parse_args(["pki", *argv]))


def test_command_create_show_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--pki-dir", str(tmp_path / "p")]
    assert _pki_command("create", *where, "--identity", IDENTITY, "--cpo", CPO) == 0
    out = capsys.readouterr().out
    assert "made the CSMS root CA" in out and f"issued the charge point certificate for {IDENTITY}" in out
    assert _pki_command("create", *where, "--identity", IDENTITY, "--cpo", CPO) == 0
    assert "everything is current; nothing to do" in capsys.readouterr().out
    ca = certs.load_certificate(tmp_path / "p" / "ec" / "csms-root.pem")
    assert _pki_command("show", *where) == 0
    shown = capsys.readouterr().out
    assert certs.fingerprint(ca) in shown and f"charge-points/{IDENTITY}.pem" in shown and "(valid)" in shown
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert _pki_command("export", *where, "--ca-cert", str(out_dir / "ca.pem")) == 0
    assert (out_dir / "ca.pem").read_bytes() == (tmp_path / "p" / "ec" / "csms-root.pem").read_bytes()
    assert _pki_command("export", *where, "--ca-cert", str(out_dir / "ca.der"), "--format", "der") == 0
    assert x509.load_der_x509_certificate((out_dir / "ca.der").read_bytes()) == ca


def test_command_sign_csr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--pki-dir", str(tmp_path / "p")]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    csr_pem, _ = certs.make_csr(IDENTITY, CPO, "ec")
    (out_dir / "cp.csr").write_text(csr_pem)
    assert _pki_command("sign-csr", *where, str(out_dir / "cp.csr"), "--out", str(out_dir / "cp.pem"),
                        "--expect-cn", IDENTITY, "--expect-org", CPO) == 0
    signed = certs.load_certificate(out_dir / "cp.pem")
    assert certs.issued_by(signed, certs.load_certificate(tmp_path / "p" / "ec" / "csms-root.pem"))
    capsys.readouterr()
    assert _pki_command("sign-csr", *where, str(out_dir / "cp.csr"), "--out", str(out_dir / "other.pem"), "--expect-cn", "CP-9") == 1
    err = capsys.readouterr().err
    assert "problem: the CSR's CN is 'CP-0001', expected 'CP-9'" in err and not (out_dir / "other.pem").exists()
    assert _pki_command("sign-csr", *where, str(out_dir / "cp.csr"), "--out", str(out_dir / "other.pem"),
                        "--expect-cn", "CP-9", "--sign-anyway") == 0
    assert (out_dir / "other.pem").exists()
    # nothing outside the PKI folder holds a private key
    assert not [p for p in out_dir.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()]


@pytest.mark.parametrize("argv, fragment", [
    (["sign-csr", "{tmp}/missing.csr", "--out", "{tmp}/x.pem"], "cannot read CSR_FILE {tmp}/missing.csr"),
    (["sign-csr", "{tmp}/garbage.csr", "--out", "{tmp}/x.pem"], "{tmp}/garbage.csr: the CSR is not a PEM-encoded PKCS#10 request"),
    (["show"], "no ec test PKI in"),
    (["create", "--vendor-ca-cert", "{tmp}/v.pem"], "--vendor-ca-cert and --vendor-ca-key go together"),
    (["create", "--identity", "X", "--vendor-ca-cert", "{tmp}/v.pem", "--vendor-ca-key", "{tmp}/v.key"], "vendor CA certificate not found"),
])
def test_command_user_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    (tmp_path / "garbage.csr").write_text("not a request")
    args = [a.format(tmp=tmp_path) for a in argv] + ["--pki-dir", str(tmp_path / "p")]
    assert _pki_command(*args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ocpp-conformance pki: ") and fragment.format(tmp=tmp_path) in err
