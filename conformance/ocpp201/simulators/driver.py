"""In-process driver of the 2.0.1 reference simulators, and how to start one from an IUT descriptor.

`start_simulator(descriptor)` builds and starts the simulator a ``driver.type: simulator`` descriptor stands for (a
charging station connecting to where the suite listens, or a CSMS listening at the descriptor's endpoint) and
returns it with its driver (the CSMS's in `simulators.csms.driver`). Every driver action maps to the simulator's method of the same name; the `connector` of
a charging station action names the EVSE.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from conformance.drivers.base import ChargePointDriver, DriverError, NeedsManualAction
from conformance.ocpp201.simulators.charging_station import ReferenceChargingStation
from conformance.ocpp201.simulators.csms import driver as csms_driver
from conformance.ocpp201.simulators.faults import faults_for_side
from conformance.ocpp201.simulators.rpc import CallError, CallTimeout
from conformance.wire import Role

if TYPE_CHECKING:
    from conformance.iut import Descriptor
    from conformance.wire import Wire

LOGGER = logging.getLogger("conformance.ocpp201.simulators.driver")

CHARGING_STATION_ACTIONS = ("plug_in", "unplug", "present_id_tag", "power_cycle", "reboot", "go_offline",
                            "come_online", "raise_fault", "clear_fault")

_STATION_OPTIONS = {"variables", "late_reply_delay", "boot_retry_interval", "reconnect_delay", "power_off_time",
                    "vendor", "model", "serial_number", "firmware_version", "response_timeout"}


class SimulatorChargingStationDriver(ChargePointDriver):
    """Drives an in-process `ReferenceChargingStation`."""

    kind = "simulator"

    def __init__(self, descriptor: "Descriptor", *, wire: "Wire | None" = None,
                 simulator: ReferenceChargingStation) -> None:
        super().__init__(descriptor, wire=wire)
        self.simulator = simulator

    def can(self, action: str) -> bool:
        return action in CHARGING_STATION_ACTIONS

    async def _perform(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if action not in CHARGING_STATION_ACTIONS:
            raise NeedsManualAction(f"the reference charging station has no action {action!r}")
        params.pop("fail", None)
        try:
            result = await getattr(self.simulator, action)(**params)
        except (ValueError, TypeError, ConnectionError, CallError, CallTimeout, asyncio.TimeoutError) as exc:
            raise DriverError(f"{action}: {exc}") from None
        return {"reply": result} if isinstance(result, dict) else None


def create(descriptor: "Descriptor", *, wire: "Wire | None" = None, simulator: Any = None) -> Any:
    """The driver of an already running simulator."""
    if simulator is None:
        raise DriverError(f"driver 'simulator' needs a running reference simulator ({descriptor.label})")
    if descriptor.sut is Role.CSMS:
        return csms_driver.create(descriptor, wire=wire, simulator=simulator)
    return SimulatorChargingStationDriver(descriptor, wire=wire, simulator=simulator)


def _options(descriptor: "Descriptor", allowed: set[str]) -> dict[str, Any]:
    options = dict(descriptor.driver.get("options") or {})
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"{descriptor.label}: driver.options: unknown option(s) {', '.join(unknown)} — known: "
                         f"{', '.join(sorted(allowed))}")
    return options


def _late_reply_delay(descriptor: "Descriptor", options: dict[str, Any]) -> float:
    t = descriptor.timeouts
    return float(options.pop("late_reply_delay", t.response + t.tolerance + 1))


def _plain_profile(descriptor: "Descriptor") -> None:
    if descriptor.security.profile >= 2:
        raise ValueError(f"{descriptor.label}: security.profile: the 2.0.1 reference simulators run at security "
                         "profiles 0 and 1 — use 0 or 1")


def build_charging_station(descriptor: "Descriptor") -> ReferenceChargingStation:
    _plain_profile(descriptor)
    options = _options(descriptor, _STATION_OPTIONS)
    host = "127.0.0.1" if descriptor.listen_host in ("0.0.0.0", "::", "") else descriptor.listen_host
    url = f"ws://{host}:{descriptor.listen_port}{descriptor.listen_path}"
    variables = {k: v for k, v in descriptor.configuration.items() if "." in k}
    variables.update(options.pop("variables", {}) or {})
    tags = descriptor.id_tags
    tokens = [t for t in (tags.valid, tags.valid_2, tags.invalid, tags.blocked, tags.expired, tags.parent_id_tag,
                          tags.child_id_tag, tags.sibling_id_tag) if t]
    facts = descriptor.device_model
    return ReferenceChargingStation(
        csms_url=url,
        identity=descriptor.identity,
        evses=descriptor.evses,
        password=descriptor.security.password,
        security_profile=descriptor.security.profile,
        faults=faults_for_side(descriptor.driver.get("faults") or (), "charge_point"),
        variables=variables,
        token_types={t: descriptor.id_token_type(t) for t in tokens},
        report_bases=facts.report_bases if facts else ("ConfigurationInventory", "FullInventory"),
        reset_evse="reset_evse" in descriptor.optional_features,
        rejected_keeps_connection="rejected_keeps_connection" in descriptor.optional_features,
        response_timeout=float(options.pop("response_timeout", descriptor.timeouts.response)),
        late_reply_delay=_late_reply_delay(descriptor, options),
        **options,
    )


async def start_simulator(descriptor: "Descriptor", *, wire: "Wire | None" = None) -> tuple[Any, Any]:
    """Build and start the simulator of a `driver.type: simulator` descriptor; returns (simulator, driver)."""
    if descriptor.sut is Role.CSMS:
        return await csms_driver.start(descriptor, wire=wire)
    station = build_charging_station(descriptor)
    await station.start()
    return station, SimulatorChargingStationDriver(descriptor, wire=wire, simulator=station)


async def stop_simulator(simulator: Any) -> None:
    """Stop a simulator started by `start_simulator` (bounded: never hangs)."""
    try:
        await asyncio.wait_for(simulator.stop(), 10)
    except asyncio.TimeoutError:
        LOGGER.warning("the reference simulator did not stop within 10 s")
