"""The suite's own OCPP 1.6 reservation roles: how its charge point answers ReserveNow and CancelReservation from its
state, who it lets use a reservation, and which reservations the clean-up of a charge point case cancels."""

from __future__ import annotations

import pytest

from conformance.iut import load_descriptor
from conformance.ocpp16.reservations import new_reservation_id, reservations_left
from conformance.ocpp16.roles.charge_point import ChargePointResponder16, Reaction
from conformance.wire import Kind, MessageType, Record
from tests.suite_runner import ROOT


@pytest.fixture
def model() -> ChargePointResponder16:
    return ChargePointResponder16(load_descriptor(ROOT / "fixtures/iut/reference-csms.yaml"))


def _reserve(model: ChargePointResponder16, rid: int, connector: int, id_tag: str = "A", parent: str | None = None):
    payload = {"connectorId": connector, "expiryDate": "2099-01-01T00:00:00Z", "idTag": id_tag, "reservationId": rid}
    if parent:
        payload["parentIdTag"] = parent
    reply = model.on_ReserveNow(payload)
    return reply.reply["status"] if isinstance(reply, Reaction) else reply["status"]


def test_reserve_now_is_answered_from_the_connector_state(model) -> None:
    assert _reserve(model, 1, 1) == "Accepted"
    assert _reserve(model, 2, 1) == "Occupied"  # reserved already (for the same or another idTag)
    model.connectors[2].status = "Faulted"
    assert _reserve(model, 3, 2) == "Faulted"
    model.connectors[2].status, model.connectors[2].operative = "Unavailable", False
    assert _reserve(model, 4, 2) == "Unavailable"
    assert _reserve(model, 5, 3) == "Rejected"  # no such connector
    model.reservations.refuses = True
    model.connectors[2].status, model.connectors[2].operative = "Available", True
    assert _reserve(model, 6, 2) == "Rejected"


def test_the_same_id_replaces_a_reservation(model) -> None:
    assert _reserve(model, 1, 1, "A") == "Accepted"
    assert _reserve(model, 1, 1, "B") == "Accepted"
    assert [r.id_tag for r in model.reservations.held.values()] == ["B"]


def test_reservations_of_the_charge_point_keep_a_connector(model) -> None:
    assert _reserve(model, 1, 0) == "Accepted"
    assert _reserve(model, 2, 1) == "Accepted"  # connector 2 still free for the charge point's reservation
    assert _reserve(model, 3, 2) == "Occupied"
    assert _reserve(model, 4, 0) == "Occupied"
    model.configuration["ReserveConnectorZeroSupported"].value = "false"
    assert _reserve(model, 5, 0) == "Rejected"


def test_a_reservation_admits_its_id_tag_and_its_group(model) -> None:
    _reserve(model, 1, 1, "A", parent="GROUP")
    res = model.reservations
    assert res.reservation_for(1, "a", None) is not None  # idTags are case-insensitive
    assert res.reservation_for(1, "B", "group") is not None
    assert res.reservation_for(1, "B", "OTHER") is None
    assert res.reservation_for(1, "B", None) is None


def test_cancel_reservation(model) -> None:
    _reserve(model, 7, 1)
    assert model.on_CancelReservation({"reservationId": 8}) == {"status": "Rejected"}
    reply = model.on_CancelReservation({"reservationId": 7})
    assert isinstance(reply, Reaction) and reply.reply == {"status": "Accepted"}
    assert model.on_CancelReservation({"reservationId": 7}) == {"status": "Rejected"}


def test_a_start_claims_its_reservation_once(model) -> None:
    _reserve(model, 9, 1, "A")
    res = model.reservations
    res.claims[1] = ("a", res.held[9])
    assert res.take_claim(1, "B") == {}  # another idTag's start never names it
    res.claims[1] = ("a", res.held[9])
    assert res.take_claim(1, "A") == {"reservationId": 9}
    assert not res.held and res.take_claim(1, "A") == {}


def _frame(seq: int, action: str, payload: dict, *, from_iut: bool, answers: int | None = None) -> Record:
    kind = MessageType.CALLRESULT if answers else MessageType.CALL
    return Record(seq=seq, kind=Kind.FRAME, t_mono=0.0, t_wall="", segment="s", from_iut=from_iut,
                  message_type=kind, action=action, payload=payload, answers=answers)


def test_the_clean_up_cancels_the_reservations_a_case_left() -> None:
    records = [
        _frame(1, "ReserveNow", {"reservationId": 11}, from_iut=False),
        _frame(2, "ReserveNow", {"status": "Accepted"}, from_iut=True, answers=1),
        _frame(3, "ReserveNow", {"reservationId": 12}, from_iut=False),
        _frame(4, "ReserveNow", {"status": "Occupied"}, from_iut=True, answers=3),
        _frame(5, "ReserveNow", {"reservationId": 13}, from_iut=False),
        _frame(6, "ReserveNow", {"status": "Accepted"}, from_iut=True, answers=5),
        _frame(7, "CancelReservation", {"reservationId": 13}, from_iut=False),
        _frame(8, "CancelReservation", {"status": "Accepted"}, from_iut=True, answers=7),
    ]
    assert reservations_left(records) == [11]


def test_reservation_ids_are_new_every_time() -> None:
    first = new_reservation_id()
    assert new_reservation_id() == first + 1 and 0 < first < 2**31
