"""Comparing two runs: what regressed, what got fixed, what is new or gone (keyed by (IUT, case ID)).

Verdicts fall in three kinds: good (passed, passed with warnings, waived, not applicable), bad (failed,
broken) and unjudged (inconclusive: the case's starting state was not reached, so its requirement was not
judged). A change of verdict is sorted as:

- good → bad, and inconclusive → bad: a regression (the case now fails or breaks);
- good → inconclusive: *no longer judged*, a regression of its own kind. It is listed on its own, because it
  says the IUT (or its set-up) no longer reaches the case's starting state, not that the requirement is
  broken; it still counts for the exit code, so a CI gate does not let a case silently drop out of judgement;
- bad → good other than not applicable, and inconclusive → good other than not applicable: a fix;
- anything else (good → another good verdict, bad → another bad one, bad → inconclusive, bad or
  inconclusive → not applicable): another change.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping

from . import BAD_VERDICTS, GOOD_VERDICTS, UNJUDGED_VERDICTS, VERDICT_LABELS, ReportError

Key = tuple[str, str]  # (iut, case id)


@dataclass(frozen=True)
class CaseChange:
    iut: str
    id: str
    title: str
    before: str | None  # verdict in the base run (None: not in it)
    after: str | None  # verdict in the new run (None: not in it)
    message: str | None = None  # the new run's message (or the base run's for a removed case)


@dataclass
class Comparison:
    regressions: list[CaseChange] = field(default_factory=list)  # passed/…/n.a./inconclusive → failed/broken
    no_longer_judged: list[CaseChange] = field(default_factory=list)  # passed/…/n.a. → inconclusive
    fixes: list[CaseChange] = field(default_factory=list)  # failed/broken/inconclusive → passed/…/waived
    new: list[CaseChange] = field(default_factory=list)
    removed: list[CaseChange] = field(default_factory=list)
    changed: list[CaseChange] = field(default_factory=list)  # any other verdict change
    unchanged: int = 0

    @property
    def has_regressions(self) -> bool:
        """What a CI gate fails on: a case that now fails or breaks, or one that is no longer judged."""
        return bool(self.regressions or self.no_longer_judged)


def _index(summary: Mapping[str, Any]) -> dict[Key, Mapping[str, Any]]:
    out: dict[Key, Mapping[str, Any]] = {}
    for case in summary.get("cases") or []:
        if isinstance(case, Mapping):
            out.setdefault((str(case.get("iut")), str(case.get("id"))), case)
    return out


def _change(key: Key, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> CaseChange:
    ref = after or before or {}
    return CaseChange(
        iut=key[0], id=key[1], title=str(ref.get("title") or ""),
        before=before.get("verdict") if before else None,
        after=after.get("verdict") if after else None,
        message=ref.get("message"),
    )


def compare(base: Mapping[str, Any], new: Mapping[str, Any]) -> Comparison:
    """Case-by-case differences from the `base` run to the `new` run."""
    old_cases, new_cases = _index(base), _index(new)
    result = Comparison()
    for key, case in new_cases.items():
        before = old_cases.get(key)
        if before is None:
            result.new.append(_change(key, None, case))
            continue
        b, a = before.get("verdict"), case.get("verdict")
        if b == a:
            result.unchanged += 1
        elif (b in GOOD_VERDICTS or b in UNJUDGED_VERDICTS) and a in BAD_VERDICTS:
            result.regressions.append(_change(key, before, case))
        elif b in GOOD_VERDICTS and a in UNJUDGED_VERDICTS:
            result.no_longer_judged.append(_change(key, before, case))
        elif (b in BAD_VERDICTS or b in UNJUDGED_VERDICTS) and a in GOOD_VERDICTS and a != "not_applicable":
            result.fixes.append(_change(key, before, case))
        else:
            result.changed.append(_change(key, before, case))
    for key, case in old_cases.items():
        if key not in new_cases:
            result.removed.append(_change(key, case, None))
    return result


def _label(verdict: str | None) -> str:
    return VERDICT_LABELS.get(verdict, verdict) if verdict else "—"


def format_comparison(c: Comparison) -> str:
    """Readable text for a terminal or a CI log."""
    lines = [
        f"{len(c.regressions)} regression(s), {len(c.no_longer_judged)} no longer judged, "
        f"{len(c.fixes)} fix(es), {len(c.new)} new, "
        f"{len(c.removed)} removed, {len(c.changed)} other change(s), {c.unchanged} unchanged"
    ]

    def block(title: str, items: list[CaseChange], show_message: bool) -> None:
        if not items:
            return
        lines.append("")
        lines.append(f"{title}:")
        for ch in sorted(items, key=lambda x: (x.iut, x.id)):
            arrow = f"{_label(ch.before)} → {_label(ch.after)}"
            lines.append(f"  {ch.id} [{ch.iut}] {ch.title}: {arrow}")
            if show_message and ch.message:
                lines.append(f"      {ch.message}")

    block("REGRESSIONS", c.regressions, True)
    block("NO LONGER JUDGED (precondition not reached)", c.no_longer_judged, True)
    block("Fixed", c.fixes, False)
    block("Other verdict changes", c.changed, True)
    block("New cases", c.new, True)
    block("Removed cases", c.removed, False)
    return "\n".join(lines)


def run_compare(base_path: str | os.PathLike[str], new_path: str | os.PathLike[str]) -> int:
    """CLI: print the comparison; exit 1 on a regression or a case no longer judged, 2 when a summary cannot be
    read, else 0."""
    from .summary import load_summary

    try:
        base, new = load_summary(base_path), load_summary(new_path)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = compare(base, new)
    print(format_comparison(result))
    return 1 if result.has_regressions else 0
