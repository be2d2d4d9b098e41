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


def option(config: pytest.Config, ini: str) -> Any:
    value = config.getoption(ini)
    return value if value not in (None, []) else config.getini(ini)
