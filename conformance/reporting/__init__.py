"""Turning a run's results into reports: summary.json, Allure inputs, the self-contained HTML report,
run-to-run comparison and the multi-implementation matrix.

Kept free of pytest and of heavy imports: each submodule imports what it needs when it is used.
"""

from __future__ import annotations

# Verdicts in the order reports list them (best first).
VERDICTS: tuple[str, ...] = (
    "passed",
    "passed_with_warnings",
    "not_applicable",
    "waived",
    "inconclusive",
    "failed",
    "broken",
)

# Verdicts that count as "the implementation did what the suite asked" when comparing runs.
GOOD_VERDICTS: frozenset[str] = frozenset({"passed", "passed_with_warnings", "waived", "not_applicable"})
BAD_VERDICTS: frozenset[str] = frozenset({"failed", "broken"})
# The case's starting state was not reached, so its requirement was not judged: neither good nor bad
# (see `compare` for how a change to or from it is reported).
UNJUDGED_VERDICTS: frozenset[str] = frozenset({"inconclusive"})

VERDICT_LABELS: dict[str, str] = {
    "passed": "Passed",
    "passed_with_warnings": "Passed with warnings",
    "not_applicable": "Not applicable",
    "waived": "Waived",
    "inconclusive": "Inconclusive",
    "failed": "Failed",
    "broken": "Broken",
}

# Categories of a failed, broken or inconclusive case. The message of a failed/broken case starts with
# "[<category>] "; an inconclusive case has "precondition" (or "unreachable" when the IUT was gone).
CATEGORIES: tuple[str, ...] = (
    "schema", "framing", "timing", "callerror", "no-response", "behaviour", "unreachable", "suite", "precondition",
)


class ReportError(Exception):
    """A problem the user can fix (missing file, bad input, missing tool). str() is one line."""


__all__ = ["VERDICTS", "GOOD_VERDICTS", "BAD_VERDICTS", "UNJUDGED_VERDICTS", "VERDICT_LABELS", "CATEGORIES",
           "ReportError"]
