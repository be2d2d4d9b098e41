"""TLS contexts of the suite's endpoints for security profiles 2 and 3, and deliberately weak ones for negative cases.

White paper edition 3 (and OCPP 2.0.1 A00): TLS 1.2 or higher (A00.FR.312/416), no TLS compression (A00.FR.320/424),
and for TLS 1.2 the suites TLS_ECDHE_ECDSA_WITH_AES_{128_GCM_SHA256,256_GCM_SHA384} and
TLS_RSA_WITH_AES_{128_GCM_SHA256,256_GCM_SHA384} (A00.FR.317/318/421/422), plus the forward-secret ECDHE_RSA pair the
notes of A00.FR.318/422 prefer over static RSA. OpenSSL configures TLS 1.3 suites apart from these; its defaults
(AES-GCM and ChaCha20-Poly1305) stay on, as TLS 1.3 is allowed.
"""

from __future__ import annotations

import ssl
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# IANA name -> OpenSSL name
WHITE_PAPER_SUITES = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
}
ECDHE_RSA_SUITES = {
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
}
# Offered in this order: forward-secret suites first, static RSA last.
TLS12_CIPHERS: tuple[str, ...] = (
    WHITE_PAPER_SUITES["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
    WHITE_PAPER_SUITES["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"],
    *ECDHE_RSA_SUITES.values(),
    WHITE_PAPER_SUITES["TLS_RSA_WITH_AES_128_GCM_SHA256"],
    WHITE_PAPER_SUITES["TLS_RSA_WITH_AES_256_GCM_SHA384"],
)
IANA_NAMES = {openssl: iana for iana, openssl in {**WHITE_PAPER_SUITES, **ECDHE_RSA_SUITES}.items()}


class _ServerNameContext(ssl.SSLContext):
    """A client context that sends `server_name` as SNI and checks the certificate against it, whatever host the
    connection was opened to (websockets and asyncio pass the URL's host)."""

    server_name: str | None = None

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, suppress_ragged_eofs=True,  # type: ignore[override]
                    server_hostname=None, session=None):
        return super().wrap_socket(sock, server_side, do_handshake_on_connect, suppress_ragged_eofs,
                                   self.server_name or server_hostname, session)

    def wrap_bio(self, incoming, outgoing, server_side=False, server_hostname=None, session=None):  # type: ignore[override]
        return super().wrap_bio(incoming, outgoing, server_side, self.server_name or server_hostname, session)


def _cipher_string(ciphers: Sequence[str], security_level: int | None) -> str:
    text = ":".join(ciphers)
    return text if security_level is None else f"{text}:@SECLEVEL={security_level}"


def server_context(
    cert: Path,
    key: Path,
    *,
    client_ca: Path | None = None,
    require_client_cert: bool = False,
    ciphers: Sequence[str] = TLS12_CIPHERS,
    security_level: int | None = None,
) -> ssl.SSLContext:
    """The suite as Central System. `require_client_cert` (security profile 3) demands a client certificate issued
    under `client_ca`. `security_level` lowers OpenSSL's floor, e.g. 0 to present a deliberately weak certificate."""
    if require_client_cert and client_ca is None:
        raise ValueError("require_client_cert needs client_ca, the CA that issued the charge points' certificates")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    ctx.set_ciphers(_cipher_string(ciphers, security_level))
    ctx.load_cert_chain(cert, key)
    if client_ca is not None:
        ctx.load_verify_locations(client_ca)
    ctx.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_NONE
    return ctx


def client_context(
    ca: Path,
    *,
    cert: Path | None = None,
    key: Path | None = None,
    server_name: str | None = None,
    check_hostname: bool = True,
    ciphers: Sequence[str] = TLS12_CIPHERS,
    maximum_version: ssl.TLSVersion | None = None,
    security_level: int | None = None,
) -> ssl.SSLContext:
    """The suite as charge point: trusts `ca`, presents `cert`/`key` when given (security profile 3), and when
    `server_name` is given uses it for SNI and the host name check instead of the host it connects to."""
    if (cert is None) != (key is None):
        raise ValueError("give both cert and key, or neither")
    ctx = _ServerNameContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.server_name = server_name
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if maximum_version is not None:
        ctx.maximum_version = maximum_version
    ctx.options |= ssl.OP_NO_COMPRESSION
    ctx.set_ciphers(_cipher_string(ciphers, security_level))
    ctx.load_verify_locations(ca)
    ctx.check_hostname = check_hostname
    if cert is not None and key is not None:
        ctx.load_cert_chain(cert, key)
    return ctx


def _pin_old_version(ctx: ssl.SSLContext, version: ssl.TLSVersion) -> None:
    if version >= ssl.TLSVersion.TLSv1_2:
        raise ValueError(f"{version.name} is not an old version; use TLSv1 or TLSv1_1")
    # OpenSSL 3 refuses TLS 1.0/1.1 above security level 0 (their handshake signatures use SHA-1).
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = version
        ctx.maximum_version = version


def weak_client_context(
    ca: Path,
    *,
    version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_1,
    cert: Path | None = None,
    key: Path | None = None,
) -> ssl.SSLContext:
    """A charge point that offers only TLS 1.1 (or 1.0): a Central System must refuse it (A00.FR.314/418)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _pin_old_version(ctx, version)
    ctx.load_verify_locations(ca)
    if cert is not None and key is not None:
        ctx.load_cert_chain(cert, key)
    return ctx


def weak_server_context(cert: Path, key: Path, *, version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_1) -> ssl.SSLContext:
    """A Central System that accepts only TLS 1.1 (or 1.0): a charge point must refuse it (A00.FR.315/419)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _pin_old_version(ctx, version)
    ctx.load_cert_chain(cert, key)
    return ctx


# --------------------------------------------------------------------------------------------------------------------
# what a TLS session shows, and watching handshakes the asyncio server would otherwise swallow


def certificate_summary(der: bytes | None) -> dict | None:
    """Subject, issuer, serial number, validity and SHA-256 fingerprint of a DER certificate, for the wire log."""
    if not der:
        return None
    from cryptography import x509

    from conformance.certificates import describe_key, fingerprint

    cert = x509.load_der_x509_certificate(der)
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "key": describe_key(cert.public_key()),
        "serial": format(cert.serial_number, "X"),
        "not_after": cert.not_valid_after_utc.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "sha256": fingerprint(cert),
    }


def session_facts(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> dict:
    """Version, cipher suite and the peer's certificate of an established TLS session."""
    if ssl_object is None:
        return {}
    cipher = ssl_object.cipher()
    facts = {
        "version": ssl_object.version(),
        "cipher": IANA_NAMES.get(cipher[0], cipher[0]) if cipher else None,
        "peer_certificate": certificate_summary(ssl_object.getpeercert(binary_form=True)),
    }
    if ssl_object.server_side:
        facts["server_name"] = getattr(ssl_object, "observed_server_name", None)
    return facts


def observe_handshakes(ctx: ssl.SSLContext, observer: Any) -> ssl.SSLContext:
    """Make `ctx` report each handshake to `observer(ssl_object, stage, error)`: stage "begun" when the first
    handshake message arrives, then "established" or "refused" (with the ssl.SSLError that ended it). A handshake the
    peer breaks off by closing the connection gets no second call. An asyncio server drops failed handshakes silently;
    this is how a refused client (TLS 1.1 only, a certificate from a foreign CA) becomes evidence."""

    class ObservedSSLObject(ssl.SSLObject):
        _observed_begun = False

        def do_handshake(self) -> None:
            if not self._observed_begun:
                self._observed_begun = True
                observer(self, "begun", None)
            try:
                super().do_handshake()
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                raise
            except ssl.SSLError as exc:
                observer(self, "refused", exc)
                raise
            observer(self, "established", None)

    earlier = ctx.sni_callback

    def remember_server_name(ssl_object: Any, name: str | None, context: ssl.SSLContext) -> Any:
        ssl_object.observed_server_name = name  # what the client asked for (SNI), for the evidence
        return earlier(ssl_object, name, context) if earlier is not None else None

    ctx.sslobject_class = ObservedSSLObject
    ctx.sni_callback = remember_server_name
    return ctx


def failure_reason(exc: BaseException) -> str:
    """One readable line for a failed TLS handshake (the verification message when the peer's certificate failed)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {exc.verify_message}" if exc.verify_message else str(exc)
    if isinstance(exc, ssl.SSLError):
        return exc.reason.replace("_", " ").lower() if exc.reason else str(exc)
    return str(exc) or type(exc).__name__


# The TLS 1.2 cipher suites a connection may use (the white paper's, OCPP 2.0.1 A00's, and the ECDHE_RSA pair).
TLS12_SUITES = frozenset(WHITE_PAPER_SUITES) | frozenset(ECDHE_RSA_SUITES)


def tls_problems(facts: dict | None, who: str) -> list[str]:
    """What is wrong with the TLS session facts of a connection (version, cipher suite) for the white paper and
    OCPP 2.0.1 A00: TLS 1.2 or higher, and with TLS 1.2 one of `TLS12_SUITES`."""
    if not facts:
        return [f"{who} did not use TLS"]
    version, cipher = facts.get("version"), facts.get("cipher")
    if version not in ("TLSv1.2", "TLSv1.3"):
        return [f"{who} used {version}; TLS 1.2 or higher is required"]
    if version == "TLSv1.2" and cipher not in TLS12_SUITES:
        return [f"{who} used the TLS 1.2 cipher suite {cipher}, which is none of the allowed ones"]
    return []
