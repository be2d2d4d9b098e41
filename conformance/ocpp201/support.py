"""OCPP 2.0.1 as the core asks for it (`conformance.versions.VersionSupport`): each method goes to the half of the
role the suite plays — towards a CSMS under test, `csms_side`."""

from __future__ import annotations

from typing import Any

from conformance.ocpp201 import csms_side
from conformance.wire import Role


def _csms_under_test(descriptor: Any) -> None:
    if descriptor.sut is Role.CHARGE_POINT:
        raise ValueError(f"{descriptor.label}: sut: the suite cannot test an OCPP 2.0.1 charging station on this "
                         "branch yet — test a CSMS (sut: csms)")


class Ocpp201Support:
    version = "2.0.1"

    def responder_for(self, descriptor: Any) -> Any:
        _csms_under_test(descriptor)
        return csms_side.responder(descriptor)

    async def reach_booted(self, link: Any) -> None:
        await csms_side.reach_booted(link)

    async def restore_idle(self, link: Any) -> None:
        await csms_side.restore_idle(link)

    def liveness_probe(self, descriptor: Any) -> tuple[str, dict]:
        return csms_side.liveness_probe(descriptor)

    def unmet_need(self, need: str, descriptor: Any) -> str | None:
        kind, _, value = need.partition(":")
        if kind in ("security_profile", "tls_material", "driver"):
            from conformance.security_needs import security_need_unmet

            return security_need_unmet(kind, value, descriptor)
        raise ValueError(f"unknown case need {need!r}")

    async def start_simulator(self, descriptor: Any, *, wire: Any) -> tuple[Any, Any]:
        return await csms_side.start_simulator(descriptor, wire=wire)

    async def stop_simulator(self, simulator: Any) -> None:
        await csms_side.stop_simulator(simulator)

    def simulator_driver(self, descriptor: Any, *, wire: Any, simulator: Any) -> Any:
        return csms_side.simulator_driver(descriptor, wire=wire, simulator=simulator)

    def fault_names(self) -> frozenset[str]:
        return csms_side.fault_names()

    def add_simulate_arguments(self, commands: Any) -> None:
        from conformance.ocpp201.simulators.csms.control import add_simulate_arguments

        add_simulate_arguments(commands)


SUPPORT = Ocpp201Support()
