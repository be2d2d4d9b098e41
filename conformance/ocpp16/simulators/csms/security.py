"""The 1.6 security white paper (edition 3) on the reference Central System.

- Who may connect, per charge point and its security profile: HTTP Basic credentials (user = identity, the password's
  bytes) for profiles 1 and 2, a client certificate issued under its CSMS root whose CN is the identity for profile 3
  (A00.FR.405). A password it sets with ChangeConfiguration AuthorizationKey, and a profile it raises with
  ChangeConfiguration SecurityProfile, count from the charge point's next connection on; the old ones no longer do.
- Certificates for charge points: SignCertificate is answered after checking the CSR, and the certificate, signed with
  the CSMS root, follows in CertificateSigned.
- The security notifications of charge points (SecurityEventNotification, LogStatusNotification,
  SignedFirmwareStatusNotification) are answered and kept.
- What an operator leaves out of GetLog and SignedUpdateFirmware it fills in itself: its own upload server for logs,
  and a firmware image it hosts, signed with the manufacturer's firmware signing certificate.
"""

from __future__ import annotations

import datetime as dt
import http
import itertools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from ocpp.routing import after, on
from ocpp.v16.enums import Action

from conformance import certificates as certs
from conformance.credentials import password_bytes, split_basic
from conformance.file_transfer import FileServers, make_firmware_image
from conformance.ocpp16.simulators.rpc import CallError, CallTimeout, RpcError
from conformance.timestamps import iso

FIRMWARE_NAME = "reference-firmware.bin"
FIRMWARE_SIZE = 64 * 1024


@dataclass
class CsmsTls:
    """What the reference Central System signs and checks with: its CSMS root (signs charge point certificates), and
    the manufacturer's root and firmware signing certificate with its key (sign the firmware it hosts)."""

    csms_authority: certs.Authority
    manufacturer_root: x509.Certificate
    firmware_signing_pem: str
    firmware_signing_key: Any


def csms_tls_from_pki(pki: Any) -> CsmsTls:
    from conformance.pki import csms_authority

    return CsmsTls(
        csms_authority=csms_authority(pki),
        manufacturer_root=certs.load_certificate(pki.manufacturer_root),
        firmware_signing_pem=Path(pki.firmware_signing_cert).read_text(encoding="ascii"),
        firmware_signing_key=certs.load_private_key(pki.firmware_signing_key),
    )


class SecurityHandlers:
    """What charge points send under the white paper."""

    @on(Action.sign_certificate)
    def on_sign_certificate(self, raw_payload: dict, **_: Any):
        csms, station = self.csms, self.station
        if csms.security_material is None:
            return {"status": "Rejected"}
        chain, problems = certs.sign_csr(raw_payload["csr"], ca=csms.security_material.csms_authority,
                                         expected_cn=station.identity)
        if chain is None or problems:
            csms.logger.info("%s: CSR refused: %s", station.identity, "; ".join(problems))
            return {"status": "Rejected"}
        if "certificate-signed-wrong-key" in csms.faults:
            chain = _for_another_key(chain, csms.security_material.csms_authority)
        station.pending_certificate = chain
        return {"status": "Accepted"}

    @after(Action.sign_certificate)
    async def after_sign_certificate(self, **_: Any) -> None:
        station = self.station
        chain, station.pending_certificate = station.pending_certificate, None
        if chain is None or "certificate-signed-not-sent" in self.csms.faults:
            return
        try:
            reply = await self.call_raw("CertificateSigned", {"certificateChain": chain})
            station.certificate_signed_status = reply.get("status")
        except (CallError, CallTimeout, ConnectionError) as exc:
            self.csms.logger.info("%s: CertificateSigned failed: %s", station.identity, exc)
        self.csms._wake()

    @on(Action.security_event_notification)
    def on_security_event_notification(self, raw_payload: dict, **_: Any):
        if "security-event-callerror" in self.csms.faults:
            raise RpcError("InternalError", "security events are not handled")
        self.station.security_events.append(dict(raw_payload))
        return {}

    @on(Action.log_status_notification)
    def on_log_status_notification(self, raw_payload: dict, **_: Any):
        self.station.log_status = dict(raw_payload)
        return {}

    @on(Action.signed_firmware_status_notification)
    def on_signed_firmware_status_notification(self, raw_payload: dict, **_: Any):
        if "signed-firmware-status-callerror" in self.csms.faults:
            raise RpcError("InternalError", "signed firmware status notifications are not handled")
        self.station.signed_firmware_status = dict(raw_payload)
        return {}


class Security:
    """The Central System's side: profiles and credentials per charge point, its file servers, its signatures."""

    def _init_security(self, material: CsmsTls | None, profile: int) -> None:
        self.security_material = material
        self.default_profile = profile
        self.security_profiles: dict[str, int] = {}  # charge point -> the profile it must connect with now
        self.log_file_servers: FileServers | None = None
        self._file_dirs: list[Path] = []
        self._request_ids = itertools.count(1)

    def profile_of(self, identity: str) -> int:
        return self.security_profiles.get(identity, self.default_profile)

    async def set_security_profile(self, identity: str, profile: int) -> None:
        """Operator action: the security profile a charge point must connect with (the way back after a test)."""
        self.security_profiles[identity] = int(profile)

    async def _start_security(self) -> None:
        if self.security_material is None:
            return
        served = Path(tempfile.mkdtemp(prefix="ocpp-reference-csms-firmware-"))
        evidence = Path(tempfile.mkdtemp(prefix="ocpp-reference-csms-uploads-"))
        self._file_dirs = [served, evidence]
        make_firmware_image(served / FIRMWARE_NAME, FIRMWARE_SIZE, seed=16)
        self.log_file_servers = await FileServers(served, evidence, host=self.host).start()
        from conformance import redaction

        redaction.register(self.log_file_servers.password)

    async def _stop_security(self) -> None:
        if self.log_file_servers is not None:
            await self.log_file_servers.stop()
            self.log_file_servers = None
        for folder in self._file_dirs:
            shutil.rmtree(folder, ignore_errors=True)
        self._file_dirs = []

    # -- who may connect ---------------------------------------------------------------------------------------------
    def _security_refusal(self, connection: Any, request: Any, identity: str) -> Any:
        """The HTTP answer refusing a connection attempt, or None to accept it (per the charge point's profile)."""
        profile = self.profile_of(identity)
        if profile == 3:
            if "client-certificate-not-verified" in self.faults:
                return None
            der = _peer_certificate(connection)
            if der is None and "old-security-profile-accepted" in self.faults and identity in self.basic_auth:
                return self._basic_refusal(connection, request, identity, self.basic_auth[identity])
            if der is None:
                return _refuse(connection, http.HTTPStatus.UNAUTHORIZED,
                               "security profile 3: a client certificate is required")
            names = certs.common_names(x509.load_der_x509_certificate(der).subject)
            if names != [identity] and "client-certificate-name-not-checked" not in self.faults:
                return _refuse(connection, http.HTTPStatus.FORBIDDEN,
                               f"the client certificate's CN {names} is not the charge point identity")
            return None
        password = self.basic_auth.get(identity)
        if profile in (1, 2) and password is not None and "basic-auth-ignored" not in self.faults:
            return self._basic_refusal(connection, request, identity, password)
        return None

    def _basic_refusal(self, connection: Any, request: Any, identity: str, password: str | bytes) -> Any:
        user, given = split_basic(request.headers.get("Authorization"))
        if "basic-auth-password-as-hex" in self.faults:
            expected = password_bytes(password).hex().upper().encode("ascii")
            given = given.upper() if given is not None else None
        else:
            expected = password_bytes(password)
        if user == identity and given == expected:
            return None
        response = _refuse(connection, http.HTTPStatus.UNAUTHORIZED, "invalid or missing HTTP Basic credentials")
        response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
        return response

    # -- commands ----------------------------------------------------------------------------------------------------
    def _complete_command(self, name: str, body: dict) -> dict:
        """Fill in what an operator leaves to the Central System in the white paper's commands."""
        if name == "GetLog":
            body.setdefault("requestId", next(self._request_ids))
            log = dict(body.get("log") or {})
            if "remoteLocation" not in log and self.log_file_servers is not None:
                log["remoteLocation"] = ("ftp://127.0.0.1:9/upload" if "log-location-unreachable" in self.faults
                                         else self.log_file_servers.upload_url("ftp"))
            body["log"] = log
        elif name == "SignedUpdateFirmware":
            body.setdefault("requestId", next(self._request_ids))
            if "firmware" not in body and self.log_file_servers is not None and self.security_material is not None:
                body["firmware"] = self._signed_firmware()
        return body

    def _signed_firmware(self) -> dict:
        material = self.security_material
        assert material is not None and self.log_file_servers is not None
        image = self.log_file_servers.served_dir / FIRMWARE_NAME
        signed = image
        if "firmware-signature-invalid" in self.faults:  # a signature over another image
            signed = self.log_file_servers.served_dir / "other-firmware.bin"
            make_firmware_image(signed, FIRMWARE_SIZE, seed=61)
        now = dt.datetime.now(dt.timezone.utc)
        return {
            "location": self.log_file_servers.firmware_url(FIRMWARE_NAME, "http"),
            "retrieveDateTime": iso(now),
            "installDateTime": iso(now),
            "signingCertificate": material.firmware_signing_pem,
            "signature": certs.sign_firmware(signed, material.firmware_signing_pem, material.firmware_signing_key),
        }

    def _faulty_security_command(self, name: str, body: dict) -> dict:
        faults = self.faults
        if name == "InstallCertificate" and "install-certificate-type-swapped" in faults:
            swapped = {"CentralSystemRootCertificate": "ManufacturerRootCertificate",
                       "ManufacturerRootCertificate": "CentralSystemRootCertificate"}
            body["certificateType"] = swapped.get(body.get("certificateType"), body.get("certificateType"))
        if name == "DeleteCertificate" and "certificate-hash-data-altered" in faults:
            data = dict(body.get("certificateHashData") or {})
            data["serialNumber"] = "0x" + str(data.get("serialNumber", ""))
            body["certificateHashData"] = data
        if name == "ChangeConfiguration" and body.get("key") == "AuthorizationKey" and "authorization-key-too-short" in faults:
            body["value"] = str(body.get("value", ""))[:20]
        if name == "ChangeConfiguration" and body.get("key") == "SecurityProfile" and "security-profile-value-wrong" in faults:
            body["value"] = str(int(body.get("value", "0")) + 1)
        return body

    def _security_command_answered(self, station_id: str, name: str, body: dict, reply: dict) -> None:
        """What an accepted command changes for the charge point's next connection."""
        if name != "ChangeConfiguration" or reply.get("status") not in ("Accepted", "RebootRequired"):
            return
        if body.get("key") == "AuthorizationKey" and station_id in self.basic_auth:
            if "password-update-not-stored" not in self.faults:
                self.basic_auth[station_id] = password_bytes(body["value"])  # the old one no longer counts
        if body.get("key") == "SecurityProfile":
            try:
                self.security_profiles[station_id] = int(body["value"])
            except (TypeError, ValueError):
                pass


def _peer_certificate(connection: Any) -> bytes | None:
    transport = getattr(connection, "transport", None)
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    return ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None


def _refuse(connection: Any, status: http.HTTPStatus, text: str) -> Any:
    return connection.respond(status, text + "\n")


def _for_another_key(chain_pem: str, ca: certs.Authority) -> str:
    """Fault certificate-signed-wrong-key: the same certificate, but for a key the charge point does not hold."""
    leaf = certs.load_certificate(chain_pem)
    other = certs.generate_key("ec")
    now = dt.datetime.now(dt.timezone.utc)
    cert = certs.issue_certificate(leaf.subject, other.public_key(), issuer=ca, not_before=now - certs.BACKDATE,
                                   not_after=now + certs.DEFAULT_LEAF_VALIDITY, usage=certs.CLIENT_USAGE)
    return certs.pem([cert, *ca.chain_above_leaf()])

