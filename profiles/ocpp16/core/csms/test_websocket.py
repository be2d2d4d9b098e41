"""OCTT 3.21 — Security: WebSocket subprotocol negotiation (the suite plays the charge point).

OCTT files the case under Security, but subprotocol negotiation is OCPP-J itself (OCPP-J 1.6 §3.1.2), required of
every 1.6 Central System whatever profiles it declares, so it lives with the Core cases and always runs.
"""

from conformance import case
from conformance.transport import HandshakeRefused

SECTION = "Security"
UNSUPPORTED = "ocpp0.9"  # a subprotocol no OCPP version uses


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
    try:
        probe = await station.connect_raw(subprotocols=[UNSUPPORTED])
    except HandshakeRefused as refused:
        # "it MUST complete the WebSocket handshake with a response without a Sec-WebSocket-Protocol header and then
        # immediately close the WebSocket connection" (OCPP-J 1.6 §3.2): an HTTP refusal is not that.
        raise AssertionError(
            f"[framing] offered only {UNSUPPORTED!r}, the Central System refused the handshake with HTTP "
            f"{refused.status}; it MUST complete the handshake without a subprotocol and then close the connection "
            "(OCPP-J 1.6 §3.2)") from None
    assert probe.subprotocol is None, (
        f"[framing] only {UNSUPPORTED!r} was offered, yet the Central System selected {probe.subprotocol!r}")
    import asyncio

    try:
        await asyncio.wait_for(probe.wait_closed(), timeouts.tolerance)
    except TimeoutError:
        await probe.close()
        raise AssertionError(
            f"[framing] the Central System kept the connection open for {timeouts.tolerance:g} s after agreeing to no "
            "subprotocol; it must close it immediately") from None
