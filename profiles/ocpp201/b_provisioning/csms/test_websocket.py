"""OCTT B — WebSocket Subprotocol validation (errata 2025; the suite plays the charging station; Part 4 §3.1.2, §3.2).

Subprotocol negotiation is OCPP-J itself, required of every 2.0.1 CSMS whatever it declares."""

from conformance import case
from conformance.connections import UNSUPPORTED_SUBPROTOCOL as UNSUPPORTED
from conformance.connections import csms_closes_without_subprotocol

SECTION = "Provisioning"

REQ_SUBPROTOCOL = ("The CSMS SHALL select ocpp2.0.1 from the subprotocols a charging station offers; when it supports "
                   "none of them it SHALL complete the WebSocket handshake without a Sec-WebSocket-Protocol header and "
                   "then immediately close the connection (Part 4 §3.2).")


@case("TC_B_58_CSMS", "WebSocket Subprotocol validation", profile="none",
      spec="OCPP 2.0.1 Part 4 §3.1.2, §3.2; RFC 6455 §4.2.2",
      requirement=REQ_SUBPROTOCOL)
async def test_subprotocol_validation(csms, station, descriptor, timeouts):
    ws = await station.reconnect(subprotocols=[UNSUPPORTED, descriptor.subprotocol])
    assert ws.subprotocol == descriptor.subprotocol, (
        f"[framing] offered [{UNSUPPORTED}, {descriptor.subprotocol}], the CSMS selected {ws.subprotocol!r}")
    await station.boot_now(reason="PowerUp")
    await csms_closes_without_subprotocol(station, who="the CSMS", within=timeouts.tolerance, source="Part 4 §3.2")
