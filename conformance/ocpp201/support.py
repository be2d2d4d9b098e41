"""OCPP 2.0.1 as the core asks for it (`conformance.versions.VersionSupport`).

Each method dispatches on the system under test: a charging station under test (`Role.CHARGE_POINT`: the suite
plays the CSMS) is handled here; a CSMS under test (the suite plays a charging station) by `csms_side`, one call
per method."""

from __future__ import annotations

from typing import Any

from conformance.ocpp201 import csms_side
from conformance.wire import Role


def _station_under_test(descriptor: Any) -> bool:
    return descriptor.sut is Role.CHARGE_POINT


class Ocpp201Support:
    version = "2.0.1"

    def responder_for(self, descriptor: Any) -> Any:
        if _station_under_test(descriptor):
            from conformance.ocpp201.roles.csms import CsmsResponder201

            return CsmsResponder201(descriptor)
        return csms_side.responder(descriptor)

    async def reach_booted(self, link: Any) -> None:
        if _station_under_test(link.descriptor):
            from conformance.ocpp201.preconditions import reach_booted

            await reach_booted(link)
            return
        await csms_side.reach_booted(link)

    async def restore_idle(self, link: Any) -> None:
        if _station_under_test(link.descriptor):
            from conformance.ocpp201.preconditions import restore_idle

            await restore_idle(link)
            return
        await csms_side.restore_idle(link)

    def liveness_probe(self, descriptor: Any) -> tuple[str, dict]:
        if _station_under_test(descriptor):
            return "GetVariables", {"getVariableData": [{"component": {"name": "OCPPCommCtrlr"},
                                                         "variable": {"name": "HeartbeatInterval"}}]}
        return csms_side.liveness_probe(descriptor)

    def unmet_need(self, need: str, descriptor: Any) -> str | None:
        kind, _, value = need.partition(":")
        if kind == "certification_profile":
            return None if descriptor.declares(value) else (
                f"the IUT descriptor {descriptor.name} does not declare the certification profile '{value}' "
                "(features)")
        if kind == "optional_feature":
            return None if value in descriptor.optional_features else (
                f"the IUT descriptor {descriptor.name} does not claim the optional feature '{value}' "
                "(optional_features)")
        if kind == "no_optional_feature":
            return None if value not in descriptor.optional_features else (
                f"the IUT descriptor {descriptor.name} claims the optional feature '{value}' (optional_features)")
        if kind == "no_report_base":
            bases = descriptor.device_model.report_bases if descriptor.device_model else ()
            return None if value not in bases else (
                f"the IUT descriptor {descriptor.name} lists the report base {value} as supported "
                "(device_model.report_bases)")
        if kind in ("security_profile", "tls_material", "driver"):
            from conformance.security_needs import security_need_unmet

            return security_need_unmet(kind, value, descriptor)
        raise ValueError(f"unknown case need {need!r}")

    # The simulators load on first use: a run against real IUTs never imports them.
    async def start_simulator(self, descriptor: Any, *, wire: Any) -> tuple[Any, Any]:
        if _station_under_test(descriptor):
            from conformance.ocpp201.simulators.charging_station.driver import start_simulator

            return await start_simulator(descriptor, wire=wire)
        return await csms_side.start_simulator(descriptor, wire=wire)

    async def stop_simulator(self, simulator: Any) -> None:
        from conformance.ocpp201.simulators.charging_station.station import ReferenceChargingStation

        if isinstance(simulator, ReferenceChargingStation):
            from conformance.ocpp201.simulators.charging_station.driver import stop_simulator

            await stop_simulator(simulator)
            return
        await csms_side.stop_simulator(simulator)

    def simulator_driver(self, descriptor: Any, *, wire: Any, simulator: Any) -> Any:
        if _station_under_test(descriptor):
            from conformance.ocpp201.simulators.charging_station.driver import create

            return create(descriptor, wire=wire, simulator=simulator)
        return csms_side.simulator_driver(descriptor, wire=wire, simulator=simulator)

    def fault_names(self) -> frozenset[str]:
        from conformance.ocpp201.simulators.faults import FAULTS

        return frozenset(FAULTS)

    def add_simulate_arguments(self, commands: Any) -> None:
        from conformance.ocpp201.simulators.charging_station.control import add_simulate_arguments as station
        from conformance.ocpp201.simulators.csms.control import add_simulate_arguments as csms

        station(commands)
        csms(commands)


SUPPORT = Ocpp201Support()
