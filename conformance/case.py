"""The `@case` decorator: OCTT metadata on a conformance case and the verdict wrapper around its body."""

from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable

from conformance.case_info import CaseInfo
from conformance.session import run_case_body
from conformance.wire import Role


def case(
    case_id: str,
    title: str,
    *,
    spec: str,
    requirement: str,
    sut: Role | str | None = None,
    ocpp_version: str = "",
    needs: tuple[str, ...] = (),
    profile: str = "",
) -> Callable[[Callable[..., Awaitable[None]]], Callable[..., Awaitable[None]]]:
    """Mark an async test function as a conformance case and run its body under the verdict wrapper.

    `needs` names what the case needs beyond its feature profile: descriptor features ("fixed_cable") and the
    optional test data it reads (`conformance.iut.OPTIONAL_DATA`, e.g. "id_tags.blocked"); without one of them the
    case is not applicable. `profile`: the certification profile of an OCPP 2.x case ("core"); a 1.6 case's is its
    folder."""
    _check_data_needs(case_id, needs)
    info = CaseInfo(
        id=case_id,
        title=title,
        spec=spec,
        requirement=requirement,
        sut=Role(sut) if sut else None,
        ocpp_version=ocpp_version,
        needs=tuple(needs),
        profile=profile,
    )

    def decorate(fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(fn)
        async def run_case(*args: Any, **kwargs: Any) -> None:
            await run_case_body(fn, args, kwargs)

        run_case.__conformance_case__ = info  # type: ignore[attr-defined]
        return run_case

    return decorate


def _check_data_needs(case_id: str, needs: tuple[str, ...]) -> None:
    data = [n for n in needs if "." in n]
    if not data:
        return
    from conformance.iut import OPTIONAL_DATA  # imported here so that `import conformance` stays free of yaml

    unknown = [n for n in data if n not in OPTIONAL_DATA]
    if unknown:
        raise ValueError(f"{case_id}: needs {unknown[0]!r} is no optional test data; those are: {', '.join(OPTIONAL_DATA)}")


def case_info(fn: Any) -> CaseInfo | None:
    return getattr(fn, "__conformance_case__", None)
