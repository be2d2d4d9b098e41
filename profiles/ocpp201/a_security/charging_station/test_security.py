"""OCTT 2.0.1 A — Security of a charging station under test at security profiles 1 and 2 (Part 2 A00 HTTP Basic
authentication and TLS, A01 password update, A05 security profile changes; the suite plays the CSMS, checks the
Basic credentials and the TLS session of every connection it accepts, and records those it refuses)."""

from conformance import case, redaction
from conformance.connections import (
    connection_handshake,
    fresh_connection,
    next_connection,
    server_pair,
    serving,
    tls_problems,
    watch_attempts,
)
from conformance.credentials import new_password, password_bytes
from conformance.errors import ExpectationFailed, Inconclusive
from conformance.ocpp201.steps import check_status, get_variables, set_variables, variable_data
from conformance.pki import bad_certificate, ssl_context_for, test_pki_for
from conformance.tls_contexts import server_context, weak_server_context

SECTION = "Security"
BASIC_AUTH_PASSWORD = variable_data("SecurityCtrlr", "BasicAuthPassword")
REQ_SET = "The Charging Station SHALL answer SetVariablesRequest (B05)."


@case("TC_A_01_CS", "Basic Authentication - Valid username/password combination",
      spec="OCPP 2.0.1 Part 2 A00 (security profile 1: HTTP Basic authentication), Part 4 §6",
      requirement="At security profile 1 the Charging Station SHALL open every WebSocket connection with HTTP Basic "
                  "authentication, its identity as user name and its BasicAuthPassword as password.",
      needs=("security_profile:1|2",))
async def test_basic_authentication(charging_station, conformance_iut, iut, timeouts):
    link = conformance_iut
    since = link.wire.last_seq
    await iut.power_cycle()
    number = await next_connection(link, since, within=timeouts.connect + timeouts.expect)
    handshake = connection_handshake(link, number)
    assert handshake is not None and handshake.data.get("basic_auth"), (
        f"the station's connection {number} carried no HTTP Basic credentials (A00: security profile 1)")
    await charging_station.expect("BootNotification", within=timeouts.expect, after=since,
                                  requirement="Connected with valid credentials, the station boots (B01).")


async def change_password(charging_station, link, password: str, timeouts) -> int:
    """SetVariables BasicAuthPassword, Accepted; the station's next connection must carry the new password (the
    suite's CSMS takes only that one from now on). Returns the new connection's number."""
    redaction.register_password(password, [link.descriptor.identity])
    since = link.wire.last_seq
    [result] = await set_variables(charging_station, [(BASIC_AUTH_PASSWORD, password)], REQ_SET)
    check_status(result, "Accepted", f"SetVariables of SecurityCtrlr.BasicAuthPassword (a valid "
                                     f"{len(password)}-character password)")
    link.endpoint.password = password_bytes(password)
    try:
        return await next_connection(link, since, within=timeouts.connect + timeouts.settle,
                                     force_after=timeouts.settle)
    except ExpectationFailed as exc:
        raise ExpectationFailed("after BasicAuthPassword changed, the station did not connect with the new password",
                                exc.details) from None


@case("TC_A_09_CS", "Update Charging Station Password for HTTP Basic Authentication - Accepted",
      spec="OCPP 2.0.1 Part 2 A01, A00 (BasicAuthPassword: 16 to 40 characters)",
      requirement="The Charging Station SHALL accept a valid new BasicAuthPassword (SetVariables Accepted) and "
                  "authenticate with it from its next connection on; the old password is no longer used.",
      needs=("security_profile:1|2",))
async def test_update_password(charging_station, conformance_iut, timeouts):
    link = conformance_iut
    original = link.endpoint.password
    restored = False
    try:
        await change_password(charging_station, link, new_password(), timeouts)
        await change_password(charging_station, link, original.decode("utf-8"), timeouts)  # as the case found it
        restored = True
    finally:
        if not restored:  # the station's password is unknown now: take either until the run ends
            link.endpoint.also_accepted.add(link.endpoint.password)
            link.endpoint.password = original


@case("TC_A_10_CS", "Update Charging Station Password for HTTP Basic Authentication - Rejected",
      spec="OCPP 2.0.1 Part 2 A01, A00 (BasicAuthPassword: 16 to 40 characters)",
      requirement="A BasicAuthPassword that is no valid password (shorter than 16 characters) SHALL be answered "
                  "Rejected; the station keeps its connection and its password.",
      needs=("security_profile:1|2",))
async def test_update_password_rejected(charging_station, conformance_iut, timeouts):
    before = charging_station.connection_no
    [result] = await set_variables(charging_station, [(BASIC_AUTH_PASSWORD, "tooShort")], REQ_SET)
    check_status(result, "Rejected", "SetVariables of SecurityCtrlr.BasicAuthPassword = an 8-character password")
    await charging_station.expect_no("BootNotification", during=timeouts.settle,
                                     requirement="A Rejected password changes nothing.")
    assert charging_station.connected and charging_station.connection_no == before, (
        "after a Rejected BasicAuthPassword the station did not keep its connection")


@case("TC_A_22_CS", "Upgrade Charging Station Security Profile - Downgrade security profile - Rejected",
      spec="OCPP 2.0.1 Part 2 A05, B09",
      requirement="A SetNetworkProfileRequest whose securityProfile is lower than the one the Charging Station uses "
                  "SHALL be answered Rejected.",
      needs=("security_profile:1|2|3",))
async def test_downgrade_rejected(charging_station, conformance_iut):
    profile = conformance_iut.descriptor.security.profile
    url = conformance_iut.endpoint_url.rsplit("/", 1)[0].replace("wss://", "ws://")
    reply = await charging_station.call("SetNetworkProfile", {"configurationSlot": 1, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": url, "messageTimeout": 30,
        "securityProfile": profile - 1, "ocppInterface": "Wired0"}},
        requirement="The Charging Station SHALL answer SetNetworkProfileRequest (B09).")
    assert reply.payload.get("status") == "Rejected", (
        f"SetNetworkProfile with securityProfile {profile - 1}, below the station's {profile} (#{reply.record.seq}), "
        f"was answered {reply.payload.get('status')!r}, expected Rejected (A05)")


REQ_TLS = ("At security profile 2 and 3 the Charging Station SHALL connect over TLS 1.2 or higher, with TLS 1.2 one of "
           "the cipher suites A00 lists (TLS_ECDHE_ECDSA_WITH_AES_128/256_GCM_SHA256/384, "
           "TLS_RSA_WITH_AES_128/256_GCM_SHA256/384), and verify the CSMS's server certificate (Part 2 A00).")


@case("TC_A_04_CS", "TLS - server-side certificate - Valid certificate",
      spec="OCPP 2.0.1 Part 2 A00 (security profile 2: TLS with a server-side certificate)",
      requirement=REQ_TLS + " A valid server certificate of the CSMS it is installed with is accepted.",
      needs=("security_profile:2|3",))
async def test_tls_valid_certificate(conformance_iut):
    link = conformance_iut
    # Two fresh connections: a station that connects once but not again (it lost its CSMS root) fails too.
    for _ in range(2):
        number = await fresh_connection(link, "over TLS to the CSMS's valid certificate")
        handshake = connection_handshake(link, number)
        problems = tls_problems((handshake.data if handshake else {}).get("tls"), f"the station's connection {number}")
        assert not problems, f"{problems[0]}\n  requirement: {REQ_TLS}"


async def refused_while(charging_station, link, timeouts, ssl_context, what: str) -> int:
    """The suite's CSMS serves with `ssl_context` until the station's attempts are seen: none may succeed. Then it
    serves as before and the station connects again; returns the wire position before the bad server."""
    since, mark = link.wire.last_seq, link.endpoint.tls_mark()
    async with serving(link, ssl_context=ssl_context):
        attempts = await watch_attempts(link, since, mark, first_within=timeouts.connect, then=timeouts.settle)
    accepted = [r for r in attempts if r.event == "handshake" and r.data.get("status") == 101]
    assert not accepted, (
        f"the station connected (#{accepted[0].seq}) to a CSMS that presented {what}; it SHALL terminate the "
        "connection (A00)")
    if not attempts:
        raise Inconclusive("the station tries to connect", f"it made no connection attempt within "
                           f"{timeouts.connect:g} s after the suite closed its connection")
    await next_connection(link, since, within=timeouts.connect)
    return since


@case("TC_A_05_CS", "TLS - server-side certificate - Invalid certificate",
      spec="OCPP 2.0.1 Part 2 A00 (the Charging Station verifies the CSMS's certificate), A04 (security events)",
      requirement="The Charging Station SHALL NOT connect to a CSMS whose server certificate is not issued under a "
                  "root it trusts, and SHALL report it with SecurityEventNotificationRequest type "
                  "InvalidCsmsCertificate once connected again.",
      needs=("security_profile:2|3",))
async def test_tls_invalid_certificate(charging_station, conformance_iut, timeouts):
    link = conformance_iut
    cert, key = bad_certificate(test_pki_for(link.descriptor), "server", "foreign_ca")
    since = await refused_while(charging_station, link, timeouts, server_context(cert, key),
                                "a server certificate from a CA it does not trust")
    await charging_station.expect(
        "SecurityEventNotification", within=timeouts.expect, after=since, type="InvalidCsmsCertificate",
        requirement="An invalid CSMS certificate is a security event the station reports (A00, A04).")


@case("TC_A_06_CS", "TLS - server-side certificate - TLS version too low",
      spec="OCPP 2.0.1 Part 2 A00 (TLS 1.2 or higher; the Charging Station terminates the connection when the CSMS "
           "offers a lower version)",
      requirement="The Charging Station SHALL NOT establish a connection with a CSMS that speaks only a TLS version "
                  "below 1.2.",
      needs=("security_profile:2|3",))
async def test_tls_version_too_low(charging_station, conformance_iut, timeouts):
    link = conformance_iut
    cert, key = server_pair(link)
    await refused_while(charging_station, link, timeouts, weak_server_context(cert, key),
                        "only TLS 1.1")


@case("TC_A_20_CS", "Upgrade Charging Station Security Profile - No valid CSMSRootCertificate installed",
      spec="OCPP 2.0.1 Part 2 A05, M03 (GetInstalledCertificateIds)",
      requirement="A Charging Station without a CSMSRootCertificate installed SHALL answer a SetNetworkProfileRequest "
                  "of security profile 2 or 3 (TLS, which needs that root to verify the CSMS) Rejected.",
      needs=("security_profile:0|1",))
async def test_upgrade_without_root(charging_station, conformance_iut):
    installed = await charging_station.call("GetInstalledCertificateIds", {"certificateType": ["CSMSRootCertificate"]},
                                            requirement="The Charging Station answers GetInstalledCertificateIds (M03).")
    roots = [c for c in installed.payload.get("certificateHashDataChain") or []
             if c.get("certificateType") == "CSMSRootCertificate"]
    if installed.payload.get("status") == "Accepted" and roots:
        raise Inconclusive("no CSMSRootCertificate is installed", f"the station lists {len(roots)}",
                           frame_seq=installed.record.seq)
    host_port = conformance_iut.endpoint_url.split("://", 1)[1].split("/", 1)[0]
    reply = await charging_station.call("SetNetworkProfile", {"configurationSlot": 1, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": f"wss://{host_port}/ocpp",
        "messageTimeout": 30, "securityProfile": 2, "ocppInterface": "Wired0"}},
        requirement="The Charging Station SHALL answer SetNetworkProfileRequest (B09).")
    assert reply.payload.get("status") == "Rejected", (
        f"SetNetworkProfile of security profile 2 (#{reply.record.seq}) was answered "
        f"{reply.payload.get('status')!r} by a station with no CSMSRootCertificate installed, expected Rejected (A05)")


async def installed_roots(charging_station) -> list[dict]:
    installed = await charging_station.call("GetInstalledCertificateIds", {"certificateType": ["CSMSRootCertificate"]},
                                            requirement="The Charging Station answers GetInstalledCertificateIds (M03).")
    if installed.payload.get("status") != "Accepted":
        return []
    return [c for c in installed.payload.get("certificateHashDataChain") or []
            if c.get("certificateType") == "CSMSRootCertificate"]


@case("TC_A_19_CS", "Upgrade Charging Station Security Profile - Accepted",
      spec="OCPP 2.0.1 Part 2 A05, B09, B10",
      requirement="A Charging Station with a CSMSRootCertificate installed SHALL accept a network profile of the next "
                  "security profile (SetNetworkProfile Accepted), connect with it after the reset once "
                  "NetworkConfigurationPriority lists it first (TLS, security profile 2), and report "
                  "SecurityCtrlr.SecurityProfile 2 then.",
      needs=("security_profile:1", "tls_material", "driver:set_security_profile"))
async def test_upgrade_security_profile(charging_station, conformance_iut, set_variables, iut, timeouts):
    link = conformance_iut
    if not await installed_roots(charging_station):
        raise Inconclusive("a CSMSRootCertificate is installed", "the station lists none (GetInstalledCertificateIds)")
    host_port = link.endpoint_url.split("://", 1)[1].split("/", 1)[0]
    url = f"wss://{host_port}{link.descriptor.listen_path.rstrip('/')}"
    reply = await charging_station.call("SetNetworkProfile", {"configurationSlot": 1, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": url, "messageTimeout": 30,
        "securityProfile": 2, "ocppInterface": "Wired0"}},
        requirement="The Charging Station SHALL answer SetNetworkProfileRequest (B09).")
    assert reply.payload.get("status") == "Accepted", (
        f"SetNetworkProfile of security profile 2 (#{reply.record.seq}) was answered {reply.payload.get('status')!r} "
        "by a station with a CSMS root installed, expected Accepted (A05)")
    await set_variables(("OCPPCommCtrlr", "NetworkConfigurationPriority", "1,0"))
    password = link.endpoint.password
    try:
        since = link.wire.last_seq
        reset = await charging_station.call("Reset", {"type": "OnIdle"})
        assert reset.payload.get("status") == "Accepted", f"Reset OnIdle was answered {reset.payload.get('status')!r}"
        async with serving(link, ssl_context=ssl_context_for(link.descriptor, profile=2), profile=2,
                           password=password):
            boot = await charging_station.expect(
                "BootNotification", within=timeouts.connect + timeouts.expect, after=since,
                requirement="After the reset the Charging Station connects with the new network profile, over TLS, "
                            "and boots (A05, B10).")
            handshake = connection_handshake(link, boot.connection)
            problems = tls_problems((handshake.data if handshake else {}).get("tls"),
                                    f"the station's connection {boot.connection}")
            assert not problems, f"{problems[0]}\n  requirement: {REQ_TLS}"
            [result] = await get_variables(charging_station, [variable_data("SecurityCtrlr", "SecurityProfile")],
                                           "The Charging Station answers GetVariables (B06).")
            assert result.get("attributeValue") == "2", (
                f"after connecting with security profile 2 the station reports SecurityCtrlr.SecurityProfile "
                f"{result.get('attributeValue')!r}, expected '2' (A05)")
    finally:
        since = link.wire.last_seq
        await iut.set_security_profile(1)  # OCPP cannot lower it: the operator does, and the station reconnects
        await next_connection(link, since, within=timeouts.connect)
