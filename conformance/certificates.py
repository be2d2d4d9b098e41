"""X.509 operations the security cases need, with no storage of their own.

Issuing certificates, making and judging certificate signing requests (SignCertificate / CertificateSigned, white
paper A02/A03), judging a charge point's client certificate (A00.FR.404/405), the CertificateHashDataType of
InstallCertificate / DeleteCertificate / GetInstalledCertificateIds (white paper edition 3 §6.1, RFC 6960 CertID), and
firmware signatures for SignedUpdateFirmware (L01.FR.04). Section numbers refer to the OCA white paper "Improved security
for OCPP 1.6-J", edition 3, whose requirement IDs are the same as OCPP 2.0.1 Part 2.

Functions that judge something the implementation under test produced return problems as plain sentences (an empty
list means it passed); errors of the caller (a missing file, a key that does not match its certificate) raise.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
CertificateSource = x509.Certificate | Path | str | bytes  # a Path is a PEM file; str and bytes are PEM text
KeySource = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | Path | str | bytes

KEY_TYPES = ("ec", "rsa")
RSA_LEAF_BITS = 2048
RSA_ROOT_BITS = 3072
MIN_RSA_BITS = 2048  # A00.FR.502
MIN_EC_BITS = 224  # A00.FR.503
DEFAULT_LEAF_VALIDITY = dt.timedelta(days=365)
BACKDATE = dt.timedelta(minutes=5)  # tolerates a peer whose clock is a little behind
HASH_ALGORITHMS = {"SHA256": hashlib.sha256, "SHA384": hashlib.sha384, "SHA512": hashlib.sha512}
WEAK_SIGNATURE_HASHES = ("md5", "sha1", "sha224")  # below A00.FR.501's 112-bit level or outside A00.FR.506
FIRMWARE_CHUNK = 1 << 20


@dataclass(frozen=True)
class Authority:
    """A certificate that signs others, with its private key."""

    certificate: x509.Certificate
    key: PrivateKey

    @property
    def self_signed(self) -> bool:
        return self.certificate.issuer == self.certificate.subject

    def chain_above_leaf(self) -> list[x509.Certificate]:
        """What follows a leaf it issued in a certificate chain: nothing for a root (peers hold roots themselves)."""
        return [] if self.self_signed else [self.certificate]


@dataclass(frozen=True)
class Usage:
    """Key usage (names of `x509.KeyUsage` fields), extended key usage and CA flag of a certificate to issue."""

    key_usage: frozenset[str]
    extended: tuple[ObjectIdentifier, ...] = ()
    ca: bool = False


CA_USAGE = Usage(frozenset({"key_cert_sign", "crl_sign"}), ca=True)
CLIENT_USAGE = Usage(frozenset({"digital_signature"}), (ExtendedKeyUsageOID.CLIENT_AUTH,))
FIRMWARE_USAGE = Usage(frozenset({"digital_signature"}), (ExtendedKeyUsageOID.CODE_SIGNING,))


def server_usage(key_type: str) -> Usage:
    """TLS server: ECDHE suites sign with the key; TLS_RSA_* suites also encipher the premaster secret with it."""
    names = {"digital_signature", "key_encipherment"} if key_type == "rsa" else {"digital_signature"}
    return Usage(frozenset(names), (ExtendedKeyUsageOID.SERVER_AUTH,))


# --------------------------------------------------------------------------------------------------------------------
# loading


def load_certificates(source: CertificateSource) -> list[x509.Certificate]:
    """Every certificate of a PEM file or text, in order (a chain starts with its leaf)."""
    if isinstance(source, x509.Certificate):
        return [source]
    data = source.read_bytes() if isinstance(source, Path) else source.encode() if isinstance(source, str) else source
    return x509.load_pem_x509_certificates(data)


def load_certificate(source: CertificateSource) -> x509.Certificate:
    """The first certificate of a PEM file or text."""
    return load_certificates(source)[0]


def load_private_key(source: KeySource) -> PrivateKey:
    if isinstance(source, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        return source
    data = source.read_bytes() if isinstance(source, Path) else source.encode() if isinstance(source, str) else source
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise ValueError(f"a {type(key).__name__} is neither an EC nor an RSA key")
    return key


def pem(certificates: Iterable[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in certificates)


def private_key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def spki_der(public_key: object) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)  # type: ignore[attr-defined]


def key_matches(certificate: x509.Certificate, key: PrivateKey) -> bool:
    return spki_der(certificate.public_key()) == spki_der(key.public_key())


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 fingerprint as colon-separated uppercase hex, as browsers and `openssl x509 -fingerprint` print it."""
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def describe_key(public_key: object) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC {public_key.curve.name}"
    return type(public_key).__name__


def common_names(name: x509.Name) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)]


def organizations(name: x509.Name) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]


def subject_name(common_name: str, organization: str) -> x509.Name:
    """O = owner organization (A00.FR.509), CN = host name or charge point serial number (A00.FR.510/511)."""
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


# --------------------------------------------------------------------------------------------------------------------
# keys and issuing


def generate_key(key_type: str, *, rsa_bits: int = RSA_LEAF_BITS) -> PrivateKey:
    """EC P-256 (the white paper's ECDSA suites) or RSA (its RSA suites)."""
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    raise ValueError(f"unknown key type {key_type!r}: use one of {', '.join(KEY_TYPES)}")


def key_strength_problems(public_key: object, what: str) -> list[str]:
    """A00.FR.501–503: RSA keys of at least 2048 bits, elliptic-curve keys of at least 224 bits."""
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            return [f"{what} has a {public_key.key_size}-bit RSA key; A00.FR.502 requires at least {MIN_RSA_BITS} bits"]
        return []
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if public_key.key_size < MIN_EC_BITS:
            return [f"{what} has a {public_key.key_size}-bit elliptic-curve key ({public_key.curve.name}); A00.FR.503 requires at least {MIN_EC_BITS} bits"]
        return []
    return [f"{what} has a {type(public_key).__name__}, usable with none of the white paper's cipher suites (RSA or ECDSA)"]


def _signature_hash(key: PrivateKey) -> hashes.HashAlgorithm:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def _rsa_pss(hash_algorithm: hashes.HashAlgorithm) -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=padding.PSS.DIGEST_LENGTH)


def key_usage_extension(names: frozenset[str]) -> x509.KeyUsage:
    fields = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
              "key_cert_sign", "crl_sign")
    unknown = names - set(fields)
    if unknown:
        raise ValueError(f"unknown key usage {sorted(unknown)}")
    flags = {f: f in names for f in fields}
    return x509.KeyUsage(**flags, encipher_only=False, decipher_only=False)


def issue_certificate(
    subject: x509.Name,
    public_key: object,
    *,
    issuer: Authority | None,
    self_signing_key: PrivateKey | None = None,
    not_before: dt.datetime,
    not_after: dt.datetime,
    usage: Usage,
    alternative_names: Sequence[str] = (),
) -> x509.Certificate:
    """Issue a certificate; `issuer=None` makes it self-signed with `self_signing_key` (a root).

    RSA signatures use RSA-PSS and ECDSA signatures SHA-256 (P-384 issuers: SHA-384), as A00.FR.505/506 recommend.
    `alternative_names` go into a subjectAltName extension, IP addresses as iPAddress and the rest as dNSName."""
    signing_key = issuer.key if issuer is not None else self_signing_key
    if signing_key is None:
        raise ValueError("a self-signed certificate needs self_signing_key")
    issuer_name = issuer.certificate.subject if issuer is not None else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=usage.ca, path_length=None), critical=True)
        .add_extension(key_usage_extension(usage.key_usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # type: ignore[arg-type]
    )
    if usage.extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usage.extended)), critical=False)
    if issuer is not None:
        builder = builder.add_extension(_authority_key_identifier(issuer), critical=False)
    if alternative_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(general_names(alternative_names)), critical=False)
    digest = _signature_hash(signing_key)
    if isinstance(signing_key, rsa.RSAPrivateKey):
        return builder.sign(signing_key, digest, rsa_padding=_rsa_pss(digest))
    return builder.sign(signing_key, digest)


def _authority_key_identifier(issuer: Authority) -> x509.AuthorityKeyIdentifier:
    # Taken from the issuer's own subjectKeyIdentifier when it has one: OpenSSL only links a certificate to an
    # issuer whose SKI equals the certificate's AKI.
    try:
        ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())  # type: ignore[arg-type]
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def general_names(names: Iterable[str]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for name in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            out.append(x509.DNSName(name))
    return out


def alternative_names(certificate: x509.Certificate) -> list[str]:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(n.value) for n in san]


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when `issuer`'s subject is the certificate's issuer and its key verifies the certificate's signature."""
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def validity_problems(certificate: x509.Certificate, what: str, now: dt.datetime) -> list[str]:
    if certificate.not_valid_after_utc < now:
        return [f"{what} expired on {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"]
    if certificate.not_valid_before_utc > now:
        return [f"{what} is not valid before {certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"]
    return []


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.timezone.utc)


def throwaway_root(common_name: str, organization: str, key_type: str = "ec",
                   validity: dt.timedelta = DEFAULT_LEAF_VALIDITY) -> x509.Certificate:
    """A self-signed CA certificate whose private key is dropped at once: a certificate to install on an
    implementation under test and delete again, which signs nothing."""
    key = generate_key(key_type)
    now = _now(None)
    return issue_certificate(subject_name(common_name, organization), key.public_key(), issuer=None,
                             self_signing_key=key, not_before=now - BACKDATE, not_after=now + validity, usage=CA_USAGE)


def is_ca_certificate(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


# --------------------------------------------------------------------------------------------------------------------
# certificate signing requests (A02/A03)


def make_csr(identity: str, org: str, key_type: str = "ec") -> tuple[str, str]:
    """A PKCS#10 request as a charge point sends it in SignCertificate.req: CN = identity (serial number), O = CPO name
    (A02.FR.13). Returns (CSR PEM, private key PEM); the key stays in memory, the caller decides where it lives."""
    key = generate_key(key_type)
    digest = _signature_hash(key)
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject_name(identity, org))
    if isinstance(key, rsa.RSAPrivateKey):
        csr = builder.sign(key, digest, rsa_padding=_rsa_pss(digest))
    else:
        csr = builder.sign(key, digest)
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii"), private_key_pem(key).decode("ascii")


def sign_csr(
    csr_pem: str | bytes,
    *,
    ca: Authority,
    expected_cn: str | None = None,
    expected_org: str | None = None,
    validity: dt.timedelta = DEFAULT_LEAF_VALIDITY,
    usage: str = "client",
    now: dt.datetime | None = None,
) -> tuple[str | None, list[str]]:
    """Check a CSR and sign it with `ca`; returns (certificateChain PEM for CertificateSigned.req, problems).

    The chain is the new certificate followed by `ca` unless `ca` is a root (A02: "can also contain the necessary sub CA
    certificates"). It is given whenever the CSR parses and its own signature holds, so a case may go on and judge the
    problems itself; a CSR that does not parse, is signed over SHA-1 or weaker, or whose signature fails is never
    signed (None).
    `usage` is "client" (a charge point certificate, clientAuth) or "server" (a CSMS certificate, serverAuth)."""
    if usage not in ("client", "server"):
        raise ValueError(f"unknown usage {usage!r}: use 'client' or 'server'")
    data = csr_pem.encode() if isinstance(csr_pem, str) else csr_pem
    try:
        csr = x509.load_pem_x509_csr(data)
    except ValueError as exc:
        return None, [f"the CSR is not a PEM-encoded PKCS#10 request (RFC 2986, A02.FR.03): {exc}"]
    digest = csr.signature_hash_algorithm
    if digest is not None and digest.name in WEAK_SIGNATURE_HASHES:
        # Checked first: the library does not verify signatures over such hashes at all.
        return None, [f"the CSR is signed with {digest.name.upper()}; A00.FR.504/506 call for SHA-256 or stronger"]
    try:
        signature_holds = csr.is_signature_valid
    except UnsupportedAlgorithm as exc:
        return None, [f"the CSR's signature algorithm cannot be verified: {exc}"]
    if not signature_holds:
        return None, ["the CSR's signature does not verify with the public key it carries (it was altered or signed with another key)"]
    problems = csr_problems(csr, expected_cn=expected_cn, expected_org=expected_org, charge_point=usage == "client")
    public_key = csr.public_key()
    key_type = "rsa" if isinstance(public_key, rsa.RSAPublicKey) else "ec"
    try:
        requested_names = [str(n.value) for n in csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value]
    except x509.ExtensionNotFound:
        requested_names = []
    start = _now(now)
    certificate = issue_certificate(
        csr.subject,
        public_key,
        issuer=ca,
        not_before=start - BACKDATE,
        not_after=start + validity,
        usage=CLIENT_USAGE if usage == "client" else server_usage(key_type),
        alternative_names=requested_names if usage == "server" else (),
    )
    return pem([certificate, *ca.chain_above_leaf()]), problems


def csr_problems(
    csr: x509.CertificateSigningRequest,
    *,
    expected_cn: str | None = None,
    expected_org: str | None = None,
    charge_point: bool = True,
) -> list[str]:
    """What a CA would object to in a CSR whose signature holds: key size, subject CN and O."""
    problems = key_strength_problems(csr.public_key(), "the CSR")
    problems += _subject_problems(csr.subject, "the CSR", expected_cn=expected_cn, expected_org=expected_org,
                                  charge_point=charge_point)
    return problems


def _subject_problems(
    subject: x509.Name, what: str, *, expected_cn: str | None, expected_org: str | None, charge_point: bool
) -> list[str]:
    problems: list[str] = []
    cns, orgs = common_names(subject), organizations(subject)
    if not cns:
        problems.append(f"{what}'s subject has no CN (commonName); A00.FR.511 requires the charge point's serial number there"
                        if charge_point else f"{what}'s subject has no CN (commonName); A00.FR.510 requires the host name there")
    elif len(cns) > 1:
        problems.append(f"{what}'s subject has {len(cns)} CNs ({', '.join(cns)}); it must have exactly one")
    elif expected_cn is not None and cns[0] != expected_cn:
        problems.append(f"{what}'s CN is {cns[0]!r}, expected {expected_cn!r}")
    if charge_point and len(cns) == 1 and _looks_like_address(cns[0]):
        problems.append(f"{what}'s CN {cns[0]!r} is a URL or IP address; A00.FR.511 forbids that for a charge point certificate")
    if not orgs:
        problems.append(f"{what}'s subject has no O (organizationName); A00.FR.509 requires the owner's organization (CpoName, A02.FR.13)")
    elif expected_org is not None and expected_org not in orgs:
        problems.append(f"{what}'s O is {', '.join(repr(o) for o in orgs)}, expected {expected_org!r} (the CpoName)")
    return problems


def _looks_like_address(text: str) -> bool:
    if "://" in text:
        return True
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def client_certificate_problems(
    certificate: CertificateSource,
    *,
    expected_cn: str,
    expected_org: str | None = None,
) -> list[str]:
    """What the Central System checks in a charge point's TLS client certificate beyond the path validation TLS does:
    O contains the CPO name (A00.FR.404) and CN is the charge point's serial number (A00.FR.405)."""
    cert = load_certificate(certificate)
    problems = _subject_problems(cert.subject, "the client certificate", expected_cn=expected_cn,
                                 expected_org=expected_org, charge_point=True)
    return problems + key_strength_problems(cert.public_key(), "the client certificate")


# --------------------------------------------------------------------------------------------------------------------
# CertificateHashDataType (white paper edition 3 §6.1; OCPP 2.0.1 CertificateHashDataType)


def certificate_hash_data(
    cert: CertificateSource, issuer_cert: CertificateSource, hash_algorithm: str = "SHA256"
) -> dict[str, str]:
    """The CertificateHashDataType of `cert`, issued by `issuer_cert`, as in an OCSP CertID (RFC 6960 §4.1.1).

    issuerNameHash: hash of the DER of the issuer name field of `cert`; issuerKeyHash: hash of the issuer's
    subjectPublicKey BIT STRING contents (no tag, length or unused-bits octet); serialNumber: hexadecimal without
    leading zeroes or "0x". All hex is uppercase: the serial number example of edition 3 ("FFF" for 4095) is uppercase,
    hexBinary's canonical form is uppercase, and the fields are CiString so peers compare them case-insensitively."""
    if hash_algorithm not in HASH_ALGORITHMS:
        raise ValueError(f"unknown hashAlgorithm {hash_algorithm!r}: use one of {', '.join(HASH_ALGORITHMS)}")
    certificate, issuer = load_certificate(cert), load_certificate(issuer_cert)
    digest = HASH_ALGORITHMS[hash_algorithm]
    name_der = certificate.issuer.public_bytes()
    key_bits = subject_public_key_bits(issuer.public_key())
    return {
        "hashAlgorithm": hash_algorithm,
        "issuerNameHash": digest(name_der).hexdigest().upper(),
        "issuerKeyHash": digest(key_bits).hexdigest().upper(),
        "serialNumber": format(certificate.serial_number, "X"),
    }


def subject_public_key_bits(public_key: object) -> bytes:
    """The contents of the subjectPublicKey BIT STRING of a SubjectPublicKeyInfo, without its unused-bits octet."""
    spki = spki_der(public_key)
    body, _ = _der_element(spki, 0, 0x30)  # SubjectPublicKeyInfo ::= SEQUENCE
    _, after_algorithm = _der_element(spki, body, 0x30)  # algorithm AlgorithmIdentifier
    bits_start, bits_end = _der_element(spki, after_algorithm, 0x03)  # subjectPublicKey BIT STRING
    if spki[bits_start] != 0:
        raise ValueError("a subjectPublicKey with unused bits is not a key this suite handles")
    return spki[bits_start + 1:bits_end]


def _der_element(data: bytes, at: int, tag: int) -> tuple[int, int]:
    """(start of contents, end of element) of the DER element at `at`, which must carry `tag`."""
    if data[at] != tag:
        raise ValueError(f"expected DER tag {tag:#04x} at offset {at}, found {data[at]:#04x}")
    length, start = data[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        length, start = int.from_bytes(data[start:start + count], "big"), start + count
    return start, start + length


def hash_data_problems(data: Mapping[str, object]) -> list[str]:
    """How a CertificateHashDataType an implementation sent departs from edition 3's representation: hex digests of the
    algorithm's length and a hex serial number without leading zeroes or prefix. Letter case is free (CiString)."""
    problems: list[str] = []
    algorithm = data.get("hashAlgorithm")
    if algorithm not in HASH_ALGORITHMS:
        problems.append(f"hashAlgorithm {algorithm!r} is not one of {', '.join(HASH_ALGORITHMS)}")
    width = HASH_ALGORITHMS[algorithm]().digest_size * 2 if algorithm in HASH_ALGORITHMS else None  # type: ignore[index]
    for field in ("issuerNameHash", "issuerKeyHash"):
        value = data.get(field)
        if not isinstance(value, str) or not _is_hex(value):
            problems.append(f"{field} {value!r} is not a hexadecimal string (two hex digits per byte)")
        elif width is not None and len(value) != width:
            problems.append(f"{field} has {len(value)} hex digits; a {algorithm} digest has {width}")
    serial = data.get("serialNumber")
    if not isinstance(serial, str) or not serial:
        problems.append(f"serialNumber {serial!r} is not a non-empty string")
    elif serial.lower().startswith("0x"):
        problems.append(f"serialNumber {serial!r} has the prefix 0x; edition 3 writes the hex digits only")
    elif not _is_hex(serial):
        problems.append(f"serialNumber {serial!r} is not hexadecimal (edition 3: 4095 is written \"FFF\")")
    elif len(serial) > 1 and serial.startswith("0"):
        problems.append(f"serialNumber {serial!r} has leading zeroes; edition 3 writes it without them")
    elif len(serial) > 40:
        problems.append(f"serialNumber has {len(serial)} hex digits; a serial number has at most 20 bytes (40 digits)")
    return problems


def _is_hex(text: str) -> bool:
    return bool(text) and all(c in "0123456789abcdefABCDEF" for c in text)


def same_certificate(a: Mapping[str, object], b: Mapping[str, object]) -> bool:
    """Whether two CertificateHashDataType values name the same certificate (CiString fields: case-insensitive)."""
    if a.get("hashAlgorithm") != b.get("hashAlgorithm"):
        return False
    return all(str(a.get(f, "")).upper() == str(b.get(f, "")).upper()
               for f in ("issuerNameHash", "issuerKeyHash", "serialNumber"))


# --------------------------------------------------------------------------------------------------------------------
# firmware signatures (L01)


def firmware_digest(image_path: Path) -> bytes:
    """SHA-256 of the whole image file (L01.FR.04), read in chunks."""
    digest = hashlib.sha256()
    with open(image_path, "rb") as image:
        while chunk := image.read(FIRMWARE_CHUNK):
            digest.update(chunk)
    return digest.digest()


def sign_firmware(image_path: Path, signing_cert: CertificateSource, signing_key: KeySource) -> str:
    """The Base64 signature of SignedUpdateFirmware.req's firmware.signature over the whole image (L01.FR.04).

    L01.FR.04 names RSA-PSS or ECSchnorr with SHA-256. An RSA key signs with RSA-PSS (MGF1-SHA-256, salt as long as the
    digest). ECSchnorr has no standard encoding and no support in common libraries, so an EC key signs with ECDSA over
    SHA-256 (DER-encoded), which is what firmware tool chains produce for EC keys."""
    certificate, key = load_certificate(signing_cert), load_private_key(signing_key)
    if not key_matches(certificate, key):
        raise ValueError("the firmware signing key does not belong to the signing certificate")
    digest = firmware_digest(image_path)
    prehashed = Prehashed(hashes.SHA256())
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(digest, _rsa_pss(hashes.SHA256()), prehashed)
    else:
        signature = key.sign(digest, ec.ECDSA(prehashed))
    return base64.b64encode(signature).decode("ascii")


def verify_firmware(
    image_path: Path,
    signature_b64: str,
    signing_cert_pem: str | bytes,
    manufacturer_root_pem: str | bytes,
    *,
    now: dt.datetime | None = None,
) -> list[str]:
    """Problems with a signed firmware as a charge point must judge it (L01.FR.04, L01.FR.12, L01.FR.23/24).

    The signing certificate must be issued directly by the manufacturer root (L01 remarks: no intermediate
    certificates), be within its validity, allow digitalSignature and have a strong enough key; the signature must hold
    over the whole image. An unreadable image raises OSError: that is the environment's fault, not the signer's."""
    at = _now(now)
    problems: list[str] = []
    try:
        signing = load_certificates(signing_cert_pem)
    except ValueError as exc:
        return [f"the signing certificate is not a PEM-encoded X.509 certificate: {exc}"]
    try:
        root = load_certificate(manufacturer_root_pem)
    except ValueError as exc:
        return [f"the manufacturer root certificate is not a PEM-encoded X.509 certificate: {exc}"]
    certificate = signing[0]
    if len(signing) > 1:
        problems.append(f"the signing certificate field holds {len(signing)} certificates; the white paper allows no intermediate certificates (L01 remarks)")
    if not issued_by(certificate, root):
        problems.append("the signing certificate is not issued by the manufacturer root certificate (L01.FR.12)")
    problems += validity_problems(root, "the manufacturer root certificate", at)
    problems += validity_problems(certificate, "the signing certificate", at)
    try:
        key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        key_usage = None
    if key_usage is not None and not key_usage.digital_signature:
        problems.append("the signing certificate's key usage does not allow digitalSignature")
    problems += key_strength_problems(certificate.public_key(), "the signing certificate")
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return problems + ["the signature is not valid Base64"]
    problems += _firmware_signature_problems(firmware_digest(image_path), signature, certificate.public_key())
    return problems


def _firmware_signature_problems(digest: bytes, signature: bytes, public_key: object) -> list[str]:
    prehashed = Prehashed(hashes.SHA256())
    if isinstance(public_key, rsa.RSAPublicKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
        if _verifies(lambda: public_key.verify(signature, digest, pss, prehashed)):
            return []
        if _verifies(lambda: public_key.verify(signature, digest, padding.PKCS1v15(), prehashed)):
            return ["the signature is RSA PKCS#1 v1.5; L01.FR.04 requires RSA-PSS"]
        return ["the signature does not match the firmware image (RSA-PSS with SHA-256 over the whole file, L01.FR.04)"]
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if _verifies(lambda: public_key.verify(signature, digest, ec.ECDSA(prehashed))):
            return []
        return ["the signature does not match the firmware image (ECDSA with SHA-256 over the whole file, L01.FR.04)"]
    return [f"the signing certificate has a {type(public_key).__name__}, which signs with neither RSA-PSS nor an elliptic-curve scheme"]


def _verifies(check: object) -> bool:
    try:
        check()  # type: ignore[operator]
    except (InvalidSignature, ValueError):
        return False
    return True
