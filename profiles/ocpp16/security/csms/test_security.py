"""OCTT 3.21 — Security (OCPP 1.6 security white paper, edition 3; the suite plays the charge point).

The suite's charge point does what a correct charger does, for real: it makes a key pair and CSR when asked, checks
the certificate the Central System returns against that key and connects with it, uploads its security log where
GetLog says, downloads signed firmware from where SignedUpdateFirmware says and verifies the signature against the
manufacturer root. What the Central System sends is judged: the new password's format, certificate hash data, the
commands being the ones the operator asked for.
"""

import secrets

from conformance import case, redaction
from conformance import certificates as certs
from conformance.credentials import authorization_key, new_password, password_bytes
from conformance.errors import ExpectationFailed
from conformance.ocpp16.roles.security import (
    connect_station,
    hash_of,
    hex_key_problem,
    listed,
    request_id,
    security_event,
)
from conformance.ocpp16.roles.station import operator_command
from conformance.pki import ssl_context_for
from conformance.transport import HandshakeRefused, TlsFailure

SECTION = "Security"


def _root(descriptor, label: str):
    """A root certificate of the case's own (its key dropped at once): something for the Central System to send."""
    return certs.throwaway_root(f"ocpp-conformance {label} {secrets.token_hex(4)}", "ocpp-conformance test",
                                descriptor.security.key_type)


def _reply_to(link, request):
    """The suite's answer to a CALL of the Central System (as it went out)."""
    for rec in link.wire.after(request.seq):
        if rec.answers == request.seq or (rec.unique_id == request.unique_id and not rec.from_iut and not rec.is_call):
            return rec
    return None


# ======================================================================================================================
# A01: password


async def _password_update(csms, station, iut, link, password, timeouts):
    """The operator makes the Central System send a new password; the charge point takes it and connects with it."""
    redaction.register_password(password, [link.descriptor.identity])
    req = await operator_command(iut, csms, "ChangeConfiguration",
                                 {"key": "AuthorizationKey", "value": authorization_key(password)},
                                 within=timeouts.expect, as_asked=("key",),
                                 requirement="The Central System sends ChangeConfiguration.req AuthorizationKey when "
                                             "asked to (white paper A01).")
    problem = hex_key_problem(req.payload.get("value"))
    assert problem is None, (
        f"[behaviour] ChangeConfiguration.req AuthorizationKey (#{req.seq}): the value {problem}; it SHALL be the "
        "hexadecimal representation of a password of 16 to 20 bytes (white paper, AuthorizationKey)")
    await station.reaction(req)  # Accepted; the charge point reconnects with the new password at once
    return password_bytes(req.payload["value"])


@case("TC_073_CSMS", "Update Charge Point Password for HTTP Basic Authentication",
      spec="OCPP 1.6 security white paper edition 3: A01 (Update Charge Point Password for HTTP Basic "
           "Authentication), configuration key AuthorizationKey",
      requirement="The Central System SHALL set a new password with ChangeConfiguration.req AuthorizationKey (the hex "
                  "representation of 16-20 bytes) and accept the charge point's next connection with it.",
      needs=("security_profile:1|2",))
async def test_update_password(csms, booted, station, iut, conformance_iut, timeouts):
    link = conformance_iut
    original = link.endpoint.password
    try:
        await _password_update(csms, station, iut, link, new_password(), timeouts)
        await _password_update(csms, station, iut, link, original, timeouts)  # and back again
    finally:
        if not link.peer.connected:  # the Central System did not take the new password: the old one still counts
            link.endpoint.configure(password=original)


# ======================================================================================================================
# A02 / A03: the charge point certificate


async def _renewal(csms, station, iut, timeouts):
    req = await operator_command(iut, csms, "ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"},
                                 within=timeouts.expect, as_asked=("requestedMessage",),
                                 requirement="The Central System sends ExtendedTriggerMessage.req "
                                             "SignChargePointCertificate when asked to (white paper A02).")
    answer = await station.reaction(req)  # the charge point made a key pair and sent SignCertificate.req
    assert answer.get("status") == "Accepted", (
        f"[behaviour] the Central System answered a valid CSR (CN = the charge point's identity, O = its CpoName) "
        f"with SignCertificate.conf {answer.get('status')!r}; it SHALL accept it and have it signed (white paper A02)")
    signed = await csms.expect("CertificateSigned", within=timeouts.expect,
                               requirement="After accepting the CSR the Central System sends the signed certificate "
                                           "with CertificateSigned.req (white paper A02).")
    return signed


@case("TC_074_CSMS", "Update Charge Point Certificate by request of Central System",
      spec="OCPP 1.6 security white paper edition 3: A02 (Update Charge Point Certificate by request of Central "
           "System), security profile 3",
      requirement="The Central System SHALL trigger the renewal (ExtendedTriggerMessage SignChargePointCertificate), "
                  "accept the charge point's CSR, return a certificate for the CSR's key in CertificateSigned.req, and "
                  "accept the charge point's next connection with that certificate.",
      needs=("security_profile:3",))
async def test_renew_certificate(csms, booted, station, iut, conformance_iut, timeouts):
    link = conformance_iut
    try:
        signed = await _renewal(csms, station, iut, timeouts)
        await station.reaction(signed)  # Accepted and a new connection with the certificate, or Rejected and an event
        problems = (station.model.renewed or {}).get("problems", [])
        assert not problems, f"[behaviour] CertificateSigned.req (#{signed.seq}): {problems[0]}"
        await station.boot()
    finally:
        link.endpoint.configure(client_cert=None)  # the run goes on with the descriptor's certificate


@case("TC_077_CSMS", "Invalid ChargePointCertificate Security Event",
      spec="OCPP 1.6 security white paper edition 3: A02, A04 (security events), SecurityEventNotification",
      requirement="The Central System SHALL handle a charge point refusing the certificate it sent "
                  "(CertificateSigned.conf Rejected) and answer its SecurityEventNotification.req "
                  "InvalidChargePointCertificate.")
async def test_invalid_charge_point_certificate(csms, booted, station, iut, timeouts):
    with csms.respond("CertificateSigned", {"status": "Rejected"}):  # this charge point refuses it, as the case wants
        await _renewal(csms, station, iut, timeouts)
    station.model.pending_key_pem = None
    await security_event(station, "InvalidChargePointCertificate", "the certificate was refused")


# ======================================================================================================================
# M05 / M03 / M04: installed certificates


async def _install(csms, iut, station, descriptor, kind, timeouts):
    root = _root(descriptor, "extra root")
    pem = certs.pem([root])
    req = await operator_command(iut, csms, "InstallCertificate", {"certificateType": kind, "certificate": pem},
                                 within=timeouts.expect, as_asked=("certificateType",),
                                 requirement="The Central System sends InstallCertificate.req when asked to (white "
                                             "paper M05).")
    try:
        sent = certs.load_certificate(req.payload.get("certificate", ""))
    except (ValueError, IndexError):
        raise AssertionError(f"[behaviour] InstallCertificate.req (#{req.seq}): certificate is not a PEM-encoded X.509 "
                             "certificate (white paper M05)") from None
    assert sent == root, (f"[behaviour] InstallCertificate.req (#{req.seq}) carries the certificate "
                          f"{sent.subject.rfc4514_string()}, the operator asked to install {root.subject.rfc4514_string()}")
    return req, root


@case("TC_075_1_CSMS", "Install a certificate on the Charge Point - ManufacturerRootCertificate",
      spec="OCPP 1.6 security white paper edition 3: M05 (Install CA certificate in a Charge Point)",
      requirement="The Central System SHALL send InstallCertificate.req with certificateType "
                  "ManufacturerRootCertificate and the PEM-encoded certificate asked for.")
async def test_install_manufacturer_root(csms, booted, station, iut, descriptor, timeouts):
    _, root = await _install(csms, iut, station, descriptor, "ManufacturerRootCertificate", timeouts)
    station.model.installed["ManufacturerRootCertificate"] = [
        c for c in station.model.installed["ManufacturerRootCertificate"] if c != root]


@case("TC_075_2_CSMS", "Install a certificate on the Charge Point - CentralSystemRootCertificate",
      spec="OCPP 1.6 security white paper edition 3: M05 (Install CA certificate in a Charge Point)",
      requirement="The Central System SHALL send InstallCertificate.req with certificateType "
                  "CentralSystemRootCertificate and the PEM-encoded certificate asked for.")
async def test_install_central_system_root(csms, booted, station, iut, descriptor, timeouts):
    _, root = await _install(csms, iut, station, descriptor, "CentralSystemRootCertificate", timeouts)
    station.model.installed["CentralSystemRootCertificate"] = [
        c for c in station.model.installed["CentralSystemRootCertificate"] if c != root]


@case("TC_076_CSMS", "Delete a specific certificate from the Charge Point",
      spec="OCPP 1.6 security white paper edition 3: M03 (Retrieve certificates), M04 (Delete a specific "
           "certificate), §6.1 CertificateHashDataType",
      requirement="The Central System SHALL retrieve the installed certificates (GetInstalledCertificateIds.req) and "
                  "delete one with DeleteCertificate.req naming it by its certificate hash data as edition 3 defines "
                  "it.")
async def test_delete_certificate(csms, booted, station, iut, descriptor, timeouts):
    kind = "CentralSystemRootCertificate"
    root = _root(descriptor, "to delete")
    store = station.model.installed[kind]
    store.append(root)  # installed on the charge point before the case
    try:
        await operator_command(iut, csms, "GetInstalledCertificateIds", {"certificateType": kind},
                               within=timeouts.expect, as_asked=("certificateType",),
                               requirement="The Central System sends GetInstalledCertificateIds.req (white paper M03).")
        req = await operator_command(iut, csms, "DeleteCertificate", {"certificateHashData": hash_of(root)},
                                     within=timeouts.expect,
                                     requirement="The Central System sends DeleteCertificate.req (white paper M04).")
        data = req.payload.get("certificateHashData") or {}
        problems = certs.hash_data_problems(data)
        assert not problems, f"[behaviour] DeleteCertificate.req (#{req.seq}) certificateHashData {data}: {problems[0]}"
        assert listed([data], root) is not None, (
            f"[behaviour] DeleteCertificate.req (#{req.seq}) names {data}, not the certificate the operator chose "
            f"({hash_of(root)})")
        await csms.drain()  # the charge point's answer is on the wire
        reply = _reply_to(station.link, req)
        assert reply is not None and (reply.payload or {}).get("status") == "Accepted", "[suite] the certificate stayed"
    finally:
        station.model.installed[kind] = [c for c in store if c != root]


# ======================================================================================================================
# TLS: an invalid Central System certificate (reported by the charge point)


@case("TC_078_CSMS", "Invalid CentralSystemCertificate Security Event",
      spec="OCPP 1.6 security white paper edition 3: M05, A04 (security events), SecurityEventNotification",
      requirement="The Central System SHALL handle a charge point refusing a Central System root certificate "
                  "(InstallCertificate.conf Rejected) and answer its SecurityEventNotification.req "
                  "InvalidCentralSystemCertificate.")
async def test_invalid_central_system_certificate(csms, booted, station, iut, descriptor, timeouts):
    with csms.respond("InstallCertificate", {"status": "Rejected"}):  # this charge point refuses it, as the case wants
        await _install(csms, iut, station, descriptor, "CentralSystemRootCertificate", timeouts)
    await security_event(station, "InvalidCentralSystemCertificate", "the root certificate was refused")


# ======================================================================================================================
# N01: the security log


@case("TC_079_CSMS", "Get Security Log",
      spec="OCPP 1.6 security white paper edition 3: N01 (Retrieve Log Information), GetLog, LogStatusNotification",
      requirement="The Central System SHALL request the security log with GetLog.req (logType SecurityLog, a "
                  "requestId, a remoteLocation that takes the upload) and answer LogStatusNotification.req.")
async def test_get_security_log(csms, booted, station, iut, timeouts):
    req = await operator_command(iut, csms, "GetLog", {"logType": "SecurityLog", "requestId": request_id()},
                                 within=timeouts.expect, as_asked=("logType",),
                                 requirement="The Central System sends GetLog.req when asked to (white paper N01).")
    location = (req.payload.get("log") or {}).get("remoteLocation", "")
    outcome = await station.reaction(req)  # Uploading, the upload for real, Uploaded (or UploadFailure)
    assert outcome.get("uploaded"), (
        f"[behaviour] GetLog.req (#{req.seq}) names remoteLocation {redaction.redact(location)!r}, which did not take "
        f"the security log: {outcome.get('reason')}")


# ======================================================================================================================
# L01: secure firmware update


async def _signed_update(csms, station, iut, timeouts):
    req = await operator_command(iut, csms, "SignedUpdateFirmware", {"requestId": request_id()},
                                 within=timeouts.expect,
                                 requirement="The Central System sends SignedUpdateFirmware.req when asked to (white "
                                             "paper L01).")
    outcome = await station.reaction(req)
    reply = _reply_to(station.link, req)
    status = (reply.payload or {}).get("status") if reply is not None else None
    return req, status, outcome


@case("TC_080_CSMS", "Secure Firmware Update",
      spec="OCPP 1.6 security white paper edition 3: L01 (Secure Firmware Update: L01.FR.01-04)",
      requirement="The Central System SHALL send SignedUpdateFirmware.req with a firmware location the charge point "
                  "can download from, a signing certificate issued by the manufacturer root, and a signature that "
                  "holds over the image, and answer the SignedFirmwareStatusNotification.req that follow.",
      needs=("security.manufacturer_root",))
async def test_secure_firmware_update(csms, booted, station, iut, timeouts):
    req, status, outcome = await _signed_update(csms, station, iut, timeouts)
    assert status == "Accepted", (
        f"[behaviour] SignedUpdateFirmware.req (#{req.seq}): "
        f"{station.model.signing_certificate_problem(req.payload.get('firmware', {}).get('signingCertificate', ''))}")
    assert outcome.get("outcome") == "Installed", (
        f"[behaviour] SignedUpdateFirmware.req (#{req.seq}): {outcome.get('problems', ['?'])[0]}")


@case("TC_081_CSMS", "Secure Firmware Update - Invalid Signature",
      spec="OCPP 1.6 security white paper edition 3: L01 (InvalidSignature), A04 (security events)",
      requirement="The Central System SHALL handle a charge point that deems the firmware signature invalid: answer "
                  "its SignedFirmwareStatusNotification.req (Downloading, Downloaded, InvalidSignature) and the "
                  "SecurityEventNotification.req InvalidFirmwareSignature.")
async def test_secure_firmware_update_invalid_signature(csms, booted, station, iut, timeouts):
    station.model.report_invalid_signature = True  # this charge point deems any signature invalid, as the case wants
    try:
        _, status, outcome = await _signed_update(csms, station, iut, timeouts)
    finally:
        station.model.report_invalid_signature = False
    if status == "Accepted":
        assert outcome.get("outcome") == "InvalidSignature", f"[suite] the charge point reported {outcome}"


# ======================================================================================================================
# A05: security profiles


@case("TC_083_CSMS", "Upgrade Charge Point Security Profile - Accepted",
      spec="OCPP 1.6 security white paper edition 3: A05 (Upgrade Charge Point Security Profile), configuration key "
           "SecurityProfile",
      requirement="The Central System SHALL raise a charge point's security profile with ChangeConfiguration.req "
                  "SecurityProfile one level higher and Reset.req, accept its connection with the new profile, and no "
                  "longer accept one with the old profile.",
      needs=("security_profile:2", "tls_material", "driver:set_security_profile"))
async def test_upgrade_security_profile(csms, booted, station, iut, conformance_iut, descriptor, timeouts):
    link = conformance_iut
    old, new = descriptor.security.profile, descriptor.security.profile + 1
    try:
        req = await operator_command(iut, csms, "ChangeConfiguration", {"key": "SecurityProfile", "value": str(new)},
                                     within=timeouts.expect, as_asked=("key", "value"),
                                     requirement="The Central System sends ChangeConfiguration.req SecurityProfile "
                                                 "(white paper A05).")
        await station.reaction(req)  # Accepted: the charge point uses profile 3 from its next connection on
        reset = await operator_command(iut, csms, "Reset", {"type": "Hard"}, within=timeouts.expect, as_asked=("type",),
                                       requirement="The Central System sends Reset.req after the change (A05).")
        try:
            await station.reaction(reset)  # reboots and connects with security profile 3, then boots
        except (HandshakeRefused, TlsFailure) as exc:
            raise ExpectationFailed(f"the Central System refused the charge point's connection with security profile "
                                    f"{new}: {exc}", csms.last_frames()) from None
        # the old profile no longer counts: a connection as before (TLS without a client certificate, Basic auth)
        try:
            ws = await link.endpoint.connect(attach=False, ssl_context=ssl_context_for(link.descriptor, profile=old),
                                             password=link.endpoint.password)
        except (HandshakeRefused, TlsFailure):
            return
        await ws.close()
        raise AssertionError(f"[behaviour] after the upgrade to security profile {new} the Central System still "
                             f"accepted a connection of profile {old}; it SHALL refuse the old profile (white paper A05)")
    finally:
        await iut.set_security_profile(old)  # OCPP cannot lower it: the operator does
        link.endpoint.configure(profile=old)
        station.model.configuration["SecurityProfile"].value = str(old)
        await link.endpoint.disconnect()
        await connect_station(station, f"security profile {old} again")
        await station.boot()
