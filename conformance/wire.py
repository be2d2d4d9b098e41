"""The wire log: every raw frame in both directions plus harness events, in one ordered log.

A `Wire` belongs to a run. Each case opens a segment; records carry the segment they were
recorded in, so a case's evidence is the slice of the log between its begin and end.
Frames are recorded *before* anything parses or routes them, so nothing escapes judgement.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Callable, Iterable

from conformance.redaction import redact_frame, redact_value


class Role(StrEnum):
    CHARGE_POINT = "charge_point"
    CSMS = "csms"

    @property
    def other(self) -> "Role":
        return Role.CSMS if self is Role.CHARGE_POINT else Role.CHARGE_POINT


class Kind(StrEnum):
    FRAME = "frame"
    EVENT = "event"


class MessageType:
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    NAMES = {2: "CALL", 3: "CALLRESULT", 4: "CALLERROR", 5: "CALLRESULTERROR", 6: "SEND"}


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"


@dataclass(frozen=True)
class Violation:
    """A broken rule, attributed to the side that broke it."""

    rule_id: str
    level: Level
    message: str
    seq: int | None  # wire sequence number of the offending frame, None for a timer-based finding
    by_iut: bool
    spec: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "level": str(self.level),
            "message": self.message,
            "seq": self.seq,
            "by_iut": self.by_iut,
            "spec": self.spec,
        }


@dataclass
class Record:
    """One entry of the wire log: a frame (kind FRAME) or a harness event (kind EVENT)."""

    seq: int
    kind: Kind
    t_mono: float
    t_wall: str  # ISO 8601 UTC with milliseconds
    segment: str | None
    connection: int | None = None  # connection number within the run, frames and connection events
    # --- frames ---
    sender: Role | None = None
    from_iut: bool = False
    deliberate: bool = False  # sent by the suite on purpose (send_raw): never judged against anyone
    opcode: str = "text"  # "text" | "binary"
    raw: str | bytes | None = None
    size: int = 0
    message_type: int | None = None
    unique_id: str | None = None
    action: str | None = None  # for CALLRESULT/CALLERROR: the action of the CALL answered, when known
    payload: Any = None
    error_code: str | None = None  # CALLERROR only
    parse_error: str | None = None  # why the frame is not a usable OCPP-J message
    answers: int | None = None  # CALLRESULT/CALLERROR: the sequence number of the CALL it answers
    # --- events ---
    event: str | None = None  # connect | handshake | close | driver | note | timeout
    data: dict[str, Any] = field(default_factory=dict)
    # --- judgement ---
    violations: list[Violation] = field(default_factory=list)

    @property
    def is_call(self) -> bool:
        return self.kind is Kind.FRAME and self.message_type == MessageType.CALL

    @property
    def is_result(self) -> bool:
        return self.kind is Kind.FRAME and self.message_type == MessageType.CALLRESULT

    @property
    def is_error(self) -> bool:
        return self.kind is Kind.FRAME and self.message_type == MessageType.CALLERROR

    def text(self, limit: int = 2000) -> str:
        """The raw frame as text for display: credentials taken out (conformance.redaction), cut to `limit`
        characters."""
        if self.raw is None:
            return ""
        if isinstance(self.raw, bytes):
            shown = self.raw[: limit // 2].hex()
            return f"<binary {len(self.raw)} bytes: {shown}{'…' if len(self.raw) > limit // 2 else ''}>"
        shown = redact_frame(self.raw)
        return shown if len(shown) <= limit else shown[:limit] + f"… <{len(self.raw)} chars>"

    def describe(self) -> str:
        """One readable line: `#12 10:00:01.123 IUT→ CALL Heartbeat [id] {...}`."""
        clock = self.t_wall[11:23]
        if self.kind is Kind.EVENT:
            details = " ".join(f"{k}={v}" for k, v in redact_value(self.data).items())
            return f"#{self.seq} {clock} -- {self.event} {details}".rstrip()
        arrow = "IUT→" if self.from_iut else ("→IUT" + ("*" if self.deliberate else ""))
        kind = MessageType.NAMES.get(self.message_type, "?") if self.message_type else "INVALID"
        what = self.action or ""
        if self.error_code:
            what = f"{what} {self.error_code}".strip()
        return f"#{self.seq} {clock} {arrow} {kind} {what} {self.text(300)}"

    def to_dict(self) -> dict[str, Any]:
        """The record as the JSONL wire log writes it (credentials taken out, see `text`)."""
        out: dict[str, Any] = {
            "seq": self.seq,
            "kind": str(self.kind),
            "t_mono": round(self.t_mono, 6),
            "t_wall": self.t_wall,
            "segment": self.segment,
            "connection": self.connection,
        }
        if self.kind is Kind.FRAME:
            out.update(
                sender=str(self.sender) if self.sender else None,
                from_iut=self.from_iut,
                deliberate=self.deliberate,
                opcode=self.opcode,
                raw=redact_frame(self.raw) if isinstance(self.raw, str) else (self.raw.hex() if self.raw else None),
                size=self.size,
                message_type=self.message_type,
                unique_id=self.unique_id,
                action=self.action,
                error_code=self.error_code,
                parse_error=self.parse_error,
            )
        else:
            out.update(event=self.event, data=redact_value(_jsonable(self.data)))
        if self.violations:
            out["violations"] = [redact_value(v.to_dict()) for v in self.violations]
        return out


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        if isinstance(value, dict):
            return {str(k): _jsonable(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [_jsonable(v) for v in value]
        return repr(value)


def now_wall() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Listener = Callable[[Record], None]


class Wire:
    """Ordered, append-only log of the link with one IUT over a run. Listeners see each record once."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.segment: str | None = None
        self._listeners: list[Listener] = []
        self._seq = 0
        self._connections = 0

    # -- segments ----------------------------------------------------------------------------
    def begin_segment(self, name: str) -> int:
        """Start a case's segment; returns the sequence number it starts after."""
        self.segment = name
        return self._seq

    def end_segment(self) -> None:
        self.segment = None

    def segment_records(self, name: str) -> list[Record]:
        return [r for r in self.records if r.segment == name]

    # -- recording ---------------------------------------------------------------------------
    def new_connection_number(self) -> int:
        self._connections += 1
        return self._connections

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def append(self, record: Record) -> Record:
        self.records.append(record)
        for listener in list(self._listeners):
            listener(record)
        return record

    def event(self, name: str, connection: int | None = None, **data: Any) -> Record:
        rec = Record(
            seq=self.next_seq(),
            kind=Kind.EVENT,
            t_mono=time.monotonic(),
            t_wall=now_wall(),
            segment=self.segment,
            connection=connection,
            event=name,
            data=data,
        )
        return self.append(rec)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def after(self, seq: int) -> Iterable[Record]:
        """Records with a sequence number greater than `seq` (records are in seq order)."""
        lo, hi = 0, len(self.records)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.records[mid].seq <= seq:
                lo = mid + 1
            else:
                hi = mid
        return self.records[lo:]

    @property
    def last_seq(self) -> int:
        return self._seq

    def record(self, seq: int) -> Record | None:
        """The record with sequence number `seq`, if it is in the log."""
        found = self.after(seq - 1)
        return found[0] if found and found[0].seq == seq else None

    def violations(self, segment: str | None = None) -> list[Violation]:
        return [v for r in self.records if segment is None or r.segment == segment for v in r.violations]

    def own_violations(self, segment: str) -> list[Violation]:
        """The violations a case's segment is answerable for: a reply that arrives in it late, to a CALL of an earlier
        case, is that case's business (it already met the silence); the reply stays in this segment's log."""
        out = []
        for rec in self.records:
            if rec.segment != segment or not rec.violations:
                continue
            call = self.record(rec.answers) if rec.answers is not None else None
            if call is not None and call.segment != segment:
                continue
            out.extend(rec.violations)
        return out


def render_text(records: Iterable[Record]) -> str:
    """Readable wire log: one line per record, violations indented below their frame."""
    lines = []
    for rec in records:
        lines.append(rec.describe())
        for v in rec.violations:
            who = "IUT" if v.by_iut else "suite"
            lines.append(f"    !! {v.level} {v.rule_id} ({who}): {redact_value(v.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_jsonl(records: Iterable[Record]) -> str:
    return "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in records)
