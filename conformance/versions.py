"""Where the suite's behaviour in each OCPP version lives, and what the core asks of it.

The core knows a version as data (`conformance.protocol`) and as the `VersionSupport` its package exports: the
default responders of the role the suite plays, how an OCTT "Before" state is reached and how the IUT is put
back to idle after a case, the version's reference simulators and their named faults. A version package is
looked up by name when a descriptor of that version is used, so no core module imports one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Iterable, Protocol

from conformance.protocol import protocol

if TYPE_CHECKING:
    from conformance.case_info import CaseInfo


class VersionSupport(Protocol):
    """What a version package (`conformance.<package>`) provides as its `SUPPORT`."""

    version: str

    def responder_for(self, descriptor: Any) -> Any:
        """The default responder (and state) of the role the suite plays towards `descriptor`'s IUT."""

    async def reach_booted(self, link: Any) -> None:
        """OCTT "Before: booted" on this link: the IUT is connected and registered with the suite."""

    async def restore_idle(self, link: Any) -> None:
        """After a case: bring the IUT back to its idle state (bounded, never raises)."""

    def liveness_probe(self, descriptor: Any) -> tuple[str, dict]:
        """A CALL without side effects that any IUT of this version must answer: (action, payload)."""

    def unmet_need(self, need: str, descriptor: Any) -> str | None:
        """Why a case that `needs` this version-specific feature is not applicable to `descriptor` (None: it is)."""

    async def start_simulator(self, descriptor: Any, *, wire: Any) -> tuple[Any, Any]:
        """Start the reference simulator a `driver.type: simulator` descriptor stands for; (simulator, driver)."""

    async def stop_simulator(self, simulator: Any) -> None:
        """Stop it again (bounded)."""

    def simulator_driver(self, descriptor: Any, *, wire: Any, simulator: Any) -> Any:
        """The driver of an already running reference simulator."""

    def fault_names(self) -> frozenset[str]:
        """Every named fault of the version's reference simulators."""

    def add_simulate_arguments(self, commands: Any) -> None:
        """Add the `simulate` command of the version's reference simulators to the CLI's subparsers."""


class VersionNotSupported(LookupError):
    """The suite has no behaviour for this OCPP version yet (its frames can still be judged)."""


def support(version: str) -> VersionSupport:
    """The `VersionSupport` of OCPP `version`."""
    package = protocol(version).package
    try:
        module = importlib.import_module(f"conformance.{package}")
    except ModuleNotFoundError as exc:
        if exc.name != f"conformance.{package}":
            raise
        module = None
    found = getattr(module, "SUPPORT", None)
    if found is None:
        raise VersionNotSupported(f"the suite cannot play OCPP {version} yet (conformance/{package}/ is not written)")
    return found


def unmet_need(info: "CaseInfo", descriptor: Any) -> str | None:
    """Why `info` does not apply to `descriptor` because of a feature or test data it `needs` (None when every
    need is met)."""
    for need in info.needs:
        if need == "fixed_cable" and not descriptor.fixed_cable:
            return "the IUT has no fixed cable (connectors.fixed_cable: false)"
        if need == "not_fixed_cable" and descriptor.fixed_cable:
            return "the IUT has a fixed cable (connectors.fixed_cable: true)"
        if need == "file_transfer" and descriptor.file_transfer is None:
            return ("the IUT descriptor declares no file_transfer block (the address the charger reaches the suite's "
                    "file servers at and the protocols it supports)")
        if "." in need:  # optional test data, e.g. "id_tags.blocked" (@case checks the name)
            reason = descriptor.lacks(need)
            if reason:
                return reason
        elif need not in ("fixed_cable", "not_fixed_cable", "file_transfer"):
            reason = support(descriptor.ocpp_version).unmet_need(need, descriptor)
            if reason:
                return reason
    return None


def check_fault_names(names: Iterable[str], versions: Iterable[str]) -> None:
    """ValueError naming every fault that no reference simulator of these versions knows."""
    known: set[str] = set()
    for version in versions:
        try:
            known |= support(version).fault_names()
        except VersionNotSupported:
            continue  # its descriptors are refused on their own
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
