"""OCTT 2.24 — Security (OCPP 1.6 security white paper, edition 3; the suite plays the Central System).

Everything is done for real: the password the charger must use next is checked on its next connection, the CSR it
sends is parsed, verified and signed by the suite's test CA and the certificate it then presents is read from the next
TLS session, the certificates it lists are compared with the hash data of the ones installed, its security log is
uploaded to the suite's FTP server, and firmware images are signed with the test PKI and downloaded from the suite's
HTTP server.
"""

import secrets
import shutil

from cryptography import x509

from conformance import case, redaction
from conformance import certificates as certs
from conformance.credentials import authorization_key, new_password, password_bytes
from conformance.errors import ExpectationFailed, Inconclusive
from conformance.ocpp16.roles.security import (
    check_hash_data,
    file_servers,
    hash_of,
    listed,
    next_connection,
    refusal_reasons,
    request_id,
    serving,
    watch_attempts,
)
from conformance.pki import bad_certificate, csms_authority, foreign_authority, ssl_context_for, test_pki_for
from conformance.timestamps import utc_now
from conformance.tls_contexts import server_context

SECTION = "Security"

REQ_CHANGE = "The Charge Point answers ChangeConfiguration.req (OCPP 1.6 §5.3)."
REQ_INSTALL = ("The Charge Point SHALL install a valid root certificate sent with InstallCertificate.req and list it "
               "in GetInstalledCertificateIds.conf with its certificate hash data (white paper M05, edition 3 §6.1).")
REQ_TRIGGER = ("The Charge Point SHALL accept ExtendedTriggerMessage.req SignChargePointCertificate and then send "
               "SignCertificate.req with a CSR for a new key pair (white paper A02).")


def _status(conf) -> str:
    return conf.payload.get("status") if isinstance(conf.payload, dict) else None


# ======================================================================================================================
# A01: password


async def _change_password(charge_point, link, password: str | bytes, timeouts) -> int:
    """ChangeConfiguration AuthorizationKey, then the charger's next connection must carry the new password."""
    redaction.register_password(password, [link.descriptor.identity])
    since = link.wire.last_seq
    conf = await charge_point.call("ChangeConfiguration", {"key": "AuthorizationKey", "value": authorization_key(password)},
                                   requirement=REQ_CHANGE)
    assert conf.status == "Accepted", (
        f"[behaviour] ChangeConfiguration AuthorizationKey (a valid 20-byte key in hex) was answered {conf.status!r}; "
        "the Charge Point SHALL accept a new password (white paper A01)")
    link.endpoint.password = password_bytes(password)  # from now on the suite's Central System takes only this one
    try:
        return await next_connection(link, since, within=timeouts.connect + timeouts.settle, force_after=timeouts.settle)
    except ExpectationFailed as exc:
        reasons = refusal_reasons(link, since)
        raise ExpectationFailed(
            "after the AuthorizationKey changed, the charge point did not connect with the new password"
            + (f": the suite refused it ({reasons[-1]})" if reasons else ""), exc.details) from None


@case("TC_073_CS", "Update Charge Point Password for HTTP Basic Authentication",
      spec="OCPP 1.6 security white paper edition 3: A01 (Update Charge Point Password for HTTP Basic "
           "Authentication), configuration key AuthorizationKey; OCPP-J 1.6 §6.2",
      requirement="The Charge Point SHALL accept a new password (ChangeConfiguration.req AuthorizationKey, the hex "
                  "representation of 16-20 bytes) and authenticate with it from its next connection on; the old "
                  "password is no longer used.",
      needs=("security_profile:1|2",))
async def test_update_password(charge_point, booted, conformance_iut, timeouts):
    link = conformance_iut
    original = link.endpoint.password
    restored = False
    try:
        await _change_password(charge_point, link, new_password(), timeouts)
        # and back to the password it had, in the same way (the IUT ends the case as it began it)
        await _change_password(charge_point, link, original, timeouts)
        restored = True
    finally:
        if not restored:  # the charger's password is unknown now: take either until the run ends
            link.endpoint.also_accepted.add(link.endpoint.password)
            link.endpoint.password = original


# ======================================================================================================================
# A02 / A03: the charge point certificate


async def _requested_csr(charge_point, timeouts) -> dict:
    with charge_point.respond("SignCertificate", {"status": "Accepted"}):
        conf = await charge_point.call("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"},
                                       requirement=REQ_TRIGGER)
        assert conf.status == "Accepted", (
            f"[behaviour] ExtendedTriggerMessage SignChargePointCertificate was answered {conf.status!r}; a charge "
            "point of security profile 3 SHALL renew its certificate on request (white paper A02)")
        req = await charge_point.expect("SignCertificate", within=timeouts.expect, requirement=REQ_TRIGGER)
    return req


@case("TC_074_CS", "Update Charge Point Certificate by request of Central System",
      spec="OCPP 1.6 security white paper edition 3: A02 (Update Charge Point Certificate by request of Central "
           "System), A00.FR.509-511 (certificate properties), configuration key CpoName",
      requirement="On ExtendedTriggerMessage SignChargePointCertificate the Charge Point SHALL send a valid CSR "
                  "(PKCS#10, signed with the new key, CN = its identity, O = CpoName), accept the certificate the "
                  "Central System returns in CertificateSigned.req and use it from its next connection on.",
      needs=("security_profile:3", "tls_material:generated"))
async def test_renew_certificate(charge_point, booted, conformance_iut, configure, descriptor, timeouts):
    link = conformance_iut
    pki = test_pki_for(link.descriptor)
    cpo = link.descriptor.security.cpo_name or pki.organization
    await configure.optional(CpoName=cpo)
    req = await _requested_csr(charge_point, timeouts)
    chain, problems = certs.sign_csr(req.payload.get("csr", ""), ca=csms_authority(pki),
                                     expected_cn=descriptor.identity, expected_org=cpo)
    assert chain is not None and not problems, f"[behaviour] SignCertificate.req (#{req.seq}): {problems[0]}"
    new = certs.load_certificate(chain)
    since = link.wire.last_seq
    conf = await charge_point.call("CertificateSigned", {"certificateChain": chain},
                                   requirement="The Charge Point answers CertificateSigned.req (white paper A02).")
    assert conf.status == "Accepted", (
        f"[behaviour] CertificateSigned.req with a valid certificate for its CSR, issued by the CA it trusts, was "
        f"answered {conf.status!r}")
    number = await next_connection(link, since, within=timeouts.connect + timeouts.settle, force_after=timeouts.settle)
    der = link.endpoint.peer_certificates.get(number)
    used = x509.load_der_x509_certificate(der) if der else None
    assert used == new, (
        f"[behaviour] on its next connection (#{number}) the charge point presented "
        f"{'no certificate' if used is None else 'the certificate ' + certs.fingerprint(used)}, not the renewed one "
        f"{certs.fingerprint(new)}: it SHALL use the new certificate once accepted (white paper A02)")


@case("TC_077_CS", "Invalid ChargePointCertificate Security Event",
      spec="OCPP 1.6 security white paper edition 3: A02 (the Charge Point checks the returned certificate), "
           "A04 (security events), SecurityEventNotification",
      requirement="The Charge Point SHALL refuse a certificate in CertificateSigned.req that is not issued under the "
                  "CA it trusts (CertificateSigned.conf Rejected) and report it with SecurityEventNotification.req "
                  "type InvalidChargePointCertificate.",
      needs=("security_profile:3", "tls_material:generated"))
async def test_invalid_charge_point_certificate(charge_point, booted, conformance_iut, descriptor, timeouts):
    link = conformance_iut
    req = await _requested_csr(charge_point, timeouts)
    chain, problems = certs.sign_csr(req.payload.get("csr", ""), ca=foreign_authority(test_pki_for(link.descriptor)),
                                     expected_cn=descriptor.identity)
    assert chain is not None, f"[behaviour] SignCertificate.req (#{req.seq}): {problems[0]}"
    since = link.wire.last_seq
    conf = await charge_point.call("CertificateSigned", {"certificateChain": chain},
                                   requirement="The Charge Point answers CertificateSigned.req (white paper A02).")
    assert conf.status == "Rejected", (
        f"[behaviour] CertificateSigned.req with a certificate issued by a CA the charge point does not trust was "
        f"answered {conf.status!r}; it SHALL be Rejected (white paper A02)")
    await charge_point.expect("SecurityEventNotification", within=timeouts.expect, after=since,
                              type="InvalidChargePointCertificate",
                              requirement="A refused certificate is a security event the Charge Point reports "
                                          "(white paper A02, A04: InvalidChargePointCertificate).")


# ======================================================================================================================
# M05 / M03 / M04: installed certificates


async def _installed(charge_point, kind: str) -> list[dict]:
    conf = await charge_point.call("GetInstalledCertificateIds", {"certificateType": kind},
                                   requirement="The Charge Point answers GetInstalledCertificateIds.req (white paper M03).")
    entries = conf.payload.get("certificateHashData") or []
    if _status(conf) == "NotFound":
        assert not entries, f"[behaviour] GetInstalledCertificateIds.conf is NotFound but lists {entries}"
    check_hash_data(entries, "GetInstalledCertificateIds.conf")
    return entries


async def _install(charge_point, kind: str, certificate) -> str:
    conf = await charge_point.call("InstallCertificate", {"certificateType": kind, "certificate": certs.pem([certificate])},
                                   requirement=REQ_INSTALL)
    return _status(conf)


async def _delete_quietly(charge_point, certificate) -> None:
    try:
        await charge_point.call("DeleteCertificate", {"certificateHashData": hash_of(certificate)}, error_ok=True)
    except ExpectationFailed:
        pass


def _extra_root(descriptor, label: str):
    """A root certificate of its own for the case (its key is dropped at once): installed, then deleted again."""
    return certs.throwaway_root(f"ocpp-conformance {label} {secrets.token_hex(4)}", "ocpp-conformance test",
                                descriptor.security.key_type)


async def _install_and_list(charge_point, descriptor, kind: str) -> None:
    root = _extra_root(descriptor, "extra " + kind[:-15].lower() + " root")
    status = await _install(charge_point, kind, root)
    try:
        assert status == "Accepted", (
            f"[behaviour] InstallCertificate {kind} with a valid root certificate was answered {status!r}")
        entries = await _installed(charge_point, kind)
        assert listed(entries, root) is not None, (
            f"[behaviour] after InstallCertificate {kind} was Accepted, GetInstalledCertificateIds {kind} does not "
            f"list it: expected {hash_of(root)}, got {entries or 'NotFound'}")
    finally:
        await _delete_quietly(charge_point, root)


@case("TC_075_1_CS", "Install a certificate on the Charge Point - ManufacturerRootCertificate",
      spec="OCPP 1.6 security white paper edition 3: M05 (Install CA certificate), M03 (Retrieve certificates), "
           "§6.1 CertificateHashDataType",
      requirement="The Charge Point SHALL install a ManufacturerRootCertificate sent with InstallCertificate.req "
                  "(Accepted) and list it in GetInstalledCertificateIds.conf with the hash data of that certificate.")
async def test_install_manufacturer_root(charge_point, booted, descriptor):
    await _install_and_list(charge_point, descriptor, "ManufacturerRootCertificate")


@case("TC_075_2_CS", "Install a certificate on the Charge Point - CentralSystemRootCertificate",
      spec="OCPP 1.6 security white paper edition 3: M05 (Install CA certificate), M03 (Retrieve certificates), "
           "§6.1 CertificateHashDataType",
      requirement="The Charge Point SHALL install a CentralSystemRootCertificate sent with InstallCertificate.req "
                  "(Accepted) and list it in GetInstalledCertificateIds.conf with the hash data of that certificate.")
async def test_install_central_system_root(charge_point, booted, descriptor):
    await _install_and_list(charge_point, descriptor, "CentralSystemRootCertificate")


@case("TC_076_CS", "Delete a specific certificate from the Charge Point",
      spec="OCPP 1.6 security white paper edition 3: M04 (Delete a specific certificate), M03, §6.1",
      requirement="The Charge Point SHALL delete the installed certificate DeleteCertificate.req names by its hash "
                  "data (Accepted), list it no more in GetInstalledCertificateIds.conf, and answer NotFound for a "
                  "certificate it does not hold.")
async def test_delete_certificate(charge_point, booted, descriptor):
    kind = "CentralSystemRootCertificate"
    root = _extra_root(descriptor, "to delete")
    if await _install(charge_point, kind, root) != "Accepted":
        raise Inconclusive("a certificate to delete is installed", "InstallCertificate was not Accepted")
    entry = listed(await _installed(charge_point, kind), root)
    if entry is None:
        await _delete_quietly(charge_point, root)
        raise Inconclusive("a certificate to delete is installed", "GetInstalledCertificateIds does not list it")
    conf = await charge_point.call("DeleteCertificate", {"certificateHashData": entry},
                                   requirement="The Charge Point answers DeleteCertificate.req (white paper M04).")
    assert _status(conf) == "Accepted", (
        f"[behaviour] DeleteCertificate of an installed certificate (hash data as the charge point lists it) was "
        f"answered {_status(conf)!r}")
    after = await _installed(charge_point, kind)
    assert listed(after, root) is None, (
        f"[behaviour] after DeleteCertificate was Accepted, GetInstalledCertificateIds still lists the certificate "
        f"({entry})")
    again = await charge_point.call("DeleteCertificate", {"certificateHashData": entry})
    assert _status(again) == "NotFound", (
        f"[behaviour] DeleteCertificate of a certificate the charge point no longer holds was answered "
        f"{_status(again)!r}; it SHALL be NotFound (white paper M04)")


# ======================================================================================================================
# TLS: an invalid Central System certificate


async def _bad_server_certificate_refused(charge_point, link, timeouts, kind: str, what: str) -> None:
    """The suite presents a deliberately bad server certificate: the charger must not connect, and once the good
    certificate is back it reports InvalidCentralSystemCertificate."""
    cert, key = bad_certificate(test_pki_for(link.descriptor), "server", kind)
    since, mark = link.wire.last_seq, link.endpoint.tls_mark()
    async with serving(link, ssl_context=server_context(cert, key)):
        attempts = await watch_attempts(link, since, mark, first_within=timeouts.connect, then=timeouts.settle)
    accepted = [r for r in attempts if r.event == "handshake" and r.data.get("status") == 101]
    assert not accepted, (
        f"[behaviour] the charge point connected (#{accepted[0].seq}) although the Central System presented {what}; "
        "it SHALL terminate the connection (white paper A00, security profiles 2 and 3)")
    if not attempts:
        raise Inconclusive("the charge point tries to connect",
                           f"no connection attempt within {timeouts.connect:g} s after the suite closed its connection")
    await next_connection(link, since, within=timeouts.connect)
    await charge_point.expect("SecurityEventNotification", within=timeouts.expect, after=since,
                              type="InvalidCentralSystemCertificate",
                              requirement="An invalid Central System certificate is a security event the Charge Point "
                                          "reports (white paper A04: InvalidCentralSystemCertificate).")


@case("TC_078_CS", "Invalid CentralSystemCertificate Security Event",
      spec="OCPP 1.6 security white paper edition 3: A00, security profiles 2 and 3 (the Charge Point verifies the Central "
           "System's certificate and terminates the connection when it is invalid), A04 (security events)",
      requirement="The Charge Point SHALL refuse to connect to a Central System whose server certificate is not "
                  "issued under a root it trusts, and report it with SecurityEventNotification.req type "
                  "InvalidCentralSystemCertificate once connected again.",
      needs=("security_profile:2|3",))
async def test_invalid_central_system_certificate(charge_point, booted, conformance_iut, timeouts):
    await _bad_server_certificate_refused(charge_point, conformance_iut, timeouts, "foreign_ca",
                                          "a server certificate from a CA it does not trust")


@case("SUITE_SEC_002", "An expired Central System certificate is refused",
      spec="OCPP 1.6 security white paper edition 3: A00, security profiles 2 and 3 (the Charge Point verifies the Central "
           "System's certificate, its validity included), A04 (security events)",
      requirement="The Charge Point SHALL refuse to connect to a Central System whose server certificate has expired, "
                  "and report it with SecurityEventNotification.req type InvalidCentralSystemCertificate.",
      needs=("security_profile:2|3",))
async def test_expired_central_system_certificate(charge_point, booted, conformance_iut, timeouts):
    await _bad_server_certificate_refused(charge_point, conformance_iut, timeouts, "expired",
                                          "an expired server certificate")


# ======================================================================================================================
# N01: the security log


@case("TC_079_CS", "Get Security Log",
      spec="OCPP 1.6 security white paper edition 3: N01 (Retrieve Log Information), GetLog, LogStatusNotification",
      requirement="On GetLog.req SecurityLog the Charge Point SHALL answer Accepted, upload its security log to the "
                  "remoteLocation and report LogStatusNotification.req Uploading and then Uploaded with the "
                  "request's requestId.")
async def test_get_security_log(charge_point, booted, conformance_iut, timeouts):
    servers = await file_servers(conformance_iut)
    rid, mark = request_id(), servers.mark()
    since = charge_point.mark_now()
    conf = await charge_point.call("GetLog", {"logType": "SecurityLog", "requestId": rid,
                                              "log": {"remoteLocation": servers.upload_url("ftp")}},
                                   requirement="The Charge Point answers GetLog.req (white paper N01).")
    assert conf.status == "Accepted", f"[behaviour] GetLog SecurityLog was answered {conf.status!r}"
    uploading = await charge_point.expect("LogStatusNotification", within=timeouts.expect, after=since,
                                          status="Uploading", requestId=rid,
                                          requirement="The Charge Point reports Uploading with the requestId (N01).")
    await charge_point.expect("LogStatusNotification", within=timeouts.expect, after=uploading, status="Uploaded",
                              requestId=rid, requirement="The Charge Point reports Uploaded once done (N01).")
    try:
        record = await servers.wait_for_upload(within=timeouts.settle, since=mark, outcome="complete")
    except TimeoutError:
        raise ExpectationFailed(f"the charge point reported the security log Uploaded, but no upload reached "
                                f"{redaction.redact(servers.upload_url('ftp'))}",
                                charge_point.last_frames()) from None
    assert record.size > 0, "[behaviour] the uploaded security log is empty"
    filename = conf.get("filename")
    assert not filename or record.name == filename, (
        f"[behaviour] GetLog.conf names the file {filename!r}, the charge point uploaded {record.name!r}")


# ======================================================================================================================
# L01: secure firmware update


async def _manufacturer_root_installed(charge_point, pki) -> bool:
    """Make sure the test PKI's manufacturer root is installed; True when the case installed it (and must remove it)."""
    root = certs.load_certificate(pki.manufacturer_root)
    if listed(await _installed(charge_point, "ManufacturerRootCertificate"), root) is not None:
        return False
    if await _install(charge_point, "ManufacturerRootCertificate", root) != "Accepted":
        raise Inconclusive("the test manufacturer root is installed", "InstallCertificate was not Accepted")
    return True


async def _signed_update(charge_point, link, descriptor, timeouts, *, tamper: bool):
    pki = test_pki_for(link.descriptor)
    servers = await file_servers(link)
    source = descriptor.security.firmware_image
    name = f"firmware-{request_id()}{source.suffix}"
    image = servers.served_dir / name
    shutil.copyfile(source, image)
    signed = image
    if tamper:  # a signature over other bytes: the image as served is not what was signed
        signed = servers.served_dir / f"tampered-{name}"
        signed.write_bytes(image.read_bytes() + b"\0")
    signature = certs.sign_firmware(signed, pki.firmware_signing_cert, pki.firmware_signing_key)
    rid = request_id()
    installed_root = await _manufacturer_root_installed(charge_point, pki)
    mark, since = servers.mark(), charge_point.mark_now()
    now = utc_now()
    conf = await charge_point.call("SignedUpdateFirmware", {"requestId": rid, "firmware": {
        "location": servers.firmware_url(name, "http"), "retrieveDateTime": now, "installDateTime": now,
        "signingCertificate": pki.firmware_signing_cert.read_text(encoding="ascii"), "signature": signature}},
        requirement="The Charge Point answers SignedUpdateFirmware.req (white paper L01).")
    assert conf.status == "Accepted", (
        f"[behaviour] SignedUpdateFirmware with a signing certificate issued by the installed manufacturer root was "
        f"answered {conf.status!r}; it SHALL be Accepted (white paper L01)")
    return rid, image, mark, since, installed_root, servers


async def _statuses(charge_point, rid, since, timeouts, statuses):
    last = since
    for status in statuses:
        last = await charge_point.expect(
            "SignedFirmwareStatusNotification", within=timeouts.expect, after=last, status=status, requestId=rid,
            requirement=f"The Charge Point reports {status} with the requestId of SignedUpdateFirmware (white paper "
                        "L01).")
    return last


@case("TC_080_CS", "Secure Firmware Update",
      spec="OCPP 1.6 security white paper edition 3: L01 (Secure Firmware Update), A04 (security events)",
      requirement="The Charge Point SHALL download the signed firmware, verify its signature with the signing "
                  "certificate issued by the manufacturer root, install it, and report Downloading, Downloaded, "
                  "SignatureVerified, Installing and Installed with the requestId, then the security event "
                  "FirmwareUpdated.",
      needs=("security.firmware_image",))
async def test_secure_firmware_update(charge_point, booted, conformance_iut, descriptor, timeouts):
    rid, image, mark, since, installed_root, servers = await _signed_update(
        charge_point, conformance_iut, descriptor, timeouts, tamper=False)
    try:
        downloaded = await _statuses(charge_point, rid, since, timeouts, ["Downloading", "Downloaded"])
        try:
            record = await servers.wait_for_download(image.name, within=timeouts.settle, since=mark, outcome="complete")
        except TimeoutError as exc:
            raise ExpectationFailed(f"the charge point reported Downloaded, but did not fetch {image.name} from the "
                                    f"suite's HTTP server ({exc})", charge_point.last_frames()) from None
        assert record.size == image.stat().st_size, (
            f"[behaviour] the charge point reported Downloaded, but fetched {record.size} of {image.stat().st_size} "
            f"bytes of {image.name}")
        installed = await _statuses(charge_point, rid, downloaded, timeouts, ["SignatureVerified", "Installing", "Installed"])
        await charge_point.expect("SecurityEventNotification", within=timeouts.expect, after=installed,
                                  type="FirmwareUpdated",
                                  requirement="A firmware update is a critical security event the Charge Point "
                                              "reports (white paper A04: FirmwareUpdated).")
    finally:
        if installed_root:
            await _delete_quietly(charge_point, certs.load_certificate(test_pki_for(conformance_iut.descriptor).manufacturer_root))


@case("TC_081_CS", "Secure Firmware Update - Invalid Signature",
      spec="OCPP 1.6 security white paper edition 3: L01 (Secure Firmware Update: the signature check, L01.FR.04), A04",
      requirement="The Charge Point SHALL verify the firmware signature after the download and, when it does not "
                  "hold, report InvalidSignature with the requestId and the security event InvalidFirmwareSignature, "
                  "and SHALL NOT install the firmware.",
      needs=("security.firmware_image",))
async def test_secure_firmware_update_invalid_signature(charge_point, booted, conformance_iut, descriptor, timeouts):
    rid, _, _, since, installed_root, _ = await _signed_update(charge_point, conformance_iut, descriptor, timeouts,
                                                               tamper=True)
    try:
        downloaded = await _statuses(charge_point, rid, since, timeouts, ["Downloading", "Downloaded"])
        await charge_point.expect("SignedFirmwareStatusNotification", within=timeouts.expect, after=downloaded,
                                  status="InvalidSignature", requestId=rid,
                                  requirement="A signature that does not hold is reported InvalidSignature (L01).")
        await charge_point.expect("SecurityEventNotification", within=timeouts.expect, after=downloaded,
                                  type="InvalidFirmwareSignature",
                                  requirement="An invalid firmware signature is a security event the Charge Point "
                                              "reports (white paper A04: InvalidFirmwareSignature).")
        await charge_point.expect_no("SignedFirmwareStatusNotification", timeouts.settle, after=downloaded,
                                     status="Installing", requirement="Firmware whose signature fails is not installed.")
    finally:
        if installed_root:
            await _delete_quietly(charge_point, certs.load_certificate(test_pki_for(conformance_iut.descriptor).manufacturer_root))


# ======================================================================================================================
# A05: security profiles


async def _profile_of(charge_point) -> str | None:
    conf = await charge_point.call("GetConfiguration", {"key": ["SecurityProfile"]})
    entries = {e.get("key"): e.get("value") for e in conf.get("configurationKey") or [] if isinstance(e, dict)}
    return entries.get("SecurityProfile")


@case("TC_083_CS", "Upgrade security profile",
      spec="OCPP 1.6 security white paper edition 3: A05 (Upgrade Charge Point Security Profile), configuration key "
           "SecurityProfile",
      requirement="The Charge Point SHALL accept ChangeConfiguration.req SecurityProfile one level higher when it "
                  "holds what that profile needs, connect after the Reset with the new profile only (TLS for profile "
                  "2, its client certificate for 3) and not fall back to the old one.",
      needs=("security_profile:1|2", "tls_material", "driver:set_security_profile"))
async def test_upgrade_security_profile(charge_point, booted, conformance_iut, iut, descriptor, timeouts):
    link = conformance_iut
    old = descriptor.security.profile
    new = old + 1
    if new == 2 and link.descriptor.security.generate:  # profile 2 needs the Central System's root installed
        root = certs.load_certificate(test_pki_for(link.descriptor).ca_cert)
        if listed(await _installed(charge_point, "CentralSystemRootCertificate"), root) is None:
            if await _install(charge_point, "CentralSystemRootCertificate", root) != "Accepted":
                raise Inconclusive("the Central System root is installed", "InstallCertificate was not Accepted")
    before_password = link.endpoint.password
    conf = await charge_point.call("ChangeConfiguration", {"key": "SecurityProfile", "value": str(new)},
                                   requirement=REQ_CHANGE)
    assert conf.status == "Accepted", (
        f"[behaviour] ChangeConfiguration SecurityProfile {old} -> {new} was answered {conf.status!r}; the Charge "
        "Point SHALL accept a higher profile it holds the certificates for (white paper A05)")
    try:
        since = link.wire.last_seq
        reset = await charge_point.call("Reset", {"type": "Hard"}, requirement="The Charge Point answers Reset.req.")
        assert reset.status == "Accepted", f"[behaviour] Reset Hard was answered {reset.status!r}"
        async with serving(link, ssl_context=ssl_context_for(link.descriptor, profile=new), profile=new,
                           password=before_password if new < 3 else None):
            try:
                await charge_point.expect("BootNotification", within=timeouts.connect + timeouts.expect, after=since,
                                          requirement="After the Reset the Charge Point connects with the new security "
                                                      "profile and boots (white paper A05).")
            except ExpectationFailed as exc:
                reasons = refusal_reasons(link, since)
                raise ExpectationFailed(f"after the Reset the charge point did not connect with security profile {new}"
                                        + (f": {reasons[-1]}" if reasons else ""), exc.details) from None
            # the old profile is not taken up again: the Central System at the old profile sees no connection
            fallback_since, mark = link.wire.last_seq, link.endpoint.tls_mark()
            async with serving(link, ssl_context=ssl_context_for(link.descriptor, profile=old), profile=old,
                               password=before_password):
                attempts = await watch_attempts(link, fallback_since, mark, first_within=timeouts.connect,
                                                then=timeouts.settle)
            fell_back = [r for r in attempts if r.event == "handshake" and r.data.get("status") == 101]
            assert not fell_back, (
                f"[behaviour] after the upgrade to security profile {new} the charge point connected (#{fell_back[0].seq}) "
                f"to a Central System of profile {old}; it SHALL NOT go back to a lower profile (white paper A05)")
            await next_connection(link, fallback_since, within=timeouts.connect)
    finally:
        since = link.wire.last_seq
        await iut.set_security_profile(old)  # OCPP cannot lower it: the operator does, and the charger reconnects
        await next_connection(link, since, within=timeouts.connect)


@case("TC_084_CS", "Downgrade security profile - Rejected",
      spec="OCPP 1.6 security white paper edition 3: A05, configuration key SecurityProfile (it can only be "
           "increased)",
      requirement="The Charge Point SHALL answer ChangeConfiguration.req SecurityProfile with a value lower than the "
                  "active profile with Rejected, and keep its profile.",
      needs=("security_profile:2|3",))
async def test_downgrade_security_profile(charge_point, booted, descriptor):
    current = descriptor.security.profile
    reported = await _profile_of(charge_point)  # also tells the clean-up what to put back
    conf = await charge_point.call("ChangeConfiguration", {"key": "SecurityProfile", "value": str(current - 1)},
                                   requirement=REQ_CHANGE)
    assert conf.status == "Rejected", (
        f"[behaviour] ChangeConfiguration SecurityProfile {current} -> {current - 1} was answered {conf.status!r}; a "
        "lower security profile SHALL be Rejected (white paper A05)")
    after = await _profile_of(charge_point)
    assert after in (None, reported), f"[behaviour] SecurityProfile was {reported!r}, is {after!r} after the refusal"
