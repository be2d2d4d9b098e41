"""OCPP 2.0.1 towards a CSMS under test, as `conformance.ocpp201.support` asks for it: the suite plays a charging
station (`roles.charging_station`, `roles.station`), reaches "Booted" by booting it, puts it back to idle after a
case, and starts the reference CSMS (`simulators.csms`) for a ``driver.type: simulator`` descriptor."""

from __future__ import annotations

from typing import Any

from conformance.errors import ExpectationFailed, Inconclusive
from conformance.ocpp201.roles.charging_station import ChargingStationResponder201
from conformance.ocpp201.roles.station import SuiteStation201, boot_station


def responder(descriptor: Any) -> ChargingStationResponder201:
    """The suite's charging station: its device model, EVSEs, registration and answers to the CSMS."""
    return ChargingStationResponder201(descriptor)


async def reach_booted(link: Any) -> None:
    """OCTT "Booted": the suite's station is connected, its BootNotification Accepted and its connectors reported;
    a CSMS that does not accept it leaves the case inconclusive."""
    await link.ensure_connected()
    try:
        await boot_station(link)
    except ExpectationFailed as exc:
        raise Inconclusive("the suite's charging station is registered (BootNotification Accepted)", exc.headline,
                           frame_seq=link.wire.last_seq) from None


async def restore_idle(link: Any) -> None:
    """After a case: the suite's station without transactions, Operative, its device model as before the case and
    registered again (bounded; what cannot be restored is noted in the wire log, never raised)."""
    try:
        await SuiteStation201(link).idle()
    except Exception as exc:  # the clean-up never raises: the next case meets whatever is left
        link.wire.event("note", restore_failed=f"the suite's charging station: {exc}"[:300])


def liveness_probe(descriptor: Any) -> tuple[str, dict]:
    return "Heartbeat", {}


# The simulator loads on first use: a run against a real CSMS never imports it.
async def start_simulator(descriptor: Any, *, wire: Any) -> tuple[Any, Any]:
    from conformance.ocpp201.simulators.csms.driver import start

    return await start(descriptor, wire=wire)


async def stop_simulator(simulator: Any) -> None:
    from conformance.ocpp201.simulators.csms.driver import stop

    await stop(simulator)


def simulator_driver(descriptor: Any, *, wire: Any, simulator: Any) -> Any:
    from conformance.ocpp201.simulators.csms.driver import create

    return create(descriptor, wire=wire, simulator=simulator)


def fault_names() -> frozenset[str]:
    from conformance.ocpp201.simulators.faults import FAULTS

    return frozenset(FAULTS)
