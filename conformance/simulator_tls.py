"""TLS of the reference simulators, whatever their OCPP version: the suite's generated test PKI they share with the
suite, and the server context of a reference CSMS at security profiles 2 and 3 (with the named faults that change
it: an expired server certificate, a foreign client CA, client certificates not verified, TLS 1.1 accepted)."""

from __future__ import annotations

from typing import Any


def pki_of(descriptor: Any) -> Any:
    """The suite's generated test PKI, which the reference simulators share with the suite (None without it)."""
    if not descriptor.security.generate:
        return None
    from conformance.pki import test_pki_for

    return test_pki_for(descriptor)


def server_tls(descriptor: Any, faults: frozenset[str]) -> Any:
    """TLS context of a reference CSMS (profiles 2 and 3), from the test PKI: its server certificate, and
    the CSMS root to check client certificates with — required for profile 3, asked for under profile 2 (a charge
    point may be raised to profile 3 on the same endpoint)."""
    sec = descriptor.security
    if sec.profile < 2:
        return None
    pki = require_pki(descriptor)
    import ssl

    from conformance.pki import bad_certificate, foreign_authority
    from conformance.tls_contexts import server_context

    cert, key = pki.server_cert, pki.server_key
    if "server-certificate-expired" in faults:
        cert, key = bad_certificate(pki, "server", "expired")
    client_ca = pki.client_trust
    if "client-certificate-not-trusted" in faults:
        foreign_authority(pki)
        client_ca = pki.directory / "bad" / "foreign-root.pem"
    ctx = server_context(cert, key, client_ca=client_ca)
    ctx.verify_mode = ssl.CERT_REQUIRED if sec.profile == 3 else ssl.CERT_OPTIONAL
    if "client-certificate-not-verified" in faults:
        ctx.verify_mode = ssl.CERT_NONE
    if "tls-1.1-accepted" in faults:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1_1
    return ctx


def require_pki(descriptor: Any) -> Any:
    pki = pki_of(descriptor)
    if pki is None:
        raise ValueError(f"{descriptor.label}: security.tls: the reference simulator needs security.tls.generate: "
                         f"true for profile {descriptor.security.profile}")
    return pki
