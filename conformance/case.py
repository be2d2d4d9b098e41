"""The `@case` decorator: OCTT metadata on a conformance case and the verdict wrapper around its body.

Version, feature profile and system under test come from where the module lives
(``profiles/ocpp16/core/charge_point/…``); the OCTT section from the module's ``SECTION``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Awaitable, Callable

from conformance.wire import Role

VERSION_DIRS = {"ocpp16": "1.6", "ocpp201": "2.0.1", "ocpp21": "2.1"}
SUT_DIRS = {"charge_point": Role.CHARGE_POINT, "csms": Role.CSMS}


@dataclass(frozen=True)
class CaseInfo:
    id: str
    title: str
    spec: str
    requirement: str
    section: str = ""
    profile: str = ""  # feature profile, e.g. "core"; "" for transport cases that apply to every IUT
    ocpp_version: str = ""  # "" = any version
    sut: Role | None = None  # None = either role
    needs: tuple[str, ...] = ()  # descriptor features beyond the profile, e.g. ("fixed_cable",)

    def located(self, path: Path, section: str | None) -> "CaseInfo":
        """Fill version, profile and SUT from the module path under profiles/."""
        parts = list(path.parts)
        info = self
        if "profiles" in parts:
            rest = parts[parts.index("profiles") + 1 :]
            if rest and rest[0] in VERSION_DIRS:
                info = replace(info, ocpp_version=info.ocpp_version or VERSION_DIRS[rest[0]])
                if len(rest) > 2:
                    info = replace(info, profile=info.profile or rest[1])
                if len(rest) > 3 and rest[2] in SUT_DIRS:
                    info = replace(info, sut=info.sut or SUT_DIRS[rest[2]])
        if section and not info.section:
            info = replace(info, section=section)
        return info

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "ocpp_version": self.ocpp_version or "any",
            "profile": self.profile or "transport",
            "section": self.section,
            "sut": str(self.sut) if self.sut else "any",
            "spec": self.spec,
            "requirement": self.requirement,
        }


def case(
    case_id: str,
    title: str,
    *,
    spec: str,
    requirement: str,
    sut: Role | str | None = None,
    ocpp_version: str = "",
    needs: tuple[str, ...] = (),
) -> Callable[[Callable[..., Awaitable[None]]], Callable[..., Awaitable[None]]]:
    """Mark an async test function as a conformance case and run its body under the verdict wrapper."""

    info = CaseInfo(
        id=case_id,
        title=title,
        spec=spec,
        requirement=requirement,
        sut=Role(sut) if sut else None,
        ocpp_version=ocpp_version,
        needs=tuple(needs),
    )

    def decorate(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(fn)
        async def run_case(*args: Any, **kwargs: Any) -> None:
            from conformance.session import run_case_body

            await run_case_body(fn, args, kwargs)

        run_case.__conformance_case__ = info  # type: ignore[attr-defined]
        return run_case

    return decorate


def case_info(fn: Any) -> CaseInfo | None:
    return getattr(fn, "__conformance_case__", None)
