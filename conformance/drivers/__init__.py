"""IUT drivers: how the suite makes the implementation under test act.

`create(descriptor)` picks the driver from ``descriptor.driver["type"]`` and ``descriptor.sut``:
a `ChargePointDriver` (plug in, present an id tag, cut the network, ...) for a charge point under test, a
`CsmsDriver` (make the CSMS send a command) for a CSMS under test. Back-ends load on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.drivers.base import ChargePointDriver, CsmsDriver, Driver, DriverError, NeedsManualAction
from conformance.versions import support
from conformance.wire import Role

if TYPE_CHECKING:
    from conformance.iut import Descriptor
    from conformance.wire import Wire

__all__ = ["ChargePointDriver", "CsmsDriver", "Driver", "DriverError", "NeedsManualAction", "create"]

DRIVER_TYPES = ("manual", "exec", "http", "simulator")


def create(
    descriptor: "Descriptor",
    *,
    wire: "Wire | None" = None,
    interactive: bool | None = None,
    simulator: Any = None,
) -> ChargePointDriver | CsmsDriver:
    """The driver for `descriptor`. `wire` receives a "driver" event per action; `interactive` (manual driver)
    None = detect; `simulator` is handed to the in-process simulator driver."""
    kind = descriptor.driver.get("type", "manual")
    csms = descriptor.sut is Role.CSMS
    if kind == "manual":
        from conformance.drivers.manual import ManualChargePointDriver, ManualCsmsDriver

        cls = ManualCsmsDriver if csms else ManualChargePointDriver
        return cls(descriptor, wire=wire, interactive=interactive)
    if kind == "exec":
        from conformance.drivers.exec import ExecChargePointDriver, ExecCsmsDriver

        return (ExecCsmsDriver if csms else ExecChargePointDriver)(descriptor, wire=wire)
    if kind == "http":
        from conformance.drivers.http import HttpChargePointDriver, HttpCsmsDriver

        return (HttpCsmsDriver if csms else HttpChargePointDriver)(descriptor, wire=wire)
    if kind == "simulator":
        if simulator is None:
            raise DriverError(f"driver 'simulator' needs a running reference simulator — start it with "
                              f"start_simulator() ({descriptor.label})")
        return support(descriptor.ocpp_version).simulator_driver(descriptor, wire=wire, simulator=simulator)
    raise DriverError(f"unknown driver type {kind!r} in {descriptor.label} — use one of: {', '.join(DRIVER_TYPES)}")
