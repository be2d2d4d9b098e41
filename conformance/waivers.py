"""Waivers: explicit, reasoned exceptions for failures known and accepted (a rule an IUT is known to break,
a known schema erratum). Every waiver shows in the reports; an expired one stops matching and the report
says so.

Waiver file (YAML), a list (or a mapping with a `waivers:` list) of entries:

    - case: TC_010_CS          # a case ID; "TC_004" also covers TC_004_1_CS, TC_004_2_CS; "TC_06*" is a prefix
      rule: SCH-001            # a rule ID or prefix ("SCH-*"); case and/or rule is required
      iut: acme-wallbox        # optional: only for this IUT (descriptor name)
      reason: firmware 1.2 sends meterValue [] (vendor ticket 4711)   # required
      expires: 2027-01-01      # optional: the waiver no longer applies from this day on

A case-level waiver (no `rule`) covers any failure of the case. A rule-level waiver covers a failure only
when it was caused by rule violations alone and every MUST violation of the case is covered by a waiver.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

_FIELDS = ("case", "rule", "iut", "reason", "expires")
# Failure categories produced by the judges of the wire log alone (no scenario expectation involved).
VIOLATION_CATEGORIES = frozenset({"schema", "framing", "timing"})


class WaiverError(Exception):
    """A mistake in a waiver file. str() is one line naming the file, the entry and the field."""


@dataclass(frozen=True)
class Waiver:
    reason: str
    case: str | None = None
    rule: str | None = None
    iut: str | None = None
    expires: date | None = None
    index: int = 0  # position in the file, 1-based (0 for a combined waiver)
    source: str = ""

    @property
    def level(self) -> str:
        return "rule" if self.rule else "case"

    def is_expired(self, today: date) -> bool:
        return self.expires is not None and today >= self.expires

    def covers_case(self, case_id: str, iut: str | None) -> bool:
        if self.iut is not None and self.iut != iut:
            return False
        return self.case is None or _case_matches(self.case, case_id)

    def covers_rule(self, rule_id: str) -> bool:
        return self.rule is not None and _pattern_matches(self.rule, rule_id)

    def to_summary(self, *, expired: bool = False) -> dict[str, Any]:
        """The `waiver` field of a case in summary.json."""
        out: dict[str, Any] = {
            "reason": self.reason,
            "expires": self.expires.isoformat() if self.expires else None,
            "matched": self.level,
            "case": self.case,
            "rule": self.rule,
            "iut": self.iut,
        }
        if expired:
            out["expired"] = True
        return out

    to_dict = to_summary

    def describe(self) -> str:
        scope = " ".join(f"{k}={v}" for k, v in (("case", self.case), ("rule", self.rule), ("iut", self.iut)) if v)
        until = f" (expires {self.expires.isoformat()})" if self.expires else ""
        return f"{scope}: {self.reason}{until}"


def _pattern_matches(pattern: str, value: str) -> bool:
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    return value == pattern


def _case_matches(pattern: str, case_id: str) -> bool:
    # "TC_004" covers "TC_004_1_CS" but "TC_001_CS" must not cover "TC_001_CSMS": prefixes end at a "_".
    return _pattern_matches(pattern, case_id) or case_id.startswith(pattern + "_")


@dataclass
class Waivers:
    entries: list[Waiver] = field(default_factory=list)
    source: str = ""

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)

    def match(
        self,
        case_id: str,
        iut: str | None,
        failing_rule_ids: Sequence[str],
        today: date | None = None,
        *,
        only_violations: bool = True,
    ) -> Waiver | None:
        """The waiver covering this failure, or None. Expired waivers never match (see `expired_for`).

        `failing_rule_ids`: IDs of the MUST violations by the IUT in the case. `only_violations`: the failure
        was caused by those violations alone (no unmet expectation, no timeout of the scenario).
        """
        used = self._covering(case_id, iut, failing_rule_ids, today or date.today(), only_violations,
                              include_expired=False)
        return _one(used) if used else None

    def expired_for(
        self,
        case_id: str,
        iut: str | None,
        failing_rule_ids: Sequence[str],
        today: date | None = None,
        *,
        only_violations: bool = True,
    ) -> Waiver | None:
        """The expired waiver(s) that would have covered this failure, so the report can say when they ran out.

        None when a valid waiver covers it, or when it would not be covered even counting expired waivers.
        """
        today = today or date.today()
        if self._covering(case_id, iut, failing_rule_ids, today, only_violations, include_expired=False):
            return None
        used = self._covering(case_id, iut, failing_rule_ids, today, only_violations, include_expired=True)
        expired = [w for w in used if w.is_expired(today)]
        return _one(expired) if expired else None

    def _covering(self, case_id: str, iut: str | None, failing_rule_ids: Sequence[str], today: date,
                  only_violations: bool, *, include_expired: bool) -> list[Waiver]:
        """The waivers that together cover the failure ([] when it is not covered)."""
        candidates = [w for w in self.entries
                      if (include_expired or not w.is_expired(today)) and w.covers_case(case_id, iut)]
        # Valid waivers first, so an expired one is named only when it made the difference.
        candidates.sort(key=lambda w: w.is_expired(today))
        for w in candidates:
            if w.rule is None:
                return [w]
        rules = list(dict.fromkeys(failing_rule_ids))
        if not only_violations or not rules:
            return []
        used: list[Waiver] = []
        for rule_id in rules:
            cover = next((w for w in candidates if w.covers_rule(rule_id)), None)
            if cover is None:
                return []
            if cover not in used:
                used.append(cover)
        return used

    def stale(self, today: date | None = None) -> list[Waiver]:
        """Waivers already expired (worth pruning from the file)."""
        today = today or date.today()
        return [w for w in self.entries if w.is_expired(today)]


def _one(waivers: list[Waiver]) -> Waiver:
    """One waiver standing for several rule waivers that together cover a case."""
    if len(waivers) == 1:
        return waivers[0]
    expiries = [w.expires for w in waivers if w.expires]
    cases = {w.case for w in waivers}
    iuts = {w.iut for w in waivers}
    return Waiver(
        reason="; ".join(f"{w.rule}: {w.reason}" for w in waivers),
        case=cases.pop() if len(cases) == 1 else None,
        rule=", ".join(w.rule or "" for w in waivers),
        iut=iuts.pop() if len(iuts) == 1 else None,
        expires=min(expiries) if expiries else None,
        index=0,
        source=waivers[0].source,
    )


def load_waivers(path: str | os.PathLike[str]) -> Waivers:
    """Read and check a waiver file; a mistake raises WaiverError naming file, entry and field."""
    import yaml  # only needed when a waiver file is used

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WaiverError(f"{path}: waiver file not found (check the --waivers path)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiverError(f"{path}: cannot read waiver file: {exc}") from None
    try:
        data = yaml.load(text, Loader=_loader(yaml))  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise WaiverError(f"{path}: invalid YAML{where}: {problem}") from None
    return parse_waivers(data, source=str(path))


def _loader(yaml: Any) -> type:
    """SafeLoader that leaves dates as text, so a bad date is reported by field rather than by YAML."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def parse_waivers(data: Any, source: str = "<waivers>") -> Waivers:
    """Check already-parsed waiver data (see the module docstring for the format)."""
    if data is None:
        return Waivers([], source)
    if isinstance(data, Mapping):
        if set(data) != {"waivers"}:
            raise WaiverError(f"{source}: expected a list of waivers (or a mapping with only a 'waivers:' list)")
        data = data["waivers"] or []
    if not isinstance(data, list):
        raise WaiverError(f"{source}: expected a list of waivers, got {type(data).__name__}")
    return Waivers([_parse_entry(entry, i, source) for i, entry in enumerate(data, start=1)], source)


def _parse_entry(entry: Any, index: int, source: str) -> Waiver:
    where = f"{source}: waiver {index}"
    if not isinstance(entry, Mapping):
        raise WaiverError(f"{where}: expected a mapping with case/rule/iut/reason/expires, got {type(entry).__name__}")
    unknown = [str(k) for k in entry if k not in _FIELDS]
    if unknown:
        raise WaiverError(f"{where}: unknown field '{unknown[0]}' (allowed: {', '.join(_FIELDS)})")

    def text(name: str, required: bool = False) -> str | None:
        value = entry.get(name)
        if value is None:
            if required:
                raise WaiverError(f"{where}: field '{name}' is required (say why the failure is accepted)")
            return None
        if not isinstance(value, str) or not value.strip():
            raise WaiverError(f"{where}: field '{name}' must be a non-empty text")
        return value.strip()

    case, rule, iut = text("case"), text("rule"), text("iut")
    reason = text("reason", required=True)
    if case is None and rule is None:
        raise WaiverError(f"{where}: field 'case' or 'rule' is required (a waiver must say what it covers)")
    for name, value in (("case", case), ("rule", rule)):
        if value is not None and "*" in value[:-1]:
            raise WaiverError(f"{where}: field '{name}': '*' is only allowed at the end ({value!r})")
    return Waiver(reason=reason or "", case=case, rule=rule, iut=iut,
                  expires=_parse_date(entry.get("expires"), where), index=index, source=source)


def _parse_date(value: Any, where: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise WaiverError(f"{where}: field 'expires': {value!r} is not a date (use YYYY-MM-DD)")


def apply_waivers(case: dict[str, Any], waivers: Waivers | None, today: date | None = None,
                  *, only_violations: bool | None = None) -> dict[str, Any]:
    """Apply waivers to one case entry of the summary (in place; returned for convenience).

    A failed case covered by a waiver becomes `waived` with the waiver recorded; one covered only by an
    expired waiver stays failed and records the waiver with `expired: true`. `only_violations` defaults to
    "the failure category is one the wire judges produce" (schema, framing, timing).
    """
    if not waivers or case.get("verdict") != "failed":
        return case
    today = today or date.today()
    if only_violations is None:
        only_violations = case.get("category") in VIOLATION_CATEGORIES
    rules = [v["rule_id"] for v in case.get("violations") or []
             if v.get("level") == "MUST" and v.get("by_iut", True)]
    args = (case.get("id", ""), case.get("iut"), rules, today)
    waiver = waivers.match(*args, only_violations=only_violations)
    if waiver is not None:
        case["verdict"] = "waived"
        case["waiver"] = waiver.to_summary()
        return case
    expired = waivers.expired_for(*args, only_violations=only_violations)
    if expired is not None:
        case["waiver"] = expired.to_summary(expired=True)
    return case


def apply_waivers_to_summary(summary: dict[str, Any], waivers: Waivers | None,
                             today: date | None = None) -> dict[str, Any]:
    """Apply waivers to every case and recount the totals."""
    from conformance.reporting.summary import verdict_totals

    for case in summary.get("cases") or []:
        apply_waivers(case, waivers, today)
    summary["totals"] = verdict_totals(summary.get("cases") or [])
    return summary


def format_waivers(waivers: Iterable[Waiver]) -> str:
    return "\n".join(f"#{w.index} {w.describe()}" for w in waivers)
