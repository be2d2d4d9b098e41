"""The 1.6 security white paper (edition 3) on the reference charge point.

- Security profiles 1-3 for real: HTTP Basic authentication with the AuthorizationKey (its bytes, not its hex text),
  TLS 1.2+ that trusts only the installed Central System root certificates, and the charger's own certificate for
  profile 3. SecurityProfile can only go up, and only when the certificates it needs are there; the new profile is used
  from the next connection on (after the Reset the Central System sends).
- Certificate management: InstallCertificate, DeleteCertificate, GetInstalledCertificateIds with the hash data of
  edition 3 (§6.1).
- Renewal of its certificate: ExtendedTriggerMessage SignChargePointCertificate makes a key and a CSR (CN = identity,
  O = CpoName), CertificateSigned is checked against that key and the installed roots, and an accepted certificate is
  used from the next connection on (the charger reconnects at once).
- The security log: every security event is logged, and the critical ones are sent with SecurityEventNotification
  (queued while offline); GetLog uploads the log for real.
- Secure firmware update: SignedUpdateFirmware is checked against the installed manufacturer roots, the image is
  downloaded for real and its signature verified before it is installed (with a reboot).

Keys and certificates the charger holds live in a private temporary folder (0700) that disappears when it stops.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography import x509
from ocpp.routing import after, on
from ocpp.v16.enums import Action
from websockets.exceptions import ConnectionClosed

from conformance import certificates as certs
from conformance.credentials import authorization_key, basic_token, is_hex_key, password_bytes
from conformance.file_transfer import TransferError, download, upload
from conformance.ocpp16.simulators.rpc import CallError, CallTimeout
from conformance.timestamps import parse_iso
from conformance.tls_contexts import client_context

CERTIFICATE_TYPES = ("CentralSystemRootCertificate", "ManufacturerRootCertificate")
# Security events the white paper marks critical: the charger sends them to the Central System (A04).
CRITICAL_EVENTS = frozenset({
    "FirmwareUpdated", "SettingSystemTime", "StartupOfTheDevice", "ResetOrReboot", "SecurityLogWasCleared",
    "MemoryExhaustion", "TamperDetectionActivated", "InvalidFirmwareSignature", "InvalidFirmwareSigningCertificate",
    "InvalidCentralSystemCertificate", "InvalidChargePointCertificate", "InvalidTLSVersion", "InvalidTLSCipherSuite",
})
EXTENDED_TRIGGERS = frozenset({
    "BootNotification", "LogStatusNotification", "FirmwareStatusNotification", "Heartbeat", "MeterValues",
    "SignChargePointCertificate", "StatusNotification",
})
LONGEST_WAIT_S = 60.0  # a retrieve or install time further ahead than this is not waited for in a simulation


@dataclass
class ChargerTls:
    """What the charger holds when it leaves the factory: the roots it trusts, its certificate and key (profile 3),
    the Central System's host name in TLS, and the key type it makes new keys of."""

    csms_roots: list[x509.Certificate] = field(default_factory=list)
    manufacturer_roots: list[x509.Certificate] = field(default_factory=list)
    client_chain_pem: str | None = None
    client_key_pem: str | None = None
    server_name: str | None = None
    key_type: str = "ec"


def charger_tls_from_pki(pki: Any, *, server_name: str | None, bad_client: tuple[Path, Path] | None = None) -> ChargerTls:
    """The factory state of a reference charger whose Central System uses the suite's test PKI `pki`."""
    cert_path, key_path = bad_client or (pki.client_cert, pki.client_key)
    return ChargerTls(
        csms_roots=[certs.load_certificate(pki.ca_cert)],
        manufacturer_roots=[certs.load_certificate(pki.manufacturer_root)],
        client_chain_pem=Path(cert_path).read_text(encoding="ascii") if cert_path else None,
        client_key_pem=Path(key_path).read_text(encoding="ascii") if key_path else None,
        server_name=server_name,
        key_type=pki.key_type,
    )


class SecurityHandlers:
    """The Central System's security commands."""

    @on(Action.install_certificate)
    def on_install_certificate(self, raw_payload: dict, **_: Any):
        return {"status": self.cp._install_certificate(raw_payload["certificateType"], raw_payload["certificate"])}

    @on(Action.delete_certificate)
    def on_delete_certificate(self, raw_payload: dict, **_: Any):
        return {"status": self.cp._delete_certificate(raw_payload["certificateHashData"])}

    @on(Action.get_installed_certificate_ids)
    def on_get_installed_certificate_ids(self, raw_payload: dict, **_: Any):
        found = self.cp._installed_hash_data(raw_payload["certificateType"])
        return {"status": "Accepted", "certificateHashData": found} if found else {"status": "NotFound"}

    @on(Action.extended_trigger_message)
    def on_extended_trigger_message(self, raw_payload: dict, call_unique_id: str = "", **_: Any):
        cp = self.cp
        message, connector_id = raw_payload["requestedMessage"], raw_payload.get("connectorId")
        if message not in EXTENDED_TRIGGERS:
            return {"status": "NotImplemented"}
        if connector_id is not None and not 0 <= connector_id <= len(cp.connectors) - 1:
            return {"status": "Rejected"}
        self._plan(call_unique_id, lambda: cp._extended_trigger(self, message, connector_id))
        return {"status": "Accepted"}

    @after(Action.extended_trigger_message)
    def after_extended_trigger_message(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    @on(Action.certificate_signed)
    def on_certificate_signed(self, raw_payload: dict, call_unique_id: str = "", **_: Any):
        accepted = self.cp._certificate_signed(raw_payload["certificateChain"])
        if accepted:
            self._plan(call_unique_id, lambda: self.cp._reconnect("its new certificate"))
        return {"status": "Accepted" if accepted else "Rejected"}

    @after(Action.certificate_signed)
    def after_certificate_signed(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    @after(Action.change_configuration)
    def after_change_configuration_security(self, key: str = "", **_: Any) -> None:
        cp = self.cp
        if key == "AuthorizationKey" and cp._password_changed:
            cp._password_changed = False
            cp._spawn(cp._reconnect("the new AuthorizationKey"))

    @on(Action.get_log)
    def on_get_log(self, raw_payload: dict, call_unique_id: str = "", **_: Any):
        cp = self.cp
        kind, request_id = raw_payload["logType"], raw_payload["requestId"]
        name = f"{cp.identity}-{'security' if kind == 'SecurityLog' else 'diagnostics'}-{request_id}.log"
        location = raw_payload["log"]["remoteLocation"]
        self._plan(call_unique_id, lambda: cp._upload_log(kind, request_id, location, name, raw_payload["log"]))
        return {"status": "Accepted", "filename": name}

    @after(Action.get_log)
    def after_get_log(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    @on(Action.signed_update_firmware)
    def on_signed_update_firmware(self, raw_payload: dict, call_unique_id: str = "", **_: Any):
        cp = self.cp
        firmware, request_id = raw_payload["firmware"], raw_payload["requestId"]
        problem = cp._signing_certificate_problem(firmware["signingCertificate"])
        if problem is not None:
            cp._security_event("InvalidFirmwareSigningCertificate", problem)
            return {"status": "InvalidCertificate"}
        self._plan(call_unique_id, lambda: cp._spawn_control(cp._signed_firmware_update(request_id, firmware)))
        return {"status": "Accepted"}

    @after(Action.signed_update_firmware)
    def after_signed_update_firmware(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)


class Security:
    """The charger's side: its credentials, certificates, security log and secure firmware updates."""

    def _init_security(self, tls: ChargerTls | None, *, profile: int, cpo_name: str) -> None:
        self.tls = tls
        self.installed: dict[str, list[x509.Certificate]] = {
            "CentralSystemRootCertificate": list(tls.csms_roots) if tls else [],
            "ManufacturerRootCertificate": list(tls.manufacturer_roots) if tls else [],
        }
        self.client_chain_pem = tls.client_chain_pem if tls else None
        self.client_key_pem = tls.client_key_pem if tls else None
        self.config["SecurityProfile"] = str(profile)
        self.config["CpoName"] = cpo_name
        self.security_log: list[dict] = []
        self._security_outbox: list[tuple[str, dict]] = []  # sent once registered, in order, kept while offline
        self._pending_key_pem: str | None = None  # the key of the CSR waiting for its certificate
        self._password_changed = False
        self._tls_trouble: str | None = None  # the TLS problem already logged in this streak of failed connections
        self._private_dir: Path | None = None
        self.log_status: dict[str, Any] = {"status": "Idle"}
        self.firmware_status: dict[str, Any] = {"status": "Idle"}

    # -- the connection ----------------------------------------------------------------------------------------------
    @property
    def security_profile(self) -> int:
        return self._int("SecurityProfile")

    def _connection_settings(self) -> tuple[str, dict[str, str], ssl.SSLContext | None]:
        """URL, headers and TLS context of the next connection, per the security profile configured now."""
        profile = self.security_profile
        scheme = "wss" if profile >= 2 else "ws"
        url = f"{scheme}://{self.url.split('://', 1)[1]}"
        headers: dict[str, str] = {}
        key = self.config.get("AuthorizationKey") or ""
        if profile in (1, 2) and key:
            secret = key.encode("ascii") if "basic-auth-password-as-hex" in self.faults else password_bytes(key)
            headers["Authorization"] = "Basic " + basic_token(self.identity, secret)
        return url, headers, self._client_tls(profile) if profile >= 2 else None

    def _private_folder(self) -> Path:
        if self._private_dir is None:
            self._private_dir = Path(tempfile.mkdtemp(prefix="ocpp-reference-charger-"))  # mode 0700
        return self._private_dir

    def _write_private(self, name: str, text: str) -> Path:
        path = self._private_folder() / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
        return path

    def _drop_private_folder(self) -> None:
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None

    def _client_tls(self, profile: int) -> ssl.SSLContext:
        if self.tls is None and self.ssl_context is not None:
            return self.ssl_context  # a context its owner made for it (the simulate command)
        roots = self.installed["CentralSystemRootCertificate"] or [
            certs.throwaway_root("no Central System root installed", "nobody")]  # trusts nothing real
        trust = self._write_private("trust.pem", certs.pem(roots))
        cert = key = None
        if profile == 3 and self.client_chain_pem and self.client_key_pem:
            cert = self._write_private("client.pem", self.client_chain_pem)
            key = self._write_private("client.key", self.client_key_pem)
        server_name = self.tls.server_name if self.tls else None
        if "tls-1.1-accepted" in self.faults:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.load_verify_locations(trust)
            if cert and key:
                ctx.load_cert_chain(cert, key)
        elif "tls-wrong-cipher-suites" in self.faults:
            ctx = client_context(trust, cert=cert, key=key, server_name=server_name,
                                 ciphers=("ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"),
                                 maximum_version=ssl.TLSVersion.TLSv1_2)
        else:
            ctx = client_context(trust, cert=cert, key=key, server_name=server_name)
        if "server-certificate-not-checked" in self.faults:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _connection_failed(self, exc: BaseException) -> None:
        """A failed connection attempt: a TLS problem with the Central System is a security event, logged once per
        streak of failures."""
        reason = _tls_problem(exc)
        if reason is None or reason[0] == self._tls_trouble:
            return
        self._tls_trouble = reason[0]
        self._security_event(*reason)

    def _connected_securely(self) -> None:
        self._tls_trouble = None
        self._flush_security_outbox()

    async def _reconnect(self, why: str) -> None:
        """Close the connection so that the next one uses `why` (a new password, certificate or profile)."""
        rpc = self._rpc
        if rpc is None:
            return
        self.logger.info("%s: reconnecting to use %s", self.identity, why)
        try:
            await asyncio.wait_for(rpc._connection.close(1000, f"reconnecting with {why}"), 2)
        except Exception:
            from conformance.ocpp16.simulators.charge_point.boot import abort_connection

            abort_connection(rpc._connection)

    # -- configuration keys of the white paper -----------------------------------------------------------------------
    def _change_security_key(self, key: str, value: str) -> str | None:
        """ChangeConfiguration of a key with rules of its own; None for every other key."""
        if key == "SecurityProfile":
            try:
                wanted = int(value.strip())
            except ValueError:
                return "Rejected"
            current = self.security_profile
            if not 0 <= wanted <= 3:
                return "Rejected"
            if wanted < current and "security-profile-downgrade-accepted" not in self.faults:
                return "Rejected"  # the profile can only be raised
            if wanted in (1, 2) and not self.config.get("AuthorizationKey"):
                return "Rejected"  # no password for Basic authentication
            if wanted >= 2 and not self.installed["CentralSystemRootCertificate"]:
                return "Rejected"  # no root to check the Central System's certificate with
            if wanted == 3 and not (self.client_chain_pem and self.client_key_pem):
                return "Rejected"  # no certificate of its own
            if "security-profile-upgrade-ignored" not in self.faults:
                self.config["SecurityProfile"] = str(wanted)
            self._security_event("ReconfigurationOfSecurityParameters", f"SecurityProfile {current} -> {wanted}")
            return "Accepted"
        if key == "AuthorizationKey":
            if not is_hex_key(value.strip()):
                return "Rejected"
            if "authorization-key-not-applied" not in self.faults:
                self.config["AuthorizationKey"] = value.strip().upper()
                self._password_changed = True
            self._security_event("ReconfigurationOfSecurityParameters", "AuthorizationKey changed")
            return "Accepted"
        return None

    def _set_password(self, password: str | bytes | None) -> None:
        if password:
            self.config["AuthorizationKey"] = authorization_key(password)

    async def set_security_profile(self, profile: int) -> None:
        """Operator action (the white paper allows no downgrade over OCPP): the charger's profile set on site; used
        from the next connection on, which starts at once."""
        self.config["SecurityProfile"] = str(int(profile))
        await self._reconnect(f"security profile {profile}")

    # -- installed certificates --------------------------------------------------------------------------------------
    def _install_certificate(self, kind: str, pem_text: str) -> str:
        try:
            certificate = certs.load_certificate(pem_text)
        except (ValueError, IndexError):
            self._invalid_root(kind, "not a PEM-encoded X.509 certificate")
            return "Rejected"
        now = datetime.now(timezone.utc)
        problems = certs.validity_problems(certificate, "the certificate", now)
        problems += certs.key_strength_problems(certificate.public_key(), "the certificate")
        if not certs.is_ca_certificate(certificate):
            problems.append("the certificate is no CA certificate (basicConstraints CA:TRUE)")
        if problems:
            self._invalid_root(kind, problems[0])
            return "Rejected"
        store = self.installed[kind]
        if any(c == certificate for c in store):
            return "Accepted"
        if sum(len(v) for v in self.installed.values()) >= self._int("CertificateStoreMaxLength"):
            return "Failed"
        if "installed-certificate-not-listed" in self.faults:
            return "Accepted"
        other = CERTIFICATE_TYPES[1 - CERTIFICATE_TYPES.index(kind)]
        self.installed[other if "install-certificate-type-ignored" in self.faults else kind].append(certificate)
        return "Accepted"

    def _invalid_root(self, kind: str, why: str) -> None:
        event = "InvalidCentralSystemCertificate" if kind == "CentralSystemRootCertificate" else "InvalidFirmwareSigningCertificate"
        self._security_event(event, f"InstallCertificate {kind}: {why}")

    def _hash_data(self, certificate: x509.Certificate, algorithm: str = "SHA256") -> dict[str, str]:
        data = certs.certificate_hash_data(certificate, certificate, algorithm)
        if "certificate-hash-wrong" in self.faults:  # the hash of the whole SubjectPublicKeyInfo, not its key bits
            digest = certs.HASH_ALGORITHMS[algorithm]
            data["issuerKeyHash"] = digest(certs.spki_der(certificate.public_key())).hexdigest().upper()
        return data

    def _installed_hash_data(self, kind: str) -> list[dict[str, str]]:
        return [self._hash_data(c) for c in self.installed[kind]]

    def _delete_certificate(self, wanted: dict[str, Any]) -> str:
        algorithm = wanted.get("hashAlgorithm", "SHA256")
        for kind, store in self.installed.items():
            for certificate in store:
                if certs.same_certificate(self._hash_data(certificate, algorithm), wanted):
                    if "delete-certificate-ignored" not in self.faults:
                        store.remove(certificate)
                    return "Accepted"
        return "NotFound"

    # -- its own certificate -----------------------------------------------------------------------------------------
    async def _extended_trigger(self, rpc: Any, message: str, connector_id: int | None) -> None:
        try:
            if message == "SignChargePointCertificate":
                await self._request_certificate()
            elif message == "LogStatusNotification":
                await self._send_now(rpc, "LogStatusNotification", dict(self.log_status))
            elif message == "FirmwareStatusNotification":
                await self._send_now(rpc, "SignedFirmwareStatusNotification", dict(self.firmware_status))
            else:
                await self._triggered(rpc, message, connector_id)
        except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError) as exc:
            self.logger.info("%s: extended trigger %s failed: %s", self.identity, message, exc)

    async def _request_certificate(self) -> None:
        """A new key pair and a CSR for it (CN = identity, O = CpoName), sent with SignCertificate."""
        common_name = self.serial_number or "REF" if "csr-wrong-cn" in self.faults else self.identity
        key_type = self.tls.key_type if self.tls else "ec"
        csr, key = certs.make_csr(common_name, self.config.get("CpoName") or "", key_type)
        self._pending_key_pem = key  # kept from now on: the certificate may follow the answer at once
        reply = await self._request("SignCertificate", {"csr": csr})
        if reply.get("status") != "Accepted" and self._pending_key_pem == key:
            self._pending_key_pem = None

    def _certificate_signed(self, chain_pem: str) -> bool:
        """Whether the certificate the Central System sends is one the charger may use (A02: it checks it before
        using it); a certificate it refuses is a security event."""
        problem = self._new_certificate_problem(chain_pem)
        if problem is not None and "invalid-certificate-accepted" not in self.faults:
            self._security_event("InvalidChargePointCertificate", problem)
            return False
        if self._pending_key_pem is not None and "renewed-certificate-not-used" not in self.faults:
            self.client_chain_pem, self.client_key_pem = chain_pem, self._pending_key_pem
        self._pending_key_pem = None
        return True

    def _new_certificate_problem(self, chain_pem: str) -> str | None:
        if self._pending_key_pem is None:
            return "no certificate signing request is waiting for a certificate"
        try:
            chain = certs.load_certificates(chain_pem)
        except (ValueError, IndexError):
            return "the certificateChain is not PEM-encoded X.509"
        if not chain:
            return "the certificateChain holds no certificate"
        leaf = chain[0]
        if not certs.key_matches(leaf, certs.load_private_key(self._pending_key_pem)):
            return "the certificate is not for the key of the certificate signing request"
        problems = certs.validity_problems(leaf, "the certificate", datetime.now(timezone.utc))
        if problems:
            return problems[0]
        if certs.common_names(leaf.subject) != [self.identity]:
            return f"the certificate's CN is {certs.common_names(leaf.subject)}, not the charge point's identity"
        issuers = chain[1:] + self.installed["CentralSystemRootCertificate"]
        current = leaf
        for _ in range(len(chain) + 1):
            parent = next((c for c in issuers if certs.issued_by(current, c)), None)
            if parent is None:
                return "the certificate does not chain to an installed Central System root certificate"
            if parent in self.installed["CentralSystemRootCertificate"]:
                return None
            current = parent
        return "the certificate chain does not end at an installed Central System root certificate"

    # -- security events and the log ---------------------------------------------------------------------------------
    def _security_event(self, kind: str, tech_info: str = "") -> None:
        entry = {"type": kind, "timestamp": self.timestamp(), **({"techInfo": tech_info[:255]} if tech_info else {})}
        self.security_log.append(entry)
        if kind in CRITICAL_EVENTS and "security-events-not-sent" not in self.faults:
            self._send_security_message("SecurityEventNotification", entry)

    def _send_security_message(self, action: str, payload: dict) -> None:
        self._security_outbox.append((action, payload))
        self._flush_security_outbox()

    def _flush_security_outbox(self) -> None:
        if self._security_outbox and self._outbox_active() and "security-flush" not in self._session_tasks:
            self._session_tasks["security-flush"] = asyncio.ensure_future(self._drain_security_outbox())

    async def _drain_security_outbox(self) -> None:
        try:
            while self._security_outbox:
                action, payload = self._security_outbox[0]
                try:
                    await self._request(action, payload)
                except (ConnectionError, ConnectionClosed, asyncio.TimeoutError):
                    return  # kept for the next connection
                except (CallError, CallTimeout) as exc:
                    self.logger.info("%s: %s failed: %s", self.identity, action, exc)
                if self._security_outbox and self._security_outbox[0] == (action, payload):
                    self._security_outbox.pop(0)
        finally:
            self._session_tasks.pop("security-flush", None)

    async def _upload_log(self, kind: str, request_id: int, location: str, name: str, window: dict) -> None:
        async def status(value: str) -> None:
            self.log_status = {"status": value, "requestId": request_id}
            try:
                await self._request("LogStatusNotification", dict(self.log_status))
            except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError) as exc:
                self.logger.info("%s: LogStatusNotification failed: %s", self.identity, exc)

        await status("Uploading")
        oldest, latest = parse_iso(window.get("oldestTimestamp")), parse_iso(window.get("latestTimestamp"))
        lines = []
        for entry in self.security_log if kind == "SecurityLog" else []:
            moment = parse_iso(entry["timestamp"])
            if moment is not None and (oldest and moment < oldest or latest and moment > latest):
                continue
            lines.append(f"{entry['timestamp']} {entry['type']} {entry.get('techInfo', '')}".rstrip())
        path = self._write_private(name, "\n".join(lines or [f"{self.timestamp()} no security events"]) + "\n")
        try:
            if "log-upload-skipped" not in self.faults:
                await upload(location, path, name=name, timeout=max(self.response_timeout, 10))
        except (TransferError, ValueError) as exc:
            self.logger.info("%s: log upload failed: %s", self.identity, exc)
            await status("UploadFailure")
            return
        finally:
            path.unlink(missing_ok=True)
        await status("Uploaded")

    # -- secure firmware update (L01) --------------------------------------------------------------------------------
    def _signing_certificate_problem(self, pem_text: str) -> str | None:
        try:
            certificate = certs.load_certificate(pem_text)
        except (ValueError, IndexError):
            return "the signingCertificate is not PEM-encoded X.509"
        roots = self.installed["ManufacturerRootCertificate"]
        if not any(certs.issued_by(certificate, root) for root in roots):
            return "the signing certificate is not issued by an installed manufacturer root certificate"
        problems = certs.validity_problems(certificate, "the signing certificate", datetime.now(timezone.utc))
        return problems[0] if problems else None

    async def _signed_firmware_update(self, request_id: int, firmware: dict) -> None:
        async def status(value: str) -> None:
            self.firmware_status = {"status": value, "requestId": request_id}
            if "signed-firmware-request-id-wrong" in self.faults:
                self.firmware_status["requestId"] = request_id + 1
            self._send_security_message("SignedFirmwareStatusNotification", dict(self.firmware_status))

        await _wait_until(parse_iso(firmware.get("retrieveDateTime")))
        await status("Downloading")
        image = self._private_folder() / f"firmware-{request_id}.bin"
        try:
            if "firmware-not-downloaded" in self.faults:
                image.write_bytes(b"")
            else:
                await download(firmware["location"], image, timeout=max(self.response_timeout * 4, 30))
        except (TransferError, ValueError) as exc:
            self.logger.info("%s: firmware download failed: %s", self.identity, exc)
            await status("DownloadFailed")
            return
        await status("Downloaded")
        verdicts = [certs.verify_firmware(image, firmware["signature"], firmware["signingCertificate"], certs.pem([root]))
                    for root in self.installed["ManufacturerRootCertificate"]]
        image.unlink(missing_ok=True)
        if not any(not problems for problems in verdicts) and "firmware-signature-not-checked" not in self.faults:
            await status("InvalidSignature")
            reason = next((p[0] for p in verdicts if p), "no manufacturer root certificate installed")
            self._security_event("InvalidFirmwareSignature", reason)
            return
        await status("SignatureVerified")
        await _wait_until(parse_iso(firmware.get("installDateTime")))
        await status("Installing")
        await status("InstallRebooting")
        await self._drain_before_reboot()
        await self._restart(graceful=True)
        self.firmware_status = {"status": "Installed", "requestId": self.firmware_status["requestId"]}
        self._send_security_message("SignedFirmwareStatusNotification", dict(self.firmware_status))
        self._security_event("FirmwareUpdated", f"firmware of request {request_id} installed")

    async def _drain_before_reboot(self) -> None:
        """Give the messages of the update a moment to go out before the charger goes down (bounded)."""
        task = self._session_tasks.get("security-flush")
        if task is not None:
            await asyncio.wait([task], timeout=self.response_timeout)


async def _wait_until(moment: datetime | None) -> None:
    if moment is None:
        return
    delay = (moment - datetime.now(timezone.utc)).total_seconds()
    if delay > 0:
        await asyncio.sleep(min(delay, LONGEST_WAIT_S))


def _tls_problem(exc: BaseException) -> tuple[str, str] | None:
    """(security event, tech info) for a connection attempt that failed in TLS, else None."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            return "InvalidCentralSystemCertificate", cause.verify_message or str(cause)
        if isinstance(cause, ssl.SSLError):
            text = f"{cause.reason or ''} {cause}".lower()
            if "version" in text or "protocol" in text:
                return "InvalidTLSVersion", cause.reason or str(cause)
            return "InvalidTLSCipherSuite", cause.reason or str(cause)
        cause = cause.__cause__ or cause.__context__
    return None
