"""Tests of the OCPP 1.6 smart-charging model: hand-worked composite schedules, the profile store's rules, the
comparison of GetCompositeSchedule answers, charging-profile validation, and properties checked by hypothesis."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.ocpp16.smart_charging import (
    ChargePointProfiles,
    ChargingProfile,
    ChargingSchedule,
    CompositePeriod,
    CompositeSchedule,
    Electrical,
    Purpose,
    charging_profile_problems,
    compare_composite,
    composite_schedule,
    format_instant,
    has_at_most_one_decimal,
    profile_differences,
)

T0 = datetime(2024, 1, 1, 10, 0, tzinfo=timezone.utc)  # a Monday
D = Decimal


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def payload(profile_id: int, stack_level: int, purpose: str, periods: list[tuple[int, Any]], *,
            kind: str = "Absolute", start: datetime | None = T0, duration: int | None = None, unit: str = "A",
            phases: int | None = None, **fields: Any) -> dict[str, Any]:
    """A csChargingProfiles payload; `periods` are (startPeriod, limit)."""
    schedule: dict[str, Any] = {"chargingRateUnit": unit, "chargingSchedulePeriod": [
        {"startPeriod": offset, "limit": limit} | ({"numberPhases": phases} if phases else {})
        for offset, limit in periods]}
    if start is not None:
        schedule["startSchedule"] = format_instant(start)
    if duration is not None:
        schedule["duration"] = duration
    return {"chargingProfileId": profile_id, "stackLevel": stack_level, "chargingProfilePurpose": purpose,
            "chargingProfileKind": kind, "chargingSchedule": schedule} | fields


def profile(*args: Any, **kwargs: Any) -> ChargingProfile:
    return ChargingProfile.from_payload(payload(*args, **kwargs))


def installed(connectors: int = 1, **placed: Any) -> ChargePointProfiles:
    """A store with profiles placed as connector -> list of profiles (keyword c0, c1, ...)."""
    store = ChargePointProfiles(connectors)
    for key, profiles in placed.items():
        for p in profiles:
            assert store.install(int(key[1:]), p).accepted
    return store


def periods(schedule: CompositeSchedule) -> list[tuple[int, Decimal | None]]:
    return [(p.start_offset_s, p.limit) for p in schedule.periods]


# ---------------------------------------------------------------------------------------------------------------------
# Hand-worked composite schedules

def test_a_higher_stack_level_leads_until_its_duration_ends_then_the_lower_level_shows_through() -> None:
    # TxDefaultProfile level 0: 6 A from 0, 8 A from 100, 10 A from 200, for 400 s. Level 1: 10 A from 0, 11 A from
    # 100, for 150 s. Composite over 500 s: level 1 leads 0-150 (10, 11); then level 0 is in its 8 A period until
    # 200, 10 A until 400; after 400 nothing limits -> 10, 11 @100, 8 @150, 10 @200, no limit @400.
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, 6), (100, 8), (200, 10)], duration=400),
                          profile(2, 1, "TxDefaultProfile", [(0, 10), (100, 11)], duration=150)])
    result = composite_schedule(store, 1, T0, 500, "A")
    assert periods(result) == [(0, D(10)), (100, D(11)), (150, D(8)), (200, D(10)), (400, None)]
    assert result.segments[2].source == "TxDefaultProfile 1, stack level 0"
    assert result.limit_at(at(149)) == D(11) and result.limit_at(at(150)) == D(8)


def test_a_tx_profile_overrides_the_tx_default_profile_whatever_their_stack_levels() -> None:
    # TxDefaultProfile level 5 says 10 A; the transaction's TxProfile level 0 says 20 A. TxProfile replaces the
    # default for the transaction (§3.13.1), so the composite is 20 A although its stack level is lower.
    store = installed(c1=[profile(1, 5, "TxDefaultProfile", [(0, 10)])])
    store.start_transaction(1, 77, T0)
    assert store.install(1, profile(2, 0, "TxProfile", [(0, 20)], transactionId=77)).accepted
    result = composite_schedule(store, 1, T0, 600, "A")
    assert periods(result) == [(0, D(20))]
    assert result.segments[0].source == "TxProfile 2, stack level 0"


def test_when_the_tx_profile_schedule_ends_the_tx_default_profile_applies_again() -> None:
    # TxProfile 20 A for 300 s over a TxDefaultProfile of 10 A: 20 A until +300, then the default's 10 A.
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, 10)])])
    store.start_transaction(1, 5, T0)
    store.install(1, profile(2, 0, "TxProfile", [(0, 20)], duration=300, transactionId=5))
    assert periods(composite_schedule(store, 1, T0, 600, "A")) == [(0, D(20)), (300, D(10))]


def test_the_charge_point_max_profile_caps_every_connector() -> None:
    # ChargePointMaxProfile on connector 0: 16 A. The TxProfile allows 32 A until +300, then 8 A. Composite =
    # the lower of the two at each instant: 16 A (the cap) until +300, then 8 A (the TxProfile).
    store = installed(c0=[profile(1, 0, "ChargePointMaxProfile", [(0, 16)])])
    store.start_transaction(1, 9, T0)
    store.install(1, profile(2, 0, "TxProfile", [(0, 32), (300, 8)], transactionId=9))
    result = composite_schedule(store, 1, T0, 600, "A")
    assert periods(result) == [(0, D(16)), (300, D(8))]
    assert [s.source for s in result.segments] == ["ChargePointMaxProfile 1, stack level 0",
                                                   "TxProfile 2, stack level 0"]


def test_a_relative_profile_counts_from_the_start_of_the_transaction() -> None:
    # The transaction started at 10:00. Relative TxProfile: 6 A, 10 A from +600, 16 A from +1200. Asked at 10:05
    # for 20 minutes: 6 A until 10:10 (+300), 10 A until 10:20 (+900), then 16 A.
    store = ChargePointProfiles(1)
    store.start_transaction(1, 1, T0)
    store.install(1, profile(1, 0, "TxProfile", [(0, 6), (600, 10), (1200, 16)], kind="Relative", start=None))
    assert periods(composite_schedule(store, 1, at(300), 1200, "A")) == [(0, D(6)), (300, D(10)), (900, D(16))]


def test_a_relative_profile_without_a_transaction_counts_from_the_request() -> None:
    # No transaction: a Relative TxDefaultProfile (8 A, then 12 A from +60) starts when the request arrives.
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, 8), (60, 12)], kind="Relative", start=None)])
    assert periods(composite_schedule(store, 1, at(1000), 120, "A")) == [(0, D(8)), (60, D(12))]


def test_an_absolute_profile_without_start_schedule_counts_from_the_start_of_charging() -> None:
    # §7 ChargingSchedule: without startSchedule the schedule is relative to the start of charging. Transaction
    # from 10:00; 6 A then 10 A from +600; asked at 10:08 for 5 minutes: 6 A until +120, then 10 A.
    store = ChargePointProfiles(1)
    store.start_transaction(1, 1, T0)
    store.install(1, profile(1, 0, "TxProfile", [(0, 6), (600, 10)], start=None))
    assert periods(composite_schedule(store, 1, at(480), 300, "A")) == [(0, D(6)), (120, D(10))]


def test_a_daily_recurrence_crosses_midnight() -> None:
    # Daily TxDefaultProfile level 1 from 2024-01-01 22:00 for 4 h: 8 A, 16 A from +2 h (midnight). Beneath it a
    # level 0 profile of 32 A. Asked on 2024-01-02 at 21:00 for 6 h: 32 A until 22:00 (+3600), 8 A until 00:00
    # (+10800), 16 A until 02:00 (+18000), then 32 A again.
    night = datetime(2024, 1, 1, 22, 0, tzinfo=timezone.utc)
    store = installed(c1=[
        profile(1, 0, "TxDefaultProfile", [(0, 32)], start=datetime(2023, 12, 1, tzinfo=timezone.utc)),
        profile(2, 1, "TxDefaultProfile", [(0, 8), (7200, 16)], kind="Recurring", start=night, duration=4 * 3600,
                recurrencyKind="Daily")])
    result = composite_schedule(store, 1, datetime(2024, 1, 2, 21, 0, tzinfo=timezone.utc), 6 * 3600, "A")
    assert periods(result) == [(0, D(32)), (3600, D(8)), (10800, D(16)), (18000, D(32))]


def test_a_daily_recurrence_without_duration_restarts_each_day() -> None:
    # Daily from 06:00, no duration: 10 A, 20 A from +12 h (18:00). It runs until the next recurrence, which starts
    # the schedule over: asked on 2024-01-03 at 17:00 for 14 h -> 10 A, 20 A @+1 h (18:00), 10 A @+13 h (06:00).
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, 10), (43200, 20)], kind="Recurring",
                                  start=datetime(2024, 1, 1, 6, 0, tzinfo=timezone.utc), recurrencyKind="Daily")])
    result = composite_schedule(store, 1, datetime(2024, 1, 3, 17, 0, tzinfo=timezone.utc), 14 * 3600, "A")
    assert periods(result) == [(0, D(10)), (3600, D(20)), (13 * 3600, D(10))]


def test_a_weekly_recurrence_repeats_on_the_same_weekday_only() -> None:
    # Weekly TxDefaultProfile from Monday 2024-01-01 08:00 for 1 h at 6 A; a ChargePointMaxProfile of 20 A. On
    # Monday 2024-01-15 from 07:30 for 2 h: 20 A (cap only) until 08:00 (+1800), 6 A until 09:00 (+5400), 20 A.
    # On Tuesday 2024-01-16 at the same time the weekly profile says nothing: 20 A throughout.
    store = installed(c0=[profile(1, 0, "ChargePointMaxProfile", [(0, 20)])],
                      c1=[profile(2, 0, "TxDefaultProfile", [(0, 6)], kind="Recurring", duration=3600,
                                  start=datetime(2024, 1, 1, 8, 0, tzinfo=timezone.utc), recurrencyKind="Weekly")])
    monday = composite_schedule(store, 1, datetime(2024, 1, 15, 7, 30, tzinfo=timezone.utc), 7200, "A")
    assert periods(monday) == [(0, D(20)), (1800, D(6)), (5400, D(20))]
    tuesday = composite_schedule(store, 1, datetime(2024, 1, 16, 7, 30, tzinfo=timezone.utc), 7200, "A")
    assert periods(tuesday) == [(0, D(20))]


def test_a_recurrence_has_not_started_before_its_start_schedule() -> None:
    # Daily from 2024-01-05 08:00: on 2024-01-04 at 08:00 it has not begun recurring, so nothing limits.
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, 6)], kind="Recurring", duration=3600,
                                  start=datetime(2024, 1, 5, 8, 0, tzinfo=timezone.utc), recurrencyKind="Daily")])
    assert periods(composite_schedule(store, 1, datetime(2024, 1, 4, 8, 0, tzinfo=timezone.utc), 3600, "A")) == [
        (0, None)]


def test_valid_from_and_valid_to_bound_a_higher_stack_level() -> None:
    # Level 0: 16 A. Level 1: 8 A, valid from 10:10 to 10:20. Asked at 10:00 for 30 min: 16 A, 8 A from +600,
    # 16 A again from +1200 when level 1 is no longer valid.
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, 16)]),
                          profile(2, 1, "TxDefaultProfile", [(0, 8)], validFrom=format_instant(at(600)),
                                  validTo=format_instant(at(1200)))])
    assert periods(composite_schedule(store, 1, T0, 1800, "A")) == [(0, D(16)), (600, D(8)), (1200, D(16))]


@pytest.mark.parametrize(("limit", "unit", "phases", "wanted", "expected"), [
    (7360, "W", 1, "A", D("32.0")),       # 7360 W / (230 V x 1) = 32 A
    (22080, "W", 3, "A", D("32.0")),      # 22080 W / (230 V x 3) = 32 A
    (10000, "W", 3, "A", D("14.4")),      # 10000 / 690 = 14.49.. A, rounded down to one decimal
    (16, "A", 3, "W", D("11040")),        # 16 A x 230 V x 3 = 11040 W
    (16, "A", 1, "W", D("3680")),         # 16 A x 230 V x 1 = 3680 W
    (16, "A", None, "W", D("11040")),     # numberPhases absent: 3 phases (§7 ChargingSchedulePeriod)
    (D("6.1"), "A", 3, "A", D("6.1")),    # same unit: the limit as given, not 6.0999...
])
def test_limits_convert_between_amperes_and_watts_at_230_volts(limit: Any, unit: str, phases: int | None,
                                                                wanted: str, expected: Decimal) -> None:
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, limit)], unit=unit, phases=phases)])
    result = composite_schedule(store, 1, T0, 60, wanted)
    assert result.periods == (CompositePeriod(0, expected, phases or 3),)
    assert str(result.to_payload()["chargingSchedulePeriod"][0]["limit"]) == str(float(expected))


def test_a_single_phase_charge_point_converts_with_one_phase() -> None:
    # No numberPhases in the profile, but the charge point has one phase: 16 A x 230 V x 1 = 3680 W.
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, 16)])])
    result = composite_schedule(store, 1, T0, 60, "W", electrical=Electrical(Decimal(230), 1))
    assert result.periods == (CompositePeriod(0, D(3680), 1),)


def test_a_cap_in_watts_limits_a_profile_in_amperes() -> None:
    # ChargePointMaxProfile 6900 W (3 phases at 230 V = 10 A); TxDefaultProfile 16 A: composite in A = 10 A.
    store = installed(c0=[profile(1, 0, "ChargePointMaxProfile", [(0, 6900)], unit="W")],
                      c1=[profile(2, 0, "TxDefaultProfile", [(0, 16)])])
    assert periods(composite_schedule(store, 1, T0, 60, "A")) == [(0, D(10))]


def test_connector_0_sums_the_connectors_and_connector_profiles_replace_the_connector_0_default() -> None:
    # Two connectors. TxDefaultProfile level 0 on connector 0 (16 A) applies to both; connector 1 has its own
    # level 0 TxDefaultProfile (10 A), which replaces it there only (§3.13.1). ChargePointMaxProfile 32 A.
    # Connector 1: min(10, 32) = 10 A. Connector 2: min(16, 32) = 16 A. Connector 0 (the whole charge point,
    # §5.7): min(10 + 16, 32) = 26 A.
    store = installed(2, c0=[profile(1, 0, "TxDefaultProfile", [(0, 16)]),
                             profile(2, 0, "ChargePointMaxProfile", [(0, 32)])],
                      c1=[profile(3, 0, "TxDefaultProfile", [(0, 10)])])
    assert periods(composite_schedule(store, 1, T0, 60, "A")) == [(0, D(10))]
    assert periods(composite_schedule(store, 2, T0, 60, "A")) == [(0, D(16))]
    whole = composite_schedule(store, 0, T0, 60, "A")
    assert periods(whole) == [(0, D(26))] and whole.segments[0].source == "sum of connectors 1, 2"
    # A higher connector 0 default (level 1, 6 A) is not replaced by connector 1's level 0 one, and leads.
    store.install(0, profile(4, 1, "TxDefaultProfile", [(0, 6)]))
    assert periods(composite_schedule(store, 1, T0, 60, "A")) == [(0, D(6))]


def test_connector_0_is_the_charge_point_max_profile_when_a_connector_is_unlimited() -> None:
    # Connector 2 has no profile, so the sum is unbounded and the ChargePointMaxProfile (20 A) is the composite.
    store = installed(2, c0=[profile(1, 0, "ChargePointMaxProfile", [(0, 20)])],
                      c1=[profile(2, 0, "TxDefaultProfile", [(0, 10)])])
    assert periods(composite_schedule(store, 0, T0, 60, "A")) == [(0, D(20))]


def test_where_no_profile_speaks_the_limit_is_the_given_maximum() -> None:
    # Nothing installed: no limit (None), or the charge point's own maximum when one is given.
    store = ChargePointProfiles(1)
    assert periods(composite_schedule(store, 1, T0, 60, "A")) == [(0, None)]
    assert periods(composite_schedule(store, 1, T0, 60, "A", unlimited=D(32))) == [(0, D(32))]
    with pytest.raises(ValueError, match="unlimited"):
        composite_schedule(store, 1, T0, 60, "A").to_payload()


def test_a_stretch_without_limit_at_the_end_shortens_the_reported_duration() -> None:
    # 10 A for 300 s, asked for 600 s: the answer says 10 A for a 300 s schedule.
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, 10)], duration=300)])
    schedule = composite_schedule(store, 1, T0, 600, "A").to_payload()
    assert schedule["duration"] == 300 and schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 10.0, "numberPhases": 3}]


def test_min_charging_rate_comes_from_the_leading_transaction_profile() -> None:
    # The TxProfile states a minimum of 6.1 A; the TxDefaultProfile's 4.0 A is overridden by it.
    store = ChargePointProfiles(1)
    default = payload(1, 0, "TxDefaultProfile", [(0, 16)])
    default["chargingSchedule"]["minChargingRate"] = 4.0
    store.install(1, ChargingProfile.from_payload(default))
    store.start_transaction(1, 3, T0)
    tx = payload(2, 0, "TxProfile", [(0, 16)], transactionId=3)
    tx["chargingSchedule"]["minChargingRate"] = 6.1
    store.install(1, ChargingProfile.from_payload(tx))
    result = composite_schedule(store, 1, T0, 60, "A")
    assert result.min_charging_rate == D("6.1") and result.to_payload()["minChargingRate"] == 6.1


def test_a_limit_of_6_1_stays_6_1_from_json_to_the_answer() -> None:
    text = json.dumps(payload(1, 0, "TxDefaultProfile", [(0, 6.1)]))
    store = installed(c1=[ChargingProfile.from_payload(json.loads(text))])
    result = composite_schedule(store, 1, T0, 60, "A")
    assert result.periods[0].limit == D("6.1")
    assert '"limit": 6.1' in json.dumps(result.to_conf())


def test_composite_schedule_rejects_an_unknown_connector_and_a_naive_start() -> None:
    store = ChargePointProfiles(1)
    with pytest.raises(ValueError, match="connector 2 does not exist"):
        composite_schedule(store, 2, T0, 60, "A")
    with pytest.raises(ValueError, match="timezone-aware"):
        composite_schedule(store, 1, datetime(2024, 1, 1), 60, "A")
    with pytest.raises(ValueError, match="seconds >= 1"):
        composite_schedule(store, 1, T0, 0, "A")


# ---------------------------------------------------------------------------------------------------------------------
# The profile store: SetChargingProfile, ClearChargingProfile, transactions

def test_the_same_charging_profile_id_replaces_the_installed_profile() -> None:
    # Profile 5 at level 0 (10 A), then profile 5 again at level 2 (12 A): one profile remains, 12 A.
    store = installed(c1=[profile(5, 0, "TxDefaultProfile", [(0, 10)])])
    outcome = store.install(1, profile(5, 2, "TxDefaultProfile", [(0, 12)]))
    assert outcome.accepted and [i.profile.charging_profile_id for i in outcome.replaced] == [5]
    assert len(store.installed) == 1
    assert periods(composite_schedule(store, 1, T0, 60, "A")) == [(0, D(12))]


def test_the_same_stack_level_and_purpose_on_the_same_connector_replaces_another_id() -> None:
    # Profile 1 (level 0, TxDefault, connector 1) is replaced by profile 2 (level 0, TxDefault, connector 1); a
    # level 0 TxDefault on connector 2 and a level 0 ChargePointMaxProfile are other profiles and stay.
    store = installed(2, c0=[profile(9, 0, "ChargePointMaxProfile", [(0, 40)])],
                      c1=[profile(1, 0, "TxDefaultProfile", [(0, 10)])],
                      c2=[profile(3, 0, "TxDefaultProfile", [(0, 10)])])
    outcome = store.install(1, profile(2, 0, "TxDefaultProfile", [(0, 14)]))
    assert [i.profile.charging_profile_id for i in outcome.replaced] == [1]
    assert sorted(i.profile.charging_profile_id for i in store.installed) == [2, 3, 9]


def test_a_tx_profile_needs_a_transaction_on_its_connector_and_goes_when_it_ends() -> None:
    store = ChargePointProfiles(2)
    tx = profile(1, 0, "TxProfile", [(0, 10)])
    refused = store.install(1, tx)
    assert not refused.accepted and refused.status == "Rejected" and "no transaction" in refused.reason
    store.start_transaction(1, 42, T0)
    assert not store.install(2, tx).accepted                       # the transaction runs on connector 1
    assert not store.install(0, tx).accepted                       # no transaction on the charge point as a whole
    wrong = store.install(1, profile(1, 0, "TxProfile", [(0, 10)], transactionId=41))
    assert not wrong.accepted and "transaction 41" in wrong.reason
    accepted = store.install(1, tx)
    assert accepted.status == "Accepted"
    assert store.installed[0].profile.transaction_id == 42           # added by the charge point (§5.16)
    store.install(1, profile(2, 0, "TxDefaultProfile", [(0, 6)]))
    dropped = store.end_transaction(1)
    assert [i.profile.charging_profile_id for i in dropped] == [1]
    assert [i.profile.charging_profile_id for i in store.installed] == [2]


def test_a_charge_point_max_profile_only_on_connector_0_and_connectors_must_exist() -> None:
    store = ChargePointProfiles(1)
    cap = profile(1, 0, "ChargePointMaxProfile", [(0, 32)])
    assert not store.install(1, cap).accepted
    assert not store.install(2, profile(2, 0, "TxDefaultProfile", [(0, 6)])).accepted
    assert store.install(0, cap).accepted


def test_clear_charging_profile_by_purpose_and_stack_level() -> None:
    # Installed: TxDefault level 0 (6 A) and level 1 (8 A) on connector 1, ChargePointMaxProfile level 1 (20 A).
    # Clearing purpose TxDefaultProfile + stackLevel 1 removes only the 8 A profile: the composite falls to 6 A.
    store = installed(c0=[profile(3, 1, "ChargePointMaxProfile", [(0, 20)])],
                      c1=[profile(1, 0, "TxDefaultProfile", [(0, 6)]), profile(2, 1, "TxDefaultProfile", [(0, 8)])])
    assert periods(composite_schedule(store, 1, T0, 60, "A")) == [(0, D(8))]
    removed = store.clear(purpose=Purpose.TX_DEFAULT, stack_level=1)
    assert [i.profile.charging_profile_id for i in removed] == [2]
    assert periods(composite_schedule(store, 1, T0, 60, "A")) == [(0, D(6))]


def test_clear_charging_profile_by_id_connector_or_nothing() -> None:
    store = installed(2, c0=[profile(3, 0, "ChargePointMaxProfile", [(0, 20)])],
                      c1=[profile(1, 0, "TxDefaultProfile", [(0, 6)])],
                      c2=[profile(2, 0, "TxDefaultProfile", [(0, 6)])])
    # An id clears that profile alone, whatever the other fields say (§5.5 "either ... or").
    assert [i.profile.charging_profile_id for i in store.clear(profile_id=1, connector_id=2)] == [1]
    assert store.clear(profile_id=99) == ()                           # nothing removed: status Unknown
    assert store.clear(connector_id=1) == ()
    assert [i.profile.charging_profile_id for i in store.clear(connector_id=0)] == [3]
    store.install(0, profile(3, 0, "ChargePointMaxProfile", [(0, 20)]))
    assert sorted(i.profile.charging_profile_id for i in store.clear()) == [2, 3]   # no fields: everything
    assert store.installed == ()


# ---------------------------------------------------------------------------------------------------------------------
# Comparing a GetCompositeSchedule answer

def _expected() -> CompositeSchedule:
    # TxProfile 7 at level 2: 10 A until +300, 16 A after; asked for 600 s.
    store = ChargePointProfiles(1)
    store.start_transaction(1, 1, T0)
    store.install(1, profile(7, 2, "TxProfile", [(0, 10), (300, 16)], transactionId=1))
    return composite_schedule(store, 1, T0, 600, "A")


def _answer(periods_: list[tuple[int, float]], *, start: datetime = T0, unit: str = "A", duration: int = 600,
            **fields: Any) -> dict[str, Any]:
    return {"status": "Accepted", "connectorId": 1, "scheduleStart": format_instant(start),
            "chargingSchedule": {"duration": duration, "chargingRateUnit": unit, "chargingSchedulePeriod": [
                {"startPeriod": s, "limit": v} for s, v in periods_]}} | fields


def test_the_engine_answer_matches_itself_and_equivalent_answers_match() -> None:
    expected = _expected()
    assert compare_composite(expected, expected.to_conf()) == []
    assert compare_composite(expected, _answer([(0, 10), (120, 10), (300, 16), (301, 16.0)])) == []  # split
    # Periods stated beyond the asked duration do not matter.
    assert compare_composite(expected, _answer([(0, 10), (300, 16), (600, 3)], duration=900)) == []


def test_a_wrong_limit_is_reported_with_the_profile_that_gives_the_right_one() -> None:
    differences = compare_composite(_expected(), _answer([(0, 10), (300, 20)]))
    assert differences == ["at +300 s the charge point reports 20.0 A, the installed profiles give 16.0 A "
                           "(TxProfile 7, stack level 2)"]


def test_a_limit_within_the_tolerance_matches() -> None:
    assert compare_composite(_expected(), _answer([(0, 10.5), (300, 16)]), "0.5") == []
    assert compare_composite(_expected(), _answer([(0, 10.6), (300, 16)]), "0.5") != []


def test_a_change_late_by_less_than_the_time_tolerance_matches() -> None:
    late = _answer([(0, 10), (303, 16)])
    assert compare_composite(_expected(), late, time_tolerance_s=4) == []
    assert compare_composite(_expected(), late, time_tolerance_s=2) == [
        "at +302 s the charge point reports 10.0 A, the installed profiles give 16.0 A (TxProfile 7, stack level 2)"]
    # The schedule start stamped 3 s late shifts every change by 3 s.
    shifted = _answer([(0, 10), (300, 16)], start=at(3), duration=597)
    assert compare_composite(_expected(), shifted, time_tolerance_s=4) == []
    assert compare_composite(_expected(), shifted) != []


def test_an_answer_that_stops_early_or_starts_late_is_reported() -> None:
    assert compare_composite(_expected(), _answer([(0, 10), (300, 16)], duration=400)) == [
        "at +400 s the charge point reports no limit, the installed profiles give 16.0 A (TxProfile 7, stack level 2)"]
    starts_late = compare_composite(_expected(), _answer([(60, 10), (300, 16)]))
    assert "at +0 s the charge point reports no limit" in starts_late[-1]
    assert any("startPeriod is 60" in d for d in starts_late)


def test_units_status_connector_and_phases_are_judged() -> None:
    expected = _expected()
    assert compare_composite(expected, _answer([(0, 6900)], unit="W")) == [
        "the charge point reports in 'W'; the schedule was asked in A"]
    assert compare_composite(expected, {"status": "Rejected"}) == [
        "the charge point answered status 'Rejected'; Accepted was expected"]
    assert compare_composite(expected, _answer([(0, 10), (300, 16)], connectorId=2))[0].startswith(
        "the answer is for connector 2")
    one_phase = _answer([(0, 10), (300, 16)])
    one_phase["chargingSchedule"]["chargingSchedulePeriod"][0]["numberPhases"] = 1
    assert compare_composite(expected, one_phase) == [
        "at +0 s the charge point reports 10.0 A on 1 phase, the installed profiles give 10.0 A on 3 phases "
        "(TxProfile 7, stack level 2)"]


def test_a_malformed_answer_is_reported_not_raised() -> None:
    assert compare_composite(_expected(), _answer([(0, 10), (300, 16.05)])) == [
        "the answer's chargingSchedule.chargingSchedulePeriod[1].limit 16.05 has more than one decimal place "
        "(multipleOf 0.1, §7 ChargingSchedule)",
        "at +300 s the charge point reports 16.05 A, the installed profiles give 16.0 A (TxProfile 7, stack level 2)"]
    unreadable = compare_composite(_expected(), _answer([(0, "ten")]))
    assert unreadable[-1].startswith("the answer cannot be read")
    assert compare_composite(_expected(), {"status": "Accepted"}) == ["the answer carries no chargingSchedule"]
    with pytest.raises(ValueError, match="tolerance"):
        compare_composite(_expected(), _answer([(0, 10)]), "-1")


def test_where_nothing_limits_any_reported_limit_is_the_charge_point_maximum() -> None:
    store = installed(c1=[profile(1, 0, "TxDefaultProfile", [(0, 10)], duration=300)])
    expected = composite_schedule(store, 1, T0, 600, "A")
    assert compare_composite(expected, _answer([(0, 10), (300, 32)])) == []
    assert compare_composite(expected, expected.to_conf()) == []


def test_an_answer_reads_back_as_the_schedule_it_came_from() -> None:
    expected = _expected()
    again = CompositeSchedule.from_conf(expected.to_conf())
    assert again.periods == expected.periods and again.start == expected.start and again.connector_id == 1
    assert ChargingSchedule.from_payload(expected.to_payload()).to_payload() == expected.to_payload()


# ---------------------------------------------------------------------------------------------------------------------
# Validation of charging profiles

def _valid() -> dict[str, Any]:
    return payload(1, 0, "TxDefaultProfile", [(0, 16), (300, 6.1)], duration=600, validFrom=format_instant(T0),
                   validTo=format_instant(at(3600)))


def _with(path: str, value: Any) -> dict[str, Any]:
    """The valid profile with one field changed (`value` None deletes it); path parts separated by dots."""
    profile_ = json.loads(json.dumps(_valid()))
    *parents, last = path.split(".")
    node: Any = profile_
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is None:
        del node[int(last) if isinstance(node, list) else last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return profile_


PERIODS = "chargingSchedule.chargingSchedulePeriod"


@pytest.mark.parametrize(("wrong", "problem"), [
    (_with("chargingProfileId", 0), "chargingProfileId must be a positive integer"),
    (_with("chargingProfileId", "1"), "chargingProfileId must be a positive integer"),
    (_with("stackLevel", -1), "stackLevel must be an integer >= 0"),
    (_with("stackLevel", True), "stackLevel must be an integer >= 0"),
    (_with("chargingProfilePurpose", "TxDefault"), "chargingProfilePurpose must be one of"),
    (_with("chargingProfilePurpose", ["TxProfile"]), "chargingProfilePurpose must be one of"),
    (_with("chargingProfileKind", "Once"), "chargingProfileKind must be one of"),
    (_with("chargingProfileKind", "Recurring"), "a Recurring profile needs recurrencyKind"),
    (_with("chargingProfileKind", "Recurring") | {"recurrencyKind": "Monthly"},
     "recurrencyKind must be Daily or Weekly"),
    (_with("recurrencyKind", "Daily"), "recurrencyKind is set but chargingProfileKind is 'Absolute'"),
    (_with("transactionId", 5), "transactionId is only valid in a TxProfile"),
    (_with("transactionId", -5), "transactionId must be a positive integer"),
    (_with("validTo", format_instant(T0)), "is not before validTo"),
    (_with("validFrom", "2024-01-01T10:00:00"), "has no UTC offset"),
    (_with("validFrom", "yesterday"), "is not an RFC 3339 date-time"),
    (_with("chargingSchedule.chargingRateUnit", "kW"), "chargingRateUnit must be A or W"),
    (_with("chargingSchedule.duration", -1), "duration must be a whole number of seconds >= 0"),
    (_with("chargingSchedule.startSchedule", "2024-13-01T00:00:00Z"), "is not an RFC 3339 date-time"),
    (_with("chargingSchedule.chargingSchedulePeriod", []), "must be a non-empty list of periods"),
    (_with(f"{PERIODS}.0.startPeriod", 10), "the first period starts at 0"),
    (_with(f"{PERIODS}.1.startPeriod", 0), "startPeriod must increase strictly"),
    (_with(f"{PERIODS}.1.startPeriod", 1.5), "startPeriod must be a whole number"),
    (_with(f"{PERIODS}.1.limit", 6.15), "limit 6.15 has more than one decimal place"),
    (_with(f"{PERIODS}.1.limit", 4.11), "limit 4.11 has more than one decimal place"),
    (_with(f"{PERIODS}.1.limit", -6), "limit -6.0 is negative"),
    (_with(f"{PERIODS}.1.limit", "6"), "limit must be a number"),
    (_with(f"{PERIODS}.1.numberPhases", 4), "numberPhases must be 1, 2 or 3"),
    (_with(f"{PERIODS}.1.numberPhases", 0), "numberPhases must be 1, 2 or 3"),
    (_with("chargingSchedule.minChargingRate", 0.25), "minChargingRate 0.25 has more than one decimal place"),
    (_with("chargingSchedule", None), "chargingSchedule must be an object"),
])
def test_each_validation_rule_catches_its_fault(wrong: dict[str, Any], problem: str) -> None:
    assert charging_profile_problems(_valid()) == []
    problems = charging_profile_problems(wrong)
    assert any(problem in p for p in problems), problems
    with pytest.raises(ValueError, match="."):
        ChargingProfile.from_payload(wrong)


def test_a_recurring_profile_needs_its_start_schedule_and_is_valid_with_it() -> None:
    recurring = _with("chargingProfileKind", "Recurring") | {"recurrencyKind": "Daily"}
    assert charging_profile_problems(recurring) == []
    del recurring["chargingSchedule"]["startSchedule"]
    assert charging_profile_problems(recurring) == [
        "a Recurring profile needs chargingSchedule.startSchedule, the point it recurs from"]


def test_the_carrying_message_adds_its_own_rules() -> None:
    tx = payload(1, 0, "TxProfile", [(0, 16)], transactionId=12)
    assert charging_profile_problems(tx, carried_by="SetChargingProfile", connector_id=1) == []
    untied = payload(1, 0, "TxProfile", [(0, 16)])
    assert charging_profile_problems(untied) == []
    assert charging_profile_problems(untied, carried_by="SetChargingProfile") == [
        "a TxProfile in SetChargingProfile must name its transaction in transactionId (§5.16)"]
    assert charging_profile_problems(untied, carried_by="RemoteStartTransaction") == []
    assert "cannot name a transactionId" in charging_profile_problems(tx, carried_by="RemoteStartTransaction")[0]
    default = payload(1, 0, "TxDefaultProfile", [(0, 16)])
    assert "must be a TxProfile" in charging_profile_problems(default, carried_by="RemoteStartTransaction")[0]
    cap = payload(1, 0, "ChargePointMaxProfile", [(0, 16)])
    assert charging_profile_problems(cap, carried_by="SetChargingProfile", connector_id=0) == []
    assert "only be set on connector 0" in charging_profile_problems(cap, carried_by="SetChargingProfile",
                                                                     connector_id=1)[0]
    assert "not to connector 0" in charging_profile_problems(tx, carried_by="SetChargingProfile", connector_id=0)[0]


@pytest.mark.parametrize("limit", [6.1, 0.3, 21.4, 16, 16.0, D("16.00"), D("6.10"), 0, 1e6])
def test_one_decimal_limits_pass_the_multiple_of_check(limit: Any) -> None:
    assert charging_profile_problems(_with(f"{PERIODS}.1.limit", limit)) == []


@pytest.mark.parametrize("text", ["6.1", "0.3", "21.4", "16", "16.00", "0.0", "1E+3"])
def test_has_at_most_one_decimal_accepts(text: str) -> None:
    assert has_at_most_one_decimal(Decimal(text))


@pytest.mark.parametrize("text", ["6.15", "4.11", "0.01", "1.00000000000000000000000000001", "NaN", "Infinity"])
def test_has_at_most_one_decimal_rejects(text: str) -> None:
    assert not has_at_most_one_decimal(Decimal(text))


def test_a_profile_reads_and_writes_back_its_payload() -> None:
    source = _with("chargingProfilePurpose", "TxProfile") | {"transactionId": 3}
    assert ChargingProfile.from_payload(source).to_payload() == source


# ---------------------------------------------------------------------------------------------------------------------
# A forwarded profile compared with the one asked for

def test_a_profile_forwarded_unchanged_in_meaning_has_no_differences() -> None:
    asked = _valid()
    sent = json.loads(json.dumps(asked))
    # Same meaning in another spelling: 16 as 16.0, the start in another UTC offset, numberPhases 3 stated.
    sent["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] = 16.0
    sent["chargingSchedule"]["startSchedule"] = "2024-01-01T11:00:00+01:00"
    sent["chargingSchedule"]["chargingSchedulePeriod"][1]["numberPhases"] = 3
    assert profile_differences(asked, sent) == []
    assert profile_differences(asked, json.loads(json.dumps(asked).replace("6.1", "6.10"))) == []


@pytest.mark.parametrize(("path", "value", "difference"), [
    ("stackLevel", 3, "stackLevel is 3, asked 0"),
    ("stackLevel", True, "stackLevel is true, asked 0"),
    ("chargingProfilePurpose", "TxProfile", 'chargingProfilePurpose is "TxProfile", asked "TxDefaultProfile"'),
    ("transactionId", 7, "transactionId is 7, asked absent"),
    ("validTo", None, 'validTo is absent, asked "2024-01-01T11:00:00Z"'),
    ("chargingSchedule.startSchedule", "2024-01-01T10:00:01Z", "chargingSchedule.startSchedule is"),
    ("chargingSchedule.chargingRateUnit", "W", 'chargingSchedule.chargingRateUnit is "W", asked "A"'),
    ("chargingSchedule.duration", None, "chargingSchedule.duration is absent, asked 600"),
    (f"{PERIODS}.1.limit", 6.1000000000000005, "chargingSchedulePeriod[1].limit is 6.1000000000000005, asked 6.1"),
    (f"{PERIODS}.1.limit", 6, "chargingSchedulePeriod[1].limit is 6, asked 6.1"),
    (f"{PERIODS}.1.startPeriod", 301, "chargingSchedulePeriod[1].startPeriod is 301, asked 300"),
    (f"{PERIODS}.1.numberPhases", 1, "chargingSchedulePeriod[1].numberPhases is 1, asked 3"),
    (f"{PERIODS}.1", None, "chargingSchedulePeriod has 1 periods, asked 2"),
])
def test_each_change_of_meaning_is_named(path: str, value: Any, difference: str) -> None:
    differences = profile_differences(_valid(), _with(path, value))
    assert len(differences) == 1 and difference in differences[0], differences


# ---------------------------------------------------------------------------------------------------------------------
# Properties

WINDOW = 600  # seconds asked for in the property tests


@st.composite
def schedules(draw: Any) -> dict[str, Any]:
    starts = sorted(draw(st.sets(st.integers(1, 700), max_size=3)))
    limits = draw(st.lists(st.integers(0, 500), min_size=len(starts) + 1, max_size=len(starts) + 1))
    schedule: dict[str, Any] = {"chargingRateUnit": "A", "chargingSchedulePeriod": [
        {"startPeriod": s, "limit": float(D(v) / 10)} for s, v in zip([0] + starts, limits)]}
    if draw(st.booleans()):
        schedule["duration"] = draw(st.integers(1, 900))
    return schedule


@st.composite
def profile_payloads(draw: Any, purpose: str, profile_id: int) -> dict[str, Any]:
    schedule = draw(schedules())
    kind = draw(st.sampled_from(["Absolute", "Relative"]))
    if kind == "Absolute":
        schedule["startSchedule"] = format_instant(at(draw(st.integers(-400, 600))))
    fields: dict[str, Any] = {"chargingProfileId": profile_id, "stackLevel": draw(st.integers(0, 3)),
                              "chargingProfilePurpose": purpose, "chargingProfileKind": kind,
                              "chargingSchedule": schedule}
    bounds = sorted(draw(st.lists(st.integers(-100, 700), min_size=2, max_size=2, unique=True)))
    if draw(st.booleans()):
        fields["validFrom"] = format_instant(at(bounds[0]))
    if draw(st.booleans()):
        fields["validTo"] = format_instant(at(bounds[1]))
    return fields


@st.composite
def stores(draw: Any) -> ChargePointProfiles:
    """One connector with a transaction that started up to 300 s before the window, and up to 7 profiles."""
    store = ChargePointProfiles(1)
    store.start_transaction(1, 1, at(-draw(st.integers(0, 300))))
    for profile_id in range(1, draw(st.integers(0, 7)) + 1):
        purpose = draw(st.sampled_from(list(Purpose)))
        store.install(0 if purpose == Purpose.CHARGE_POINT_MAX else 1,
                      ChargingProfile.from_payload(draw(profile_payloads(purpose, profile_id))))
    return store


def _profile_limit(profile_: ChargingProfile, store: ChargePointProfiles, t: int) -> Decimal | None:
    """What one profile says at T0 + t seconds, worked out directly from the specification's words."""
    if profile_.valid_from and at(t) < profile_.valid_from or profile_.valid_to and at(t) >= profile_.valid_to:
        return None
    schedule = profile_.schedule
    transaction = store.transaction_on(1)
    assert transaction is not None
    # Relative: from the transaction's start; a ChargePointMaxProfile belongs to connector 0, which runs none, so
    # from the request.
    relative_origin = T0 if profile_.purpose == Purpose.CHARGE_POINT_MAX else transaction.started_at
    origin = schedule.start_schedule if profile_.kind == "Absolute" else relative_origin
    since = (at(t) - origin).total_seconds()
    if since < 0 or (schedule.duration is not None and since >= schedule.duration):
        return None
    return [p.limit for p in schedule.periods if p.start_period <= since][-1]


def _leading(store: ChargePointProfiles, purpose: Purpose, t: int) -> Decimal | None:
    saying = [(i.profile.stack_level, _profile_limit(i.profile, store, t)) for i in store.installed
              if i.profile.purpose == purpose]
    saying = [(level, limit) for level, limit in saying if limit is not None]
    return max(saying)[1] if saying else None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores())
def test_the_composite_is_the_leading_transaction_limit_capped_by_the_charge_point_maximum(
        store: ChargePointProfiles) -> None:
    result = composite_schedule(store, 1, T0, WINDOW, "A")
    offsets = [p.start_offset_s for p in result.periods]
    assert offsets[0] == 0 and offsets == sorted(set(offsets))
    assert all(a[1:] != b[1:] for a, b in zip(result.periods, result.periods[1:]))  # adjacent equal ones merged
    for t in range(WINDOW):
        limit = result.limit_at(at(t))
        cap = _leading(store, Purpose.CHARGE_POINT_MAX, t)
        vehicle = _leading(store, Purpose.TX, t)
        if vehicle is None:
            vehicle = _leading(store, Purpose.TX_DEFAULT, t)
        # Never above the cap nor above the highest stack level in effect of the purpose that leads ...
        if cap is not None:
            assert limit is not None and limit <= cap
        if vehicle is not None:
            assert limit is not None and limit <= vehicle
        # ... and exactly the lower of the two: the highest stack level in effect wins within its purpose.
        applicable = [x for x in (cap, vehicle) if x is not None]
        assert limit == (min(applicable) if applicable else None), t


def _split(conf: dict[str, Any], cuts: list[int]) -> dict[str, Any]:
    """The same answer with extra periods at `cuts` that repeat the limit in effect there."""
    answer = json.loads(json.dumps(conf))
    periods_ = answer["chargingSchedule"]["chargingSchedulePeriod"]
    for cut in cuts:
        if cut < answer["chargingSchedule"]["duration"] and all(p["startPeriod"] != cut for p in periods_):
            current = [p for p in periods_ if p["startPeriod"] < cut][-1]
            periods_.append(current | {"startPeriod": cut})
            periods_.sort(key=lambda p: p["startPeriod"])
    return answer


def _unmerged(schedule: CompositeSchedule) -> dict[str, Any]:
    """The answer written from the engine's segments, where neighbours of equal limit stay apart."""
    conf = schedule.to_conf()
    conf["chargingSchedule"]["chargingSchedulePeriod"] = [
        {"startPeriod": s.start_offset_s, "limit": float(s.limit)}
        | ({"numberPhases": s.number_phases} if s.number_phases else {}) for s in schedule.segments]
    return conf


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores(), st.lists(st.integers(1, WINDOW - 1), max_size=6))
def test_splitting_or_merging_periods_does_not_change_the_verdict(store: ChargePointProfiles, cuts: list[int]) -> None:
    expected = composite_schedule(store, 1, T0, WINDOW, "A", unlimited=D(80))
    assert compare_composite(expected, expected.to_conf()) == []
    assert compare_composite(expected, _split(expected.to_conf(), cuts)) == []
    assert compare_composite(expected, _unmerged(expected)) == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores(), st.integers(0, WINDOW - 1), st.integers(2, 200), st.lists(st.integers(1, WINDOW - 1), max_size=6))
def test_an_answer_off_by_more_than_the_tolerance_at_one_instant_is_reported(
        store: ChargePointProfiles, instant: int, tenths: int, cuts: list[int]) -> None:
    expected = composite_schedule(store, 1, T0, WINDOW, "A", unlimited=D(80))
    wrong = _split(expected.to_conf(), [instant, instant + 1])
    for period in wrong["chargingSchedule"]["chargingSchedulePeriod"]:
        if period["startPeriod"] == instant:
            period["limit"] = float(D(repr(period["limit"])) + D(tenths) / 10)
    differences = compare_composite(expected, wrong, D("0.1"))
    assert any(d.startswith(f"at +{instant} s ") for d in differences), differences
    assert compare_composite(expected, _split(wrong, cuts), D("0.1")) == differences  # splitting changes nothing
