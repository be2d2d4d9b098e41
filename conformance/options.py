"""The suite's command-line options under pytest, each with its ini twin, and how to read one."""

from __future__ import annotations

from typing import Any

import pytest

OPTIONS = [
    # (option, ini name, kind, help)
    ("--iut", "ocpp_iut", "append", "IUT descriptor file (repeatable). Default: the built-in reference simulators."),
    ("--ocpp-strict", "ocpp_strict", "bool", "SHOULD-level violations fail the case (default: warnings)."),
    ("--case", "ocpp_case", "append", "Run only cases whose ID starts with this prefix (repeatable)."),
    ("--exclude", "ocpp_exclude", "append", "Skip cases whose ID starts with this prefix (repeatable)."),
    ("--report-dir", "ocpp_report_dir", "value", "Where summary.json and wire logs go (default: reports)."),
    ("--sim-fault", "ocpp_sim_fault", "append", "Switch on a named fault in the built-in simulators (repeatable)."),
    ("--waivers", "ocpp_waivers", "value", "Waiver file (YAML): known deviations reported as waived."),
]

BUILTIN_IUTS = ("fixtures/iut/reference-charge-point.yaml", "fixtures/iut/reference-csms.yaml")
# Reference simulators in other settings (security profiles 2 and 3): without --iut, each runs the cases the built-in
# IUT of its role cannot run and it can (the first supplement that can, takes a case).
BUILTIN_SUPPLEMENTS = (
    "fixtures/iut/reference-charge-point-sp2.yaml", "fixtures/iut/reference-charge-point-sp3.yaml",
    "fixtures/iut/reference-csms-sp2.yaml", "fixtures/iut/reference-csms-sp3.yaml",
)


def option(config: pytest.Config, ini: str) -> Any:
    value = config.getoption(ini)
    return value if value not in (None, []) else config.getini(ini)
