"""Smart Charging of the suite's own roles and of the reference simulators, piece by piece: the reference charge
point's profiles, composite schedule and offered current (and its named faults), the suite's charge point's answers,
the reference CSMS's command checks and faults, and the suite's judgement of a forwarded profile."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.iut import load_descriptor
from conformance.ocpp16.roles.charge_point import ChargePointResponder16, SuiteTransaction
from conformance.ocpp16.roles.smart_charging import check_forwarded_profile, operator_profile
from conformance.ocpp16.simulators.charge_point import ReferenceChargePoint
from conformance.ocpp16.simulators.charge_point.state import Transaction
from conformance.ocpp16.simulators.csms import ReferenceCsms
from conformance.ocpp16.simulators.rpc import check_payload
from conformance.ocpp16.smart_charging import (
    ChargePointProfiles,
    ChargingProfile,
    Electrical,
    RateUnit,
    compare_composite,
    composite_schedule,
    format_instant,
)
from conformance.ocpp16.smart_charging_steps import ChargerFacts, ProfileBook, _reading, clear_case_profiles
from conformance.timestamps import iso
from conformance.wire import Kind, MessageType, Record, Wire
from tests.suite_runner import ROOT

SUPPLY = Electrical(Decimal(230), 3)


def now() -> datetime:
    return datetime.now(timezone.utc)


def profile(profile_id: int, purpose: str, limits: list[tuple[int, float]], *, stack_level: int = 0,
            unit: str = "A", **fields: Any) -> dict[str, Any]:
    """An Absolute profile that began 10 s ago."""
    return {"chargingProfileId": profile_id, "stackLevel": stack_level, "chargingProfilePurpose": purpose,
            "chargingProfileKind": "Absolute", "chargingSchedule": {
                "startSchedule": format_instant(now() - timedelta(seconds=10)), "chargingRateUnit": unit,
                "chargingSchedulePeriod": [{"startPeriod": s, "limit": v} for s, v in limits]}} | fields


# ================================================================================= the reference charge point
@pytest.fixture
def cp() -> ReferenceChargePoint:
    return ReferenceChargePoint(csms_url="ws://127.0.0.1:1/ocpp", identity="SC1")


def run_transaction(cp: ReferenceChargePoint, connector: int = 1, transaction_id: int = 5,
                    id_tag: str = "TAG") -> Transaction:
    tx = Transaction(local_id=1, connector_id=connector, id_tag=id_tag, parent_id_tag=None, meter_start=0,
                     start_time=iso(now() - timedelta(seconds=2)), transaction_id=transaction_id)
    cp.connectors[connector].transaction = tx
    return tx


def composite_limit(cp: ReferenceChargePoint, connector: int = 1, unit: str = "A") -> float | None:
    conf = cp._composite_answer({"connectorId": connector, "duration": 60, "chargingRateUnit": unit})
    assert check_payload("GetCompositeSchedule", conf, response=True) is None
    return conf["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]


def test_reference_charge_point_takes_what_it_supports_and_refuses_the_rest(cp) -> None:
    assert cp._set_charging_profile(1, profile(1, "TxDefaultProfile", [(0, 6)])) == "Accepted"
    assert cp._set_charging_profile(1, profile(2, "TxDefaultProfile", [(0, 6)], stack_level=9)) == "Rejected"
    assert cp._set_charging_profile(1, profile(3, "TxProfile", [(0, 6)], transactionId=5)) == "Rejected"  # no tx
    assert cp._set_charging_profile(1, profile(4, "ChargePointMaxProfile", [(0, 6)])) == "Rejected"  # not on 0
    assert cp._set_charging_profile(1, profile(5, "TxDefaultProfile", [(0, 6.15)])) == "Rejected"
    cp.config["ChargingScheduleAllowedChargingRateUnit"] = "Current"
    assert cp._set_charging_profile(1, profile(6, "TxDefaultProfile", [(0, 4140)], unit="W")) == "Rejected"
    assert [i.profile.charging_profile_id for i in cp.profiles.installed] == [1]


def test_reference_charge_point_applies_the_tx_profile_while_its_transaction_runs(cp) -> None:
    assert cp._set_charging_profile(1, profile(1, "TxDefaultProfile", [(0, 6)])) == "Accepted"
    assert composite_limit(cp) == 6.0 and cp._offered(1) == (Decimal(6), Decimal("4140.0"))
    run_transaction(cp)
    assert cp._set_charging_profile(1, profile(2, "TxProfile", [(0, 10)], transactionId=6)) == "Rejected"
    assert cp._set_charging_profile(1, profile(2, "TxProfile", [(0, 10)], transactionId=5)) == "Accepted"
    assert composite_limit(cp) == 10.0 and composite_limit(cp, unit="W") == 6900.0
    assert cp._offered(1)[0] == Decimal(10) and cp._offered(2)[0] == Decimal(16)  # the default is connector 1's
    cp.connectors[1].transaction = None  # the transaction ends: its TxProfile goes (§3.13.1)
    assert composite_limit(cp) == 6.0 and [i.profile.charging_profile_id for i in cp.profiles.installed] == [1]


def test_reference_charge_point_reports_its_own_maximum_where_nothing_limits(cp) -> None:
    assert composite_limit(cp) == 16.0 and cp._offered(1) == (Decimal(16), Decimal("11000"))
    assert cp._composite_answer({"connectorId": 3, "duration": 60}) == {"status": "Rejected"}


def test_reference_charge_point_binds_the_profile_of_a_remote_start_to_the_transaction(cp) -> None:
    remote = profile(7, "TxProfile", [(0, 8)])
    assert cp._remote_profile_refusal(remote) is None
    assert "must be a TxProfile" in cp._remote_profile_refusal(profile(8, "TxDefaultProfile", [(0, 8)]))
    assert "cannot name a transactionId" in cp._remote_profile_refusal(remote | {"transactionId": 1})
    cp.connectors[1].pending_tag = ("TAG", None)
    cp._remember_remote_profile(1, "TAG", remote)
    run_transaction(cp)
    assert composite_limit(cp) == 8.0
    assert cp.profiles.installed[0].profile.transaction_id == 5


def test_reference_charge_point_clears_by_id_and_by_criteria(cp) -> None:
    cp._set_charging_profile(0, profile(1, "ChargePointMaxProfile", [(0, 20)]))
    cp._set_charging_profile(1, profile(2, "TxDefaultProfile", [(0, 6)]))
    assert cp._clear_charging_profiles({"id": 2}) == "Accepted"
    assert cp._clear_charging_profiles({"id": 2}) == "Unknown"
    criteria = {"chargingProfilePurpose": "ChargePointMaxProfile", "stackLevel": 0}
    assert cp._clear_charging_profiles(criteria) == "Accepted"
    assert cp.profiles.installed == ()


def test_reference_charge_point_faults_get_the_composite_wrong(cp) -> None:
    run_transaction(cp)
    assert cp._set_charging_profile(1, profile(1, "TxProfile", [(0, 10)], transactionId=5)) == "Accepted"
    assert cp._set_charging_profile(1, profile(2, "TxDefaultProfile", [(0, 6)])) == "Accepted"
    assert composite_limit(cp) == 10.0
    cp.faults = frozenset({"tx-default-over-tx-profile"})
    assert composite_limit(cp) == 6.0
    cp.faults = frozenset({"tx-default-not-applied-to-running-transaction"})
    cp.profiles.clear(profile_id=1)  # the TxDefaultProfile alone, set during the transaction
    assert composite_limit(cp) == 16.0


def test_reference_charge_point_fault_lets_the_last_profile_lead(cp) -> None:
    assert cp._set_charging_profile(1, profile(1, "TxDefaultProfile", [(0, 10)], stack_level=1)) == "Accepted"
    assert cp._set_charging_profile(1, profile(2, "TxDefaultProfile", [(0, 6)], stack_level=0)) == "Accepted"
    assert composite_limit(cp) == 10.0
    cp.faults = frozenset({"profile-stack-level-ignored"})
    assert composite_limit(cp) == 6.0


def test_reference_charge_point_fault_keeps_the_tx_profile_after_the_transaction(cp) -> None:
    cp.faults = frozenset({"tx-profile-kept-after-transaction"})
    cp._set_charging_profile(1, profile(1, "TxDefaultProfile", [(0, 6)]))
    run_transaction(cp)
    cp._set_charging_profile(1, profile(2, "TxProfile", [(0, 10)], transactionId=5))
    cp.connectors[1].transaction = None
    assert composite_limit(cp) == 10.0


def test_reference_charge_point_fault_offers_its_maximum(cp) -> None:
    cp.faults = frozenset({"offered-limit-not-applied"})
    cp._set_charging_profile(1, profile(1, "TxDefaultProfile", [(0, 6)]))
    assert composite_limit(cp) == 6.0 and cp._offered(1)[0] == Decimal(16)


# ================================================================================= the suite's charge point
@pytest.fixture
def model() -> ChargePointResponder16:
    return ChargePointResponder16(load_descriptor(ROOT / "fixtures/iut/reference-csms.yaml"))


class _Rec:
    def __init__(self, action: str) -> None:
        self.action, self.unique_id = action, "u1"


async def ask(model: ChargePointResponder16, action: str, payload: dict) -> Any:
    return await model.answer(action, payload, _Rec(action))  # type: ignore[arg-type]


async def test_the_suite_charge_point_declares_smart_charging(model) -> None:
    keys = {e["key"]: e for e in (await ask(model, "GetConfiguration", {}))["configurationKey"]}
    assert "SmartCharging" in keys["SupportedFeatureProfiles"]["value"].split(",")
    for key in ("ChargeProfileMaxStackLevel", "ChargingScheduleAllowedChargingRateUnit", "ChargingScheduleMaxPeriods",
                "MaxChargingProfilesInstalled"):
        assert keys[key]["readonly"] is True, key
    assert keys["ChargingScheduleAllowedChargingRateUnit"]["value"] == "Current,Power"


async def test_the_suite_charge_point_keeps_profiles_and_answers_its_composite(model) -> None:
    default = profile(1, "TxDefaultProfile", [(0, 6.1)])
    assert (await ask(model, "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": default}))["status"] == \
        "Accepted"
    tx = profile(2, "TxProfile", [(0, 10)], transactionId=9)
    assert (await ask(model, "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": tx}))["status"] == \
        "Rejected"  # no transaction runs
    conf = await ask(model, "GetCompositeSchedule", {"connectorId": 1, "duration": 60, "chargingRateUnit": "A"})
    assert check_payload("GetCompositeSchedule", conf, response=True) is None
    store = ChargePointProfiles(2)
    store.install(1, ChargingProfile.from_payload(default))
    expected = composite_schedule(store, 1, datetime.fromisoformat(conf["scheduleStart"]), 60, "A", electrical=SUPPLY)
    assert compare_composite(expected, conf) == []
    assert (await ask(model, "GetCompositeSchedule", {"connectorId": 3, "duration": 60}))["status"] == "Rejected"
    assert (await ask(model, "ClearChargingProfile", {"id": 1}))["status"] == "Accepted"
    assert (await ask(model, "ClearChargingProfile", {"id": 1}))["status"] == "Unknown"


async def test_the_suite_charge_point_applies_a_remote_start_profile_and_forgets_profiles_between_cases(model) -> None:
    wrong = profile(3, "TxDefaultProfile", [(0, 8)])
    assert (await ask(model, "RemoteStartTransaction", {"idTag": "T1", "connectorId": 1,
                                                        "chargingProfile": wrong}))["status"] == "Rejected"
    remote = profile(4, "TxProfile", [(0, 8)])
    assert (await ask(model, "RemoteStartTransaction", {"idTag": "T1", "connectorId": 1,
                                                        "chargingProfile": remote}))["status"] == "Accepted"
    model.connectors[1].transaction = SuiteTransaction(1, "T1", 0, iso(now()), transaction_id=42)
    model.smart.sync(model.connectors)
    assert [(i.profile.charging_profile_id, i.profile.transaction_id) for i in model.smart.installed_on(1)] == [(4, 42)]
    model.connectors[1].transaction = None
    model.smart.sync(model.connectors)
    assert model.smart.installed_on(1) == []  # gone with its transaction
    await ask(model, "SetChargingProfile", {"connectorId": 0, "csChargingProfiles": profile(5, "ChargePointMaxProfile",
                                                                                            [(0, 20)])})
    model.restore_case()
    assert model.smart.store.installed == ()


# ================================================================================= judging the CSMS under test
def test_a_forwarded_profile_is_judged_valid_and_as_asked() -> None:
    asked = operator_profile(9, "TxProfile", [(0, 6.1), (60, 8)], transaction_id=4, duration=300, valid_s=600)
    req = SimpleNamespace(action="SetChargingProfile", seq=7, payload={"connectorId": 1,
                                                                      "csChargingProfiles": copy.deepcopy(asked)})
    assert check_forwarded_profile(req, "csChargingProfiles", asked, carried_by="SetChargingProfile",
                                   connector_id=1) == asked
    req.payload["csChargingProfiles"]["stackLevel"] = 2
    with pytest.raises(AssertionError, match=r"does not send the profile the operator asked for \(TxProfile 9\): "
                                             "stackLevel is 2, asked 0"):
        check_forwarded_profile(req, "csChargingProfiles", asked, carried_by="SetChargingProfile", connector_id=1)
    del req.payload["csChargingProfiles"]["transactionId"]
    with pytest.raises(AssertionError, match="must name its transaction"):
        check_forwarded_profile(req, "csChargingProfiles", asked, carried_by="SetChargingProfile", connector_id=1)


def test_the_reference_csms_checks_the_operators_profiles_and_its_faults_leave_them_alone() -> None:
    csms = ReferenceCsms(faults=["charging-profile-limits-binary", "tx-profile-transaction-id-dropped"])
    asked = {"connectorId": 1, "csChargingProfiles": operator_profile(1, "TxProfile", [(0, 6.1)], transaction_id=3)}
    original = copy.deepcopy(asked)
    sent = csms._faulty_smart_charging("SetChargingProfile", asked)
    assert asked == original
    assert sent["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 6.1000000000000005
    assert "transactionId" not in sent["csChargingProfiles"]
    untied = operator_profile(1, "TxProfile", [(0, 6)])
    with pytest.raises(ValueError, match="must name its transaction"):
        csms._check_smart_charging_command("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": untied})
    with pytest.raises(ValueError, match="must be a TxProfile"):
        csms._check_smart_charging_command("RemoteStartTransaction", {"idTag": "T", "chargingProfile": operator_profile(
            1, "TxDefaultProfile", [(0, 6)])})


# ================================================================================= the suite as Central System
def test_the_profiles_a_case_builds_are_valid_absolute_schedules_in_the_charge_points_unit() -> None:
    timeouts = SimpleNamespace(tolerance=4, interval_tolerance=lambda s: min(4, s / 4))
    watts = ChargerFacts((RateUnit.WATT,), None, None, None, Electrical(Decimal(230), 1), Decimal("0.5"))
    book = ProfileBook(SimpleNamespace(), watts, timeouts, 2)
    built = book.profile("TxProfile", [(0, 6), (5, 8)], transaction_id=3, duration_s=20)
    schedule = built["chargingSchedule"]
    assert [p["startPeriod"] for p in schedule["chargingSchedulePeriod"]] == [0, 9]  # the change 5 s from now
    assert [p["limit"] for p in schedule["chargingSchedulePeriod"]] == [1380.0, 1840.0]  # 6 A, 8 A on 1 phase
    assert schedule["duration"] == 24 and schedule["chargingRateUnit"] == "W"
    assert book.change_at(built) - datetime.fromisoformat(schedule["startSchedule"]) == timedelta(seconds=9)
    assert book.profile("TxDefaultProfile", [(0, 6)])["chargingProfileId"] == built["chargingProfileId"] + 1
    assert watts.tolerance(RateUnit.WATT) == Decimal("115.0")


@pytest.mark.parametrize("value,unit,expected", [
    ({"value": "6.0", "unit": "A"}, "A", Decimal("6.0")),
    ({"value": "4.14", "unit": "kW"}, "W", Decimal("4140.00")),
    ({"value": "4140"}, "W", Decimal(4140)),
    ({"value": "n/a", "unit": "A"}, "A", None),
    ({"value": "6", "unit": "Wh"}, "W", None),
])
def test_offered_readings_are_read_in_their_unit(value: dict, unit: str, expected: Decimal | None) -> None:
    assert _reading(value, unit) == expected  # type: ignore[arg-type]


class _Peer:
    """The bits of the suite's peer the smart-charging steps use: it records the CALLs and answers from a table."""

    def __init__(self, answers: dict[str, dict] | None = None) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.answers = answers or {}
        self.wire = Wire()

    async def call(self, action: str, payload: dict, **_: Any) -> Any:
        self.calls.append((action, payload))
        return SimpleNamespace(get=self.answers.get(action, {}).get, error_code=None)


def _frame(seq: int, action: str, payload: dict, *, answers: int | None = None) -> Record:
    return Record(seq=seq, kind=Kind.FRAME, t_mono=float(seq), t_wall="2024-05-01T12:00:00.000Z", segment="case",
                  from_iut=answers is not None, action=action, payload=payload, answers=answers,
                  message_type=MessageType.CALLRESULT if answers is not None else MessageType.CALL)


async def test_the_clean_up_clears_by_id_each_profile_the_case_installed() -> None:
    wire = Wire()
    wire.segment = "case"
    for rec in (_frame(1, "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": {"chargingProfileId": 91601}}),
                _frame(2, "SetChargingProfile", {"status": "Accepted"}, answers=1),
                _frame(3, "SetChargingProfile", {"connectorId": 1, "csChargingProfiles": {"chargingProfileId": 91602}}),
                _frame(4, "SetChargingProfile", {"status": "Rejected"}, answers=3),
                _frame(5, "RemoteStartTransaction", {"idTag": "T", "chargingProfile": {"chargingProfileId": 91603}}),
                _frame(6, "RemoteStartTransaction", {"status": "Accepted"}, answers=5),
                _frame(7, "SetChargingProfile", {"connectorId": 0, "csChargingProfiles": {"chargingProfileId": 91601}}),
                _frame(8, "SetChargingProfile", {"status": "Accepted"}, answers=7)):
        wire.append(rec)
    peer = _Peer()
    link = SimpleNamespace(wire=wire, peer=peer, descriptor=SimpleNamespace(timeouts=SimpleNamespace(response=1)))
    await clear_case_profiles(link)
    assert peer.calls == [("ClearChargingProfile", {"id": 91601}), ("ClearChargingProfile", {"id": 91603})]


async def test_offered_values_are_left_out_with_a_note_when_the_charge_point_refuses_to_sample_them() -> None:
    peer = _Peer({"GetConfiguration": {"configurationKey": [{"key": "MeterValuesSampledData",
                                                             "value": "Energy.Active.Import.Register"}]}})
    asked: list[dict] = []

    async def optional(**values: Any) -> set[str]:
        asked.append(values)
        return {"MeterValueSampleInterval"} & set(values)

    facts = ChargerFacts((RateUnit.AMPERE,), None, None, None, SUPPLY, Decimal("0.5"))
    book = ProfileBook(peer, facts, SimpleNamespace(tolerance=4, interval_tolerance=lambda s: min(4, s / 4)), 2)
    await book.watch_offered(SimpleNamespace(optional=optional))
    assert book.offered == ()
    tried = [a["MeterValuesSampledData"] for a in asked if "MeterValuesSampledData" in a]
    assert tried[0] == "Energy.Active.Import.Register,Current.Offered,Power.Offered" and "Power.Offered" in tried
    assert [r.data for r in peer.wire.records if r.event == "note"] == [
        {"offered_values": "not compared: the charge point refused MeterValuesSampledData with Current.Offered or "
                           "Power.Offered"}]
    await book.check_offered(1, after=_frame(1, "SetChargingProfile", {}))  # nothing to compare: returns at once
