"""The suite's test PKI: a persistent CSMS root a real charger installs once, and the certificates issued under it.

The PKI lives in one folder per user, outside every report directory: the `directory` argument, else
`$OCPP_CONFORMANCE_PKI_DIR`, else `$XDG_DATA_HOME/ocpp-conformance/pki` (`~/.local/share/ocpp-conformance/pki`).
The folder is private (0700) and private keys are created with mode 0600; nothing else in the suite writes keys.
One sub-folder per key type (`ec`: P-256 for the ECDSA suites, `rsa`: RSA for the RSA suites) holds a full hierarchy:

    csms-root.pem/.key            the CSMS root CA (ten years; made once, then reused)
    csms-server.pem/.key          the suite's Central System certificate: CN = first host name, SAN = all host names
                                  (A00.FR.511 allows SAN names for a Central System reached by several network paths)
    charge-points/<id>.pem/.key   the suite's charge point certificates: O = CPO name, CN = identity, no SAN (A00.FR.511)
    client-trust.pem              CSMS root plus vendor CA, when a vendor CA issues the charge point certificates
    manufacturer-root.pem/.key    the manufacturer root (ten years)
    firmware-signing.pem/.key     the firmware signing certificate (digitalSignature) for SignedUpdateFirmware
    bad/…                         deliberately bad certificates for negative cases, and the foreign root that signs one

Leaves live a year and are reissued when missing, unreadable, within 30 days of expiry, issued by another CA, or when
their names or usage changed, so no certificate expires during a run. Everything happens under a lock file, so runs
in parallel share one CA.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from conformance import certificates as certs
from conformance.certificates import Authority, Usage
from conformance.errors import Broken

try:
    import fcntl
except ImportError:  # Windows: runs of the suite in parallel are then not serialised
    fcntl = None  # type: ignore[assignment]

PKI_DIR_VARIABLE = "OCPP_CONFORMANCE_PKI_DIR"
DEFAULT_ORGANIZATION = "ocpp-conformance test CPO"
MANUFACTURER_ORGANIZATION = "ocpp-conformance test manufacturer"
FOREIGN_ORGANIZATION = "ocpp-conformance foreign CA"
DEFAULT_SERVER_NAMES = ("localhost", "127.0.0.1")
ROOT_VALIDITY = dt.timedelta(days=3650)
LEAF_VALIDITY = certs.DEFAULT_LEAF_VALIDITY
RENEW_BEFORE = dt.timedelta(days=30)
WEAK_RSA_BITS = 1024

BAD_KINDS = ("expired", "not_yet_valid", "foreign_ca", "wrong_name", "wrong_usage", "weak_key")
BAD_VARIANTS: dict[str, tuple[str, ...]] = {
    "server": BAD_KINDS,
    "client": BAD_KINDS,
    "firmware": ("expired", "not_yet_valid", "foreign_ca", "wrong_usage", "weak_key"),
}
WRONG_SERVER_NAME = "wrong-host.invalid"


class PkiError(Broken):
    """A problem with the PKI folder or files a user gave: one line naming the file and the fix. A case that meets
    it is broken (the environment, not the implementation under test)."""

    category = "suite"


@dataclass(frozen=True)
class SuitePki:
    """Paths of one key type's hierarchy, and what the call that returned it created or reissued."""

    directory: Path
    key_type: str
    organization: str
    identity: str | None
    server_names: tuple[str, ...]
    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    client_cert: Path | None  # a chain file (leaf first) when a vendor CA issued it
    client_key: Path | None
    client_trust: Path  # what verifies charge point certificates: the CSMS root, plus the vendor CA when one is used
    manufacturer_root: Path
    manufacturer_root_key: Path
    firmware_signing_cert: Path
    firmware_signing_key: Path
    vendor_ca: tuple[Path, Path] | None
    renewed: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------------------------------
# folder, lock and files


def pki_root(directory: Path | str | None = None) -> Path:
    """The PKI folder: the argument, else $OCPP_CONFORMANCE_PKI_DIR, else the XDG data folder."""
    if directory is not None:
        return Path(directory).expanduser()
    if os.environ.get(PKI_DIR_VARIABLE):
        return Path(os.environ[PKI_DIR_VARIABLE]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "ocpp-conformance" / "pki"


def _make_private_dir(path: Path) -> None:
    """Create `path` and the missing folders above it with mode 0700; an existing folder keeps its mode."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise PkiError(f"cannot create the PKI folder {folder} ({exc.strerror}) — set {PKI_DIR_VARIABLE} to a writable folder") from None
    if not path.is_dir():
        raise PkiError(f"{path} is not a folder — set {PKI_DIR_VARIABLE} to a folder for the test PKI")


def _check_private(root: Path) -> None:
    mode = root.stat().st_mode & 0o777
    if mode & 0o077:
        raise PkiError(f"the PKI folder {root} is open to other users (mode {mode:o}) — run `chmod 700 {root}`")


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    _make_private_dir(root)
    _check_private(root)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_file(path: Path, data: bytes, mode: int) -> None:
    """Write atomically: a new file created with `mode`, then renamed over the old one."""
    _make_private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _write_pair(cert_path: Path, key_path: Path, chain: Sequence[x509.Certificate], key: certs.PrivateKey) -> None:
    _write_file(key_path, certs.private_key_pem(key), 0o600)
    _write_file(cert_path, certs.pem(chain).encode("ascii"), 0o644)


def _read_pair(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, certs.PrivateKey] | None:
    try:
        return certs.load_certificate(cert_path), certs.load_private_key(key_path)
    except (OSError, ValueError, IndexError, TypeError):
        return None


# --------------------------------------------------------------------------------------------------------------------
# what a certificate should look like, and whether the one on disk still does


@dataclass(frozen=True)
class _Wanted:
    label: str
    cert_path: Path
    key_path: Path
    subject: x509.Name
    usage: Usage
    issuer: Authority
    key_spec: tuple[str, int]  # ("ec", curve bits) or ("rsa", modulus bits)
    names: tuple[str, ...] = ()
    window: str = "current"  # "current", "expired" or "future"
    issuer_chain: tuple[x509.Certificate, ...] = ()


def _key_spec_of(public_key: object) -> tuple[str, int] | None:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return ("ec", public_key.key_size)
    if isinstance(public_key, rsa.RSAPublicKey):
        return ("rsa", public_key.key_size)
    return None


def _leaf_spec(key_type: str) -> tuple[str, int]:
    return (key_type, 256 if key_type == "ec" else certs.RSA_LEAF_BITS)


def _extension(cert: x509.Certificate, kind: type) -> Any:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _stale_reason(wanted: _Wanted, now: dt.datetime) -> str | None:
    """Why the certificate on disk no longer fits `wanted` (None: it fits)."""
    pair = _read_pair(wanted.cert_path, wanted.key_path)
    if pair is None:
        return "missing" if not wanted.cert_path.exists() else "unreadable"
    cert, key = pair
    if not certs.key_matches(cert, key):
        return "its key does not match"
    if _key_spec_of(cert.public_key()) != wanted.key_spec:
        return "its key type changed"
    if not certs.issued_by(cert, wanted.issuer.certificate):
        return "issued by another CA"
    if certs.load_certificates(wanted.cert_path)[1:] != list(wanted.issuer_chain):
        return "the CA certificates after it changed"
    if cert.subject != wanted.subject or sorted(certs.alternative_names(cert)) != sorted(wanted.names):
        return "its names changed"
    if _extension(cert, x509.KeyUsage) != certs.key_usage_extension(wanted.usage.key_usage):
        return "its key usage changed"
    eku = _extension(cert, x509.ExtendedKeyUsage)
    if list(eku or ()) != list(wanted.usage.extended):
        return "its extended key usage changed"
    if wanted.window == "current":
        if cert.not_valid_after_utc - now < RENEW_BEFORE:
            return f"it expires on {cert.not_valid_after_utc:%Y-%m-%d}"
        if cert.not_valid_before_utc > now:
            return "it is not valid yet"
    elif wanted.window == "expired" and cert.not_valid_after_utc >= now:
        return "it has not expired"
    elif wanted.window == "future" and cert.not_valid_before_utc - now < RENEW_BEFORE:
        return "it becomes valid soon"
    return None


def _validity(window: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if window == "expired":
        return now - dt.timedelta(days=366), now - dt.timedelta(days=1)
    if window == "future":
        return now + dt.timedelta(days=365), now + dt.timedelta(days=730)
    return now - certs.BACKDATE, now + LEAF_VALIDITY


def _ensure_leaf(wanted: _Wanted, now: dt.datetime, renewed: list[str]) -> None:
    reason = _stale_reason(wanted, now)
    if reason is None:
        return
    kind, size = wanted.key_spec
    key = certs.generate_key(kind, rsa_bits=size) if kind == "rsa" else certs.generate_key("ec")
    not_before, not_after = _validity(wanted.window, now)
    cert = certs.issue_certificate(
        wanted.subject, key.public_key(), issuer=wanted.issuer, not_before=not_before, not_after=not_after,
        usage=wanted.usage, alternative_names=wanted.names,
    )
    _write_pair(wanted.cert_path, wanted.key_path, [cert, *wanted.issuer_chain], key)
    renewed.append(f"issued the {wanted.label}" if reason == "missing" else f"reissued the {wanted.label}: {reason}")


def _ensure_root(
    cert_path: Path, key_path: Path, subject: x509.Name, key_type: str, label: str, now: dt.datetime, renewed: list[str]
) -> Authority:
    """Load a root CA, or make it when missing or about to expire. A root that is present but unreadable is never
    replaced silently: a charger may trust it."""
    if cert_path.exists() or key_path.exists():
        pair = _read_pair(cert_path, key_path)
        if pair is None or not certs.key_matches(*pair):
            raise PkiError(
                f"cannot read the {label} at {cert_path} with its key {key_path.name} — restore both files, or delete "
                f"them to make a new {label} (chargers must then install the new one)"
            )
        cert, key = pair
        if cert.not_valid_after_utc - now >= RENEW_BEFORE:
            return Authority(cert, key)
        renewed.append(f"made a new {label}: the old one expires on {cert.not_valid_after_utc:%Y-%m-%d} — install {cert_path} on the charger again")
    else:
        renewed.append(f"made the {label} {cert_path}")
    key = certs.generate_key(key_type, rsa_bits=certs.RSA_ROOT_BITS)
    cert = certs.issue_certificate(
        subject, key.public_key(), issuer=None, self_signing_key=key, not_before=now - certs.BACKDATE,
        not_after=now + ROOT_VALIDITY, usage=certs.CA_USAGE,
    )
    _write_pair(cert_path, key_path, [cert], key)
    return Authority(cert, key)


def _load_vendor_ca(cert_path: Path, key_path: Path, now: dt.datetime) -> tuple[Authority, list[x509.Certificate]]:
    for path, what in ((cert_path, "vendor CA certificate"), (key_path, "vendor CA key")):
        if not path.is_file():
            raise PkiError(f"{what} not found: {path} — fix the path")
    try:
        chain = certs.load_certificates(cert_path)
    except ValueError:
        raise PkiError(f"{cert_path} is not a PEM certificate — give the vendor CA certificate in PEM") from None
    try:
        key = certs.load_private_key(key_path)
    except (ValueError, TypeError):
        raise PkiError(f"{key_path} is not an unencrypted PEM EC or RSA private key — give the vendor CA key in PEM without a passphrase") from None
    cert = chain[0]
    if not certs.key_matches(cert, key):
        raise PkiError(f"{key_path} is not the key of {cert_path} — give the vendor CA's own key")
    constraints = _extension(cert, x509.BasicConstraints)
    if constraints is None or not constraints.ca:
        raise PkiError(f"{cert_path} is not a CA certificate (basicConstraints CA:TRUE) — give the vendor CA, not a leaf")
    if cert.not_valid_after_utc - now < RENEW_BEFORE:
        raise PkiError(f"the vendor CA {cert_path} expires on {cert.not_valid_after_utc:%Y-%m-%d} — give a CA valid for at least {RENEW_BEFORE.days} more days")
    return Authority(cert, key), chain


def _file_name(identity: str) -> str:
    """A file name for an identity: the identity itself when it is plain, else a readable part plus a short hash."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", identity):
        return identity
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", identity)[:40].strip("._") or "id"
    return f"{readable}-{hashlib.sha256(identity.encode()).hexdigest()[:12]}"


# --------------------------------------------------------------------------------------------------------------------
# the PKI


def ensure_pki(
    directory: Path | str | None = None,
    *,
    key_type: str = "ec",
    identity: str | None = None,
    organization: str = DEFAULT_ORGANIZATION,
    server_names: Sequence[str] = (),
    vendor_ca: tuple[Path, Path] | None = None,
) -> SuitePki:
    """Make or refresh one key type's hierarchy and return its paths.

    The CSMS root and the manufacturer root are made once and reused. The server certificate names every host in
    `server_names` and localhost and 127.0.0.1 (CN = the first name given other than these two, else localhost).
    With `identity`, a charge point certificate for it (O = `organization`, CN = identity) is issued by the CSMS
    root, or by `vendor_ca` (certificate path, key path) when given."""
    if key_type not in certs.KEY_TYPES:
        raise PkiError(f"unknown key type {key_type!r} — use one of {', '.join(certs.KEY_TYPES)}")
    root = pki_root(directory)
    base = root / key_type
    # The default names stay where they are, so descriptors that name one of them share one certificate (processes
    # running side by side would otherwise reissue it in turn).
    names = tuple(dict.fromkeys([*(n for n in server_names if n not in DEFAULT_SERVER_NAMES), *DEFAULT_SERVER_NAMES]))
    now = dt.datetime.now(dt.timezone.utc)
    renewed: list[str] = []
    with _locked(root):
        _make_private_dir(base)
        csms_root = _ensure_root(base / "csms-root.pem", base / "csms-root.key",
                                 certs.subject_name(f"ocpp-conformance test CSMS root ({key_type})", DEFAULT_ORGANIZATION),
                                 key_type, "CSMS root CA", now, renewed)
        manufacturer = _ensure_root(base / "manufacturer-root.pem", base / "manufacturer-root.key",
                                    certs.subject_name(f"ocpp-conformance test manufacturer root ({key_type})", MANUFACTURER_ORGANIZATION),
                                    key_type, "manufacturer root", now, renewed)
        _ensure_leaf(_Wanted("server certificate", base / "csms-server.pem", base / "csms-server.key",
                             certs.subject_name(names[0], organization), certs.server_usage(key_type), csms_root,
                             _leaf_spec(key_type), names), now, renewed)
        _ensure_leaf(_Wanted("firmware signing certificate", base / "firmware-signing.pem", base / "firmware-signing.key",
                             certs.subject_name(f"ocpp-conformance test firmware signing ({key_type})", MANUFACTURER_ORGANIZATION),
                             certs.FIRMWARE_USAGE, manufacturer, _leaf_spec(key_type)), now, renewed)
        client_trust = base / "csms-root.pem"
        client_issuer, issuer_chain = csms_root, ()
        if vendor_ca is not None:
            vendor, vendor_chain = _load_vendor_ca(Path(vendor_ca[0]), Path(vendor_ca[1]), now)
            client_issuer, issuer_chain = vendor, tuple(vendor_chain)
            client_trust = base / "client-trust.pem"
            bundle = certs.pem([csms_root.certificate, *vendor_chain]).encode("ascii")
            if not client_trust.exists() or client_trust.read_bytes() != bundle:
                _write_file(client_trust, bundle, 0o644)
        client_cert = client_key = None
        if identity is not None:
            stem = base / "charge-points" / _file_name(identity)
            client_cert, client_key = stem.with_suffix(".pem"), stem.with_suffix(".key")
            _ensure_leaf(_Wanted(f"charge point certificate for {identity}", client_cert, client_key,
                                 certs.subject_name(identity, organization), certs.CLIENT_USAGE, client_issuer,
                                 _leaf_spec(key_type), issuer_chain=issuer_chain), now, renewed)
    return SuitePki(
        directory=base, key_type=key_type, organization=organization, identity=identity, server_names=names,
        ca_cert=base / "csms-root.pem", ca_key=base / "csms-root.key",
        server_cert=base / "csms-server.pem", server_key=base / "csms-server.key",
        client_cert=client_cert, client_key=client_key, client_trust=client_trust,
        manufacturer_root=base / "manufacturer-root.pem", manufacturer_root_key=base / "manufacturer-root.key",
        firmware_signing_cert=base / "firmware-signing.pem", firmware_signing_key=base / "firmware-signing.key",
        vendor_ca=(Path(vendor_ca[0]), Path(vendor_ca[1])) if vendor_ca is not None else None,
        renewed=tuple(renewed),
    )


def csms_authority(pki: SuitePki) -> Authority:
    """The CSMS root with its key, to sign charge point CSRs (`certificates.sign_csr`)."""
    return Authority(certs.load_certificate(pki.ca_cert), certs.load_private_key(pki.ca_key))


def manufacturer_authority(pki: SuitePki) -> Authority:
    return Authority(certs.load_certificate(pki.manufacturer_root), certs.load_private_key(pki.manufacturer_root_key))


def bad_certificate(pki: SuitePki, purpose: str, kind: str) -> tuple[Path, Path]:
    """(certificate path, key path) of a deliberately bad certificate, made on first use and kept.

    `purpose`: "server" (presented by the suite as Central System), "client" (presented by the suite as charge point
    `pki.identity`) or "firmware" (a firmware signing certificate). `kind` (see BAD_VARIANTS): "expired",
    "not_yet_valid", "foreign_ca" (issued by another root), "wrong_name" (CN/SAN wrong-host.invalid; a client
    certificate with CN "not-<identity>"), "wrong_usage" (a server certificate for clientAuth only, a client
    certificate for serverAuth only, a firmware certificate without digitalSignature) or "weak_key" (RSA 1024 bits,
    below A00.FR.502). Every other property is the good certificate's."""
    if purpose not in BAD_VARIANTS:
        raise ValueError(f"unknown purpose {purpose!r}: use one of {', '.join(BAD_VARIANTS)}")
    if kind not in BAD_VARIANTS[purpose]:
        raise ValueError(f"no {kind!r} variant for {purpose!r}: use one of {', '.join(BAD_VARIANTS[purpose])}")
    if purpose == "client" and pki.identity is None:
        raise ValueError("a bad client certificate needs a PKI made with an identity")
    root = pki.directory.parent
    bad = pki.directory / "bad"
    now = dt.datetime.now(dt.timezone.utc)
    renewed: list[str] = []
    with _locked(root):
        if kind == "foreign_ca":
            issuer = _ensure_root(bad / "foreign-root.pem", bad / "foreign-root.key",
                                  certs.subject_name(f"ocpp-conformance foreign root ({pki.key_type})", FOREIGN_ORGANIZATION),
                                  pki.key_type, "foreign root", now, renewed)
        elif purpose == "firmware":
            issuer = manufacturer_authority(pki)
        else:
            issuer = csms_authority(pki)
        if purpose == "server":
            subject = certs.subject_name(pki.server_names[0], pki.organization)
            names, usage = pki.server_names, certs.server_usage(pki.key_type)
            stem = f"server-{kind}"
        elif purpose == "client":
            subject = certs.subject_name(pki.identity or "", pki.organization)
            names, usage = (), certs.CLIENT_USAGE
            stem = f"client-{_file_name(pki.identity or '')}-{kind}"
        else:
            subject = certs.load_certificate(pki.firmware_signing_cert).subject
            names, usage = (), certs.FIRMWARE_USAGE
            stem = f"firmware-{kind}"
        key_spec, window = _leaf_spec(pki.key_type), "current"
        if kind == "expired":
            window = "expired"
        elif kind == "not_yet_valid":
            window = "future"
        elif kind == "wrong_name":
            if purpose == "server":
                subject, names = certs.subject_name(WRONG_SERVER_NAME, pki.organization), (WRONG_SERVER_NAME,)
            else:
                subject = certs.subject_name(f"not-{pki.identity}", pki.organization)
        elif kind == "wrong_usage":
            usage = {
                "server": Usage(usage.key_usage, (ExtendedKeyUsageOID.CLIENT_AUTH,)),
                "client": Usage(usage.key_usage, (ExtendedKeyUsageOID.SERVER_AUTH,)),
                "firmware": Usage(frozenset({"key_encipherment"}), usage.extended),
            }[purpose]
        elif kind == "weak_key":
            key_spec = ("rsa", WEAK_RSA_BITS)
        wanted = _Wanted(f"{kind} {purpose} certificate", bad / f"{stem}.pem", bad / f"{stem}.key", subject, usage,
                         issuer, key_spec, tuple(names), window)
        _ensure_leaf(wanted, now, renewed)
    return wanted.cert_path, wanted.key_path


# --------------------------------------------------------------------------------------------------------------------
# the IUT descriptor's view


_generated: dict[tuple, SuitePki] = {}


def _descriptor_options(descriptor: Any) -> dict[str, Any]:
    """PKI settings a descriptor may carry in `security` (key_type, cpo_name, server_names, vendor_ca_cert and
    vendor_ca_key); the listen host joins the server names when it is a specific address."""
    sec = descriptor.security
    names = list(getattr(sec, "server_names", None) or ())
    if getattr(sec, "server_name", None):
        names.append(sec.server_name)
    listen_host = getattr(descriptor, "listen_host", None)
    if listen_host and listen_host not in (*DEFAULT_SERVER_NAMES, "0.0.0.0", "::", ""):
        names.append(listen_host)
    vendor_cert, vendor_key = getattr(sec, "vendor_ca_cert", None), getattr(sec, "vendor_ca_key", None)
    return {
        "key_type": getattr(sec, "key_type", None) or "ec",
        "organization": getattr(sec, "cpo_name", None) or DEFAULT_ORGANIZATION,
        "server_names": tuple(names),
        "vendor_ca": (Path(vendor_cert), Path(vendor_key)) if vendor_cert and vendor_key else None,
    }


def test_pki_for(descriptor: Any, directory: Path | None = None) -> SuitePki:
    """The generated PKI of a descriptor (`security.tls.generate: true`), checked once per process."""
    options = _descriptor_options(descriptor)
    cache_key = (str(pki_root(directory).resolve()), descriptor.identity, *sorted((k, str(v)) for k, v in options.items()))
    if cache_key not in _generated:
        _generated[cache_key] = ensure_pki(directory, identity=descriptor.identity, **options)
    return _generated[cache_key]


test_pki_for.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test, when a test module imports it


def ssl_context_for(
    descriptor: Any,
    *,
    profile: int | None = None,
    server_cert: tuple[Path, Path] | None = None,
    client_cert: tuple[Path, Path] | None = None,
) -> ssl.SSLContext | None:
    """The TLS context of the suite's endpoint for security profile `profile` (default: the descriptor's; None for
    profiles 0 and 1). `server_cert` / `client_cert` (certificate, key) replace the certificate the suite presents as
    Central System / charge point, e.g. a deliberately bad one or one a CSMS under test just issued."""
    from conformance.tls_contexts import client_context, server_context
    from conformance.wire import Role

    sec = descriptor.security
    profile = sec.profile if profile is None else profile
    if profile < 2:
        return None
    if not (sec.generate or sec.cert is not None or sec.ca_cert is not None):
        raise PkiError(f"{descriptor.path or 'the IUT descriptor'}: security.tls: missing — security profile {profile} "
                       "uses TLS; add `tls: {generate: true}` or the certificate files (ca_cert, cert, key)")
    mutual = profile == 3
    generated = test_pki_for(descriptor) if sec.generate else None
    if descriptor.sut is Role.CHARGE_POINT:  # the suite is the Central System
        if generated is not None:
            cert, key, client_ca = generated.server_cert, generated.server_key, generated.client_trust
        else:
            cert, key, client_ca = sec.cert, sec.key, sec.ca_cert
        if server_cert is not None:
            cert, key = server_cert
        return server_context(cert, key, client_ca=client_ca if mutual else None, require_client_cert=mutual)
    if generated is not None:
        ca, cert, key, check = generated.ca_cert, generated.client_cert, generated.client_key, True
    else:
        ca, cert, key, check = sec.ca_cert, sec.cert, sec.key, sec.server_name is not None
    if client_cert is not None:
        cert, key = client_cert
    with_cert = mutual and cert is not None and key is not None
    return client_context(ca, cert=cert if with_cert else None, key=key if with_cert else None,
                          server_name=sec.server_name, check_hostname=check)


def foreign_authority(pki: SuitePki) -> Authority:
    """The foreign root, a CA no implementation under test trusts, with its key (made on first use): what signs a
    certificate that must be refused."""
    bad_certificate(pki, "server", "foreign_ca")  # makes the foreign root when it is missing
    bad = pki.directory / "bad"
    return Authority(certs.load_certificate(bad / "foreign-root.pem"), certs.load_private_key(bad / "foreign-root.key"))
