"""Reservations (C16 §3.11, §5.1 CancelReservation, §5.13 ReserveNow, §9.3 ReserveConnectorZeroSupported).

A connector is reserved for an idTag (and, when the reservation names one, every idTag of its group: parentIdTag)
until an expiry date; with ReserveConnectorZeroSupported the whole charge point (connector 0) can be reserved, which
keeps one free connector for the idTag. A reservation ends when an idTag it admits starts a transaction (the
StartTransaction carries its reservationId), at its expiryDate (the connector goes back to Available), when it is
cancelled, or when its connector or the charger becomes Faulted or Unavailable. The vendor key ReservationsEnabled
(false) makes the charger refuse reservations ("configured not to accept reservations": Rejected)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action
from websockets.exceptions import ConnectionClosed

from conformance.ocpp16.simulators.charge_point.state import Connector
from conformance.ocpp16.simulators.faults import TIMER_LONG, TIMER_SHORT
from conformance.ocpp16.simulators.rpc import CallError, CallTimeout
from conformance.timestamps import parse_iso


@dataclass
class Reservation:
    reservation_id: int
    connector_id: int  # 0: any connector of the charge point
    id_tag: str
    parent_id_tag: str | None
    expiry: datetime
    timer: asyncio.Task | None = None

    def admits(self, id_tag: str, parent_id_tag: str | None) -> bool:
        """The incoming idTag is the reserved one, or its parent is the reservation's parent (C16 §5.13)."""
        if id_tag.lower() == self.id_tag.lower():
            return True
        return bool(self.parent_id_tag and parent_id_tag and parent_id_tag.lower() == self.parent_id_tag.lower())


class ReservationHandlers:
    """The Central System reserves connectors and cancels reservations."""

    @on(Action.reserve_now)
    def on_reserve_now(self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int,
                       parent_id_tag: str | None = None, call_unique_id: str = "", **_: Any):
        cp = self.cp
        status = cp._reserve(connector_id, expiry_date, id_tag, reservation_id, parent_id_tag)
        if status == "Accepted":
            self._plan(call_unique_id, cp._refresh_all)  # Reserved once the answer is out
        return call_result.ReserveNow(status=status)

    @after(Action.reserve_now)
    def after_reserve_now(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int, call_unique_id: str = "", **_: Any):
        cp = self.cp
        status = cp._cancel_reservation(reservation_id)
        if status == "Accepted":
            self._plan(call_unique_id, cp._refresh_all)  # Available again once the answer is out
        return call_result.CancelReservation(status=status)

    @after(Action.cancel_reservation)
    def after_cancel_reservation(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)


class Reservations:
    """The charger's reservations: answering ReserveNow from its state, who may start where, expiry."""

    def _init_reservations(self) -> None:
        self.reservations: dict[int, Reservation] = {}
        if "reserve-connector-zero-unsupported-accepted" in self.faults:
            self.config["ReserveConnectorZeroSupported"] = "false"

    # -- ReserveNow / CancelReservation -------------------------------------------------------------------------------
    def _reserve(self, connector_id: int, expiry_date: str, id_tag: str, reservation_id: int,
                 parent_id_tag: str | None) -> str:
        if not self._bool("ReservationsEnabled") and "reservations-off-ignored" not in self.faults:
            return "Rejected"
        if connector_id == 0 and not self._bool("ReserveConnectorZeroSupported") \
                and "reserve-connector-zero-unsupported-accepted" not in self.faults:
            return "Rejected"
        if not 0 <= connector_id < len(self.connectors):
            return "Rejected"
        expiry = parse_iso(expiry_date)
        if expiry is None:
            return "Rejected"
        replaced = self.reservations.pop(reservation_id, None)  # the same id: the new reservation replaces it
        status = self._reservable(connector_id)
        if status != "Accepted":
            if replaced is not None:
                self.reservations[reservation_id] = replaced
            return status
        if replaced is not None and replaced.timer is not None:
            replaced.timer.cancel()
        reservation = Reservation(reservation_id, connector_id, id_tag, parent_id_tag, expiry)
        self.reservations[reservation_id] = reservation
        reservation.timer = self._spawn_control(self._expire(reservation))
        self.logger.info("%s: reservation %d of connector %d for %s until %s", self.identity, reservation_id,
                         connector_id, id_tag, expiry_date)
        return "Accepted"

    def _reservable(self, connector_id: int) -> str:
        """What ReserveNow for `connector_id` is answered with, as the charger's state is (C16 §5.13)."""
        def answer(status: str, fault: str) -> str:
            return "Accepted" if fault in self.faults else status

        whole = self.connectors[0]
        zero = len(self._zero_reservations())
        free = self._free_connectors()
        if connector_id == 0:
            if whole.fault:
                return answer("Faulted", "reserve-faulted-accepted")
            if not whole.operative:
                return answer("Unavailable", "reserve-unavailable-accepted")
            if len(free) > zero:
                return "Accepted"
            others = self.connectors[1:]
            if all(c.fault for c in others):
                return answer("Faulted", "reserve-faulted-accepted")
            if all(c.fault or not c.operative for c in others):
                return answer("Unavailable", "reserve-unavailable-accepted")
            return answer("Occupied", "reserve-occupied-accepted")
        c = self.connectors[connector_id]
        if c.fault or whole.fault or c.lock_failure:
            return answer("Faulted", "reserve-faulted-accepted")
        if not c.operative or not whole.operative:
            return answer("Unavailable", "reserve-unavailable-accepted")
        if c not in free or len(free) - 1 < zero:  # busy, reserved, or the last one kept for the charge point's
            return answer("Occupied", "reserve-occupied-accepted")
        return "Accepted"

    def _cancel_reservation(self, reservation_id: int) -> str:
        reservation = self.reservations.get(reservation_id)
        if reservation is None:
            return "Accepted" if "cancel-unknown-reservation-accepted" in self.faults else "Rejected"
        if "cancel-reservation-ignored" not in self.faults:
            self._end_reservation(reservation, refresh=False)
        return "Accepted"

    async def _expire(self, reservation: Reservation) -> None:
        """At expiryDate (on the charger's clock) the reservation ends and the connector is Available again."""
        if "reservation-expiry-ignored" in self.faults:
            return
        remaining = (reservation.expiry - self.now()).total_seconds()
        if "reservation-expires-early" in self.faults:
            remaining *= TIMER_SHORT
        elif "reservation-expires-late" in self.faults:
            remaining *= TIMER_LONG
        await asyncio.sleep(max(0.0, remaining))
        if self.reservations.get(reservation.reservation_id) is reservation:
            self.logger.info("%s: reservation %d expired", self.identity, reservation.reservation_id)
            self._end_reservation(reservation)

    def _end_reservation(self, reservation: Reservation, *, refresh: bool = True) -> None:
        if self.reservations.get(reservation.reservation_id) is reservation:
            del self.reservations[reservation.reservation_id]
        timer = reservation.timer
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        if refresh:
            self._refresh_all()

    def _end_blocked_reservations(self) -> None:
        """A reservation ends when its connector or the charger is set to Faulted or Unavailable (C16 §5.13)."""
        whole = self.connectors[0]
        for reservation in list(self.reservations.values()):
            c = self.connectors[reservation.connector_id]
            if whole.fault or not whole.operative or c.fault or not c.operative:
                self._end_reservation(reservation, refresh=False)

    # -- who may use which connector -----------------------------------------------------------------------------------
    def _connector_reservation(self, connector_id: int) -> Reservation | None:
        return next((r for r in self.reservations.values() if r.connector_id == connector_id), None)

    def _zero_reservations(self) -> list[Reservation]:
        return [r for r in self.reservations.values() if r.connector_id == 0]

    def _is_free(self, c: Connector) -> bool:
        return (c.transaction is None and c.pending_tag is None and not c.plugged and not c.finishing
                and not c.locked_for and not c.stuck and not c.lock_failure and c.fault is None and c.operative
                and self.connectors[0].operative and self.connectors[0].fault is None)

    def _free_connectors(self) -> list[Connector]:
        """Connectors nobody uses and no connector reservation holds."""
        return [c for c in self.connectors[1:] if self._is_free(c) and self._connector_reservation(c.id) is None]

    def _admitted(self, reservation: Reservation, id_tag: str, parent_id_tag: str | None) -> bool:
        if "reservation-parent-ignored" in self.faults:
            parent_id_tag = None
        return reservation.admits(id_tag, parent_id_tag)

    def _shows_reserved(self, c: Connector) -> bool:
        """A free connector is Reserved while its reservation holds it, and the last free ones while reservations of
        the charge point need them; an idTag the reservation admits makes it Preparing (C16 §4.9, G2)."""
        reservation = self._connector_reservation(c.id)
        if reservation is not None:
            pending = c.pending_tag
            return not (pending and self._admitted(reservation, pending[0], pending[1]))
        zero = self._zero_reservations()
        if not zero or c.pending_tag is not None or not self._is_free(c):
            return False
        return len(self._free_connectors()) <= len(zero)

    def _reservation_for(self, c: Connector, id_tag: str, parent_id_tag: str | None) -> Reservation | None:
        """The reservation a start of `id_tag` on `c` uses: the connector's own, else one of the charge point."""
        own = self._connector_reservation(c.id)
        if own is not None:
            return own if self._admitted(own, id_tag, parent_id_tag) else None
        return next((r for r in self._zero_reservations() if self._admitted(r, id_tag, parent_id_tag)), None)

    async def _learned_parent(self, c: Connector, id_tag: str, parent_id_tag: str | None) -> str | None:
        """The parent of `id_tag` when a reservation's group decides whether it may start on `c` and the charger
        does not know it: from its cache, else asked for with Authorize (C16 §5.13)."""
        involved = [r for r in (self._connector_reservation(c.id), *self._zero_reservations()) if r is not None]
        if parent_id_tag is None and any(r.parent_id_tag and r.id_tag.lower() != id_tag.lower() for r in involved):
            return await self._parent_of(id_tag)
        return parent_id_tag

    def _refused_by_reservation(self, c: Connector, id_tag: str, parent_id_tag: str | None) -> bool:
        """True when a reservation keeps `id_tag` from starting on `c`: the connector is reserved for another idTag
        (and group), or a start there would leave fewer free connectors than the charge point's reservations need."""
        if "reservation-ignored" in self.faults or self._reservation_for(c, id_tag, parent_id_tag) is not None:
            return False
        if self._connector_reservation(c.id) is not None:
            return True
        others = [x for x in self._free_connectors() if x is not c]
        return len(others) < len(self._zero_reservations())

    async def _parent_of(self, id_tag: str) -> str | None:
        cached = self._cache_lookup(id_tag)
        if cached is not None:
            return cached.get("parentIdTag")
        try:
            reply = await self._request("Authorize", {"idTag": id_tag})
        except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError):
            return None
        info = reply.get("idTagInfo") or {}
        self._cache_store(id_tag, info)
        return info.get("parentIdTag")

    def _claim_reservation(self, c: Connector, id_tag: str, parent_id_tag: str | None) -> dict:
        """A transaction starts: the reservation it uses ends, and StartTransaction names it (C16 §5.13, §4.8)."""
        reservation = self._reservation_for(c, id_tag, parent_id_tag)
        if reservation is None:
            return {}
        if "reservation-kept-after-use" not in self.faults:
            self._end_reservation(reservation)
        if "reservation-id-missing" in self.faults:
            return {}
        return {"reservationId": reservation.reservation_id}
