"""The Local Authorization List as the reference charge point, the reference CSMS and the suite's own charge point
keep it, and the judge of the list updates a Central System under test sends (OCPP 1.6 §3.5, §5.10, §5.15)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.errors import ExpectationFailed
from conformance.iut import load_descriptor
from conformance.ocpp16.list_management import entry, new_id_tag, removal, update
from conformance.ocpp16.roles.charge_point import ChargePointResponder16
from conformance.ocpp16.roles.local_list import judge_list_update, list_problems
from conformance.ocpp16.simulators.charge_point import ReferenceChargePoint
from conformance.ocpp16.simulators.csms import ReferenceCsms
from conformance.ocpp16.simulators.csms.local_auth_list import applied
from tests.suite_runner import ROOT


def test_new_id_tags_are_unique_id_tokens() -> None:
    tags = {new_id_tag() for _ in range(1000)}
    assert len(tags) == 1000 and all(len(t) <= 20 for t in tags)


@pytest.mark.parametrize("body,before,problem", [
    (update(1, "Full", [entry("A"), entry("a")]), 0, "appear more than once"),
    (update(1, "Full", [entry("A"), removal("B")]), 0, "without idTagInfo: B"),
    (update(0, "Full", [entry("A")]), 0, "0 means an empty list"),
    (update(3, "Differential", [entry("A")]), 3, "not above the list's version 3"),
    (update(2, "Differential", [entry(f"T{i}") for i in range(4)]), 1, "more than the charge point's"),
])
def test_list_problems_name_what_is_wrong(body: dict, before: int, problem: str) -> None:
    problems = list_problems(body, before, send_max=3)
    assert len(problems) == 1 and problem in problems[0]


@pytest.mark.parametrize("body,before", [
    (update(1, "Full"), 5),  # a full update may carry any version
    (update(1, "Full", [entry("A")]), 7),
    (update(4, "Differential", [removal("A")]), 3),  # an entry without idTagInfo removes it
])
def test_list_problems_pass_valid_updates(body: dict, before: int) -> None:
    assert list_problems(body, before, send_max=3) == []


def _suite_model() -> ChargePointResponder16:
    return ChargePointResponder16(load_descriptor(ROOT / "fixtures/iut/reference-csms.yaml"))


def test_the_suite_charge_point_keeps_a_versioned_list() -> None:
    m = _suite_model()
    assert m.on_GetLocalListVersion({}) == {"listVersion": 0}
    assert m.on_SendLocalList(update(3, "Full", [entry("A"), entry("B", "Blocked")])) == {"status": "Accepted"}
    assert m.on_GetLocalListVersion({}) == {"listVersion": 3}
    assert m.listed("a") == {"status": "Accepted", "expiryDate": entry("A")["idTagInfo"]["expiryDate"]}
    assert m.on_SendLocalList(update(3, "Differential", [entry("C")])) == {"status": "VersionMismatch"}
    assert m.on_SendLocalList(update(4, "Differential", [entry("C"), removal("A")])) == {"status": "Accepted"}
    assert m.listed("A") is None and m.listed("C") is not None and m.listed("B")["status"] == "Blocked"
    assert m.on_SendLocalList(update(5, "Full", [entry("D"), entry("d")])) == {"status": "Failed"}
    assert m.on_GetLocalListVersion({}) == {"listVersion": 4}  # a failed update changes nothing
    m.fail_next_list_update()
    assert m.on_SendLocalList(update(6, "Differential", [entry("E")])) == {"status": "Failed"}
    assert m.on_SendLocalList(update(6, "Differential", [entry("E")])) == {"status": "Accepted"}  # once only
    assert m.on_SendLocalList(update(9, "Full")) == {"status": "Accepted"}
    assert m.on_GetLocalListVersion({}) == {"listVersion": 0}  # empty: version 0
    assert [u.version_before for u in m.local_list.updates] == [0, 3, 3, 4, 4, 4, 6]


def test_the_suite_charge_point_without_a_list_says_so() -> None:
    m = _suite_model()
    m.on_SendLocalList(update(1, "Full", [entry("A")]))
    m.set_for_case("LocalAuthListEnabled", False)
    assert m.on_GetLocalListVersion({}) == {"listVersion": -1}
    assert m.on_SendLocalList(update(2, "Full", [entry("B")])) == {"status": "NotSupported"}
    assert m.listed("A") is None
    m.restore_case()  # between cases: the list in use again, and empty
    assert m.listed("A") is None and m.on_GetLocalListVersion({}) == {"listVersion": 0}


def test_the_list_has_priority_over_the_cache_and_expires() -> None:
    m = _suite_model()
    m.on_SendLocalList(update(1, "Full", [{"idTag": "OLD", "idTagInfo": {"status": "Accepted",
                                                                          "expiryDate": "2020-01-01T00:00:00Z"}}]))
    assert m.listed("OLD")["status"] == "Expired"
    m.remember("OLD", {"status": "Accepted"})
    assert "old" not in m.auth_cache  # identifiers on the list are not cached (§3.5.3)


class _Station:
    """Just enough of a SuiteStation for the judge."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.checked: list[str] = []

    async def reaction(self, req: Any) -> None:
        return None

    def check_id_tag_info(self, info: dict, id_tag: str, where: str) -> None:
        self.checked.append(id_tag)

    def _deviation(self, message: str, requirement: str) -> None:
        raise ExpectationFailed(message, requirement)


class _Req:
    seq = 7

    def __init__(self, payload: dict) -> None:
        self.payload = payload


async def test_the_judge_accepts_more_identifiers_in_a_full_list_but_not_in_a_differential_update() -> None:
    station = _Station(_suite_model())
    full = update(1, "Full", [entry("A"), entry("EXTRA")])
    station.model.on_SendLocalList(full)
    result = await judge_list_update(station, _Req(full), asked={"updateType": "Full",
                                                                  "localAuthorizationList": [entry("A")]})
    assert result.status == "Accepted" and station.checked == ["A", "EXTRA"]
    diff = update(2, "Differential", [entry("B"), entry("EXTRA2")])
    station.model.on_SendLocalList(diff)
    with pytest.raises(ExpectationFailed, match="the operator asked for"):
        await judge_list_update(station, _Req(diff), asked={"updateType": "Differential",
                                                             "localAuthorizationList": [entry("B")]})


async def test_the_judge_fails_a_duplicate_idtag() -> None:
    station = _Station(_suite_model())
    body = update(1, "Full", [entry("A"), entry("A")])
    station.model.on_SendLocalList(body)
    with pytest.raises(ExpectationFailed, match="appear more than once"):
        await judge_list_update(station, _Req(body))


async def test_the_reference_charge_point_list() -> None:
    cp = ReferenceChargePoint(csms_url="ws://127.0.0.1:1/ocpp", identity="LAL1")
    assert cp._local_list_version() == 0
    assert cp._update_local_list(2, "Full", [entry("A"), entry("B")]) == "Accepted"
    assert cp._update_local_list(2, "Differential", [entry("C")]) == "VersionMismatch"
    assert cp._update_local_list(3, "Differential", [removal("A")]) == "Accepted"
    assert cp._local_list_lookup("a") is None and cp._local_list_lookup("b")["status"] == "Accepted"
    many = [entry(f"T{i}") for i in range(int(cp.config["SendLocalListMaxLength"]) + 1)]
    assert cp._update_local_list(4, "Full", many) == "Failed"
    assert cp._local_list_version() == 3
    cp.config["LocalAuthListEnabled"] = "false"
    assert cp._local_list_version() == -1 and cp._update_local_list(5, "Full", []) == "NotSupported"
    assert cp._local_list_lookup("b") is None


def test_the_reference_csms_applies_updates_as_the_charger_does() -> None:
    known = applied({}, "Full", [entry("A"), entry("B")])
    known = applied(known, "Differential", [removal("a"), entry("C")])
    assert sorted(known) == ["b", "c"]


async def test_the_reference_csms_picks_the_next_version_when_the_operator_gives_none() -> None:
    csms = ReferenceCsms()
    csms.known_local_list("CP1").version = 4
    assert csms._prepared_local_list("CP1", {"updateType": "Differential"})["listVersion"] == 5
    assert csms._prepared_local_list("CP1", {"updateType": "Full", "listVersion": 2})["listVersion"] == 2
    csms.known_local_list("CP2").version = -1  # no list: the first update is version 1
    assert csms._prepared_local_list("CP2", {"updateType": "Full"})["listVersion"] == 1
