"""OCPP date-time values: writing them as the specifications show them, reading what a peer sent.

Every version writes UTC with a `Z` and at most three fractional digits (2.0.1 Part 2 §2.1.4 allows no more);
`parse_iso` reads any RFC 3339 date-time, a timestamp without an offset counting as UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any


def iso(moment: datetime) -> str:
    """`moment` as an OCPP date-time in UTC with milliseconds: 2026-12-04T07:26:19.123Z."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    return iso(datetime.now(timezone.utc))


def in_days(days: float) -> str:
    """A date-time `days` from now, to the second (expiry dates)."""
    moment = datetime.now(timezone.utc) + timedelta(days=days)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: Any) -> datetime | None:
    """An aware datetime from an OCPP date-time; None when `text` is not one."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
