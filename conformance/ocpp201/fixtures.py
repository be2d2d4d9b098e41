"""Fixtures of OCPP 2.0.1 cases, named after OCTT's "Before" states (Booted is the core's `booted`; an EVSE
Available, a transaction under way). Towards a charging station under test: the station as the suite's CSMS sees it
(`charging_station`) and case-scoped device model values (`set_variables`). Towards a CSMS under test: the suite's
own charging station (`station`), the operator of the CSMS (`operator`) and the registration status it answers
(`registration`).

`profiles/ocpp201/conftest.py` makes them available to the 2.0.1 cases.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from conformance.errors import ExpectationFailed, Inconclusive
from conformance.ocpp201.preconditions import reach_available, start_transaction
from conformance.ocpp201.roles.station import SuiteStation201, operator_command
from conformance.ocpp201.roles.transactions import StationTransactions
from conformance.wire import Role


@pytest.fixture
async def charging_station(conformance_iut: Any, booted: Any) -> Any:
    """The charging station under test, connected and registered (OCTT "Booted"), as the suite's CSMS sees it."""
    if conformance_iut.descriptor.sut is not Role.CHARGE_POINT:
        raise ValueError(f"case needs a charging station under test, {conformance_iut.name} is a CSMS")
    return booted


@pytest.fixture
async def available_evse(conformance_iut: Any, charging_station: Any) -> int:
    """OCTT "Before": EVSE 1 is Available (brought there actively, see `reach_available`)."""
    await reach_available(conformance_iut, 1)
    return 1


@pytest.fixture
def set_variables(conformance_iut: Any, charging_station: Any) -> Any:
    """Set device model variables for this case: ``await set_variables(("OCPPCommCtrlr", "HeartbeatInterval", 2))``
    (component, variable, value[, instance]). Each must be Accepted, else the case is inconclusive. What the case
    changed is put back after it by the clean-up (`preconditions.restore_idle`), which reads the earlier values from
    the GetVariables this makes first."""

    async def apply(*items: tuple) -> None:
        data = []
        for item in items:
            component, variable, value, *rest = item
            entry = {"component": {"name": component}, "variable": {"name": variable, **(
                {"instance": rest[0]} if rest and rest[0] else {})}}
            data.append((entry, str(value).lower() if isinstance(value, bool) else str(value)))
        await charging_station.call("GetVariables", {"getVariableData": [entry for entry, _ in data]})
        reply = await charging_station.call("SetVariables", {"setVariableData": [
            {**entry, "attributeValue": value} for entry, value in data]})
        for (entry, value), result in zip(data, reply.payload.get("setVariableResult") or []):
            status = result.get("attributeStatus") if isinstance(result, dict) else None
            if status != "Accepted":
                raise Inconclusive(f"{entry['component']['name']}.{entry['variable']['name']} = {value}",
                                   f"the charging station answered SetVariables with {status}",
                                   frame_seq=reply.record.seq if reply.record else None)

    return apply


@pytest.fixture
async def transaction(conformance_iut: Any, charging_station: Any, iut: Any, available_evse: int,
                      id_tags: Any) -> Any:
    """OCTT "Before: EnergyTransferStarted": a transaction runs on EVSE 1 with the valid IdToken (cable plugged in,
    IdToken presented: TransactionEvent Started / Updated as the station sends them, chargingState Charging)."""
    try:
        return await start_transaction(charging_station, iut, available_evse, id_tags.valid)
    except ExpectationFailed as exc:
        raise Inconclusive(f"a transaction runs on EVSE {available_evse}", exc.headline,
                           frame_seq=charging_station.wire.last_seq) from None


@pytest.fixture
def station(conformance_iut: Any) -> SuiteStation201:
    """The suite's own charging station when it tests a CSMS: reconnect, boot, report, run transactions."""
    return SuiteStation201(conformance_iut)


@pytest.fixture
def transactions(station: SuiteStation201) -> StationTransactions:
    """What the suite's charging station does in transactions: events, meter values, Authorize, its offline queue."""
    return StationTransactions(station)


@pytest.fixture
def operator(iut: Any, csms: Any) -> Callable[..., Awaitable[Any]]:
    """Make the CSMS under test send a request to the suite's station through its driver (the operator's API):
    ``await operator("GetVariables", payload, requirement=..., as_asked=(...))`` returns that CALL as it arrived."""

    async def command(action: str, payload: dict, *, requirement: str, within: float | None = None,
                      as_asked: tuple[str, ...] = ()) -> Any:
        return await operator_command(iut, csms, action, payload, requirement=requirement, within=within,
                                      as_asked=as_asked)

    return command


@pytest.fixture
async def registration(iut: Any) -> AsyncIterator[Callable[[str], Awaitable[None]]]:
    """Set the registration status the CSMS under test answers the suite's next BootNotification with
    (``await registration("Pending")``, through the driver's `set_boot_status`); Accepted again after the case, so
    the clean-up registers the station as the next case expects."""
    changed = False

    async def set_status(status: str) -> None:
        nonlocal changed
        changed = True
        await iut.set_boot_status(status)

    yield set_status
    if changed:
        await iut.set_boot_status("Accepted")
