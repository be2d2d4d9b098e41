"""Reference OCPP 1.6 simulators: a charge point and a Central System, correct by default, with named faults.

They are the suite's built-in IUTs and the basis of its self-tests. Imports are lazy so that importing
`conformance.ocpp16.simulators.faults` (the CLI and the plugin do) stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FAULTS", "Fault", "ReferenceChargePoint", "ReferenceCsms"]

_LAZY = {
    "ReferenceChargePoint": "conformance.ocpp16.simulators.charge_point",
    "ReferenceCsms": "conformance.ocpp16.simulators.csms",
    "FAULTS": "conformance.ocpp16.simulators.faults",
    "Fault": "conformance.ocpp16.simulators.faults",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
