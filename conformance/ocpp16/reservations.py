"""Reservations as the suite makes them when it plays the Central System towards a charge point under test
(OCPP 1.6 §5.13 ReserveNow, §5.1 CancelReservation): reservation ids, the ReserveNow step, and which reservations a
case left behind (the clean-up cancels them)."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from conformance.timestamps import iso
from conformance.wire import Record

# Reservation ids of this run: unique per reservation, and unlike those of a run a few seconds earlier, whose
# reservations a charger might still hold (a ReserveNow with an id it holds would replace that reservation).
_IDS = itertools.count(int(time.time()) % 10**7 * 100)


def new_reservation_id() -> int:
    return next(_IDS)


@dataclass
class Reserved:
    """A ReserveNow the suite sent and how the charge point answered it."""

    reservation_id: int
    connector: int
    id_tag: str
    expiry: datetime
    request: Record  # the ReserveNow CALL
    status: str

    @property
    def duration(self) -> float:
        """Seconds from the ReserveNow to the expiryDate it asked for."""
        sent = datetime.fromisoformat(self.request.t_wall.replace("Z", "+00:00"))
        return (self.expiry - sent).total_seconds()


async def reserve_now(charge_point: Any, connector: int, id_tag: str, *, expires_in: float,
                      parent_id_tag: str | None = None, reservation_id: int | None = None) -> Reserved:
    """Send ReserveNow.req for `connector` (0: the charge point) and `id_tag`, expiring `expires_in` seconds from
    now, and return the answer (whatever its status: the case judges it)."""
    reservation_id = new_reservation_id() if reservation_id is None else reservation_id
    expiry = datetime.now(timezone.utc) + timedelta(seconds=expires_in)
    payload: dict[str, Any] = {"connectorId": connector, "expiryDate": iso(expiry), "idTag": id_tag,
                               "reservationId": reservation_id}
    if parent_id_tag is not None:
        payload["parentIdTag"] = parent_id_tag
    conf = await charge_point.call("ReserveNow", payload,
                                   requirement="Upon receipt of a ReserveNow.req PDU, the Charge Point SHALL respond "
                                               "with a ReserveNow.conf PDU (OCPP 1.6 §5.13).")
    request = charge_point.wire.record(conf.record.answers)
    return Reserved(reservation_id, connector, id_tag, expiry, request, conf.status)


def check_answer(reserved: Reserved, expected: str, why: str) -> None:
    """ReserveNow.conf must carry `expected` (the status §5.13 prescribes for the state `why` describes)."""
    assert reserved.status == expected, (
        f"[behaviour] ReserveNow for connector {reserved.connector} (reservation {reserved.reservation_id}) was "
        f"answered {reserved.status!r}; {why}, so the Charge Point SHALL answer {expected!r} (OCPP 1.6 §5.13)")


async def expect_reservation_gone(charge_point: Any, reserved: Reserved, why: str) -> None:
    """The reservation has ended: CancelReservation for its id SHALL be Rejected (OCPP 1.6 §5.1)."""
    conf = await charge_point.call("CancelReservation", {"reservationId": reserved.reservation_id},
                                   requirement="The Charge Point answers CancelReservation.req (OCPP 1.6 §5.1).")
    assert conf.status == "Rejected", (
        f"[behaviour] CancelReservation for reservation {reserved.reservation_id} was answered {conf.status!r}: the "
        f"charge point still holds it although {why}; a reservation SHALL be terminated then (OCPP 1.6 §5.13), and "
        "a Charge Point without a reservation of that id SHALL answer Rejected (§5.1)")


def reservations_left(records: Iterable[Record]) -> list[int]:
    """Ids of the reservations the suite made among `records` that a charge point accepted and that no
    CancelReservation asked about since (some may have ended otherwise: cancelling them again is harmless)."""
    records = list(records)
    replies = {r.answers: r for r in records if r.from_iut and r.answers is not None and r.is_result}
    made: dict[int, None] = {}
    for call in records:
        if not call.is_call or call.from_iut or call.seq not in replies:
            continue
        rid = (call.payload or {}).get("reservationId")
        status = (replies[call.seq].payload or {}).get("status")
        if call.action == "ReserveNow" and status == "Accepted":
            made[rid] = None
        elif call.action == "CancelReservation" and status in ("Accepted", "Rejected"):
            made.pop(rid, None)  # cancelled now, or the charge point had no such reservation any more
    return [rid for rid in made if isinstance(rid, int)]
