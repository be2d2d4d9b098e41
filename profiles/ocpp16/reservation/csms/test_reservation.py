"""OCTT 3.17 — Reservation (the suite plays the charge point).

The operator asks the Central System for reservations through its driver; the suite's charge point answers them from
its state (Reserved, expiry, Faulted / Occupied / Unavailable / Rejected) and judges what the Central System sent:
the connector, idTag and parentIdTag asked for, an expiryDate in the future as asked, and a reservationId of its own
for every new reservation. A transaction that uses a reservation names it in StartTransaction.reservationId; the
Central System's answer is judged like any other (transactionId, idTagInfo of the id tag)."""

from datetime import datetime, timedelta, timezone

from conformance import case, measure
from conformance.errors import Broken
from conformance.ocpp16.preconditions import not_applicable
from conformance.ocpp16.reservations import new_reservation_id
from conformance.ocpp16.roles.reservation import REQ_RESERVE, check_reserve_now, reservation_expired
from conformance.ocpp16.roles.station import operator_command
from conformance.timestamps import iso

SECTION = "Reservation"
EXPIRY_S = 3  # TC_047/TC_052: a reservation that expires within the case

REQ_CANCEL = "The Central System SHALL send CancelReservation.req with the reservationId of the reservation the " \
             "operator cancels (OCPP 1.6 §5.1)."


async def _reserve(iut, csms, station, connector, id_tag, timeouts, *, expires_in=None, parent_id_tag=None):
    """The operator reserves `connector` (0: the charge point) for `id_tag`; returns the ReserveNow.req, judged, once
    the suite's charge point has acted on its answer."""
    expires_in = timeouts.case if expires_in is None else expires_in
    expiry = (datetime.now(timezone.utc) + timedelta(seconds=expires_in)).replace(microsecond=0)
    asked = {"connectorId": connector, "expiryDate": iso(expiry), "idTag": id_tag,
             "reservationId": new_reservation_id()}
    if parent_id_tag is not None:
        asked["parentIdTag"] = parent_id_tag
    req = await operator_command(iut, csms, "ReserveNow", asked, within=timeouts.expect, requirement=REQ_RESERVE)
    check_reserve_now(station, req, asked)
    await station.reaction(req)  # answered from the charger's state; Reserved when Accepted
    return req


def _answered(csms, req, expected):
    """The suite's charge point answered `req` with `expected`, as its state says (else the case's premise failed:
    a suite error, never the Central System's)."""
    reply = next((r for r in csms.wire.after(req.seq) if not r.from_iut and r.answers == req.seq), None)
    got = (reply.payload or {}).get("status") if reply is not None else None
    if got != expected:
        raise Broken(f"the suite's charge point answered {req.action} (#{req.seq}) with {got!r}; the case needs "
                     f"{expected!r}")


def _started_on(station, c, req, id_tag):
    """The transaction `id_tag` started on `c` used the reservation of `req` and the Central System accepted it."""
    tx = station.transaction(c)
    assert tx is not None and tx.transaction_id is not None, (
        f"the suite's charge point did not start a transaction of {id_tag} on connector {c}")
    assert tx.id_tag_info.get("status") == "Accepted", (
        f"[behaviour] the StartTransaction of {id_tag} on its reservation {req.payload['reservationId']} was answered "
        f"with idTagInfo {tx.id_tag_info}; the Central System SHALL accept the transaction of the idTag it reserved "
        "for (OCPP 1.6 §4.8, §5.13)")
    measure("transaction_id", tx.transaction_id)
    return tx


@case("TC_046_CSMS", "Reservation of a Connector - Transaction",
      spec="OCPP 1.6 §5.13, §4.8, §4.9",
      requirement="The Central System SHALL reserve the connector the operator asked for with ReserveNow.req "
                  "(connectorId, idTag, expiryDate as asked, a reservationId of its own), accept the Reserved "
                  "status, and accept the transaction the reserved idTag then starts there with the reservationId "
                  "in StartTransaction.req (a transactionId, the idTag's idTagInfo).")
async def test_reserve_connector_transaction(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c, tag = available_connector, id_tags.valid
    req = await _reserve(iut, csms, station, c, tag, timeouts)
    _answered(csms, req, "Accepted")
    await station.present_id_tag(tag, c)  # Authorize; the reservation admits it: Preparing
    await station.plug_in(c)  # StartTransaction with the reservationId; Charging
    _started_on(station, c, req, tag)


@case("TC_047_CSMS", "Reservation of a Connector - Expire",
      spec="OCPP 1.6 §5.13, §4.9",
      requirement="The Central System SHALL send ReserveNow.req with the expiryDate the operator asked for (in the "
                  "future, within the interval tolerance), and accept the connector going from Reserved back to "
                  "Available when the reservation expires.")
async def test_reservation_expires(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    req = await _reserve(iut, csms, station, c, id_tags.valid, timeouts, expires_in=EXPIRY_S)
    assert await reservation_expired(station, req.payload["reservationId"], EXPIRY_S + timeouts.response + 1), (
        "the suite's charge point's reservation ended otherwise than by expiring")
    measure("reservation_time_s", EXPIRY_S)


@case("TC_048_1_CSMS", "Reservation of a Connector - Faulted",
      spec="OCPP 1.6 §5.13, §4.9",
      requirement="The Central System SHALL accept the Faulted status of a connector and send the ReserveNow.req "
                  "the operator asks for that connector (answered Faulted).")
async def test_reserve_faulted_connector(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    await station.status(c, "Faulted", "OtherError")
    req = await _reserve(iut, csms, station, c, id_tags.valid, timeouts)
    _answered(csms, req, "Faulted")


@case("TC_048_2_CSMS", "Reservation of a Connector - Occupied",
      spec="OCPP 1.6 §5.13",
      requirement="The Central System SHALL give every new reservation its own reservationId: a second reservation "
                  "of a connector already reserved is a new ReserveNow.req (answered Occupied), not one with the id "
                  "of the reservation the connector holds (which would replace it).")
async def test_reserve_occupied_connector(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    first = await _reserve(iut, csms, station, c, id_tags.valid, timeouts)
    _answered(csms, first, "Accepted")
    second = await _reserve(iut, csms, station, c, id_tags.valid, timeouts)
    _answered(csms, second, "Occupied")


@case("TC_048_3_CSMS", "Reservation of a Connector - Unavailable",
      spec="OCPP 1.6 §5.13, §4.9",
      requirement="The Central System SHALL accept the Unavailable status of a connector and send the ReserveNow.req "
                  "the operator asks for that connector (answered Unavailable).")
async def test_reserve_unavailable_connector(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    await station.change_availability([c], False)  # Unavailable
    req = await _reserve(iut, csms, station, c, id_tags.valid, timeouts)
    _answered(csms, req, "Unavailable")


@case("TC_048_4_CSMS", "Reservation of a Connector - Rejected",
      spec="OCPP 1.6 §5.13",
      requirement="The Central System SHALL send the ReserveNow.req the operator asks for to a Charge Point "
                  "configured not to accept reservations (answered Rejected).")
async def test_reserve_rejected(csms, booted, station, iut, id_tags, available_connector, timeouts):
    station.model.reservations.refuses = True  # for this case: the next idle() accepts reservations again
    req = await _reserve(iut, csms, station, available_connector, id_tags.valid, timeouts)
    _answered(csms, req, "Rejected")


@case("TC_049_CSMS", "Reservation of a Charge Point - Transaction",
      spec="OCPP 1.6 §5.13, §9.3 ReserveConnectorZeroSupported, §4.8",
      requirement="The Central System SHALL reserve the whole Charge Point (connectorId 0) when the operator asks "
                  "for it, and accept the transaction the reserved idTag then starts on a connector with the "
                  "reservationId in StartTransaction.req.")
async def test_reserve_charge_point_transaction(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c, tag = available_connector, id_tags.valid
    req = await _reserve(iut, csms, station, 0, tag, timeouts)
    _answered(csms, req, "Accepted")
    await station.present_id_tag(tag, c)
    await station.plug_in(c)
    _started_on(station, c, req, tag)


@case("TC_051_CSMS", "Cancel Reservation",
      spec="OCPP 1.6 §5.1, §4.9",
      requirement="The Central System SHALL cancel the reservation the operator asks for with CancelReservation.req "
                  "carrying its reservationId, and accept the connector going from Reserved back to Available.")
async def test_cancel_reservation(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    reserve = await _reserve(iut, csms, station, c, id_tags.valid, timeouts)
    rid = reserve.payload["reservationId"]
    req = await operator_command(iut, csms, "CancelReservation", {"reservationId": rid}, within=timeouts.expect,
                                 as_asked=("reservationId",), requirement=REQ_CANCEL)
    await station.reaction(req)  # Accepted; Available
    _answered(csms, req, "Accepted")


@case("TC_052_CSMS", "Cancel Reservation - Rejected",
      spec="OCPP 1.6 §5.1, §5.13",
      requirement="The Central System SHALL send the CancelReservation.req the operator asks for with the "
                  "reservationId asked for, also for a reservation the Charge Point no longer holds (it expired; "
                  "answered Rejected).")
async def test_cancel_expired_reservation(csms, booted, station, iut, id_tags, available_connector, timeouts):
    reserve = await _reserve(iut, csms, station, available_connector, id_tags.valid, timeouts, expires_in=EXPIRY_S)
    rid = reserve.payload["reservationId"]
    await reservation_expired(station, rid, EXPIRY_S + timeouts.response + 1)
    req = await operator_command(iut, csms, "CancelReservation", {"reservationId": rid}, within=timeouts.expect,
                                 as_asked=("reservationId",), requirement=REQ_CANCEL)
    _answered(csms, req, "Rejected")


@case("TC_053_CSMS", "Use a reserved Connector with parentIdTag",
      spec="OCPP 1.6 §5.13, §3.10, §4.1, §4.8",
      requirement="The Central System SHALL send the parentIdTag the operator asks for in ReserveNow.req, so that "
                  "another idTag of the group may use the reservation; it SHALL answer that idTag's Authorize.req and "
                  "StartTransaction.req (with the reservationId) with its idTagInfo, naming its group "
                  "(parentIdTag).",
      needs=("id_tags.parent",))
async def test_reserved_connector_parent(csms, booted, station, iut, id_tags, available_connector, timeouts):
    sibling = id_tags.sibling_id_tag
    if not sibling:
        not_applicable("the case needs a second tag of the group: set id_tags.parent.id_tag_2 in the IUT descriptor "
                       "to an Accepted tag whose parentIdTag is id_tags.parent.parent_id_tag")
    c = available_connector
    req = await _reserve(iut, csms, station, c, id_tags.child_id_tag, timeouts, parent_id_tag=id_tags.parent_id_tag)
    _answered(csms, req, "Accepted")
    station.configure(LocalPreAuthorize=False)  # the sibling is asked about, so the answer is judged
    await station.present_id_tag(sibling, c)  # Authorize: parentIdTag; the reservation admits the group
    await station.plug_in(c)  # StartTransaction with the reservationId
    _started_on(station, c, req, sibling)
