"""Steps of OCPP 1.6 charging sessions that several charge point cases check the same way.

Each step waits on the wire log with a bound and accepts every ordering the specification allows.
"""

from __future__ import annotations

from typing import Any

from conformance.session import measure
from conformance.steps import check_interval
from conformance.wire import Record


async def expect_connection_timeout(charge_point: Any, connector: int, *, after: Record | int, timeout_s: float,
                                    timeouts: Any) -> float:
    """An authorization without a cable: the connector goes Preparing and, once ConnectionTimeOut (`timeout_s`) has
    passed without a cable, back to Available without starting a transaction (OCPP 1.6 §9.1, ConnectionTimeOut).
    The Preparing -> Available time is judged both ways to `timeouts.interval_tolerance(timeout_s)`; the wait for
    Available allows the descriptor's whole tolerance, so a late return is reported with its measured time.

    Returns the measured Preparing -> Available time; records it and its deviation in the case's evidence."""
    tolerance = timeouts.interval_tolerance(timeout_s)
    preparing = await charge_point.expect(
        "StatusNotification", after=after, connectorId=connector, status="Preparing",
        requirement="An authorization for a connector without a cable makes it Preparing (OCPP 1.6 §4.9).")
    available = await charge_point.expect(
        "StatusNotification", within=timeout_s + timeouts.tolerance, after=preparing, connectorId=connector,
        status="Available",
        requirement=f"When no cable is connected within ConnectionTimeOut ({timeout_s:g} s) of Preparing, the Charge "
                    "Point SHALL cancel the incipient transaction and return to Available (OCPP 1.6 §9.1).")
    elapsed = available.t_mono - preparing.t_mono
    measure("connection_timeout_configured_s", timeout_s)
    measure("connection_timeout_tolerance_s", tolerance)
    measure("preparing_to_available_s", round(elapsed, 3))
    measure("connection_timeout_deviation_s", round(elapsed - timeout_s, 3))
    started = charge_point.frames("StartTransaction", after=after)
    assert not started, (
        f"[behaviour] the charge point sent StartTransaction (#{started[0].seq}) although no cable was connected")
    check_interval(elapsed, timeout_s, tolerance, f"ConnectionTimeOut: the connector returned from Preparing "
                   f"(#{preparing.seq}) to Available (#{available.seq})")
    return elapsed


def check_stop_reason(stop: Record, expected: str) -> None:
    """StopTransaction.reason must be `expected`; a missing reason means Local (OCPP 1.6 §4.10, StopTransaction.req)."""
    reason = (stop.payload or {}).get("reason")
    shown = f"reason {reason!r}" if reason is not None else "no reason (which means Local)"
    assert (reason or "Local") == expected, f"[behaviour] StopTransaction (#{stop.seq}) has {shown}; expected {expected!r}"
