"""The 1.6 security white paper (edition 3) in the suite's own roles.

As Central System (testing a charge point): file servers the charger uploads its log to and downloads signed firmware
from, ways to change what the suite's server demands during a case (another certificate, TLS version, password or
security profile) and back, and the TLS facts of each connection (version, cipher suite, the charger's certificate).

As charge point (testing a CSMS): a correct charger's side of the white paper — its installed root certificates,
AuthorizationKey and SecurityProfile, a key pair and CSR on request, the certificate it then receives, its security
log uploaded where the CSMS says, and signed firmware downloaded and checked for real — plus the checks of what the
CSMS sends (the format of a new password, a certificate for the CSR's key, a firmware signature that holds).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from cryptography import x509

from conformance import certificates as certs
from conformance import redaction
from conformance.connections import (  # noqa: F401  (the security cases import them from here too)
    TLS12_SUITES,
    connection_handshake,
    fresh_connection,
    next_connection,
    reconnect_charger,
    refusal_reasons,
    server_pair,
    serving,
    tls_problems,
    watch_attempts,
    wire_event,
)
from conformance.credentials import is_hex_key, password_bytes
from conformance.errors import Broken, ExpectationFailed, Inconclusive
from conformance.file_transfer import FileServers, TransferError, download, upload
from conformance.ocpp16.roles.reactions import Reaction
from conformance.timestamps import parse_iso, utc_now
from conformance.wire import Record

CERTIFICATE_TYPES = ("CentralSystemRootCertificate", "ManufacturerRootCertificate")
_ids = itertools.count(int(dt.datetime.now(dt.timezone.utc).timestamp()) % 100000 * 10)

REQ_TLS = ("A Charge Point and a Central System SHALL use TLS 1.2 or higher, and with TLS 1.2 one of the white paper's "
           "cipher suites (TLS_ECDHE_ECDSA_WITH_AES_128/256_GCM_SHA256/384, TLS_RSA_WITH_AES_128/256_GCM_SHA256/384) "
           "(white paper edition 3, A00.FR.312-318, A00.FR.416-422).")


def request_id() -> int:
    """A requestId for GetLog / SignedUpdateFirmware, different across runs that meet the same IUT."""
    return next(_ids)


# ======================================================================================================================
# what a security case needs of a descriptor


# ======================================================================================================================
# helpers shared by both roles


def handshakes(link: Any, since: int) -> list[Record]:
    return [r for r in link.wire.after(since) if r.event == "handshake"]


def tls_events(link: Any, since: int) -> list[Record]:
    return [r for r in link.wire.after(since) if r.event == "tls"]


def check_hash_data(entries: list[dict], where: str) -> None:
    """Each CertificateHashDataType the IUT sent has the representation of edition 3 §6.1."""
    for entry in entries:
        problems = certs.hash_data_problems(entry)
        if problems:
            raise ExpectationFailed(f"{where} holds certificate hash data {entry}: {problems[0]}",
                                    "  requirement: CertificateHashDataType as edition 3 §6.1 defines it (hex digests "
                                    "of the issuer name and key, the serial number in hex without leading zeroes)")


def hash_of(certificate: x509.Certificate, algorithm: str = "SHA256") -> dict[str, str]:
    """The hash data of a root certificate (issued by itself)."""
    return certs.certificate_hash_data(certificate, certificate, algorithm)


def listed(entries: list[dict], certificate: x509.Certificate) -> dict | None:
    """The entry of `entries` naming `certificate` (computed with each entry's own hash algorithm)."""
    for entry in entries:
        algorithm = entry.get("hashAlgorithm")
        if algorithm in certs.HASH_ALGORITHMS and certs.same_certificate(entry, hash_of(certificate, algorithm)):
            return entry
    return None


def private_dir(link: Any) -> Path:
    """A private temporary folder (0700) of the link, outside every report folder, removed when the run ends."""
    found = link.resources.get("private-dir")
    if found is None:
        found = _PrivateDir()
        link.resources["private-dir"] = found
    return found.path


class _PrivateDir:
    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="ocpp-conformance-"))

    async def aclose(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def write_private(link: Any, name: str, text: str) -> Path:
    path = private_dir(link) / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


# ======================================================================================================================
# the suite as Central System


class _Servers:
    def __init__(self, servers: FileServers, folder: Path) -> None:
        self.servers = servers
        self.folder = folder

    async def aclose(self) -> None:
        await self.servers.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


async def file_servers(link: Any) -> FileServers:
    """The suite's HTTP and FTP servers for this link (started on first use, stopped with the link): the charger under
    test downloads firmware from them and uploads its logs to them."""
    found = link.resources.get("file-servers")
    if found is None:
        folder = Path(tempfile.mkdtemp(prefix="ocpp-conformance-files-"))
        (folder / "firmware").mkdir()
        descriptor = link.descriptor
        try:
            servers = await FileServers(folder / "firmware", folder / "uploads", host=descriptor.listen_host,
                                        reachable_address=descriptor.reachable_address).start()
        except (OSError, ValueError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise Broken(f"the suite's file servers did not start: {exc} — check listen.host and "
                         f"listen.reachable_address in {descriptor.path or 'the IUT descriptor'}") from None
        redaction.register(servers.password)
        found = _Servers(servers, folder)
        link.resources["file-servers"] = found
    return found.servers


# ======================================================================================================================
# the suite as charge point


def security_configuration(descriptor: Any) -> dict[str, tuple[str, bool, str, bool]]:
    """The white paper's configuration keys of the suite's charge point: value, read-only, kind, write-only."""
    from conformance.credentials import authorization_key
    from conformance.pki import DEFAULT_ORGANIZATION

    sec = descriptor.security
    key = authorization_key(sec.password) if sec.password else ""
    return {
        "AuthorizationKey": (key, False, "hexkey", True),
        "SecurityProfile": (str(sec.profile), False, "profile", False),
        "CpoName": (sec.cpo_name or DEFAULT_ORGANIZATION, False, "text", False),
        "CertificateStoreMaxLength": ("20", True, "int", False),
        "CertificateSignedMaxChainSize": ("10000", True, "int", False),
        "AdditionalRootCertificateCheck": ("false", True, "bool", False),
    }


class ChargePointSecurity16:
    """The white paper's commands as the suite's charge point answers them (mixed into `ChargePointResponder16`)."""

    descriptor: Any
    configuration: dict

    def _init_security(self) -> None:
        self.installed: dict[str, list[x509.Certificate]] = {kind: [] for kind in CERTIFICATE_TYPES}
        self.security_log: list[dict] = []
        self.pending_key_pem: str | None = None  # the key of the CSR that waits for its certificate
        self.renewed: dict | None = None  # what the last CertificateSigned brought (certificate, problems)
        self.report_invalid_signature = False  # a case may make the charger report InvalidSignature regardless
        self.log_status: dict = {"status": "Idle"}
        self.firmware_status: dict = {"status": "Idle"}

    def manufacturer_roots(self) -> list[x509.Certificate]:
        """Roots the suite's charge point checks firmware signatures with: what the CSMS installed, and the
        descriptor's manufacturer root (or the generated test PKI's)."""
        roots = list(self.installed["ManufacturerRootCertificate"])
        sec = self.descriptor.security
        if sec.manufacturer_root is not None:
            roots += certs.load_certificates(sec.manufacturer_root)
        elif sec.generate:
            from conformance.pki import test_pki_for

            roots.append(certs.load_certificate(test_pki_for(self.descriptor).manufacturer_root))
        return roots

    # -- configuration ------------------------------------------------------------------------------------------------
    def security_change(self, name: str, value: str) -> Any:
        """What an accepted change of a white paper key sets in motion (a Reaction's work), or None."""
        if name == "AuthorizationKey":
            redaction.register_password(value, [self.descriptor.identity])

            async def use_new_password(station: Any) -> None:
                station.link.endpoint.configure(password=password_bytes(value))
                await reconnect_station(station, why="the new password")

            return use_new_password
        if name == "SecurityProfile":
            profile = int(value)

            async def later(station: Any) -> None:  # from the next connection on (after the Reset that follows)
                station.link.endpoint.configure(profile=profile)

            return later
        return None

    # -- installed certificates ---------------------------------------------------------------------------------------
    def on_InstallCertificate(self, p: dict) -> dict:
        kind, text = p.get("certificateType"), p.get("certificate", "")
        try:
            certificate = certs.load_certificate(text)
        except (ValueError, IndexError):
            return {"status": "Rejected"}
        if not certs.is_ca_certificate(certificate) or certs.validity_problems(
                certificate, "it", dt.datetime.now(dt.timezone.utc)):
            return {"status": "Rejected"}
        if kind in self.installed and certificate not in self.installed[kind]:
            self.installed[kind].append(certificate)
        return {"status": "Accepted"}

    def on_GetInstalledCertificateIds(self, p: dict) -> dict:
        found = [hash_of(c) for c in self.installed.get(p.get("certificateType"), [])]
        return {"status": "Accepted", "certificateHashData": found} if found else {"status": "NotFound"}

    def on_DeleteCertificate(self, p: dict) -> dict:
        wanted = p.get("certificateHashData") or {}
        for store in self.installed.values():
            for certificate in store:
                if listed([wanted], certificate) is not None:
                    store.remove(certificate)
                    return {"status": "Accepted"}
        return {"status": "NotFound"}

    # -- its certificate ----------------------------------------------------------------------------------------------
    def on_ExtendedTriggerMessage(self, p: dict) -> Any:
        message, c = p.get("requestedMessage"), p.get("connectorId")
        if message == "SignChargePointCertificate":
            return Reaction({"status": "Accepted"}, request_certificate)
        if message in ("BootNotification", "Heartbeat", "StatusNotification", "MeterValues"):
            return Reaction({"status": "Accepted"}, lambda station: station.triggered(message, c))
        if message == "LogStatusNotification":
            return Reaction({"status": "Accepted"}, lambda station: station.peer.call(
                "LogStatusNotification", dict(self.log_status), requirement=REQ_NOTIFICATION))
        if message == "FirmwareStatusNotification":
            return Reaction({"status": "Accepted"}, lambda station: station.peer.call(
                "SignedFirmwareStatusNotification", dict(self.firmware_status), requirement=REQ_NOTIFICATION))
        return {"status": "NotImplemented"}

    def on_CertificateSigned(self, p: dict) -> Any:
        chain = p.get("certificateChain", "")
        problems = self.new_certificate_problems(chain)
        self.renewed = {"chain": chain, "problems": problems}
        if problems:
            return Reaction({"status": "Rejected"}, lambda station: security_event(
                station, "InvalidChargePointCertificate", problems[0]))
        key, self.pending_key_pem = self.pending_key_pem, None
        return Reaction({"status": "Accepted"}, lambda station: use_certificate(station, chain, key or ""))

    def new_certificate_problems(self, chain_pem: str) -> list[str]:
        """Why the certificate a CSMS sent cannot be the suite's charge point certificate (A02: the charge point
        checks it before using it)."""
        if self.pending_key_pem is None:
            return ["CertificateSigned.req came, but no certificate signing request of the charge point waits for one"]
        try:
            chain = certs.load_certificates(chain_pem)
        except (ValueError, IndexError):
            return ["certificateChain is not PEM-encoded X.509 (white paper A02: a PEM encoded X.509 certificate chain)"]
        if not chain:
            return ["certificateChain holds no certificate"]
        leaf = chain[0]
        problems = []
        if not certs.key_matches(leaf, certs.load_private_key(self.pending_key_pem)):
            problems.append("the certificate is not for the public key of the charge point's CSR")
        problems += certs.validity_problems(leaf, "the certificate", dt.datetime.now(dt.timezone.utc))
        if certs.common_names(leaf.subject) != [self.descriptor.identity]:
            problems.append(f"the certificate's CN is {certs.common_names(leaf.subject)}, the CSR asked for "
                            f"{self.descriptor.identity!r}")
        for child, parent in zip(chain, chain[1:]):
            if not certs.issued_by(child, parent):
                problems.append("the certificateChain is not in order: a certificate is not issued by the next one")
                break
        return problems

    # -- the security log ---------------------------------------------------------------------------------------------
    def on_GetLog(self, p: dict) -> Any:
        name = f"{self.descriptor.identity}-{p.get('logType', 'log')}-{p.get('requestId')}.log"
        return Reaction({"status": "Accepted", "filename": name}, lambda station: upload_log(station, p, name))

    # -- signed firmware ----------------------------------------------------------------------------------------------
    def on_SignedUpdateFirmware(self, p: dict) -> Any:
        firmware = p.get("firmware") or {}
        problem = self.signing_certificate_problem(firmware.get("signingCertificate", ""))
        if problem is not None:
            return Reaction({"status": "InvalidCertificate"}, lambda station: security_event(
                station, "InvalidFirmwareSigningCertificate", problem))
        return Reaction({"status": "Accepted"}, lambda station: install_firmware(station, p))

    def signing_certificate_problem(self, pem_text: str) -> str | None:
        try:
            certificate = certs.load_certificate(pem_text)
        except (ValueError, IndexError):
            return "the signingCertificate is not PEM-encoded X.509"
        roots = self.manufacturer_roots()
        if not roots:
            return "the charge point knows no manufacturer root certificate to check the signing certificate with"
        if not any(certs.issued_by(certificate, root) for root in roots):
            return "the signing certificate is not issued by a manufacturer root certificate the charge point knows"
        problems = certs.validity_problems(certificate, "the signing certificate", dt.datetime.now(dt.timezone.utc))
        return problems[0] if problems else None


REQ_NOTIFICATION = "The Central System SHALL answer the charge point's notifications (OCPP 1.6 §4, white paper)."
REQ_SIGN = ("The Central System SHALL answer SignCertificate.req with SignCertificate.conf (white paper A02) and "
            "forward the CSR to its certificate authority.")
REQ_EVENT = "The Central System SHALL answer SecurityEventNotification.req (white paper A04)."


async def reconnect_station(station: Any, *, why: str = "its current credentials") -> None:
    """The suite's charge point closes its connection and opens a new one with its current security settings (no
    reboot: it stays registered). A CSMS that refuses it fails the case."""
    await station.link.endpoint.disconnect()
    await connect_station(station, why)
    station.link.booted_on = station.peer.connection_no


async def connect_station(station: Any, why: str) -> Any:
    """Connect the suite's charge point; a refusal by the CSMS (HTTP or TLS) is its deviation, named with `why`."""
    from conformance.transport import HandshakeRefused, TlsFailure

    try:
        return await station.link.endpoint.connect()
    except HandshakeRefused as exc:
        raise ExpectationFailed(f"the Central System refused the charge point's connection with {why} "
                                f"(HTTP {exc.status})", station.peer.last_frames()) from None
    except TlsFailure as exc:
        raise ExpectationFailed(f"the Central System refused the charge point's connection with {why}: the TLS "
                                f"handshake failed ({exc.reason})", station.peer.last_frames()) from None


async def request_certificate(station: Any) -> dict:
    """A new key pair and a CSR for it (CN = identity, O = CpoName), sent with SignCertificate; the key waits in
    memory for the certificate. Returns the SignCertificate.conf payload."""
    model = station.model
    key_type = station.descriptor.security.key_type
    csr, key = certs.make_csr(station.descriptor.identity, model.config("CpoName"), key_type)
    redaction.register(key)
    model.pending_key_pem = key  # kept from now on: the certificate may follow the answer at once
    reply = await station.peer.call("SignCertificate", {"csr": csr}, requirement=REQ_SIGN)
    if reply.payload.get("status") != "Accepted" and model.pending_key_pem == key:
        model.pending_key_pem = None
    return dict(reply.payload)


async def use_certificate(station: Any, chain: str, key_pem: str) -> None:
    """Use the certificate a CSMS just issued from now on: the charge point reconnects with it at once."""
    link = station.link
    cert = write_private(link, f"renewed-{station.peer.connection_no}.pem", chain)
    key = write_private(link, f"renewed-{station.peer.connection_no}.key", key_pem)
    link.endpoint.configure(client_cert=(cert, key))
    if link.endpoint.profile == 3:
        await reconnect_station(station, why="the certificate the Central System just issued")


async def security_event(station: Any, kind: str, tech_info: str = "") -> Any:
    entry = {"type": kind, "timestamp": utc_now(), **({"techInfo": tech_info[:255]} if tech_info else {})}
    station.model.security_log.append(entry)
    return await station.peer.call("SecurityEventNotification", entry, requirement=REQ_EVENT)


async def upload_log(station: Any, request: dict, name: str) -> dict:
    """Upload the security log where GetLog says, reporting Uploading, then Uploaded or UploadFailure. Returns what
    happened: the upload's result or its failure."""
    model = station.model
    request_id = request.get("requestId")
    location = (request.get("log") or {}).get("remoteLocation", "")

    async def status(value: str) -> None:
        model.log_status = {"status": value, "requestId": request_id}
        await station.peer.call("LogStatusNotification", dict(model.log_status), requirement=REQ_NOTIFICATION)

    await status("Uploading")
    lines = [f"{e['timestamp']} {e['type']} {e.get('techInfo', '')}".rstrip() for e in model.security_log]
    path = write_private(station.link, name, "\n".join(lines or [f"{utc_now()} StartupOfTheDevice"]) + "\n")
    try:
        result = await upload(location, path, name=name, timeout=max(station.timeouts.response, 10))
    except (TransferError, ValueError) as exc:
        await status("UploadFailure")
        return {"uploaded": False, "reason": str(exc)}
    finally:
        path.unlink(missing_ok=True)
    await status("Uploaded")
    return {"uploaded": True, "size": result.size, "sha256": result.sha256}


async def install_firmware(station: Any, request: dict) -> dict:
    """A correct charger's secure firmware update: download, verify the signature, install. Statuses go out with
    SignedFirmwareStatusNotification (requestId of the request). Returns the outcome and the problems found."""
    model = station.model
    firmware, request_id = request.get("firmware") or {}, request.get("requestId")

    async def status(value: str) -> None:
        model.firmware_status = {"status": value, "requestId": request_id}
        await station.peer.call("SignedFirmwareStatusNotification", dict(model.firmware_status),
                                requirement=REQ_NOTIFICATION)

    retrieve = parse_iso(firmware.get("retrieveDateTime"))
    if retrieve is not None:
        ahead = (retrieve - dt.datetime.now(dt.timezone.utc)).total_seconds()
        if ahead > station.timeouts.expect:
            raise Inconclusive("the firmware is to be retrieved now", f"retrieveDateTime {firmware.get('retrieveDateTime')} "
                               f"is {ahead:.0f} s ahead, longer than the case waits")
        if ahead > 0:
            await asyncio.sleep(ahead)  # the charger waits for the time the CSMS set (bounded just above)
    await status("Downloading")
    image = private_dir(station.link) / f"firmware-{request_id}.bin"
    try:
        await download(firmware.get("location", ""), image, timeout=max(station.timeouts.response * 4, 30))
    except (TransferError, ValueError) as exc:
        await status("DownloadFailed")
        return {"outcome": "DownloadFailed", "problems": [f"the firmware location did not deliver: {exc}"]}
    await status("Downloaded")
    verdicts = [certs.verify_firmware(image, firmware.get("signature", ""), firmware.get("signingCertificate", ""),
                                      certs.pem([root])) for root in model.manufacturer_roots()]
    image.unlink(missing_ok=True)
    problems = [] if any(not v for v in verdicts) else next((v for v in verdicts if v), ["no manufacturer root"])
    if problems or model.report_invalid_signature:
        await status("InvalidSignature")
        await security_event(station, "InvalidFirmwareSignature", (problems or ["signature refused"])[0])
        return {"outcome": "InvalidSignature", "problems": problems}
    await status("SignatureVerified")
    await status("Installing")
    await status("Installed")
    await security_event(station, "FirmwareUpdated", f"firmware of request {request_id}")
    return {"outcome": "Installed", "problems": []}


def hex_key_problem(value: Any) -> str | None:
    """What is wrong with an AuthorizationKey value a CSMS sends (white paper: the hexadecimal representation of a
    password of 16 to 20 bytes, so 32 to 40 hex digits)."""
    if not isinstance(value, str) or not all(c in "0123456789abcdefABCDEF" for c in value):
        return "is not a hexadecimal string"
    if not is_hex_key(value):
        return f"has {len(value)} hex digits ({len(value) / 2:g} bytes); a password of 16 to 20 bytes has 32 to 40"
    return None


