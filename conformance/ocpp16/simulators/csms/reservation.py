"""Reservations at the Central System (C16 §3.11, §5.1 CancelReservation, §5.13 ReserveNow).

The operator reserves a connector (connectorId 0: the whole charge point) for an idTag until an expiry date and
cancels reservations through the operator API; an operator who gives no reservationId gets a new one. The Central
System keeps the reservations a charge point accepted and ends them when the charge point accepts their cancellation
or reports a transaction that used one (StartTransaction.reservationId); every new reservation has its own id."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from conformance.ocpp16.simulators.csms.records import Station
from conformance.timestamps import iso, parse_iso

EXPIRY_SHIFT = timedelta(hours=1)  # fault reserve-expiry-shifted: a local time sent as UTC, one hour off


@dataclass
class CsmsReservation:
    reservation_id: int
    station_id: str
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    expiry_date: str
    state: str = "Accepted"  # Accepted (held by the charge point) | Used | Cancelled


class ReservationLedger:
    """Reservation ids, the reservations charge points hold, and what the operator API does with them."""

    def _init_reservations(self) -> None:
        self.reservations: dict[int, CsmsReservation] = {}
        self._reservation_ids = itertools.count(1)

    def next_reservation_id(self) -> int:
        """An id no reservation of this Central System has had."""
        while True:
            candidate = next(self._reservation_ids)
            if candidate not in self.reservations:
                return candidate

    def reservation_command(self, name: str, body: dict) -> dict:
        """ReserveNow from an operator who leaves the id to the Central System gets a new one."""
        if name == "ReserveNow" and "reservationId" not in body:
            body["reservationId"] = self.next_reservation_id()
        return body

    def faulty_reservation_command(self, name: str, body: dict) -> dict:
        """A reservation command as a faulty Central System sends it (unchanged without faults)."""
        faults = self.faults
        if name == "ReserveNow":
            if "reserve-now-wrong-connector" in faults and isinstance(body.get("connectorId"), int):
                body["connectorId"] += 1
            if "reservation-id-reused" in faults:
                body["reservationId"] = 1
            expiry = parse_iso(body.get("expiryDate"))
            if "reserve-expiry-shifted" in faults and expiry is not None:
                body["expiryDate"] = iso(expiry - EXPIRY_SHIFT)
            if "reserve-parent-id-tag-dropped" in faults:
                body.pop("parentIdTag", None)
        if name == "CancelReservation" and "cancel-reservation-wrong-id" in faults \
                and isinstance(body.get("reservationId"), int):
            body["reservationId"] += 1
        return body

    def remember_reservation(self, station: Station, name: str, body: dict, reply: dict) -> None:
        """Keep a reservation the charge point accepted; end one whose cancellation it accepted."""
        if name == "ReserveNow" and reply.get("status") == "Accepted":
            rid = body["reservationId"]
            self.reservations[rid] = CsmsReservation(rid, station.identity, body["connectorId"], body["idTag"],
                                                     body.get("parentIdTag"), body["expiryDate"])
        elif name == "CancelReservation" and reply.get("status") == "Accepted":
            held = self.reservations.get(body.get("reservationId"))
            if held is not None and held.station_id == station.identity:
                held.state = "Cancelled"

    def reserved_start(self, station_id: str, payload: dict[str, Any], info: dict) -> dict:
        """A StartTransaction that names a reservation ends it; the idTagInfo is the id tag's, as for any start."""
        rid = payload.get("reservationId")
        if rid is None:
            return info
        if "reserved-start-rejected" in self.faults:
            return {"status": "Invalid"}
        held = self.reservations.get(rid)
        if held is not None and held.station_id == station_id and held.state == "Accepted":
            held.state = "Used"
        else:
            self.logger.info("%s: StartTransaction names reservation %s, which this Central System does not hold",
                             station_id, rid)
        return info
