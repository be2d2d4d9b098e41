"""Reservations of the suite's charge point when it tests a CSMS (OCPP 1.6 §3.11, §5.1 CancelReservation, §5.13
ReserveNow), and how the suite judges the reservation commands of the Central System under test.

The model (`Reservations`, the `reservations` of `ChargePointResponder16`) answers ReserveNow from the charger's
state — Accepted, Faulted, Occupied (busy or reserved already), Unavailable, or Rejected (connector 0 without
ReserveConnectorZeroSupported, or a case that configured the charger not to accept reservations) — and
CancelReservation (Accepted for a reservation it holds, else Rejected). What the charger then does runs on the
`SuiteStation`: the connector goes Reserved, expires at expiryDate back to Available, refuses idTags the reservation
does not admit, and a transaction that uses a reservation names it in StartTransaction.reservationId and ends it.
The suite's charger forgets its reservations between cases (`Reservations.forget`, from `SuiteStation.idle`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from conformance.errors import Broken
from conformance.timestamps import parse_iso
from conformance.wire import Record

REQ_RESERVE = "The Central System SHALL send ReserveNow.req for the reservation the operator asked for: the " \
              "connector (0: the whole Charge Point), the idTag and its parentIdTag, the expiryDate, and a reservationId of " \
              "its own (OCPP 1.6 §5.13; a ReserveNow.req with the id of a reservation the Charge Point holds " \
              "replaces that reservation)."


@dataclass
class SuiteReservation:
    reservation_id: int
    connector: int  # 0: any connector of the charge point
    id_tag: str
    parent_id_tag: str | None
    expiry: datetime | None
    request_unique_id: str = ""

    def admits(self, id_tag: str, parent_id_tag: str | None) -> bool:
        """The incoming idTag is the reserved one, or its parent is the reservation's parent (OCPP 1.6 §5.13)."""
        if id_tag.lower() == self.id_tag.lower():
            return True
        return bool(self.parent_id_tag and parent_id_tag and parent_id_tag.lower() == self.parent_id_tag.lower())


class Reservations:
    """The suite charger's reservations (`ChargePointResponder16.reservations`); `owner` is the responder, whose
    connectors and configuration decide the answers."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.held: dict[int, SuiteReservation] = {}  # reservationId -> reservation
        self.refuses = False  # "configured not to accept reservations" (for one case)
        self.claims: dict[int, tuple[str, SuiteReservation]] = {}  # connector -> (idTag admitted, its reservation)
        self.timers: dict[int, asyncio.Task] = {}

    def forget(self) -> None:
        """Back to no reservations and accepting them (between cases)."""
        for task in self.timers.values():
            task.cancel()
        self.timers.clear()
        self.held.clear()
        self.claims.clear()
        self.refuses = False

    # -- answers: (reply, what the charger does once the reply is out, or None) ------------------------------------
    def reserve(self, p: dict) -> tuple[dict, Callable[[Any], Awaitable[Any]] | None]:
        rid, c = p.get("reservationId"), p.get("connectorId")
        owner = self.owner
        if self.refuses:
            return {"status": "Rejected"}, None
        if c == 0 and not owner.config_bool("ReserveConnectorZeroSupported"):
            return {"status": "Rejected"}, None
        if not (c == 0 or owner._connector_ok(c)):
            return {"status": "Rejected"}, None
        replaced = self.held.pop(rid, None)  # the same id: the new reservation replaces it (§5.13)
        status = self.reservable(c)
        if status != "Accepted":
            if replaced is not None:
                self.held[rid] = replaced
            return {"status": status}, None
        self._stop_timer(rid)
        reservation = SuiteReservation(rid, c, str(p.get("idTag", "")), p.get("parentIdTag"),
                                       parse_iso(p.get("expiryDate")))
        self.held[rid] = reservation
        return {"status": "Accepted"}, lambda station: hold(station, reservation, replaced)

    def cancel(self, p: dict) -> tuple[dict, Callable[[Any], Awaitable[Any]] | None]:
        reservation = self.held.pop(p.get("reservationId"), None)
        if reservation is None:
            return {"status": "Rejected"}, None
        self._stop_timer(reservation.reservation_id)
        return {"status": "Accepted"}, lambda station: release(station, reservation)

    def reservable(self, c: int) -> str:
        """What ReserveNow for connector `c` is answered with, as the charger's state is (OCPP 1.6 §5.13)."""
        connectors = self.owner.connectors
        whole = connectors[0]
        zero = len(self.zero_reservations())
        free = self.free_connectors()
        if c == 0:
            if whole.status == "Faulted":
                return "Faulted"
            if not whole.operative or whole.status == "Unavailable":
                return "Unavailable"
            if len(free) > zero:
                return "Accepted"
            others = [connectors[n] for n in range(1, self.owner.connector_count + 1)]
            if all(conn.status == "Faulted" for conn in others):
                return "Faulted"
            if all(conn.status in ("Faulted", "Unavailable") or not conn.operative for conn in others):
                return "Unavailable"
            return "Occupied"
        conn = connectors[c]
        if conn.status == "Faulted" or whole.status == "Faulted":
            return "Faulted"
        if not conn.operative or conn.status == "Unavailable" or not whole.operative:
            return "Unavailable"
        if c not in free or len(free) - 1 < zero:  # busy, reserved, or the last one a charge point reservation needs
            return "Occupied"
        return "Accepted"

    # -- who may use which connector -------------------------------------------------------------------------------
    def connector_reservation(self, c: int) -> SuiteReservation | None:
        return next((r for r in self.held.values() if r.connector == c), None)

    def zero_reservations(self) -> list[SuiteReservation]:
        return [r for r in self.held.values() if r.connector == 0]

    def free_connectors(self) -> list[int]:
        """Connectors nobody uses and no connector reservation holds."""
        connectors = self.owner.connectors
        return [n for n in range(1, self.owner.connector_count + 1)
                if connectors[n].status == "Available" and connectors[n].operative and not connectors[n].plugged
                and connectors[n].authorized is None and connectors[n].transaction is None
                and self.connector_reservation(n) is None]

    def reservation_for(self, c: int, id_tag: str, parent_id_tag: str | None) -> SuiteReservation | None:
        """The reservation a start of `id_tag` on `c` uses: the connector's own, else one of the charge point."""
        own = self.connector_reservation(c)
        if own is not None:
            return own if own.admits(id_tag, parent_id_tag) else None
        return next((r for r in self.zero_reservations() if r.admits(id_tag, parent_id_tag)), None)

    def take_claim(self, c: int, id_tag: str) -> dict:
        """A transaction of `id_tag` starts on `c`: the reservation it was admitted by ends, and StartTransaction
        names it (OCPP 1.6 §5.13, §4.8)."""
        claim = self.claims.pop(c, None)
        if claim is None or claim[0] != id_tag.lower():
            return {}
        reservation = claim[1]
        if self.held.get(reservation.reservation_id) is not reservation:
            return {}  # cancelled or expired meanwhile
        del self.held[reservation.reservation_id]
        self._stop_timer(reservation.reservation_id)
        return {"reservationId": reservation.reservation_id}

    def holds(self, c: int) -> bool:
        """Connector `c` is held by a reservation (shown Reserved when idle)."""
        return c > 0 and self.connector_reservation(c) is not None

    def _stop_timer(self, rid: Any) -> None:
        task = self.timers.pop(rid, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()


# -- what the suite's charger does -----------------------------------------------------------------------------------
async def hold(station: Any, reservation: SuiteReservation, replaced: SuiteReservation | None) -> None:
    """After an accepted ReserveNow: the connector goes Reserved and the reservation runs until its expiryDate."""
    if replaced is not None and replaced.connector != reservation.connector:
        await release(station, replaced)
    c = reservation.connector
    if c > 0 and station.model.connectors[c].status == "Available":
        await station._set_status(c, "Reserved")
    task = asyncio.get_running_loop().create_task(_expire(station, reservation))
    task.add_done_callback(lambda t: _noted(station, reservation, t))
    station.model.reservations.timers[reservation.reservation_id] = task


def _noted(station: Any, reservation: SuiteReservation, task: asyncio.Task) -> None:
    """An expiry nobody waits for that failed (the Central System did not take the Available status) is noted in the
    wire log; a case that waits for it (`reservation_expired`) gets the failure itself."""
    if not task.cancelled() and task.exception() is not None:
        failure = f"{reservation.reservation_id}: {task.exception()}"[:500]
        station.link.wire.event("note", reservation_expiry_failed=failure)


async def release(station: Any, reservation: SuiteReservation) -> None:
    """A reservation ended without a transaction: its connector is Available again (OCPP 1.6 §5.13, §4.9 G1)."""
    c = reservation.connector
    conn = station.model.connectors[c] if c > 0 else None
    if conn is not None and conn.status == "Reserved" and not station.model.reservations.holds(c):
        await station._set_status(c, station._idle_status(conn))


async def _expire(station: Any, reservation: SuiteReservation) -> bool:
    """The charger's own expiry: at expiryDate the reservation ends and its connector is Available (§5.13)."""
    left = ((reservation.expiry - datetime.now(timezone.utc)).total_seconds() if reservation.expiry else 0.0)
    await asyncio.sleep(max(0.0, left))
    reservations = station.model.reservations
    if reservations.held.get(reservation.reservation_id) is not reservation:
        return False
    del reservations.held[reservation.reservation_id]
    reservations.timers.pop(reservation.reservation_id, None)
    await release(station, reservation)
    return True


async def admit(station: Any, c: int, id_tag: str, info: dict) -> bool:
    """Whether the reservations let `id_tag` (Accepted, `info` its idTagInfo) start on connector `c`: the connector is
    reserved for another idTag and group, or a start there would leave fewer free connectors than the charge point's
    reservations need, then not (OCPP 1.6 §5.13). A parent the charger does not know yet is asked for (its cache,
    else Authorize.req) when a reservation's group decides. An admitting reservation is claimed for the start."""
    reservations = station.model.reservations
    involved = [r for r in (reservations.connector_reservation(c), *reservations.zero_reservations()) if r is not None]
    if not involved:
        return True
    parent = info.get("parentIdTag")
    if parent is None and any(r.parent_id_tag and r.id_tag.lower() != id_tag.lower() for r in involved):
        known = station.model.cached(id_tag)
        parent = (known if known is not None else await station.authorize(id_tag)).get("parentIdTag")
    reservation = reservations.reservation_for(c, id_tag, parent)
    if reservation is not None:
        reservations.claims[c] = (id_tag.lower(), reservation)
        return True
    if reservations.connector_reservation(c) is not None:
        return False
    return len([n for n in reservations.free_connectors() if n != c]) >= len(reservations.zero_reservations())


async def reservation_expired(station: Any, reservation_id: int, within: float) -> bool:
    """Wait for the suite charger's reservation `reservation_id` to expire; True if it did (its connector reported
    Available again), False if it had ended otherwise. Re-raises a deviation of the Central System met meanwhile."""
    task = station.model.reservations.timers.get(reservation_id)
    if task is None:
        return False
    try:
        return await asyncio.wait_for(asyncio.shield(task), within)
    except TimeoutError:
        raise Broken(f"the suite's charge point's reservation {reservation_id} did not expire within {within:g} s") \
            from None


# -- judging the Central System's commands ---------------------------------------------------------------------------
def check_reserve_now(station: Any, req: Record, asked: dict) -> None:
    """The ReserveNow.req the Central System sent for the operator's request `asked`: the connector, idTag and
    parentIdTag asked for (a parentIdTag it adds itself must be the idTag's group as the descriptor has it), an
    expiryDate in the future and within the interval tolerance of the one asked for, and a reservationId that no
    earlier ReserveNow.req to this charge point had."""
    p = req.payload or {}
    where = f"ReserveNow.req (#{req.seq})"
    assert p.get("connectorId") == asked["connectorId"], (
        f"[behaviour] {where} has connectorId {p.get('connectorId')!r}, the operator asked for "
        f"{asked['connectorId']!r}")
    assert str(p.get("idTag", "")).lower() == asked["idTag"].lower(), (
        f"[behaviour] {where} has idTag {p.get('idTag')!r}, the operator asked for {asked['idTag']!r}")
    parent = p.get("parentIdTag")
    tags = station.descriptor.id_tags
    group = {t.lower() for t in (tags.child_id_tag, tags.sibling_id_tag) if t and tags.parent_id_tag}
    if "parentIdTag" in asked:
        assert isinstance(parent, str) and parent.lower() == asked["parentIdTag"].lower(), (
            f"[behaviour] {where} has parentIdTag {parent!r}, the operator asked for a reservation of the group "
            f"{asked['parentIdTag']!r}: without it the Charge Point refuses the other idTags of the group (§5.13)")
    elif parent is not None and asked["idTag"].lower() in group:
        assert str(parent).lower() == tags.parent_id_tag.lower(), (
            f"[behaviour] {where} has parentIdTag {parent!r}; the group of {asked['idTag']} is {tags.parent_id_tag}")
    sent, wanted, received = parse_iso(p.get("expiryDate")), parse_iso(asked["expiryDate"]), parse_iso(req.t_wall)
    assert sent is not None and wanted is not None and received is not None
    assert sent > received, (
        f"[behaviour] {where} has expiryDate {p.get('expiryDate')}, {(received - sent).total_seconds():.0f} s before "
        f"it arrived: the reservation would be over before it began (the operator asked for {asked['expiryDate']})")
    tolerance = station.timeouts.interval_tolerance((wanted - received).total_seconds())
    off = (sent - wanted).total_seconds()
    assert abs(off) <= tolerance, (
        f"[behaviour] {where} has expiryDate {p.get('expiryDate')}, {off:+.1f} s off the {asked['expiryDate']} the "
        f"operator asked for (tolerance {tolerance:g} s)")
    rid = p.get("reservationId")
    for old in station.link.wire.records:
        if old.seq >= req.seq:
            break
        same_id = (old.payload or {}).get("reservationId") == rid
        if old.is_call and old.from_iut and old.action == "ReserveNow" and same_id:
            raise AssertionError(
                f"[behaviour] {where} has reservationId {rid}, which ReserveNow.req #{old.seq} already used for "
                "another reservation: every new reservation needs its own id — a Charge Point that still holds "
                f"reservation {rid} replaces it instead of making a second one (OCPP 1.6 §5.13)")
