"""The transaction ledger: what every transaction event message of a charging station is judged by.

OCPP 2.0.1 Part 2 E01-E04, E06: a transaction is told with TransactionEventRequest messages Started, then Updated
any number of times, then Ended; `seqNo` counts them from 0 without gaps, across offline periods and reconnections
(E04: queued messages keep their numbers); a transaction stays on the EVSE it was reported on; the events of a
transaction are delivered in the order they happened (E04: a queue sent in order). The ledger follows one link
across its connections and cases, so a case never has to ask for these checks.

A message sent again after a failure (E13: retries with a new MessageId) repeats an earlier one exactly and is
accepted as such. A transaction first seen with an event other than Started and a seqNo above 0 began before the
suite listened (a station that was busy when the run started): it is adopted without judging its start. The ledger
sees schema-valid requests of the station under test only and keeps a few fields per transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conformance.frames import clip

Found = list[tuple[str, str]]
_KEPT_EVENTS = 16  # events per transaction remembered to recognise a retransmission


@dataclass
class _Ledger:
    started_seq: int | None  # the frame of its Started event (None: adopted mid-way)
    last_seq_no: int
    evse: int | None
    ended_at: int | None = None  # the frame of its Ended event
    last_time: datetime | None = None
    last_frame: int = 0
    sent: dict[int, str] = field(default_factory=dict)  # seqNo -> canonical payload (latest few)


def _time(text: Any) -> datetime | None:
    if type(text) is not str:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class TransactionLedger:
    """The transactions of the charging station of one link, as its transaction event messages tell them."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.transactions: dict[str, _Ledger] = {}

    def event(self, payload: dict, seq: int, found: Found) -> None:
        info = payload.get("transactionInfo")
        tx_id = info.get("transactionId") if isinstance(info, dict) else None
        event_type, seq_no = payload.get("eventType"), payload.get("seqNo")
        if type(tx_id) is not str or type(seq_no) is not int or type(event_type) is not str:
            return  # the schema check reports it
        evse = (payload.get("evse") or {}).get("id") if isinstance(payload.get("evse"), dict) else None
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        name = f"transaction '{clip(tx_id, 40)}'"
        tx = self.transactions.get(tx_id)
        if tx is None:
            if event_type != "Started" and seq_no > 0:
                self.transactions[tx_id] = _Ledger(None, seq_no, evse, seq if event_type == "Ended" else None,
                                                   _time(payload.get("timestamp")), seq, {seq_no: canonical})
                return
            if event_type != "Started":
                found.append(("BEH-014a", f"the first {self.action} of {name} (seqNo {seq_no}) has eventType "
                                          f"{event_type}; a transaction begins with eventType Started (E01-E03)"))
            elif seq_no != 0:
                found.append(("BEH-014", f"{self.action} Started of {name} has seqNo {seq_no}; the first message "
                                         "of a transaction has seqNo 0"))
            self.transactions[tx_id] = _Ledger(seq if event_type == "Started" else None, seq_no, evse,
                                               seq if event_type == "Ended" else None,
                                               _time(payload.get("timestamp")), seq, {seq_no: canonical})
            return
        if tx.sent.get(seq_no) == canonical:
            return  # the same message again: a retry after a failure (E13)
        self._sequence(tx, name, event_type, seq_no, seq, found)
        self._lifecycle(tx, name, event_type, seq_no, seq, found)
        if evse is not None:
            if tx.evse is None:
                tx.evse = evse
            elif evse != tx.evse:
                found.append(("BEH-014b", f"{self.action} #{seq} of {name} names EVSE {evse}; the transaction was "
                                          f"reported on EVSE {tx.evse} (#{tx.last_frame} and before)"))
        moment = _time(payload.get("timestamp"))
        if moment is not None and tx.last_time is not None and moment < tx.last_time:
            found.append(("BEH-008b", f"{self.action} #{seq} of {name} (seqNo {seq_no}) has timestamp "
                                      f"{payload.get('timestamp')}, earlier than that of the message before it "
                                      f"(#{tx.last_frame}, {tx.last_time.isoformat()}); the events of a transaction "
                                      "are sent in the order they happened"))
        if moment is not None:
            tx.last_time = moment if tx.last_time is None else max(moment, tx.last_time)
        tx.sent[seq_no] = canonical
        if len(tx.sent) > _KEPT_EVENTS:
            del tx.sent[min(tx.sent)]
        tx.last_seq_no = max(tx.last_seq_no, seq_no)
        tx.last_frame = seq

    def _sequence(self, tx: _Ledger, name: str, event_type: str, seq_no: int, seq: int, found: Found) -> None:
        expected = tx.last_seq_no + 1
        if seq_no == expected:
            return
        if seq_no <= tx.last_seq_no:
            what = (f"repeats seqNo {seq_no} with a different message" if seq_no in tx.sent
                    else f"goes back to seqNo {seq_no} after {tx.last_seq_no}")
        else:
            what = f"skips from seqNo {tx.last_seq_no} (#{tx.last_frame}) to {seq_no}"
        found.append(("BEH-014", f"{self.action} {event_type} #{seq} of {name} {what}; seqNo increases by one with "
                                 f"every message of a transaction, expected {expected}"))

    def _lifecycle(self, tx: _Ledger, name: str, event_type: str, seq_no: int, seq: int, found: Found) -> None:
        if tx.ended_at is not None:
            found.append(("BEH-014a", f"{self.action} {event_type} #{seq} of {name} comes after its Ended "
                                      f"(#{tx.ended_at}); Ended is a transaction's last message"))
        elif event_type == "Started":
            where = f" (#{tx.started_seq})" if tx.started_seq is not None else ""
            found.append(("BEH-014a", f"{self.action} #{seq} of {name} is a second Started{where}; a transaction "
                                      "is started once, then Updated until Ended"))
        if event_type == "Ended" and tx.ended_at is None:
            tx.ended_at = seq
