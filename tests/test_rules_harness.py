"""Helpers for the rule self-tests: drive a Judge the way the recorder does (no tests here)."""

from __future__ import annotations

import json
from typing import Any

from conformance.rules import Handshake, Judge
from conformance.wire import Kind, Record, Role, Violation

T0 = 1000.0  # the feed's clock starts here; `at=` values are seconds after it
STEP = 0.01  # default gap between frames


class Feed:
    """Feeds numbered frames to a Judge with a manual monotonic clock, like the recording connection."""

    def __init__(self, version: str = "1.6", iut: Role = Role.CHARGE_POINT, **judge_options: Any) -> None:
        self.judge = Judge(version=version, iut_role=iut, **judge_options)
        self.iut_role = iut
        self.seq = 0
        self.now = T0
        self.records: list[Record] = []
        self.other: list[Violation] = []  # handshake and timer findings

    def frame(self, from_iut: bool, raw: Any, *, at: float | None = None, deliberate: bool = False,
              binary: bool = False, connection: int | None = None) -> Record:
        self.now = T0 + at if at is not None else self.now + STEP
        self.seq += 1
        if not isinstance(raw, (str, bytes)):
            raw = json.dumps(raw, ensure_ascii=False)
        sender = self.iut_role if from_iut else self.iut_role.other
        rec = Record(seq=self.seq, kind=Kind.FRAME, t_mono=self.now, t_wall="2024-05-01T12:00:00.000Z",
                     segment="case", connection=connection, sender=sender, from_iut=from_iut,
                     deliberate=deliberate, opcode="binary" if binary else "text", raw=raw, size=len(raw))
        self.judge.process(rec)
        self.records.append(rec)
        return rec

    def iut(self, raw: Any, **options: Any) -> Record:
        return self.frame(True, raw, **options)

    def suite(self, raw: Any, **options: Any) -> Record:
        return self.frame(False, raw, **options)

    def overdue(self, at: float) -> list[Violation]:
        found = self.judge.overdue(T0 + at)
        self.other += found
        return found

    def handshake(self, **fields: Any) -> list[Violation]:
        defaults = dict(path="/ocpp/CP001", expected_identity="CP001", offered=["ocpp1.6"], negotiated="ocpp1.6",
                        basic_auth_user=None, basic_auth_sent=False,
                        iut_is_server=self.iut_role is Role.CSMS, status=101)
        found = self.judge.handshake(Handshake(**{**defaults, **fields}))
        self.other += found
        return found

    def violations(self) -> list[Violation]:
        return [v for r in self.records for v in r.violations] + self.other

    def verdicts(self) -> list[str]:
        """Rule IDs raised, "suite:" marking those attributed to the suite, sorted."""
        return sorted(v.rule_id if v.by_iut else f"suite:{v.rule_id}" for v in self.violations())
