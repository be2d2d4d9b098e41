"""`ocpp-conformance pki`: make, show and export the suite's test PKI, and sign a charger's CSR with its CSMS root.

    ocpp-conformance pki create [--identity ID]… [--cpo NAME] [--server-name HOST]… [--vendor-ca-cert F --vendor-ca-key F]
    ocpp-conformance pki show
    ocpp-conformance pki export --ca-cert FILE [--format pem|der] [--manufacturer]
    ocpp-conformance pki sign-csr CSR_FILE --out CERT_FILE [--expect-cn CN] [--expect-org O] [--days N] [--usage client|server]

Every sub-command takes `--pki-dir DIR` and `--key-type ec|rsa`. Exit codes: 0 done, 1 the CSR has problems (nothing
written unless --sign-anyway), 2 a usage error (one line on stderr).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from conformance import certificates as certs
from conformance import pki

PROG = "ocpp-conformance pki"


def add_pki_arguments(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `pki` and its sub-commands on the CLI's sub-parsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--pki-dir", help=f"the PKI folder (default: ${pki.PKI_DIR_VARIABLE}, else $XDG_DATA_HOME/ocpp-conformance/pki)")
    common.add_argument("--key-type", choices=certs.KEY_TYPES, default="ec",
                        help="ec: P-256 for the ECDSA cipher suites; rsa: RSA for the RSA cipher suites (default: ec)")

    parser = subparsers.add_parser("pki", help="the test PKI: CA to install on a charger, certificates, CSR signing")
    sub = parser.add_subparsers(dest="pki_command", required=True)

    create = sub.add_parser("create", parents=[common], help="make the CA once, and make or refresh the certificates")
    create.add_argument("--identity", action="append", default=[], help="issue a charge point certificate for this identity (repeatable)")
    create.add_argument("--cpo", default=pki.DEFAULT_ORGANIZATION, help="CPO name: O of the charge point and server certificates")
    create.add_argument("--server-name", action="append", default=[],
                        help="host name or IP address the charger connects to (repeatable; the first becomes the CN)")
    create.add_argument("--vendor-ca-cert", help="CA certificate (PEM) that issues the charge point certificates instead of the CSMS root")
    create.add_argument("--vendor-ca-key", help="its private key (PEM, unencrypted)")

    sub.add_parser("show", parents=[common], help="paths, subjects, fingerprints and expiry dates")

    export = sub.add_parser("export", parents=[common], help="write the CA certificate to install on a charger")
    export.add_argument("--ca-cert", required=True, metavar="FILE", help="where to write it")
    export.add_argument("--format", choices=("pem", "der"), default="pem", help="pem (what OCPP transmits) or der")
    export.add_argument("--manufacturer", action="store_true", help="the manufacturer root instead of the CSMS root")

    sign = sub.add_parser("sign-csr", parents=[common], help="sign a charger's CSR with the test CSMS root")
    sign.add_argument("csr", metavar="CSR_FILE", help="the PEM certificate signing request")
    sign.add_argument("--out", required=True, metavar="CERT_FILE", help="where to write the certificate chain (PEM)")
    sign.add_argument("--expect-cn", help="the CN the request must carry (the charge point's serial number)")
    sign.add_argument("--expect-org", help="the O the request must carry (the CpoName)")
    sign.add_argument("--days", type=int, default=certs.DEFAULT_LEAF_VALIDITY.days, help="validity in days (default: %(default)s)")
    sign.add_argument("--usage", choices=("client", "server"), default="client",
                      help="client: a charge point certificate (default); server: a CSMS server certificate")
    sign.add_argument("--sign-anyway", action="store_true", help="write the certificate even when the CSR has problems")
    return parser


class _UsageError(Exception):
    pass


def run_pki(args: argparse.Namespace) -> int:
    """Run a `pki` sub-command; returns the exit code."""
    try:
        if args.pki_command == "create":
            return _create(args)
        if args.pki_command == "show":
            return _show(args)
        if args.pki_command == "export":
            return _export(args)
        if args.pki_command == "sign-csr":
            return _sign_csr(args)
        raise _UsageError(f"unknown sub-command {args.pki_command!r}")
    except pki.PkiError as exc:
        print(f"{PROG}: {exc.headline}", file=sys.stderr)
        return 2
    except _UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2


def _create(args: argparse.Namespace) -> int:
    if bool(args.vendor_ca_cert) != bool(args.vendor_ca_key):
        raise _UsageError("--vendor-ca-cert and --vendor-ca-key go together — give both")
    vendor = (Path(args.vendor_ca_cert), Path(args.vendor_ca_key)) if args.vendor_ca_cert else None
    renewed: list[str] = []
    for identity in args.identity or [None]:
        made = pki.ensure_pki(args.pki_dir, key_type=args.key_type, identity=identity, organization=args.cpo,
                              server_names=args.server_name, vendor_ca=vendor)
        renewed += made.renewed
    for line in renewed or ["everything is current; nothing to do"]:
        print(line)
    print(f"install {made.ca_cert} on the charger as its CSMS root (CentralSystemRootCertificate)")
    return 0


def _show(args: argparse.Namespace) -> int:
    base = pki.pki_root(args.pki_dir) / args.key_type
    if not (base / "csms-root.pem").exists():
        raise _UsageError(f"no {args.key_type} test PKI in {base.parent} — run `{PROG} create --key-type {args.key_type}`")
    now = dt.datetime.now(dt.timezone.utc)
    print(f"{args.key_type} test PKI in {base}")
    for path in sorted(base.rglob("*.pem")):
        try:
            cert = certs.load_certificate(path)
        except (ValueError, IndexError):
            print(f"\n{path.relative_to(base)}\n  unreadable")
            continue
        state = "EXPIRED" if cert.not_valid_after_utc < now else "not yet valid" if cert.not_valid_before_utc > now else "valid"
        names = certs.alternative_names(cert)
        print(f"\n{path.relative_to(base)}")
        print(f"  subject     {cert.subject.rfc4514_string()}")
        print(f"  issuer      {cert.issuer.rfc4514_string()}")
        if names:
            print(f"  names       {', '.join(names)}")
        print(f"  key         {certs.describe_key(cert.public_key())}")
        print(f"  valid       {cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d} ({state})")
        print(f"  SHA-256     {certs.fingerprint(cert)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    made = pki.ensure_pki(args.pki_dir, key_type=args.key_type)
    source = made.manufacturer_root if args.manufacturer else made.ca_cert
    cert = certs.load_certificate(source)
    encoding = serialization.Encoding.DER if args.format == "der" else serialization.Encoding.PEM
    target = Path(args.ca_cert)
    try:
        target.write_bytes(cert.public_bytes(encoding))
    except OSError as exc:
        raise _UsageError(f"cannot write {target} ({exc.strerror}) — choose a writable path for --ca-cert") from None
    print(f"wrote {target} ({'manufacturer root' if args.manufacturer else 'CSMS root'}, SHA-256 {certs.fingerprint(cert)})")
    return 0


def _sign_csr(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise _UsageError(f"--days {args.days}: give a validity of at least one day")
    try:
        csr_pem = Path(args.csr).read_bytes()
    except OSError as exc:
        raise _UsageError(f"cannot read CSR_FILE {args.csr} ({exc.strerror}) — give the path of the charger's PEM CSR") from None
    made = pki.ensure_pki(args.pki_dir, key_type=args.key_type)
    chain, problems = certs.sign_csr(csr_pem, ca=pki.csms_authority(made), expected_cn=args.expect_cn,
                                     expected_org=args.expect_org, validity=dt.timedelta(days=args.days), usage=args.usage)
    if chain is None:
        raise _UsageError(f"{args.csr}: {problems[0]}")
    for problem in problems:
        print(f"{PROG}: problem: {problem}", file=sys.stderr)
    if problems and not args.sign_anyway:
        print(f"{PROG}: nothing written; fix the CSR, or pass --sign-anyway", file=sys.stderr)
        return 1
    target = Path(args.out)
    try:
        target.write_text(chain, encoding="ascii")
    except OSError as exc:
        raise _UsageError(f"cannot write {target} ({exc.strerror}) — choose a writable path for --out") from None
    print(f"wrote {target}, signed by {made.ca_cert}")
    return 0
