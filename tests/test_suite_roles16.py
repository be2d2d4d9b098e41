"""The suite's own OCPP 1.6 roles where the probes rely on them: what its Central System answers to actions it does not
handle, how its charge point tells an id tag group, and how readings of the energy register are read."""

from __future__ import annotations

import pytest

from conformance.iut import load_descriptor
from conformance.ocpp16.queued_messages import energy_wh
from conformance.ocpp16.roles.csms import CsmsResponder16
from conformance.ocpp16.roles.station import _same_group
from conformance.peer import CallErrorReply
from tests.suite_runner import ROOT


class _Rec:
    unique_id = "u1"


@pytest.mark.parametrize("action,code", [("Reset", "NotSupported"), ("ConformanceProbe", "NotImplemented")])
async def test_the_suite_central_system_refuses_what_it_does_not_handle(action: str, code: str) -> None:
    responder = CsmsResponder16(load_descriptor(ROOT / "fixtures/iut/reference-charge-point.yaml"))
    reply = await responder.answer(action, {}, _Rec())
    assert isinstance(reply, CallErrorReply) and reply.code == code


def test_the_suite_central_system_knows_the_second_tag_of_the_group() -> None:
    descriptor = load_descriptor(ROOT / "fixtures/iut/reference-csms.yaml")
    assert descriptor.id_tags.sibling_id_tag == "CONFCHILD02"


@pytest.mark.parametrize("info,started,same", [
    ({"status": "Accepted", "parentIdTag": "GROUP"}, {"status": "Accepted", "parentIdTag": "group"}, True),
    ({"status": "Accepted", "parentIdTag": "GROUP"}, {"status": "Accepted", "parentIdTag": "OTHER"}, False),
    ({"status": "Accepted"}, {"status": "Accepted"}, False),  # no group at all is not the same group
    ({"status": "Accepted", "parentIdTag": "GROUP"}, None, False),  # the start was never answered
])
def test_a_group_is_a_matching_parent_id_tag(info: dict, started: dict | None, same: bool) -> None:
    assert _same_group(info, started) is same


def test_energy_readings() -> None:
    assert energy_wh({"value": "1.5", "unit": "kWh"}) == 1500
    assert energy_wh({"value": "12", "measurand": "Voltage"}) is None
    assert energy_wh({"value": "ab12", "format": "SignedData"}) is None
    for bad in ("n/a", "NaN", "", None):
        with pytest.raises(AssertionError, match="is not a decimal number"):
            energy_wh({"value": bad})
