"""Files the Allure report reads beside the test results: `environment.properties` (what was tested)
and `categories.json` (how failures are sorted).

Both Allure 2 and Allure 3 read these from the results directory. Allure 3's default report takes its
categories from its configuration instead; `allure_cli` passes it the same list (`CATEGORIES`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

from conformance.errors import INCONCLUSIVE_PREFIX as INCONCLUSIVE_REASON

from .summary import iut_identity

# The failure message starts with "[category] "; pytest/Allure put the exception type before it
# ("AssertionError: [schema] …"). The pattern must match the whole message: Allure 2 uses a full match.
_PREFIX = r"^(?:[\w.]+: )?\["


def _message_regex(category: str) -> str:
    return _PREFIX + category.replace("-", r"\-") + r"\][\s\S]*"


# An inconclusive case reaches Allure as skipped with the reason "inconclusive: …", which allure-pytest
# writes as "Skipped: inconclusive: …"; a not-applicable case is skipped too, with another reason.
INCONCLUSIVE_PREFIX = INCONCLUSIVE_REASON.rstrip()
_INCONCLUSIVE_REGEX = r"^(?:[\w.]+: )?" + re.escape(INCONCLUSIVE_PREFIX) + r"[\s\S]*"


CATEGORIES: list[dict[str, Any]] = [
    {"name": "Schema violation", "matchedStatuses": ["failed"], "messageRegex": _message_regex("schema"),
     "description": "A payload does not conform to the OCPP JSON schema of its action (SCH rules)."},
    {"name": "Framing violation", "matchedStatuses": ["failed"], "messageRegex": _message_regex("framing"),
     "description": "An OCPP-J RPC framing or WebSocket rule is broken (RPC/WS rules)."},
    {"name": "Timing violation", "matchedStatuses": ["failed"], "messageRegex": _message_regex("timing"),
     "description": "A message came too late, too early or at the wrong interval (BEH timing rules)."},
    {"name": "Unexpected CALLERROR", "matchedStatuses": ["failed"], "messageRegex": _message_regex("callerror"),
     "description": "The implementation answered with a CALLERROR where a CALLRESULT was required."},
    {"name": "No response", "matchedStatuses": ["failed"], "messageRegex": _message_regex("no-response"),
     "description": "The implementation did not answer or did not send an expected message in time."},
    {"name": "Wrong behaviour", "matchedStatuses": ["failed"], "messageRegex": _message_regex("behaviour"),
     "description": "The implementation answered, but not as the specification requires."},
    {"name": "IUT unreachable", "matchedStatuses": ["broken"], "messageRegex": _message_regex("unreachable"),
     "description": "The implementation under test could not be reached: no verdict on its behaviour."},
    {"name": "Suite or environment error", "matchedStatuses": ["broken"], "messageRegex": _message_regex("suite"),
     "description": "The test suite or its environment failed: no verdict on the implementation."},
    {"name": "Inconclusive (precondition not reached)", "matchedStatuses": ["skipped"],
     "messageRegex": _INCONCLUSIVE_REGEX,
     "description": "The implementation could not be brought into the case's starting state, so the case's "
                    "requirement was not judged. The message names the precondition and what was tried."},
]


def _escape_properties(text: str, *, key: bool) -> str:
    """Java .properties escaping, ASCII-only output (non-ASCII as \\uXXXX) so Allure 2 (ISO-8859-1) and 3 agree."""
    out = []
    for i, ch in enumerate(text):
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "=:#!" or (ch == " " and (key or i == 0)):
            out.append("\\" + ch)
        elif code < 0x20 or code > 0x7E:
            if code > 0xFFFF:  # outside the BMP: write the UTF-16 surrogate pair
                code -= 0x10000
                out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
            else:
                out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def environment_entries(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, value) pairs describing the run and each IUT; keys are prefixed by the IUT name when there are several."""
    suite = summary.get("suite") or {}
    run = summary.get("run") or {}
    entries: list[tuple[str, str]] = [
        ("Suite", f"{suite.get('name', 'ocpp-conformance')} {suite.get('version', '')}".strip()),
    ]
    if run.get("started"):
        entries.append(("Run.started", str(run["started"])))
    if run.get("strict") is not None:
        entries.append(("Run.strict", "yes" if run.get("strict") else "no"))
    iuts = summary.get("iuts") or []
    several = len(iuts) > 1
    for iut in iuts:
        prefix = f"{iut.get('name', 'IUT')}." if several else ""
        ident = iut_identity(iut)
        fields = [
            ("IUT.name", iut.get("name")),
            ("IUT.role", {"charge_point": "Charge Point", "csms": "CSMS"}.get(iut.get("sut"), iut.get("sut"))),
            ("IUT.vendor", ident["vendor"]),
            ("IUT.model", ident["model"]),
            ("IUT.serial", ident["serial"]),
            ("IUT.firmware", ident["firmware"]),
            ("IUT.identity", iut.get("identity")),
            ("IUT.endpoint", iut.get("endpoint")),
            ("OCPP.version", iut.get("ocpp_version")),
            ("Security.profile", iut.get("security_profile")),
            ("Features", ", ".join(iut.get("features") or []) or None),
        ]
        entries.extend((prefix + k, str(v)) for k, v in fields if v not in (None, ""))
    return entries


def write_environment(results_dir: str | os.PathLike[str], summary: Mapping[str, Any]) -> Path:
    """Write `environment.properties` into the Allure results directory."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        f"{_escape_properties(k, key=True)}={_escape_properties(v, key=False)}" for k, v in environment_entries(summary)
    ]
    path = results_dir / "environment.properties"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def write_categories(results_dir: str | os.PathLike[str]) -> Path:
    """Write `categories.json` into the Allure results directory."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "categories.json"
    path.write_text(json.dumps(CATEGORIES, indent=2) + "\n", encoding="utf-8")
    return path
