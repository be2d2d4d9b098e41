"""The case being run: its link, measurements, and the verdict check that follows its body.

Kept free of pytest so the verdict logic is testable on its own; the plugin sets `current` around each case.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from conformance.case_info import CaseInfo
from conformance.errors import Broken, Inconclusive, NoResponse, RuleViolations
from conformance.wire import Level, Violation


@dataclass
class CaseContext:
    info: CaseInfo
    segment: str
    link: Any = None  # conformance.link.Link
    strict: bool = False
    measurements: dict[str, Any] = field(default_factory=dict)


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
    if rule_id.startswith("BEH-012"):  # no answer in time / late answer
        return "timing"
    return "behaviour"


def case_violations(ctx: CaseContext) -> list[Violation]:
    if ctx.link is None:
        return []
    return ctx.link.wire.own_violations(ctx.segment)


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
    lines = [f"  {v.level} {v.rule_id}{_at(v)}: {v.message}" for v in failing[:20]]
    if len(failing) > 20:
        lines.append(f"  … and {len(failing) - 20} more")
    more = f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
    return RuleViolations(
        f"{first.rule_id}{_at(first)}: {_clip_line(first.message, 500)}{more}",
        "  violations:\n" + "\n".join(lines) + "\n" + ctx.link.peer.last_frames(),
        category=category_of(first.rule_id),
    )


def iut_failures(ctx: CaseContext) -> list[Violation]:
    """The IUT's violations in the case so far that fail it: MUST rules (and SHOULD rules under --strict)."""
    return [v for v in case_violations(ctx) if v.by_iut and (v.level is Level.MUST or ctx.strict)]


def also_broke(ctx: CaseContext | None, headline: str, exc: BaseException | None = None) -> tuple[str, str]:
    """What to add to a failed case's one-line message and details so they name the rules the IUT broke on the wire
    during the case (garbage, binary frames, schema errors), not only the expectation that then went unmet.

    Returns ("", "") when there is nothing to add: no such violation, or the message already names them."""
    if ctx is None or ctx.link is None or isinstance(exc, RuleViolations):
        return "", ""
    found = [v for v in iut_failures(ctx) if v.rule_id not in headline]
    if isinstance(exc, NoResponse):  # an unanswered CALL is already the headline; BEH-012 would repeat it
        found = [v for v in found if v.rule_id != "BEH-012"]
    if not found:
        return "", ""
    first = found[0]
    others = sorted({v.rule_id for v in found} - {first.rule_id})
    suffix = f" (the IUT also broke {first.rule_id}{_at(first)}: {_clip_line(first.message, 120)}"
    if len(found) > 1:
        suffix += f"; {len(found) - 1} more violation{'s' if len(found) > 2 else ''}" + (f": {', '.join(others)}" if others else "")
    suffix += ")"
    lines = [f"  {v.level} {v.rule_id}{_at(v)}: {_clip_line(v.message, 300)}" for v in found[:20]]
    if len(found) > 20:
        lines.append(f"  … and {len(found) - 20} more")
    return suffix, "  violations on the wire:\n" + "\n".join(lines)


def _at(v: Violation) -> str:
    """Where a violation is on the wire; timer-based findings (BEH-012) have no frame."""
    return f" at #{v.seq}" if v.seq is not None else ""


def _clip_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def outcome_of(ctx: CaseContext | None, exc: BaseException) -> BaseException:
    """What a case that stopped on `exc` amounts to. The IUT's MUST violations in the case win over whatever went
    wrong afterwards: a driver that broke, a wait the case did not explain, a precondition then out of reach — the
    case is *failed* with the violation as its reason and the later trouble noted."""
    if ctx is None or isinstance(exc, AssertionError):
        return exc
    if isinstance(exc, Inconclusive) and not exc.own_violations:
        return exc
    if not isinstance(exc, Exception):  # a skip, an interrupt: not a verdict of the IUT's
        return exc
    failure = violation_failure(ctx)
    if not isinstance(failure, RuleViolations):
        return exc
    what = "a precondition was then out of reach" if isinstance(exc, Inconclusive) else \
        f"the case then stopped on {type(exc).__name__}"
    note = f"  {what}: {_clip_line(getattr(exc, 'headline', None) or str(exc), 300)}\n"
    combined = type(failure)(failure.headline, failure.details + note, category=failure.category)
    combined.__cause__ = exc
    return combined


async def run_case_body(fn: Callable[..., Awaitable[None]], args: tuple, kwargs: dict) -> None:
    ctx = current
    if ctx is None:  # run outside the plugin (e.g. imported): just run it
        await fn(*args, **kwargs)
        return
    link = ctx.link
    link.peer.mark_now()
    cap = link.descriptor.timeouts.case
    began = time.monotonic()
    stopped_on: Exception | None = None  # neither a deviation nor a suite verdict: the case tripped over something
    try:
        await asyncio.wait_for(fn(*args, **kwargs), cap)
    except TimeoutError as exc:
        if time.monotonic() - began >= cap:
            stopped_on = Broken(f"the case exceeded its hard cap of {cap:g} s (timeouts.case) — a wait in the case "
                                "is unbounded")
        else:
            stopped_on = exc  # the case's own bounded wait expired and it did not say what that means
    except AssertionError:
        raise
    except Exception as exc:  # a suite or driver error, an unreached precondition, code that tripped over the IUT
        stopped_on = exc
    finally:
        await link.peer.drain()
        overdue = link.judge.overdue(time.monotonic())
        if overdue:
            rec = link.wire.event("timeout", connection=link.peer.connection_no, overdue=len(overdue))
            rec.violations.extend(overdue)
    if stopped_on is not None:
        # An IUT that sent wrong types (a string interval, a number for a date) makes case code trip (TypeError);
        # when it broke MUST rules on the wire, that is the verdict: failed, not a suite error.
        raise outcome_of(ctx, stopped_on)
    failure = violation_failure(ctx)
    if failure is not None:
        raise failure



def warn(rule_id: str, message: str, spec: str = "") -> None:
    """Record a finding against the IUT of a case's own check, under a SHOULD rule of the catalogue (pass with
    warnings). MUST requirements are assertions; tests/test_rule_catalogue.py keeps `warn` to SHOULD rules."""
    from conformance.rules.catalogue import RULES

    rule = RULES.get(rule_id)
    if rule is None:
        raise Broken(f"warn() names {rule_id!r}, which conformance/rules/catalogue.py does not list")
    if current is None or current.link is None:
        return
    link = current.link
    rec = link.wire.event("finding", connection=link.peer.connection_no, rule=rule_id)
    rec.violations.append(Violation(rule_id, rule.level, message, None, True, spec or rule.spec))
