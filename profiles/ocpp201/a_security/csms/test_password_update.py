"""OCTT A — Update Charging Station Password for HTTP Basic Authentication (the suite plays the charging station;
Part 2 A01)."""

from conformance import case
from conformance.ocpp201.csms_checks import check_variables_as_asked
from conformance.transport import HandshakeRefused

SECTION = "Security"

NEW_PASSWORD = "ConformanceNewPw-0201"
TOO_LONG = "ConformanceTooLongPassword-0123456789-ABC"  # 41 characters: BasicAuthPassword holds at most 40
REQ_UPDATE = ("The CSMS SHALL send the new password in SetVariablesRequest (SecurityCtrlr.BasicAuthPassword) as its "
              "operator set it, and SHALL accept the station's next connections with the new password once the "
              "station accepted it, and with the old one when the station rejected it (Part 2 A01).")


def password_item(value):
    return {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}, "attributeValue": value}


async def set_password(operator, station, value):
    asked = [password_item(value)]
    request = await operator("SetVariables", {"setVariableData": asked}, requirement=REQ_UPDATE)
    check_variables_as_asked(request, "setVariableData", asked, values=True)
    await station.reaction(request)  # the station's answer is on the wire
    return request


async def reconnect_with(station, password, what):
    station.link.endpoint.configure(password=password)
    try:
        await station.reconnect()
    except HandshakeRefused as exc:
        raise AssertionError(f"[behaviour] the CSMS refused the station's connection with {what} (HTTP {exc.status})"
                             f"\n  requirement: {REQ_UPDATE}") from None
    await station.boot_now(reason="PowerUp")


@case("TC_A_09_CSMS", "Update Charging Station Password for HTTP Basic Authentication - Accepted", profile="core",
      spec="OCPP 2.0.1 Part 2 A01",
      requirement=REQ_UPDATE,
      needs=("security_profile:1|2",))
async def test_password_update_accepted(booted, station, operator, descriptor):
    original = descriptor.security.password
    changed = False
    try:
        await set_password(operator, station, NEW_PASSWORD)
        changed = True
        await reconnect_with(station, NEW_PASSWORD, "the new password it had accepted")
    finally:
        if changed:  # the CSMS and the station go back to the descriptor's password for the next cases
            station.link.endpoint.configure(password=NEW_PASSWORD)
            if station.peer.connected:
                await set_password(operator, station, original)
            station.link.endpoint.configure(password=original)


@case("TC_A_10_CSMS", "Update Charging Station Password for HTTP Basic Authentication - Rejected", profile="core",
      spec="OCPP 2.0.1 Part 2 A01",
      requirement=REQ_UPDATE,
      needs=("security_profile:1|2",))
async def test_password_update_rejected(booted, station, operator, descriptor):
    request = await set_password(operator, station, TOO_LONG)
    answer = next(r for r in station.peer.wire.after(request.seq) if r.answers == request.seq)
    assert answer.payload["setVariableResult"][0]["attributeStatus"] == "Rejected", (
        "the suite's charging station did not reject a BasicAuthPassword of 41 characters")
    await reconnect_with(station, descriptor.security.password, "its old password, the new one being rejected")
