"""Allure steps for each exchange a case makes (a CALL and its answer, an expectation and the frame that met it).

Only the case's own task opens steps; answers the suite gives in the background are not steps, so nesting stays
right under asyncio. Without allure-pytest active, steps cost a no-op context manager.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, Iterator

from conformance.redaction import redact, redact_payload

try:
    import allure as _allure
except ImportError:  # pragma: no cover - allure-pytest is a dependency
    _allure = None


def _short(payload: Any, limit: int = 160) -> str:
    try:
        text = json.dumps(redact_payload(payload), ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(payload)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def step(title: str) -> Iterator[None]:
    if _allure is None:
        yield
        return
    with _allure.step(redact(title)):  # step titles quote payloads: no credential goes into the Allure results
        yield


def note(title: str) -> None:
    """A zero-length step, e.g. the frame that answered."""
    with step(title):
        pass


def call_title(action: str, payload: Any) -> str:
    return f"→ CALL {action} {_short(payload)}"


def frame_title(rec: Any) -> str:
    from conformance.wire import MessageType

    kind = MessageType.NAMES.get(rec.message_type, "frame") if rec.message_type else "frame"
    what = rec.error_code or rec.action or ""
    return f"← #{rec.seq} {kind} {what} {_short(rec.payload)}".replace("  ", " ")


def check_interval(elapsed: float, interval: float, tolerance: float, what: str, *, early: bool = True,
                   late: bool = True) -> None:
    """A timed interval measured as `elapsed` seconds must be `interval` within `tolerance` (from
    `Timeouts.interval_tolerance`): too early fails unless `early` is False, too late unless `late` is False (for
    timings the specification bounds on one side only)."""
    allowed = f"{interval:g} s, ±{tolerance:g} s (the descriptor's tolerance, at most a quarter of the interval)"
    assert not early or elapsed >= interval - tolerance, (
        f"[timing] {what} after {elapsed:.2f} s, {interval - elapsed:.2f} s too early: expected {allowed}")
    assert not late or elapsed <= interval + tolerance, (
        f"[timing] {what} after {elapsed:.2f} s, {elapsed - interval:.2f} s too late: expected {allowed}")
