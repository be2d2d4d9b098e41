"""Smart Charging as the suite, playing the Central System, drives a charge point under test (OCPP 1.6 §3.13, §5.5,
§5.7, §5.11, §5.16): the charge point's smart-charging facts, the charging profiles a case installs — kept in the
composite-schedule engine (`conformance.ocpp16.smart_charging`) as the charge point must keep them — and the two
places where the limit the charge point applies shows, each judged against the engine at the same instants: its
GetCompositeSchedule answer and what its MeterValues say it offers the EV (Current.Offered, Power.Offered).

The profiles the cases build are Absolute schedules that began a moment ago (the descriptor's clock tolerance, so a
charge point whose clock is a little behind already applies them) and change a few seconds from now, so one case
sees both periods. Their ids come from a range of their own. Every Smart Charging case first clears the charge
point's profiles, so its composite schedule is the case's alone, and the clean-up after every case
(`clear_case_profiles`) clears by id what the case installed.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Iterable

import pytest

from conformance.errors import Broken, NoResponse
from conformance.ocpp16.smart_charging import (
    ONE_DECIMAL,
    ChargePointProfiles,
    ChargingProfile,
    CompositeSchedule,
    Electrical,
    Purpose,
    RateUnit,
    as_decimal,
    charging_profile_problems,
    compare_composite,
    composite_schedule,
    format_instant,
    parse_instant,
)
from conformance.session import measure
from conformance.wire import Record

SAMPLE_INTERVAL_S = 2  # MeterValueSampleInterval while a case watches what the charge point offers
PERIOD_S = 5  # a changing schedule keeps its first limit this long after it is set
COMPOSITE_S = 30  # the duration a case asks GetCompositeSchedule for
FIRST_PROFILE_ID = 91_601  # chargingProfileIds of the cases' own profiles count up from here
OFFERED = {"Current.Offered": RateUnit.AMPERE, "Power.Offered": RateUnit.WATT}
RATE_UNIT_NAMES = {"Current": RateUnit.AMPERE, "A": RateUnit.AMPERE, "Power": RateUnit.WATT, "W": RateUnit.WATT}
FACT_KEYS = ("ChargeProfileMaxStackLevel", "ChargingScheduleAllowedChargingRateUnit", "ChargingScheduleMaxPeriods",
             "MaxChargingProfilesInstalled")
NEEDS = ("smart_charging.phases", "smart_charging.voltage")  # what every charge point case reads of the descriptor

REQ_SET = "The Charge Point SHALL respond to SetChargingProfile.req and install a valid profile it supports, " \
          "replacing one with the same chargingProfileId or the same stackLevel and purpose (OCPP 1.6 §5.16)."
REQ_COMPOSITE = "Upon receipt of a GetCompositeSchedule.req, the Charge Point SHALL calculate the Composite Charging " \
                "Schedule intervals from the moment the request is received up to X + Duration (OCPP 1.6 §5.7): the " \
                "lowest of the prevailing (highest stackLevel in effect) ChargePointMaxProfile and TxProfile, or " \
                "TxDefaultProfile without one (§3.13.2, §3.13.3)."
REQ_OFFERED = "The Charge Point SHALL keep the current or power it offers within the Composite Schedule of its " \
              "charging profiles at every point in time (OCPP 1.6 §3.13.3), adapting it while charging (§3.13.4); " \
              "MeterValues report it as Current.Offered / Power.Offered (§7 Measurand)."
REQ_CLEAR = "The Charge Point SHALL respond with a ClearChargingProfile.conf specifying whether it was able to " \
            "process the request (OCPP 1.6 §5.5): Accepted when profiles matched and were cleared, Unknown when none " \
            "matched (§7 ClearChargingProfileStatus)."


@dataclass(frozen=True)
class ChargerFacts:
    """What the cases need to know about a charge point's smart charging: from its configuration (§9.4) and the
    descriptor's `smart_charging` block."""

    units: tuple[RateUnit, ...]  # ChargingScheduleAllowedChargingRateUnit, the unit the cases write in first
    max_stack_level: int | None
    max_periods: int | None
    max_profiles: int | None
    electrical: Electrical
    tolerance_a: Decimal

    @property
    def unit(self) -> RateUnit:
        return self.units[0]

    def tolerance(self, unit: RateUnit) -> Decimal:
        """The limit tolerance in `unit`: the descriptor's amperes, or that current's worth of watts."""
        if unit == RateUnit.AMPERE:
            return self.tolerance_a
        return self.tolerance_a * self.electrical.voltage * self.electrical.phases

    def rate(self, amperes: float | Decimal, unit: RateUnit | None = None) -> Decimal:
        """A limit of `amperes` per phase in `unit` (the cases' unit by default), to one decimal."""
        value = as_decimal(amperes)
        assert value is not None
        if (unit or self.unit) == RateUnit.WATT:
            value *= self.electrical.voltage * self.electrical.phases
        return value.quantize(ONE_DECIMAL, rounding=ROUND_FLOOR)


def _integer(text: Any) -> int | None:
    try:
        return int(str(text).strip())
    except ValueError:
        return None


async def read_facts(charge_point: Any, descriptor: Any) -> ChargerFacts:
    """The charge point's smart-charging configuration keys (§9.4) and the descriptor's electrical facts. Amperes
    are the cases' unit whenever the charge point allows them."""
    conf = await charge_point.call("GetConfiguration", {"key": list(FACT_KEYS)},
                                   requirement="The Charge Point returns the configuration keys it knows (§5.8).")
    known = {e.get("key"): e.get("value") for e in conf.get("configurationKey") or [] if isinstance(e, dict)}
    names = [part.strip() for part in str(known.get("ChargingScheduleAllowedChargingRateUnit") or "").split(",")]
    units = tuple(dict.fromkeys(RATE_UNIT_NAMES[n] for n in names if n in RATE_UNIT_NAMES))
    if not units:
        charge_point.wire.event("note", smart_charging="ChargingScheduleAllowedChargingRateUnit is not reported; "
                                                       "the profiles are written in amperes")
        units = (RateUnit.AMPERE,)
    units = tuple(sorted(units, key=lambda u: u != RateUnit.AMPERE))
    facts = descriptor.smart_charging
    electrical = Electrical(Decimal(str(facts["voltage"])), int(facts["phases"]))
    result = ChargerFacts(units, _integer(known.get("ChargeProfileMaxStackLevel")),
                          _integer(known.get("ChargingScheduleMaxPeriods")),
                          _integer(known.get("MaxChargingProfilesInstalled")), electrical,
                          Decimal(str(facts.get("limit_tolerance", 0.5))))
    measure("smart_charging_facts", {"units": [str(u) for u in units], "max_stack_level": result.max_stack_level,
                                     "max_periods": result.max_periods, "max_profiles": result.max_profiles})
    return result


@dataclass(frozen=True)
class Step:
    """One period of a schedule a case writes: from `at_s` seconds after the profile is set, at most `amperes`."""

    at_s: float
    amperes: float


class ProfileBook:
    """The charging profiles a case installed in the charge point under test and the transactions they belong to,
    kept by the composite-schedule engine as the charge point must keep them; and the checks that hold the charge
    point's composite schedule and its offered current or power against them."""

    def __init__(self, charge_point: Any, facts: ChargerFacts, timeouts: Any, connectors: int) -> None:
        self.charge_point = charge_point
        self.facts = facts
        self.timeouts = timeouts
        self.store = ChargePointProfiles(connectors)
        self.offered: tuple[str, ...] = ()  # the offered measurands the charge point samples (see watch_offered)
        self._ids = itertools.count(FIRST_PROFILE_ID)
        self._evidence: list[dict[str, Any]] = []  # every composite schedule judged, for the case's measurements
        self.lead_s = math.ceil(timeouts.tolerance)  # how long before "now" the cases' schedules begin

    # -- profiles -------------------------------------------------------------------------------------------------
    def profile(self, purpose: Purpose | str, steps: Iterable[Step | tuple[float, float]], *, stack_level: int = 0,
                transaction_id: int | None = None, duration_s: float | None = None,
                unit: RateUnit | None = None) -> dict[str, Any]:
        """A csChargingProfiles payload with a new id: an Absolute schedule that began `lead_s` ago, with a limit
        of each step's amperes (in the charge point's unit) from `at_s` seconds from now on, lasting `duration_s`
        seconds from now (None: for good). Every period states the descriptor's numberPhases."""
        now = datetime.now(timezone.utc).replace(microsecond=0)
        start = now - timedelta(seconds=self.lead_s)
        unit = unit or self.facts.unit
        periods = []
        for index, step in enumerate(Step(*s) if isinstance(s, tuple) else s for s in steps):
            offset = 0 if index == 0 else self.lead_s + math.ceil(step.at_s)
            periods.append({"startPeriod": offset, "limit": float(self.facts.rate(step.amperes, unit)),
                            "numberPhases": self.facts.electrical.phases})
        schedule: dict[str, Any] = {"startSchedule": format_instant(start), "chargingRateUnit": str(unit),
                                    "chargingSchedulePeriod": periods}
        if duration_s is not None:
            schedule["duration"] = self.lead_s + math.ceil(duration_s)
        profile: dict[str, Any] = {"chargingProfileId": next(self._ids)}
        if transaction_id is not None:
            profile["transactionId"] = transaction_id
        profile |= {"stackLevel": stack_level, "chargingProfilePurpose": str(purpose),
                    "chargingProfileKind": "Absolute", "chargingSchedule": schedule}
        return profile

    @staticmethod
    def change_at(profile: dict[str, Any]) -> datetime:
        """When the last period of `profile`'s schedule begins."""
        schedule = profile["chargingSchedule"]
        last = schedule["chargingSchedulePeriod"][-1]["startPeriod"]
        return parse_instant(schedule["startSchedule"]) + timedelta(seconds=last)

    @staticmethod
    def describe(profile: dict[str, Any]) -> str:
        purpose, profile_id = profile["chargingProfilePurpose"], profile["chargingProfileId"]
        return f"{purpose} {profile_id} (stack level {profile['stackLevel']})"

    async def set(self, connector: int, profile: dict[str, Any], *, requirement: str = REQ_SET) -> Any:
        """SetChargingProfile that the charge point must accept; the profile is then kept in the book."""
        self._check_own(profile, connector)
        conf = await self.charge_point.call("SetChargingProfile", {"connectorId": connector,
                                                                   "csChargingProfiles": profile},
                                            requirement=requirement)
        assert conf.status == "Accepted", (
            f"[behaviour] SetChargingProfile (#{conf.record.seq}) of {self.describe(profile)} on connector {connector} "
            f"was answered {conf.status!r}; a charge point with Smart Charging takes a valid profile in a unit it "
            f"allows ({', '.join(map(str, self.facts.units))}) at a stack level it supports (OCPP 1.6 §5.16)")
        outcome = self.store.install(connector, ChargingProfile.from_payload(profile))
        if not outcome.accepted:
            raise Broken(f"the suite installed {self.describe(profile)} on connector {connector}, which its own "
                         f"model refuses: {outcome.reason}")
        return conf

    async def refused(self, connector: int, profile: dict[str, Any], *, why: str, requirement: str) -> Any:
        """SetChargingProfile that the charge point must refuse: status Rejected, or CALLERROR
        PropertyConstraintViolation (as OCTT accepts both)."""
        self._check_own(profile, connector)
        conf = await self.charge_point.call("SetChargingProfile", {"connectorId": connector,
                                                                   "csChargingProfiles": profile},
                                            requirement=requirement, error_ok=True)
        answer = f"CALLERROR {conf.error_code}" if conf.error_code else f"status {conf.payload.get('status')!r}"
        refused = conf.error_code == "PropertyConstraintViolation" or (
            not conf.error_code and conf.payload.get("status") == "Rejected")
        assert refused, (
            f"[behaviour] SetChargingProfile (#{conf.record.seq}) of {self.describe(profile)} on connector {connector} "
            f"was answered {answer}; {why}, so the charge point SHALL discard it and answer Rejected "
            "(or CALLERROR PropertyConstraintViolation)")
        return conf

    def _check_own(self, profile: dict[str, Any], connector: int) -> None:
        problems = charging_profile_problems(profile, carried_by="SetChargingProfile", connector_id=connector)
        if problems:
            raise Broken(f"the suite built an invalid charging profile: {problems[0]}")

    async def clear(self, *, expect: str, requirement: str = REQ_CLEAR, **criteria: Any) -> Any:
        """ClearChargingProfile with `criteria` (id, connectorId, chargingProfilePurpose, stackLevel); the answer
        must be `expect`, and the book clears what the charge point must have cleared."""
        conf = await self.charge_point.call("ClearChargingProfile", criteria, requirement=requirement)
        removed = self.store.clear(profile_id=criteria.get("id"), connector_id=criteria.get("connectorId"),
                                   purpose=criteria.get("chargingProfilePurpose"),
                                   stack_level=criteria.get("stackLevel"))
        shown = ", ".join(f"{k}={v}" for k, v in criteria.items()) or "no criteria"
        matched = ", ".join(f"{i.profile.purpose} {i.profile.charging_profile_id}" for i in removed) or "none"
        assert conf.status == expect, (
            f"[behaviour] ClearChargingProfile ({shown}, #{conf.record.seq}) was answered {conf.status!r}; expected "
            f"{expect!r}: the installed profiles it matches are {matched}")
        return conf

    # -- transactions ---------------------------------------------------------------------------------------------
    def started(self, session: Any) -> None:
        """The transaction of `session` (a `ChargingSession`) runs: TxProfiles may name it."""
        self.store.start_transaction(session.connector, session.transaction_id,
                                     parse_instant(session.start.payload["timestamp"]))

    def remote_started(self, session: Any, profile: dict[str, Any]) -> None:
        """The transaction of `session` started by a RemoteStartTransaction that carried `profile`: the charge point
        SHALL apply it to the transaction (§5.16.2), as a TxProfile that names it."""
        self.started(session)
        outcome = self.store.install(session.connector, ChargingProfile.from_payload(profile))
        if not outcome.accepted:
            raise Broken(f"the suite's model refuses the profile of its own RemoteStartTransaction: {outcome.reason}")

    def ended(self, connector: int) -> None:
        """The transaction on `connector` ended: its TxProfiles SHALL no longer apply (§3.13.1)."""
        self.store.end_transaction(connector)

    # -- the composite schedule -----------------------------------------------------------------------------------
    def drift(self, schedule: CompositeSchedule) -> float:
        """How early or late a change of limit may come: the descriptor's tolerance, at most a quarter of the
        shortest period of `schedule`."""
        starts = [p.start_offset_s for p in schedule.periods] + [schedule.duration_s or COMPOSITE_S]
        lengths = [b - a for a, b in zip(starts, starts[1:]) if b > a]
        return self.timeouts.interval_tolerance(min(lengths) if lengths else COMPOSITE_S)

    async def check_composite(self, connector: int, *, unit: RateUnit | None = None, duration_s: int = COMPOSITE_S,
                              requirement: str = REQ_COMPOSITE) -> CompositeSchedule:
        """GetCompositeSchedule for `connector`; the answer must be the composite of the profiles in the book over
        the same time, limits within the descriptor's tolerance, changes within `drift`. Returns the expected
        schedule."""
        unit = unit or self.facts.unit
        asked_at = datetime.now(timezone.utc)
        conf = await self.charge_point.call("GetCompositeSchedule", {"connectorId": connector, "duration": duration_s,
                                                                     "chargingRateUnit": str(unit)},
                                            requirement=requirement)
        seq = conf.record.seq
        start = asked_at
        stated = conf.payload.get("scheduleStart")
        if conf.payload.get("status") == "Accepted" and stated is not None:
            try:
                start = parse_instant(stated)
            except ValueError as fault:
                raise AssertionError(f"[behaviour] GetCompositeSchedule.conf (#{seq}) scheduleStart: {fault}") from None
            off = (start - asked_at).total_seconds()
            assert abs(off) <= self.timeouts.tolerance, (
                f"[behaviour] GetCompositeSchedule.conf (#{seq}) has scheduleStart {stated}, {off:+.1f} s off the "
                f"moment the request was sent ({format_instant(asked_at)}); the composite schedule runs from the "
                f"moment the request is received (OCPP 1.6 §5.7), tolerance {self.timeouts.tolerance:g} s")
        expected = composite_schedule(self.store, connector, start, duration_s, unit, electrical=self.facts.electrical)
        drift = self.drift(expected)
        self._evidence.append({"connector": connector, "unit": str(unit), "answer": f"#{seq}",
                               "schedule_start_offset_s": round((start - asked_at).total_seconds(), 3),
                               "expected": [(p.start_offset_s, None if p.limit is None else float(p.limit))
                                            for p in expected.periods]})
        measure("composite_schedules", self._evidence)
        differences = compare_composite(expected, conf.payload, self.facts.tolerance(unit), time_tolerance_s=drift)
        assert not differences, (
            f"[behaviour] GetCompositeSchedule.conf (#{seq}) for connector {connector} over {duration_s} s in {unit} "
            f"is not the composite of the installed profiles (limits ±{self.facts.tolerance(unit)} {unit}, changes "
            f"±{drift:g} s): " + "; ".join(differences))
        return expected

    # -- what the charge point offers -----------------------------------------------------------------------------
    async def watch_offered(self, configure: Any) -> None:
        """Make the charge point sample what it offers every SAMPLE_INTERVAL_S seconds during transactions
        (MeterValuesSampledData with Current.Offered and/or Power.Offered, restored after the case). A charge
        point that refuses both leaves the offered-value comparison out, with a note; the composite schedule is
        judged all the same."""
        if "MeterValueSampleInterval" not in await configure.optional(MeterValueSampleInterval=SAMPLE_INTERVAL_S):
            self._skip_offered(f"the charge point refused MeterValueSampleInterval = {SAMPLE_INTERVAL_S}")
            return
        conf = await self.charge_point.call("GetConfiguration", {"key": ["MeterValuesSampledData"]})
        now = next((e.get("value") for e in conf.get("configurationKey") or []
                    if isinstance(e, dict) and e.get("key") == "MeterValuesSampledData"), "") or ""
        base = [m.strip() for m in now.split(",") if m.strip() and m.strip() not in OFFERED]
        for wanted in (tuple(OFFERED), ("Current.Offered",), ("Power.Offered",)):
            for value in dict.fromkeys((",".join(base + list(wanted)), ",".join(wanted))):
                if "MeterValuesSampledData" in await configure.optional(MeterValuesSampledData=value):
                    self.offered = wanted
                    measure("offered_measurands", list(wanted))
                    return
        self._skip_offered("the charge point refused MeterValuesSampledData with Current.Offered or Power.Offered")

    def _skip_offered(self, why: str) -> None:
        measure("offered_values", f"not compared: {why}")
        self.charge_point.wire.event("note", offered_values=f"not compared: {why}")

    async def check_offered(self, connector: int, *, after: Record, through: datetime | None = None,
                            requirement: str = REQ_OFFERED) -> None:
        """The current or power the charge point offers on `connector`, as its MeterValues after `after` report it,
        is the composite limit of the book's profiles at each reading's timestamp (limits within the descriptor's
        tolerance, a change of limit ±`drift`). Readings taken within `drift` of `after` are left out (the charge
        point is still applying what `after` set); readings are judged until one stamped after `through`
        (+ drift), and at least two."""
        if not self.offered:
            return
        drift = self.timeouts.interval_tolerance(PERIOD_S)
        until = through + timedelta(seconds=drift) if through is not None else None
        judged, last, newest = 0, after, None
        for _ in range(4 + math.ceil((PERIOD_S + self.lead_s) / SAMPLE_INTERVAL_S)):
            rec = await self.charge_point.expect(
                "MeterValues", within=SAMPLE_INTERVAL_S + self.timeouts.tolerance, after=last, connectorId=connector,
                meterValue=_offers, requirement=requirement + f" (MeterValueSampleInterval {SAMPLE_INTERVAL_S} s, "
                                                              f"MeterValuesSampledData with {', '.join(self.offered)})")
            last = rec
            if rec.t_mono < after.t_mono + drift:
                continue
            for stamp, value in _offered_readings(rec):
                self._judge_offered(connector, rec, stamp, value, drift)
                judged += 1
                newest = stamp if newest is None else max(newest, stamp)
            if judged >= 2 and (until is None or (newest is not None and newest >= until)):
                break
        measure(f"offered_readings_judged_c{connector}", judged)

    def _judge_offered(self, connector: int, rec: Record, stamp: datetime, value: dict, drift: float) -> None:
        measurand = value["measurand"]
        unit = OFFERED[measurand]
        reading = _reading(value, unit)
        assert reading is not None, (
            f"[behaviour] MeterValues (#{rec.seq}) reports {measurand} {value.get('value')!r} "
            f"{value.get('unit') or ''}, not a number of {unit} or k{unit}")
        around = composite_schedule(self.store, connector, stamp - timedelta(seconds=drift),
                                    max(1, math.ceil(2 * drift)), unit, electrical=self.facts.electrical)
        allowed = [s for s in around.segments]
        if not allowed or any(s.limit is None for s in allowed):
            return  # no limit at some instant around the reading: the charge point offers what it can
        tolerance = self.facts.tolerance(unit)
        assert any(abs(reading - s.limit) <= tolerance for s in allowed), (
            f"[behaviour] MeterValues (#{rec.seq}) reading stamped {format_instant(stamp)} says {measurand} "
            f"{reading} {unit}; the installed profiles limit connector {connector} to "
            + " or ".join(f"{s.limit} {unit} ({s.source})" for s in allowed)
            + f" then (±{tolerance} {unit}, ±{drift:g} s)")


def _offered_values(meter_value: Any) -> list[dict]:
    return [v for v in (meter_value.get("sampledValue") or []) if isinstance(v, dict) and v.get("measurand") in OFFERED]


def _offers(meter_values: Any) -> bool:
    """readings of Current.Offered or Power.Offered"""
    return isinstance(meter_values, list) and any(isinstance(mv, dict) and _offered_values(mv) for mv in meter_values)


def _offered_readings(rec: Record) -> list[tuple[datetime, dict]]:
    out = []
    for meter_value in rec.payload.get("meterValue") or []:
        if not isinstance(meter_value, dict):
            continue
        try:
            stamp = parse_instant(meter_value.get("timestamp"))
        except ValueError as fault:
            raise AssertionError(f"[behaviour] MeterValues (#{rec.seq}) timestamp: {fault}") from None
        out += [(stamp, value) for value in _offered_values(meter_value)]
    return out


def _reading(value: dict, unit: RateUnit) -> Decimal | None:
    """A sampled value in `unit` (kW and kA scaled); None when it is no number or in another unit."""
    try:
        number = Decimal(str(value.get("value")).strip())
    except ArithmeticError:
        return None
    if not number.is_finite():
        return None
    stated = value.get("unit") or str(unit)
    if stated == str(unit):
        return number
    if stated == f"k{unit}":
        return number * 1000
    return None


async def smart_charger(charge_point: Any, descriptor: Any, timeouts: Any) -> ProfileBook:
    """A charge point under test made ready for a Smart Charging case: its facts read and every charging profile it
    holds cleared (ClearChargingProfile without criteria), so the composite schedule is the case's alone."""
    facts = await read_facts(charge_point, descriptor)
    await charge_point.call("ClearChargingProfile", {}, requirement="The Charge Point SHALL respond with "
                                                                    "ClearChargingProfile.conf (OCPP 1.6 §5.5).")
    return ProfileBook(charge_point, facts, timeouts, descriptor.connectors)


@pytest.fixture
async def profiles(charge_point: Any, booted: Any, descriptor: Any, timeouts: Any) -> ProfileBook:
    """OCTT "Before" of the Smart Charging cases: the charge point booted, its charging profiles cleared."""
    return await smart_charger(charge_point, descriptor, timeouts)


def needs_stack_levels(book: ProfileBook, levels: int) -> str | None:
    """Why a case that stacks profiles up to stack level `levels` does not apply (None: it does)."""
    top = book.facts.max_stack_level
    if top is not None and top < levels:
        return f"the case stacks profiles up to stack level {levels}; the charge point's ChargeProfileMaxStackLevel " \
               f"is {top}"
    return None


async def clear_case_profiles(link: Any) -> None:
    """After a charge point case: ClearChargingProfile by id for every profile the suite installed in the case
    (SetChargingProfile, or RemoteStartTransaction with a charging profile, answered Accepted). Best effort: a
    silent or closed charge point is left as it is."""
    records = link.wire.segment_records(link.wire.segment)
    replies = {r.answers: r for r in records if r.from_iut and r.is_result and r.answers is not None}
    ids: list[int] = []
    for call in records:
        if not (call.is_call and not call.from_iut and call.seq in replies):
            continue
        if (replies[call.seq].payload or {}).get("status") != "Accepted":
            continue
        payload = call.payload or {}
        profile = {"SetChargingProfile": payload.get("csChargingProfiles"),
                   "RemoteStartTransaction": payload.get("chargingProfile")}.get(call.action or "")
        if isinstance(profile, dict) and isinstance(profile.get("chargingProfileId"), int):
            ids.append(profile["chargingProfileId"])
    for profile_id in dict.fromkeys(ids):
        try:
            await link.peer.call("ClearChargingProfile", {"id": profile_id}, within=link.descriptor.timeouts.response,
                                 error_ok=True)
        except NoResponse:
            link.wire.event("note", restore_failed=f"ClearChargingProfile id={profile_id}")
            return
