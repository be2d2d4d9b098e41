"""OCTT 2.0.1 A — Security of a charging station under test at security profile 1 (Part 2 A00 HTTP Basic
authentication, A01 password update, A05 security profile changes; the suite plays the CSMS and checks the Basic
credentials of every connection it accepts)."""

from conformance import case, redaction
from conformance.connections import connection_handshake, next_connection
from conformance.credentials import new_password, password_bytes
from conformance.errors import ExpectationFailed
from conformance.ocpp201.steps import check_status, set_variables, variable_data

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
