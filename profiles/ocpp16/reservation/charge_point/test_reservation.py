"""OCTT 2.20 — Reservation (the suite plays the Central System).

Reservations the cases make end with the case: used, expired or cancelled here, or cancelled by the clean-up
(`restore_idle`). A reservation that should outlast the case's steps expires after the case time-out."""

import pytest

from conformance import case, measure
from conformance.errors import Inconclusive
from conformance.ocpp16.preconditions import not_applicable
from conformance.ocpp16.reservations import check_answer, expect_reservation_gone, new_reservation_id, reserve_now
from conformance.ocpp16.steps import check_interval

SECTION = "Reservation"
EXPIRY_S = 4  # TC_047: short, so the case costs seconds; the return to Available is judged to ±1 s (a quarter of it)

REQ_RESERVED = "A connector reserved by an accepted ReserveNow.req is Reserved (OCPP 1.6 §4.9, ChargePointStatus)."
REQ_START = "If a transaction for the reserved idTag is started, then Charge Point SHALL send the reservationId in " \
            "the StartTransaction.req PDU (OCPP 1.6 §5.13, §4.8)."


async def _reserve_accepted(charge_point, connector, id_tag, timeouts, *, parent_id_tag=None):
    """ReserveNow for an Available connector (0: the charge point) is Accepted; a connector goes Reserved."""
    since = charge_point.mark_now()
    reserved = await reserve_now(charge_point, connector, id_tag, expires_in=timeouts.case, parent_id_tag=parent_id_tag)
    free = f"connector {connector} is Available" if connector else "the Charge Point has Available connectors"
    check_answer(reserved, "Accepted", free)
    if connector:
        await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Reserved",
                                  requirement=REQ_RESERVED)
    return reserved


async def _started_on_reservation(charge_point, reserved, connector, id_tag, since):
    """StartTransaction of `id_tag` on `connector` names the reservation it used; the connector goes Charging."""
    start = await charge_point.expect("StartTransaction", after=since, connectorId=connector, idTag=id_tag,
                                      requirement=REQ_START)
    got = start.payload.get("reservationId")
    assert got == reserved.reservation_id, (
        f"[behaviour] StartTransaction (#{start.seq}) of idTag {id_tag} on connector {connector}, which reservation "
        f"{reserved.reservation_id} admits, has reservationId {got!r}: the Charge Point SHALL send the reservationId "
        "of the reservation the transaction ends (OCPP 1.6 §5.13, §4.8)")
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Charging",
                              requirement="A running transaction with an EV taking energy is Charging (§4.9).")
    return start


async def _remote_start(charge_point, connector, id_tag):
    conf = await charge_point.call("RemoteStartTransaction", {"idTag": id_tag, "connectorId": connector},
                                   requirement="The Charge Point answers RemoteStartTransaction.req (OCPP 1.6 §5.11).")
    assert conf.status == "Accepted", (
        f"[behaviour] RemoteStartTransaction for {id_tag} on connector {connector}, reserved for it, was answered "
        f"{conf.status!r}; the reserved idTag may use its connector (OCPP 1.6 §5.13, §5.11)")


async def _zero_supported(charge_point):
    """The Charge Point's ReserveConnectorZeroSupported (OCPP 1.6 §9.3): its value in lower case, None if absent."""
    conf = await charge_point.call("GetConfiguration", {"key": ["ReserveConnectorZeroSupported"]},
                                   requirement="The Charge Point answers GetConfiguration.req (OCPP 1.6 §5.8).")
    for entry in conf.get("configurationKey") or []:
        if isinstance(entry, dict) and str(entry.get("key", "")).lower() == "reserveconnectorzerosupported":
            return str(entry.get("value", "")).strip().lower()
    return None


async def _needs_zero_reservations(charge_point):
    value = await _zero_supported(charge_point)
    if value != "true":
        not_applicable("the Charge Point does not support reservations of connector 0 (ReserveConnectorZeroSupported "
                       f"{value or 'absent'}; §9.3)")


@pytest.fixture
async def inoperative(charge_point, timeouts):
    """Make a connector (0: the Charge Point) Inoperative for the case; Operative again afterwards."""
    changed = []

    async def make(connector):
        since = charge_point.mark_now()
        conf = await charge_point.call("ChangeAvailability", {"connectorId": connector, "type": "Inoperative"})
        if conf.status != "Accepted":
            raise Inconclusive(f"connector {connector} Unavailable",
                               f"ChangeAvailability Inoperative was answered {conf.status}", frame_seq=conf.record.seq)
        changed.append(connector)
        return since

    yield make
    for connector in reversed(changed):
        try:
            await charge_point.wait_connected(timeouts.connect)
            await charge_point.call("ChangeAvailability", {"connectorId": connector, "type": "Operative"})
        except AssertionError:
            pass


@case("TC_046_1_CS", "Reservation of a Connector - Local start transaction",
      spec="OCPP 1.6 §5.13, §3.11, §4.8, §4.9",
      requirement="The Charge Point SHALL accept ReserveNow.req for an Available connector (Accepted; the connector "
                  "Reserved). When the reserved idTag is presented there and the cable plugged in, it SHALL start the "
                  "transaction with the reservationId in StartTransaction.req, and the reservation SHALL then be "
                  "terminated (a CancelReservation.req for it is Rejected).")
async def test_reserve_connector_local_start(charge_point, iut, available_connector, id_tags, timeouts):
    c, tag = available_connector, id_tags.valid
    reserved = await _reserve_accepted(charge_point, c, tag, timeouts)
    since = charge_point.mark_now()
    await iut.present_id_tag(tag, c)
    await charge_point.expect("StatusNotification", after=since, connectorId=c, status="Preparing",
                              requirement="The reservation's idTag presented at its connector makes it Preparing "
                                          "(OCPP 1.6 §4.9, Reserved to Preparing).")
    await iut.plug_in(c)
    await _started_on_reservation(charge_point, reserved, c, tag, since)
    await expect_reservation_gone(charge_point, reserved, "its idTag started a transaction on its connector")


@case("TC_046_2_CS", "Reservation of a Connector - Remote start transaction",
      spec="OCPP 1.6 §5.13, §5.11, §4.8",
      requirement="On a connector reserved for an idTag the Charge Point SHALL accept RemoteStartTransaction.req for "
                  "that idTag and, once the cable is plugged in, start the transaction with the reservationId in "
                  "StartTransaction.req; the reservation SHALL then be terminated.")
async def test_reserve_connector_remote_start(charge_point, iut, available_connector, id_tags, timeouts):
    c, tag = available_connector, id_tags.valid
    reserved = await _reserve_accepted(charge_point, c, tag, timeouts)
    since = charge_point.mark_now()
    await _remote_start(charge_point, c, tag)
    await iut.plug_in(c)
    await _started_on_reservation(charge_point, reserved, c, tag, since)
    await expect_reservation_gone(charge_point, reserved, "its idTag started a transaction on its connector")


@case("TC_047_CS", "Reservation of a Connector - Expire",
      spec="OCPP 1.6 §5.13, §4.9",
      requirement="When a reservation expires, the Charge Point SHALL terminate the reservation and make the "
                  "connector available, and SHALL send a StatusNotification.req (Available) — at the expiryDate, "
                  "judged to ± the descriptor's tolerance but at most a quarter of the reservation's time.")
async def test_reservation_expires(charge_point, available_connector, id_tags, timeouts):
    c = available_connector
    since = charge_point.mark_now()
    reserved = await reserve_now(charge_point, c, id_tags.valid, expires_in=EXPIRY_S)
    check_answer(reserved, "Accepted", f"connector {c} is Available")
    held = await charge_point.expect("StatusNotification", after=since, connectorId=c, status="Reserved",
                                     requirement=REQ_RESERVED)
    duration = round(reserved.duration, 2)  # from the ReserveNow on the wire to the expiryDate it carries
    available = await charge_point.expect(
        "StatusNotification", within=duration + timeouts.tolerance, after=held, connectorId=c, status="Available",
        requirement="When a reservation expires, the Charge Point SHALL terminate the reservation and make the "
                    "connector available. The Charge Point SHALL send a status notification to notify the Central "
                    "System that the reserved connector is now available (OCPP 1.6 §5.13).")
    elapsed = available.t_mono - reserved.request.t_mono
    tolerance = round(timeouts.interval_tolerance(duration), 2)
    measure("reservation_time_s", duration)
    measure("reservation_end_deviation_s", round(elapsed - duration, 3))
    check_interval(elapsed, duration, tolerance,
                   f"the reserved connector returned to Available (#{available.seq}) after ReserveNow "
                   f"(#{reserved.request.seq}) with expiryDate {reserved.request.payload['expiryDate']}")
    await expect_reservation_gone(charge_point, reserved, "its expiryDate has passed")


@case("TC_048_1_CS", "Reservation of a Connector - Faulted",
      spec="OCPP 1.6 §5.13, §4.9",
      requirement="The Charge Point SHALL return 'Faulted' to ReserveNow.req if the connector is in the Faulted "
                  "state.")
async def test_reserve_faulted_connector(charge_point, iut, available_connector, id_tags, timeouts):
    c = available_connector
    since = charge_point.mark_now()
    await iut.raise_fault(c)
    await charge_point.expect("StatusNotification", after=since, connectorId=c, status="Faulted",
                              requirement="A connector with a fault is reported Faulted (OCPP 1.6 §4.9).")
    reserved = await reserve_now(charge_point, c, id_tags.valid, expires_in=timeouts.case)
    check_answer(reserved, "Faulted", f"connector {c} is Faulted")


@case("TC_048_2_CS", "Reservation of a Connector - Occupied",
      spec="OCPP 1.6 §5.13",
      requirement="The Charge Point SHALL return 'Occupied' to ReserveNow.req if the specified connector is "
                  "occupied (a transaction runs on it).")
async def test_reserve_occupied_connector(charge_point, charging_session, id_tags, timeouts):
    c = charging_session.connector
    reserved = await reserve_now(charge_point, c, id_tags.valid, expires_in=timeouts.case)
    check_answer(reserved, "Occupied", f"a transaction runs on connector {c}")


@case("TC_048_3_CS", "Reservation of a Connector - Unavailable",
      spec="OCPP 1.6 §5.13, §5.2",
      requirement="The Charge Point SHALL return 'Unavailable' to ReserveNow.req if the connector is in the "
                  "Unavailable state.")
async def test_reserve_unavailable_connector(charge_point, available_connector, id_tags, timeouts, inoperative):
    c = available_connector
    since = await inoperative(c)
    await charge_point.expect("StatusNotification", after=since, connectorId=c, status="Unavailable",
                              requirement="A connector made Inoperative is reported Unavailable (OCPP 1.6 §5.2).")
    reserved = await reserve_now(charge_point, c, id_tags.valid, expires_in=timeouts.case)
    check_answer(reserved, "Unavailable", f"connector {c} is Unavailable")


@case("TC_048_4_CS", "Reservation of a Connector - Rejected",
      spec="OCPP 1.6 §5.13",
      requirement="The Charge Point SHALL return 'Rejected' to ReserveNow.req if it is configured not to accept "
                  "reservations (the descriptor's configuration.reservations_key set to false).",
      needs=("reservations_key",))
async def test_reserve_rejected(charge_point, configure, descriptor, available_connector, id_tags, timeouts):
    key = descriptor.configuration["reservations_key"]
    await configure(**{key: False})
    reserved = await reserve_now(charge_point, available_connector, id_tags.valid, expires_in=timeouts.case)
    check_answer(reserved, "Rejected", f"the Charge Point is configured not to accept reservations ({key} false)")


@case("TC_049_CS", "Reservation of a Charge Point - Transaction",
      spec="OCPP 1.6 §5.13, §9.3 ReserveConnectorZeroSupported, §4.8",
      requirement="With ReserveConnectorZeroSupported true the Charge Point SHALL accept ReserveNow.req for "
                  "connector 0 and keep a connector for the reserved idTag; when that idTag starts a transaction on "
                  "any connector it SHALL send the reservationId in StartTransaction.req, and the reservation SHALL "
                  "then be terminated.")
async def test_reserve_charge_point(charge_point, iut, available_connector, id_tags, timeouts):
    await _needs_zero_reservations(charge_point)
    c, tag = available_connector, id_tags.valid
    reserved = await _reserve_accepted(charge_point, 0, tag, timeouts)
    since = charge_point.mark_now()
    await iut.present_id_tag(tag, c)
    await iut.plug_in(c)
    await _started_on_reservation(charge_point, reserved, c, tag, since)
    await expect_reservation_gone(charge_point, reserved, "its idTag started a transaction")


@case("TC_050_1_CS", "Reservation of a Charge Point - Faulted",
      spec="OCPP 1.6 §5.13, §9.3 ReserveConnectorZeroSupported",
      requirement="The Charge Point SHALL return 'Faulted' to ReserveNow.req for connector 0 if the Charge Point is "
                  "in the Faulted state (each of its connectors Faulted).")
async def test_reserve_faulted_charge_point(charge_point, iut, descriptor, available_connector, id_tags, timeouts):
    await _needs_zero_reservations(charge_point)
    since = charge_point.mark_now()
    for c in range(1, descriptor.connectors + 1):
        await iut.raise_fault(c)
        await charge_point.expect("StatusNotification", after=since, connectorId=c, status="Faulted",
                                  requirement="A connector with a fault is reported Faulted (OCPP 1.6 §4.9).")
    reserved = await reserve_now(charge_point, 0, id_tags.valid, expires_in=timeouts.case)
    check_answer(reserved, "Faulted", "every connector of the Charge Point is Faulted")


@case("TC_050_2_CS", "Reservation of a Charge Point - Occupied",
      spec="OCPP 1.6 §5.13, §9.3 ReserveConnectorZeroSupported",
      requirement="The Charge Point SHALL return 'Occupied' to ReserveNow.req for connector 0 when the Charge Point "
                  "has been reserved (each of its connectors reserved, so none remains for a new reservation).")
async def test_reserve_occupied_charge_point(charge_point, descriptor, available_connector, id_tags, timeouts):
    await _needs_zero_reservations(charge_point)
    for c in range(1, descriptor.connectors + 1):
        await _reserve_accepted(charge_point, c, id_tags.valid, timeouts)
    reserved = await reserve_now(charge_point, 0, id_tags.valid, expires_in=timeouts.case)
    check_answer(reserved, "Occupied", "every connector of the Charge Point is reserved")


@case("TC_050_3_CS", "Reservation of a Charge Point - Unavailable",
      spec="OCPP 1.6 §5.13, §5.2, §9.3 ReserveConnectorZeroSupported",
      requirement="The Charge Point SHALL return 'Unavailable' to ReserveNow.req for connector 0 if the Charge Point "
                  "is in the Unavailable state.")
async def test_reserve_unavailable_charge_point(charge_point, available_connector, id_tags, timeouts, inoperative):
    await _needs_zero_reservations(charge_point)
    since = await inoperative(0)
    await charge_point.expect("StatusNotification", after=since, connectorId=0, status="Unavailable",
                              requirement="A Charge Point made Inoperative is reported Unavailable (OCPP 1.6 §5.2).")
    reserved = await reserve_now(charge_point, 0, id_tags.valid, expires_in=timeouts.case)
    check_answer(reserved, "Unavailable", "the Charge Point is Unavailable")


@case("TC_050_4_CS", "Reservation of a Charge Point - Rejected",
      spec="OCPP 1.6 §5.13, §9.3 ReserveConnectorZeroSupported",
      requirement="The Charge Point SHALL return 'Rejected' to ReserveNow.req for connector 0 if the configuration "
                  "key ReserveConnectorZeroSupported is not set or set to false; a Charge Point that supports "
                  "reservations of connector 0 SHALL return 'Rejected' when it is configured not to accept "
                  "reservations (the descriptor's configuration.reservations_key set to false).")
async def test_reserve_charge_point_rejected(charge_point, configure, descriptor, available_connector, id_tags,
                                             timeouts):
    value = await _zero_supported(charge_point)
    if value != "true":
        why = f"ReserveConnectorZeroSupported is {'not set' if value is None else value!r}"
    else:
        key = descriptor.configuration.get("reservations_key")
        if not key:
            not_applicable("the Charge Point supports reservations of connector 0 (ReserveConnectorZeroSupported "
                           "true) and the IUT descriptor names no configuration key that switches reservations off "
                           "(configuration.reservations_key)")
        await configure(**{key: False})
        why = f"the Charge Point is configured not to accept reservations ({key} false)"
    reserved = await reserve_now(charge_point, 0, id_tags.valid, expires_in=timeouts.case)
    check_answer(reserved, "Rejected", why)


@case("TC_051_CS", "Cancel Reservation",
      spec="OCPP 1.6 §5.1, §5.13, §4.9",
      requirement="If the Charge Point has a reservation matching the reservationId of CancelReservation.req, it "
                  "SHALL return 'Accepted', and the reservation ends: the connector returns to Available "
                  "(StatusNotification.req).")
async def test_cancel_reservation(charge_point, available_connector, id_tags, timeouts):
    c = available_connector
    reserved = await _reserve_accepted(charge_point, c, id_tags.valid, timeouts)
    since = charge_point.mark_now()
    conf = await charge_point.call("CancelReservation", {"reservationId": reserved.reservation_id},
                                   requirement="The Charge Point answers CancelReservation.req (OCPP 1.6 §5.1).")
    assert conf.status == "Accepted", (
        f"[behaviour] CancelReservation for reservation {reserved.reservation_id}, which the Charge Point accepted "
        f"(#{reserved.request.seq}), was answered {conf.status!r}; a Charge Point that has the reservation SHALL "
        "return Accepted (OCPP 1.6 §5.1)")
    await charge_point.expect("StatusNotification", after=since, connectorId=c, status="Available",
                              requirement="A cancelled reservation releases its connector: Reserved to Available "
                                          "(OCPP 1.6 §4.9, a Cancel Reservation message is received).")


@case("TC_052_CS", "Cancel Reservation - Rejected",
      spec="OCPP 1.6 §5.1",
      requirement="If the Charge Point has no reservation matching the reservationId of CancelReservation.req, it "
                  "SHALL return 'Rejected'.")
async def test_cancel_unknown_reservation(charge_point, booted):
    unknown = new_reservation_id()  # an id the suite never used: no reservation of the Charge Point has it
    conf = await charge_point.call("CancelReservation", {"reservationId": unknown},
                                   requirement="The Charge Point answers CancelReservation.req (OCPP 1.6 §5.1).")
    assert conf.status == "Rejected", (
        f"[behaviour] CancelReservation for reservation {unknown}, which the Central System never made, was answered "
        f"{conf.status!r}; a Charge Point without a matching reservation SHALL return Rejected (OCPP 1.6 §5.1)")


async def _group_reservation(charge_point, connector, id_tags, timeouts):
    """A reservation of `connector` for the valid id tag and its group: parentIdTag the descriptor's group."""
    return await _reserve_accepted(charge_point, connector, id_tags.valid, timeouts,
                                   parent_id_tag=id_tags.parent_id_tag)


REQ_GROUP = "The Charge Point SHALL refuse charging for all incoming idTags on the reserved connector, except when " \
            "the incoming idTag or the parent idTag match the idTag or parent idTag of the reservation; it learns " \
            "the parent of an incoming idTag from its cache or with Authorize.req (OCPP 1.6 §5.13)."


@case("TC_053_1_CS", "Use a reserved Connector with parentIdTag - Local",
      spec="OCPP 1.6 §5.13, §3.10, §4.1, §4.8",
      requirement=REQ_GROUP + " A local start of another idTag of the reservation's group SHALL start the transaction "
                              "with the reservationId in StartTransaction.req; an idTag outside the group SHALL NOT "
                              "start one.",
      needs=("id_tags.parent", "id_tags.valid_2"))
async def test_reserved_connector_parent_local(charge_point, iut, available_connector, id_tags, timeouts):
    c, stranger, member = available_connector, id_tags.valid_2, id_tags.child_id_tag
    reserved = await _group_reservation(charge_point, c, id_tags, timeouts)
    await iut.plug_in(c)  # with the cable in, an idTag the Charge Point lets charge starts at once
    since = charge_point.mark_now()
    await iut.present_id_tag(stranger, c)
    await charge_point.expect_no(
        "StartTransaction", during=timeouts.settle, after=since, idTag=stranger,
        requirement=f"{stranger} is neither the reserved idTag nor of its group: " + REQ_GROUP)
    since = charge_point.mark_now()
    await iut.present_id_tag(member, c)
    await _started_on_reservation(charge_point, reserved, c, member, since)


@case("TC_053_2_CS", "Use a reserved Connector with parentIdTag - Remote",
      spec="OCPP 1.6 §5.13, §5.11, §3.10, §4.8",
      requirement=REQ_GROUP + " A RemoteStartTransaction.req for another idTag of the reservation's group SHALL "
                              "start the transaction with the reservationId in StartTransaction.req; one for an idTag "
                              "outside the group SHALL NOT start one.",
      needs=("id_tags.parent", "id_tags.valid_2"))
async def test_reserved_connector_parent_remote(charge_point, iut, available_connector, id_tags, timeouts):
    c, stranger, member = available_connector, id_tags.valid_2, id_tags.child_id_tag
    reserved = await _group_reservation(charge_point, c, id_tags, timeouts)
    await iut.plug_in(c)  # with the cable in, an idTag the Charge Point lets charge starts at once
    since = charge_point.mark_now()
    await charge_point.call("RemoteStartTransaction", {"idTag": stranger, "connectorId": c},
                            requirement="The Charge Point answers RemoteStartTransaction.req (OCPP 1.6 §5.11); it may "
                                        "reject one for an idTag the reservation does not admit.")
    await charge_point.expect_no(
        "StartTransaction", during=timeouts.settle, after=since, idTag=stranger,
        requirement=f"{stranger} is neither the reserved idTag nor of its group: " + REQ_GROUP)
    since = charge_point.mark_now()
    await _remote_start(charge_point, c, member)
    await _started_on_reservation(charge_point, reserved, c, member, since)
