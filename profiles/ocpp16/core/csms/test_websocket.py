"""OCTT 3.21 — Security: WebSocket subprotocol negotiation (the suite plays the charge point).

OCTT files the case under Security, but subprotocol negotiation is OCPP-J itself (OCPP-J 1.6 §3.1.2), required of
every 1.6 Central System whatever profiles it declares, so it lives with the Core cases and always runs.
"""

from conformance import case
from conformance.connections import UNSUPPORTED_SUBPROTOCOL as UNSUPPORTED
from conformance.connections import csms_closes_without_subprotocol

SECTION = "Security"


@case("TC_088_CSMS", "WebSocket Subprotocol negotiation",
      spec="OCPP-J 1.6 §3.1.2, §3.2; RFC 6455 §4.2.2",
      requirement="The Central System SHALL select the OCPP version from the subprotocols the charge point offers; "
                  "when it supports none of them it SHALL complete the handshake without a subprotocol and then "
                  "immediately close the connection.")
async def test_subprotocol_negotiation(csms, station, descriptor, timeouts):
    ws = await station.reconnect(subprotocols=[UNSUPPORTED, descriptor.subprotocol])
    assert ws.subprotocol == descriptor.subprotocol, (
        f"[framing] offered [{UNSUPPORTED}, {descriptor.subprotocol}], the Central System selected {ws.subprotocol!r}")
    await station.boot()
    await csms_closes_without_subprotocol(station, who="the Central System", within=timeouts.tolerance,
                                          source="OCPP-J 1.6 §3.2")
