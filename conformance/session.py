"""The case being run: its link, measurements, and the verdict check that follows its body.

Kept free of pytest so the verdict logic is testable on its own; the plugin sets `current` around each case.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from conformance.case import CaseInfo
from conformance.errors import Broken, IutDeviation, RuleViolations
from conformance.wire import Level, Violation


@dataclass
class CaseContext:
    info: CaseInfo
    segment: str
    link: Any = None  # conformance.link.Link
    strict: bool = False
    measurements: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    body_ran: bool = False


current: CaseContext | None = None


def measure(name: str, value: Any) -> None:
    """Record a measured value (a timing, an interval) in the current case's evidence."""
    if current is not None:
        current.measurements[name] = value


def category_of(rule_id: str) -> str:
    prefix = rule_id.split("-", 1)[0]
    if prefix == "SCH":
        return "schema"
    if prefix in ("RPC", "WS"):
        return "framing"
    if rule_id in ("BEH-012", "BEH-TIMEOUT") or "TIME" in rule_id:
        return "timing"
    return "behaviour"


def case_violations(ctx: CaseContext) -> list[Violation]:
    if ctx.link is None:
        return []
    return ctx.link.wire.violations(ctx.segment)


def violation_failure(ctx: CaseContext) -> Exception | None:
    """The failure the case's wire violations amount to: IUT MUST (or, under --strict, SHOULD) rules, suite bugs."""
    found = case_violations(ctx)
    suite = [v for v in found if not v.by_iut and v.level is Level.MUST]
    if suite:
        return Broken("the suite itself broke " + ", ".join(sorted({v.rule_id for v in suite})) + ": " + suite[0].message)
    failing = [v for v in found if v.by_iut and (v.level is Level.MUST or ctx.strict)]
    if not failing:
        return None
    first = failing[0]
    lines = [f"  {v.level} {v.rule_id} at #{v.seq}: {v.message}" for v in failing[:20]]
    if len(failing) > 20:
        lines.append(f"  … and {len(failing) - 20} more")
    more = f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
    return RuleViolations(
        f"{first.rule_id} at #{first.seq}: {first.message}{more}",
        "  violations:\n" + "\n".join(lines) + "\n" + ctx.link.peer.last_frames(),
        category=category_of(first.rule_id),
    )


async def run_case_body(fn: Callable[..., Awaitable[None]], args: tuple, kwargs: dict) -> None:
    ctx = current
    if ctx is None:  # run outside the plugin (e.g. imported): just run it
        await fn(*args, **kwargs)
        return
    ctx.body_ran = True
    link = ctx.link
    link.peer.mark_now()
    cap = link.descriptor.timeouts.case
    try:
        await asyncio.wait_for(fn(*args, **kwargs), cap)
    except TimeoutError:
        raise Broken(f"the case exceeded its hard cap of {cap:g} s (timeouts.case) — a wait in the case is unbounded") from None
    finally:
        await link.peer.drain()
        overdue = link.judge.overdue(time.monotonic())
        if overdue:
            rec = link.wire.event("timeout", connection=link.peer.connection_no, overdue=len(overdue))
            rec.violations.extend(overdue)
    failure = violation_failure(ctx)
    if failure is not None:
        raise failure


def is_deviation(exc: BaseException) -> bool:
    return isinstance(exc, IutDeviation)


def warn(rule_id: str, message: str, spec: str = "") -> None:
    """Record a SHOULD-level finding against the IUT found by a case's own check (pass with warnings)."""
    from conformance.wire import Violation

    if current is None or current.link is None:
        return
    link = current.link
    rec = link.wire.event("finding", connection=link.peer.connection_no, rule=rule_id)
    rec.violations.append(Violation(rule_id, Level.SHOULD, message, None, True, spec))
