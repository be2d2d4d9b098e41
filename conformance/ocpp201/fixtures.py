"""Fixtures of OCPP 2.0.1 cases, named after OCTT's "Before" states, and the suite's own charging station
(`station`) with the operator of a CSMS under test (`operator`).

`profiles/ocpp201/conftest.py` makes them available to the 2.0.1 cases.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from conformance.ocpp201.roles.station import SuiteStation201, operator_command
from conformance.ocpp201.roles.transactions import StationTransactions


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
