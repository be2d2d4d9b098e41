"""OCTT B — WebSocket Subprotocol validation (errata 2025; the suite plays the charging station; Part 4 §3.1.2, §3.2).

Subprotocol negotiation is OCPP-J itself, required of every 2.0.1 CSMS whatever it declares."""

import asyncio

from conformance import case
from conformance.transport import HandshakeRefused

SECTION = "Provisioning"

UNSUPPORTED = "ocpp0.9"  # a subprotocol no OCPP version uses
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
    try:
        probe = await station.connect_raw(subprotocols=[UNSUPPORTED])
    except HandshakeRefused as refused:
        raise AssertionError(
            f"[framing] offered only {UNSUPPORTED!r}, the CSMS refused the handshake with HTTP {refused.status}; it "
            "MUST complete the handshake without a subprotocol and then close the connection (Part 4 §3.2)") from None
    assert probe.subprotocol is None, (
        f"[framing] only {UNSUPPORTED!r} was offered, yet the CSMS selected {probe.subprotocol!r}")
    try:
        await asyncio.wait_for(probe.wait_closed(), timeouts.tolerance)
    except TimeoutError:
        await probe.close()
        raise AssertionError(
            f"[framing] the CSMS kept the connection open for {timeouts.tolerance:g} s after agreeing to no "
            "subprotocol; it must close it immediately") from None
