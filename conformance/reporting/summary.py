"""The run summary: the machine-readable result of a run (`reports/summary.json`).

Every other report is rendered from it, so it is written in a stable form (fixed key order, UTF-8,
trailing newline) that diffs cleanly and whose SHA-256 the HTML report can quote.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import VERDICTS, ReportError

SUMMARY_FORMAT = 1
SUMMARY_FILENAME = "summary.json"
SCHEMA_PATH = Path(__file__).with_name("summary_schema.json")

# Key order used when writing; keys not listed follow in alphabetical order.
_TOP_ORDER = ("format", "suite", "run", "iuts", "totals", "cases")
_RUN_ORDER = ("started", "finished", "duration_s", "argv", "strict", "host", "python")
_IUT_ORDER = ("name", "sut", "ocpp_version", "identity", "endpoint", "security_profile", "descriptor", "features", "boot")
_BOOT_ORDER = ("chargePointVendor", "chargePointModel", "chargePointSerialNumber", "firmwareVersion")
_CASE_ORDER = (
    "id", "title", "iut", "nodeid", "ocpp_version", "profile", "block", "section", "sut", "spec", "requirement",
    "verdict", "category", "message", "explained_by", "details", "duration_s", "violations", "waiver", "measurements",
    "wire_log", "wire_log_text",
)
_VIOLATION_ORDER = ("rule_id", "level", "message", "seq", "by_iut", "spec")
_WAIVER_ORDER = ("reason", "expires", "matched", "expired", "case", "rule", "iut")
_EXPLAINED_BY_ORDER = ("case", "nodeid", "frame_seq", "message")


def _ordered(mapping: Mapping[str, Any], order: Iterable[str]) -> dict[str, Any]:
    order = tuple(order)
    known = [k for k in order if k in mapping]
    rest = sorted(k for k in mapping if k not in order)
    return {k: mapping[k] for k in known + rest}


def _sorted_deep(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _sorted_deep(value[k]) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_sorted_deep(v) for v in value]
    return value


def canonical(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The summary with its keys in the order it is written in (values unchanged)."""
    out = _ordered(summary, _TOP_ORDER)
    if isinstance(out.get("suite"), Mapping):
        out["suite"] = _ordered(out["suite"], ("name", "version"))
    if isinstance(out.get("run"), Mapping):
        out["run"] = _ordered(out["run"], _RUN_ORDER)
    if isinstance(out.get("totals"), Mapping):
        out["totals"] = _ordered(out["totals"], VERDICTS)
    iuts = []
    for iut in out.get("iuts") or []:
        iut = _ordered(iut, _IUT_ORDER)
        if isinstance(iut.get("boot"), Mapping):
            iut["boot"] = _ordered(iut["boot"], _BOOT_ORDER)
        iuts.append(iut)
    if "iuts" in out:
        out["iuts"] = iuts
    cases = []
    for case in out.get("cases") or []:
        case = _ordered(case, _CASE_ORDER)
        if isinstance(case.get("violations"), list):
            case["violations"] = [_ordered(v, _VIOLATION_ORDER) for v in case["violations"]]
        if isinstance(case.get("waiver"), Mapping):
            case["waiver"] = _ordered(case["waiver"], _WAIVER_ORDER)
        if isinstance(case.get("explained_by"), Mapping):
            case["explained_by"] = _ordered(case["explained_by"], _EXPLAINED_BY_ORDER)
        if isinstance(case.get("measurements"), Mapping):
            case["measurements"] = _sorted_deep(case["measurements"])
        cases.append(case)
    if "cases" in out:
        out["cases"] = cases
    return out


def dumps(summary: Mapping[str, Any]) -> str:
    return json.dumps(canonical(summary), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_summary(report_dir: str | os.PathLike[str], summary: Mapping[str, Any]) -> Path:
    """Write `<report_dir>/summary.json` atomically and return its path."""
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    path = report_dir / SUMMARY_FILENAME
    try:
        text = dumps(summary)
    except (TypeError, ValueError) as exc:  # NaN/Infinity or a non-JSON object in the data
        raise ReportError(f"summary cannot be written as JSON: {exc}") from None
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_summary(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a summary file. A missing or unusable file raises ReportError with one line naming it."""
    path = Path(path)
    if path.is_dir():
        path = path / SUMMARY_FILENAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: summary file not found (a run writes it to reports/{SUMMARY_FILENAME})") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path}: not a UTF-8 text file, so not a summary") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot read summary: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict) or "format" not in data or "cases" not in data:
        raise ReportError(f"{path}: not an ocpp-conformance summary (expected an object with 'format' and 'cases')")
    if data["format"] != SUMMARY_FORMAT:
        raise ReportError(
            f"{path}: summary format {data['format']!r} is not supported (this version reads format {SUMMARY_FORMAT})"
        )
    if not isinstance(data["cases"], list):
        raise ReportError(f"{path}: field 'cases' must be a list")
    return data


def iut_identity(iut: Mapping[str, Any]) -> dict[str, Any]:
    """Vendor/model/serial/firmware of an IUT: from its BootNotification (1.6 or 2.x field names), else
    from what the descriptor declares (`vendor`, `model`, `serial`/`serial_number`, `firmware`)."""
    boot = iut.get("boot") if isinstance(iut.get("boot"), Mapping) else {}
    station = boot.get("chargingStation") if isinstance(boot.get("chargingStation"), Mapping) else {}

    def first(*keys: str) -> Any:
        for source in (boot, station):
            for key in keys:
                if source.get(key) not in (None, ""):
                    return source[key]
        return None

    return {
        "vendor": first("chargePointVendor", "vendorName", "vendor"),
        "model": first("chargePointModel", "model"),
        "serial": first("chargePointSerialNumber", "serialNumber", "serial_number", "serial"),
        "firmware": first("firmwareVersion", "firmware_version", "firmware"),
    }


def summary_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_summary(summary: Mapping[str, Any]) -> list[str]:
    """Schema errors of a summary as readable lines (`cases/3/verdict: 'ok' is not one of …`); [] when valid."""
    import jsonschema  # imported here: only tests and `validate` need it

    validator = jsonschema.Draft202012Validator(summary_schema())
    errors = sorted(validator.iter_errors(summary), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def verdict_totals(cases: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Count of cases per verdict; every verdict is present, unknown verdicts are counted under their own name."""
    totals = {v: 0 for v in VERDICTS}
    for case in cases:
        verdict = case.get("verdict")
        totals[verdict] = totals.get(verdict, 0) + 1
    return totals


DEFAULT_FAIL_ON: tuple[str, ...] = ("failed", "broken")


def parse_fail_on(text: str) -> tuple[str, ...]:
    """`"failed, inconclusive"` → ("failed", "inconclusive"); an unknown verdict is a ReportError listing the
    known ones."""
    verdicts = tuple(dict.fromkeys(v.strip() for v in text.split(",") if v.strip()))
    _check_verdicts(verdicts)
    return verdicts


def _check_verdicts(verdicts: Iterable[str]) -> None:
    unknown = [v for v in verdicts if v not in VERDICTS]
    if unknown:
        raise ReportError(f"unknown verdict(s) {', '.join(unknown)}: choose from {', '.join(VERDICTS)}")


def exit_code(summary: Mapping[str, Any], fail_on: Iterable[str] = DEFAULT_FAIL_ON) -> int:
    """1 when any case has a verdict in `fail_on`, else 0 (the CI gate). Totals are recounted from the cases."""
    fail_on = tuple(fail_on)
    _check_verdicts(fail_on)
    totals = verdict_totals(summary.get("cases") or [])
    return 1 if any(totals.get(v, 0) for v in fail_on) else 0
