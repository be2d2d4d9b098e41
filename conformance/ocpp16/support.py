"""OCPP 1.6 as the core asks for it (`conformance.versions.VersionSupport`)."""

from __future__ import annotations

from typing import Any

from conformance.ocpp16 import preconditions
from conformance.ocpp16.roles.charge_point import ChargePointResponder16
from conformance.ocpp16.roles.csms import CsmsResponder16
from conformance.wire import Role


class Ocpp16Support:
    version = "1.6"

    def responder_for(self, descriptor: Any) -> Any:
        if descriptor.sut is Role.CHARGE_POINT:
            return CsmsResponder16(descriptor)  # the suite is the Central System
        return ChargePointResponder16(descriptor)

    async def reach_booted(self, link: Any) -> None:
        await preconditions.reach_booted(link)

    async def restore_idle(self, link: Any) -> None:
        await preconditions.restore_idle(link)

    def liveness_probe(self, descriptor: Any) -> tuple[str, dict]:
        if descriptor.sut is Role.CHARGE_POINT:
            return "GetConfiguration", {"key": ["HeartbeatInterval"]}
        return "Heartbeat", {}

    def unmet_need(self, need: str, descriptor: Any) -> str | None:
        kind, _, value = need.partition(":")
        if kind == "power_loss_stop":
            return preconditions.power_loss_mismatch(value, descriptor.configuration)
        if kind == "reservations_key":
            return None if descriptor.configuration.get("reservations_key") else (
                "the IUT descriptor names no configuration key that switches reservations off "
                "(configuration.reservations_key)")
        if kind in ("security_profile", "tls_material", "driver"):
            from conformance.security_needs import security_need_unmet

            return security_need_unmet(kind, value, descriptor)
        raise ValueError(f"unknown case need {need!r}")

    # The simulators load on first use: a run against real IUTs never imports them.
    async def start_simulator(self, descriptor: Any, *, wire: Any) -> tuple[Any, Any]:
        from conformance.ocpp16.simulators.driver import start_simulator

        return await start_simulator(descriptor, wire=wire)

    async def stop_simulator(self, simulator: Any) -> None:
        from conformance.ocpp16.simulators.driver import stop_simulator

        await stop_simulator(simulator)

    def simulator_driver(self, descriptor: Any, *, wire: Any, simulator: Any) -> Any:
        from conformance.ocpp16.simulators.driver import create

        return create(descriptor, wire=wire, simulator=simulator)

    def fault_names(self) -> frozenset[str]:
        from conformance.ocpp16.simulators.faults import FAULTS

        return frozenset(FAULTS)

    def add_simulate_arguments(self, commands: Any) -> None:
        from conformance.ocpp16.simulators.control import add_simulate_arguments

        add_simulate_arguments(commands)


SUPPORT = Ocpp16Support()
