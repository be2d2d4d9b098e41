"""TriggerMessage as the suite's own charge point answers it (OCPP 1.6 §5.17): every requestable message Accepted (and
sent once the answer is on the wire, by the reaction), a connector it does not have Rejected."""

from __future__ import annotations

import pytest

from conformance.iut import load_descriptor
from conformance.ocpp16.roles.charge_point import TRIGGERABLE, ChargePointResponder16, Reaction
from tests.suite_runner import ROOT


def _model() -> ChargePointResponder16:
    return ChargePointResponder16(load_descriptor(ROOT / "fixtures/iut/reference-csms.yaml"))


@pytest.mark.parametrize("message", sorted(TRIGGERABLE))
@pytest.mark.parametrize("connector", [None, 0, 1])
def test_every_requestable_message_is_accepted(message: str, connector: int | None) -> None:
    payload = {"requestedMessage": message} | ({"connectorId": connector} if connector is not None else {})
    reply = _model().on_TriggerMessage(payload)
    assert isinstance(reply, Reaction) and reply.reply == {"status": "Accepted"}


def test_a_connector_it_does_not_have_is_rejected() -> None:
    m = _model()
    assert m.on_TriggerMessage({"requestedMessage": "StatusNotification", "connectorId": m.connector_count + 1}) == {
        "status": "Rejected"}
