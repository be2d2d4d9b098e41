"""OCPP 1.6 smart charging as a charge point computes it: charging profiles read from their payloads, the profiles a
charge point keeps per connector, the composite schedule they give, and the checks that judge a charging profile (also
against the one a Central System was asked to send) or a GetCompositeSchedule answer (OCPP 1.6 §3.13 Smart Charging,
§5.5 ClearChargingProfile, §5.7 GetCompositeSchedule, §5.11 RemoteStartTransaction, §5.16 SetChargingProfile, and the
§7 types ChargingProfile, ChargingSchedule, ChargingSchedulePeriod).

Pure computation: no I/O and no clock. Instants are timezone-aware datetimes, worked on internally as whole
microseconds; limits are Decimals read from the JSON text's own digits, so a limit of 6.1 stays 6.1.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any, Iterable, Literal, Mapping, NamedTuple


class Purpose(StrEnum):
    CHARGE_POINT_MAX = "ChargePointMaxProfile"
    TX_DEFAULT = "TxDefaultProfile"
    TX = "TxProfile"


class Kind(StrEnum):
    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


class Recurrency(StrEnum):
    DAILY = "Daily"
    WEEKLY = "Weekly"


class RateUnit(StrEnum):
    AMPERE = "A"
    WATT = "W"


Carrier = Literal["SetChargingProfile", "RemoteStartTransaction"]

ONE_DECIMAL = Decimal("0.1")
_US = 1_000_000  # microseconds per second
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_FOREVER = 2**62  # an instant, in microseconds, later than any window
_RECURRENCE_S = {Recurrency.DAILY: 86_400, Recurrency.WEEKLY: 7 * 86_400}


# ---------------------------------------------------------------------------------------------------------------------
# Numbers and instants as they arrive in payloads

def as_decimal(value: Any) -> Decimal | None:
    """A JSON number as an exact Decimal (a float through its shortest repr: 6.1 -> Decimal('6.1')); None when the
    value is not a finite number (booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    return None


def has_at_most_one_decimal(value: Decimal) -> bool:
    """multipleOf 0.1 judged on the decimal digits themselves: 6.1, 0.3 and 16.00 pass, 6.15 fails."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return False  # NaN and the infinities are multiples of nothing
    # Trailing zeros are not decimals (16.00 is 16); counted by hand so no context precision rounds them away.
    while exponent < -1 and digits and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return exponent >= -1 or not any(digits)


def parse_instant(value: Any) -> datetime:
    """An OCPP dateTime (RFC 3339 with a UTC offset) as an aware datetime; ValueError naming the fault otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date-time string")
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{value!r} is not an RFC 3339 date-time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed


def format_instant(at: datetime) -> str:
    """An aware datetime as an OCPP dateTime in UTC, with milliseconds only when it has a fraction of a second."""
    utc = at.astimezone(timezone.utc)
    return utc.isoformat(timespec="milliseconds" if utc.microsecond else "seconds").replace("+00:00", "Z")


def _decimal_text(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _one_of(value: Any, choices: type[StrEnum]) -> bool:
    return isinstance(value, str) and value in {str(choice) for choice in choices}


def _us(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def _show(value: Decimal) -> str:
    """A limit as a person reads it: one decimal (16.0), or all its digits when it has more (6.15)."""
    return f"{value:.1f}" if has_at_most_one_decimal(value) else str(value)


def _seconds(us: int) -> str:
    return str(us // _US) if us % _US == 0 else f"{us / _US:.3f}"


# ---------------------------------------------------------------------------------------------------------------------
# Validation of ChargingProfile and ChargingSchedule payloads

def _instant_problem(value: Any, where: str) -> str | None:
    try:
        parse_instant(value)
    except ValueError as fault:
        return f"{where}: {fault}"
    return None


def _rate_problems(value: Any, where: str) -> list[str]:
    number = as_decimal(value)
    if number is None:
        return [f"{where} must be a number, not {value!r}"]
    problems = []
    if number < 0:
        problems.append(f"{where} {_show(number)} is negative")
    if not has_at_most_one_decimal(number):
        problems.append(f"{where} {number} has more than one decimal place (multipleOf 0.1, §7 ChargingSchedule)")
    return problems


def charging_schedule_problems(schedule: Any, where: str = "chargingSchedule") -> list[str]:
    """What is wrong with a ChargingSchedule payload (§7 ChargingSchedule, ChargingSchedulePeriod); empty = valid."""
    if not isinstance(schedule, Mapping):
        return [f"{where} must be an object"]
    problems: list[str] = []
    unit = schedule.get("chargingRateUnit")
    if not _one_of(unit, RateUnit):
        problems.append(f"{where}.chargingRateUnit must be A or W, not {unit!r}")
    if "duration" in schedule and not (_is_int(schedule["duration"]) and schedule["duration"] >= 0):
        problems.append(f"{where}.duration must be a whole number of seconds >= 0, not {schedule['duration']!r}")
    if "startSchedule" in schedule and (fault := _instant_problem(schedule["startSchedule"], f"{where}.startSchedule")):
        problems.append(fault)
    if "minChargingRate" in schedule:
        problems += _rate_problems(schedule["minChargingRate"], f"{where}.minChargingRate")
    periods = schedule.get("chargingSchedulePeriod")
    if not isinstance(periods, list) or not periods:
        problems.append(f"{where}.chargingSchedulePeriod must be a non-empty list of periods")
        return problems
    starts: list[int] = []
    for index, period in enumerate(periods):
        at = f"{where}.chargingSchedulePeriod[{index}]"
        if not isinstance(period, Mapping):
            problems.append(f"{at} must be an object")
            continue
        start = period.get("startPeriod")
        if _is_int(start) and start >= 0:
            starts.append(start)
        else:
            problems.append(f"{at}.startPeriod must be a whole number of seconds >= 0, not {start!r}")
        problems += _rate_problems(period.get("limit"), f"{at}.limit")
        phases = period.get("numberPhases")
        if "numberPhases" in period and not (_is_int(phases) and 1 <= phases <= 3):
            problems.append(f"{at}.numberPhases must be 1, 2 or 3, not {phases!r}")
    if starts and len(starts) == len(periods):
        if starts[0] != 0:
            problems.append(f"{where}.chargingSchedulePeriod[0].startPeriod is {starts[0]}; the first period starts "
                            "at 0, the start of the schedule")
        for index in range(1, len(starts)):
            if starts[index] <= starts[index - 1]:
                problems.append(f"{where}.chargingSchedulePeriod[{index}].startPeriod {starts[index]} does not come "
                                f"after the previous period's {starts[index - 1]}: startPeriod must increase strictly")
    return problems


def charging_profile_problems(profile: Any, *, carried_by: Carrier | None = None,
                              connector_id: int | None = None) -> list[str]:
    """What is wrong with a ChargingProfile payload (csChargingProfiles); empty = valid.

    `carried_by` adds the rules of the message that carries it: in SetChargingProfile a TxProfile names its
    transaction (§5.16), in RemoteStartTransaction the profile is a TxProfile of a transaction that does not exist yet,
    so it names none (§5.11, §5.16). `connector_id` (of SetChargingProfile) adds where each purpose may be set
    (§3.13.1)."""
    if not isinstance(profile, Mapping):
        return ["the charging profile must be an object"]
    problems: list[str] = []
    profile_id = profile.get("chargingProfileId")
    if not (_is_int(profile_id) and profile_id > 0):
        problems.append(f"chargingProfileId must be a positive integer, not {profile_id!r}")
    if "transactionId" in profile and not (_is_int(profile["transactionId"]) and profile["transactionId"] > 0):
        problems.append(f"transactionId must be a positive integer, not {profile['transactionId']!r}")
    stack_level = profile.get("stackLevel")
    if not (_is_int(stack_level) and stack_level >= 0):
        problems.append(f"stackLevel must be an integer >= 0 (0 is the lowest level), not {stack_level!r}")
    purpose = profile.get("chargingProfilePurpose")
    if not _one_of(purpose, Purpose):
        problems.append(f"chargingProfilePurpose must be one of {', '.join(Purpose)}, not {purpose!r}")
    kind = profile.get("chargingProfileKind")
    if not _one_of(kind, Kind):
        problems.append(f"chargingProfileKind must be one of {', '.join(Kind)}, not {kind!r}")
    recurrency = profile.get("recurrencyKind")
    if "recurrencyKind" in profile and not _one_of(recurrency, Recurrency):
        problems.append(f"recurrencyKind must be Daily or Weekly, not {recurrency!r}")
    schedule = profile.get("chargingSchedule")
    if kind == Kind.RECURRING:
        # A recurrence repeats from a point in time: without recurrencyKind and startSchedule it has neither a
        # period nor an origin (§7 ChargingProfileKindType, RecurrencyKindType, ChargingSchedule.startSchedule).
        if "recurrencyKind" not in profile:
            problems.append("a Recurring profile needs recurrencyKind (Daily or Weekly)")
        if isinstance(schedule, Mapping) and "startSchedule" not in schedule:
            problems.append("a Recurring profile needs chargingSchedule.startSchedule, the point it recurs from")
    elif "recurrencyKind" in profile:
        problems.append(f"recurrencyKind is set but chargingProfileKind is {kind!r}, not Recurring")
    if "transactionId" in profile and purpose != Purpose.TX:
        problems.append(f"transactionId is only valid in a TxProfile, not in a {purpose!r} profile "
                        "(§7 ChargingProfile)")
    for key in ("validFrom", "validTo"):
        if key in profile and (fault := _instant_problem(profile[key], key)):
            problems.append(fault)
    if "validFrom" in profile and "validTo" in profile:
        try:
            if parse_instant(profile["validFrom"]) >= parse_instant(profile["validTo"]):
                problems.append(f"validFrom {profile['validFrom']} is not before validTo {profile['validTo']}")
        except ValueError:
            pass  # already reported above
    problems += charging_schedule_problems(schedule)
    if carried_by == "SetChargingProfile":
        if purpose == Purpose.TX and "transactionId" not in profile:
            problems.append("a TxProfile in SetChargingProfile must name its transaction in transactionId (§5.16)")
        if connector_id is not None:
            if purpose == Purpose.CHARGE_POINT_MAX and connector_id != 0:
                problems.append(f"a ChargePointMaxProfile can only be set on connector 0, not {connector_id} "
                                "(§3.13.1)")
            if purpose == Purpose.TX and connector_id == 0:
                problems.append("a TxProfile belongs to a transaction on a connector, not to connector 0 (§3.13.1)")
    elif carried_by == "RemoteStartTransaction":
        if purpose != Purpose.TX:
            problems.append(f"the profile in RemoteStartTransaction must be a TxProfile, not {purpose!r} (§5.11)")
        if "transactionId" in profile:
            problems.append("the profile in RemoteStartTransaction cannot name a transactionId: the transaction does "
                            "not exist yet (§5.16)")
    return problems


# ---------------------------------------------------------------------------------------------------------------------
# A profile compared with the one asked for

_PHASES_ASSUMED = 3  # "numberPhases=3 will be assumed unless another number is given" (§7 ChargingSchedulePeriod)


def _meaning(value: Any, kind: str = "") -> tuple[str, Any] | None:
    """A payload value as what it means: instants as instants, numbers as Decimals, integers apart from booleans
    and numbers; None when absent."""
    if value is None:
        return None
    if kind == "instant":
        try:
            return ("instant", parse_instant(value))
        except ValueError:
            return ("text", value)
    if _is_int(value) and kind != "number":
        return ("integer", value)
    number = as_decimal(value)
    if number is not None:
        return ("number", number)
    return ("text", value) if isinstance(value, str) else ("other", repr(value))


def _shown(value: Any) -> str:
    return "absent" if value is None else json.dumps(value, default=str)


def profile_differences(asked: Mapping[str, Any], sent: Mapping[str, Any]) -> list[str]:
    """How a charging profile a Central System sent (`sent`) differs in meaning from the one it was asked to send
    (`asked`); empty = the same profile. Numbers compare as decimals (6.1 equals 6.10, not 6.1000000000000005),
    instants as instants whatever their UTC offset, an absent numberPhases as the three phases §7 assumes; every
    other field must be as asked, present or absent."""
    differences: list[str] = []

    def compare(where: str, want: Any, got: Any, kind: str = "") -> None:
        if _meaning(want, kind) != _meaning(got, kind):
            differences.append(f"{where} is {_shown(got)}, asked {_shown(want)}")

    for key in ("chargingProfileId", "transactionId", "stackLevel", "chargingProfilePurpose", "chargingProfileKind",
                "recurrencyKind"):
        compare(key, asked.get(key), sent.get(key))
    for key in ("validFrom", "validTo"):
        compare(key, asked.get(key), sent.get(key), "instant")
    want_schedule, got_schedule = asked.get("chargingSchedule"), sent.get("chargingSchedule")
    if not isinstance(want_schedule, Mapping) or not isinstance(got_schedule, Mapping):
        compare("chargingSchedule", want_schedule, got_schedule)
        return differences
    for key, kind in (("duration", ""), ("startSchedule", "instant"), ("chargingRateUnit", ""),
                      ("minChargingRate", "number")):
        compare(f"chargingSchedule.{key}", want_schedule.get(key), got_schedule.get(key), kind)
    want_periods = want_schedule.get("chargingSchedulePeriod") or []
    got_periods = got_schedule.get("chargingSchedulePeriod") or []
    if len(want_periods) != len(got_periods):
        differences.append(f"chargingSchedule.chargingSchedulePeriod has {len(got_periods)} periods, asked "
                           f"{len(want_periods)}")
        return differences
    for index, (want, got) in enumerate(zip(want_periods, got_periods)):
        where = f"chargingSchedule.chargingSchedulePeriod[{index}]"
        if not isinstance(want, Mapping) or not isinstance(got, Mapping):
            compare(where, want, got)
            continue
        compare(f"{where}.startPeriod", want.get("startPeriod"), got.get("startPeriod"))
        compare(f"{where}.limit", want.get("limit"), got.get("limit"), "number")
        compare(f"{where}.numberPhases", want.get("numberPhases", _PHASES_ASSUMED),
                got.get("numberPhases", _PHASES_ASSUMED))
    return differences


# ---------------------------------------------------------------------------------------------------------------------
# The data model

@dataclass(frozen=True)
class SchedulePeriod:
    """One ChargingSchedulePeriod: from `start_period` seconds after the schedule's start, at most `limit`."""

    start_period: int
    limit: Decimal
    number_phases: int | None = None

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"startPeriod": self.start_period, "limit": float(self.limit)}
        if self.number_phases is not None:
            payload["numberPhases"] = self.number_phases
        return payload


@dataclass(frozen=True)
class ChargingSchedule:
    """A ChargingSchedule; `duration` None means it goes on until its profile recurs or ends."""

    charging_rate_unit: RateUnit
    periods: tuple[SchedulePeriod, ...]
    duration: int | None = None
    start_schedule: datetime | None = None
    min_charging_rate: Decimal | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ChargingSchedule:
        """From its camelCase payload; ValueError listing every problem of `charging_schedule_problems`."""
        if problems := charging_schedule_problems(payload):
            raise ValueError("; ".join(problems))
        return cls._read(payload)

    @classmethod
    def _read(cls, payload: Mapping[str, Any]) -> ChargingSchedule:
        periods = tuple(SchedulePeriod(p["startPeriod"], as_decimal(p["limit"]), p.get("numberPhases"))
                        for p in payload["chargingSchedulePeriod"])
        start = payload.get("startSchedule")
        rate = payload.get("minChargingRate")
        return cls(RateUnit(payload["chargingRateUnit"]), periods, payload.get("duration"),
                   parse_instant(start) if start is not None else None,
                   as_decimal(rate) if rate is not None else None)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        if self.duration is not None:
            payload["duration"] = self.duration
        if self.start_schedule is not None:
            payload["startSchedule"] = format_instant(self.start_schedule)
        payload["chargingRateUnit"] = str(self.charging_rate_unit)
        payload["chargingSchedulePeriod"] = [p.to_payload() for p in self.periods]
        if self.min_charging_rate is not None:
            payload["minChargingRate"] = float(self.min_charging_rate)
        return payload


@dataclass(frozen=True)
class ChargingProfile:
    """A ChargingProfile (the csChargingProfiles of SetChargingProfile, the chargingProfile of
    RemoteStartTransaction)."""

    charging_profile_id: int
    stack_level: int
    purpose: Purpose
    kind: Kind
    schedule: ChargingSchedule
    transaction_id: int | None = None
    recurrency_kind: Recurrency | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ChargingProfile:
        """From its camelCase payload; ValueError listing every problem of `charging_profile_problems`."""
        if problems := charging_profile_problems(payload):
            raise ValueError("; ".join(problems))
        recurrency = payload.get("recurrencyKind")
        valid_from, valid_to = payload.get("validFrom"), payload.get("validTo")
        return cls(payload["chargingProfileId"], payload["stackLevel"], Purpose(payload["chargingProfilePurpose"]),
                   Kind(payload["chargingProfileKind"]), ChargingSchedule._read(payload["chargingSchedule"]),
                   payload.get("transactionId"), Recurrency(recurrency) if recurrency is not None else None,
                   parse_instant(valid_from) if valid_from is not None else None,
                   parse_instant(valid_to) if valid_to is not None else None)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"chargingProfileId": self.charging_profile_id}
        if self.transaction_id is not None:
            payload["transactionId"] = self.transaction_id
        payload |= {"stackLevel": self.stack_level, "chargingProfilePurpose": str(self.purpose),
                    "chargingProfileKind": str(self.kind)}
        if self.recurrency_kind is not None:
            payload["recurrencyKind"] = str(self.recurrency_kind)
        if self.valid_from is not None:
            payload["validFrom"] = format_instant(self.valid_from)
        if self.valid_to is not None:
            payload["validTo"] = format_instant(self.valid_to)
        payload["chargingSchedule"] = self.schedule.to_payload()
        return payload

    def describe(self) -> str:
        return f"{self.purpose} {self.charging_profile_id}, stack level {self.stack_level}"


# ---------------------------------------------------------------------------------------------------------------------
# The profiles a charge point keeps

@dataclass(frozen=True)
class InstalledProfile:
    connector_id: int
    profile: ChargingProfile


@dataclass(frozen=True)
class Transaction:
    transaction_id: int
    started_at: datetime


@dataclass(frozen=True)
class Installation:
    """What SetChargingProfile did: accepted or not (with the reason), and the profiles the new one replaced."""

    accepted: bool
    reason: str = ""
    replaced: tuple[InstalledProfile, ...] = ()

    @property
    def status(self) -> str:
        """The SetChargingProfile.conf status."""
        return "Accepted" if self.accepted else "Rejected"


class ChargePointProfiles:
    """The charging profiles installed in a charge point with `connectors` connectors (connector 0 = the charge point
    as a whole), and the transaction running on each connector, kept as §3.13 and §5.16 require."""

    def __init__(self, connectors: int) -> None:
        if not _is_int(connectors) or connectors < 1:
            raise ValueError(f"a charge point has at least one connector, not {connectors!r}")
        self.connectors = connectors
        self._installed: list[InstalledProfile] = []
        self._transactions: dict[int, Transaction] = {}

    def __repr__(self) -> str:
        return (f"ChargePointProfiles(connectors={self.connectors}, installed={self._installed!r}, "
                f"transactions={self._transactions!r})")

    @property
    def installed(self) -> tuple[InstalledProfile, ...]:
        return tuple(self._installed)

    def transaction_on(self, connector_id: int) -> Transaction | None:
        return self._transactions.get(connector_id)

    def start_transaction(self, connector_id: int, transaction_id: int, started_at: datetime) -> None:
        if not 1 <= connector_id <= self.connectors:
            raise ValueError(f"transactions run on connectors 1..{self.connectors}, not on {connector_id}")
        if connector_id in self._transactions:
            raise ValueError(f"connector {connector_id} already runs transaction "
                             f"{self._transactions[connector_id].transaction_id}")
        self._transactions[connector_id] = Transaction(transaction_id, started_at)

    def end_transaction(self, connector_id: int) -> tuple[InstalledProfile, ...]:
        """The transaction on `connector_id` ends and its TxProfiles go with it (§3.13.1); returns them."""
        self._transactions.pop(connector_id, None)
        dropped = tuple(i for i in self._installed
                        if i.connector_id == connector_id and i.profile.purpose == Purpose.TX)
        self._installed = [i for i in self._installed if i not in dropped]
        return dropped

    def install(self, connector_id: int, profile: ChargingProfile) -> Installation:
        """SetChargingProfile (§5.16): a profile with the same chargingProfileId, or with the same stackLevel and
        purpose on the same connector, is replaced; anything else is added."""
        if not 0 <= connector_id <= self.connectors:
            return Installation(False, f"connector {connector_id} does not exist (connectors 0..{self.connectors})")
        if profile.purpose == Purpose.CHARGE_POINT_MAX and connector_id != 0:
            return Installation(False, "a ChargePointMaxProfile can only be set on connector 0 (§3.13.1)")
        if profile.purpose == Purpose.TX:
            transaction = self._transactions.get(connector_id)
            if transaction is None:
                return Installation(False, f"no transaction runs on connector {connector_id}: a TxProfile is "
                                           "discarded (§3.13.1)")
            if profile.transaction_id not in (None, transaction.transaction_id):
                return Installation(False, f"the TxProfile names transaction {profile.transaction_id}; connector "
                                           f"{connector_id} runs transaction {transaction.transaction_id}")
            # The charge point adds the transactionId to a profile that came without one (§5.16, RemoteStart).
            profile = replace(profile, transaction_id=transaction.transaction_id)
        replaced = tuple(
            i for i in self._installed
            if i.profile.charging_profile_id == profile.charging_profile_id
            or (i.connector_id == connector_id and i.profile.purpose == profile.purpose
                and i.profile.stack_level == profile.stack_level))
        self._installed = [i for i in self._installed if i not in replaced]
        self._installed.append(InstalledProfile(connector_id, profile))
        return Installation(True, replaced=replaced)

    def clear(self, *, profile_id: int | None = None, connector_id: int | None = None,
              purpose: Purpose | str | None = None, stack_level: int | None = None) -> tuple[InstalledProfile, ...]:
        """ClearChargingProfile (§5.5): returns the profiles removed; none removed means status Unknown.

        With `profile_id` that profile alone is cleared and the other fields do not narrow it: §5.5 clears "either"
        a profile by id "or" a selection by the other fields. Without it, every given field must match and an absent
        one matches anything, so no fields at all clear every profile."""
        def matches(i: InstalledProfile) -> bool:
            if profile_id is not None:
                return i.profile.charging_profile_id == profile_id
            return ((connector_id is None or i.connector_id == connector_id)
                    and (purpose is None or i.profile.purpose == purpose)
                    and (stack_level is None or i.profile.stack_level == stack_level))

        removed = tuple(i for i in self._installed if matches(i))
        self._installed = [i for i in self._installed if i not in removed]
        return removed


# ---------------------------------------------------------------------------------------------------------------------
# The composite schedule

@dataclass(frozen=True)
class Electrical:
    """What converting between A and W takes: P = voltage × I × phases. `phases` counts where a period states no
    numberPhases; the specification assumes 3 (§7 ChargingSchedulePeriod), a single-phase charge point has 1."""

    voltage: Decimal = Decimal(230)
    phases: int = 3


class CompositePeriod(NamedTuple):
    """A period of a composite schedule: from `start_offset_s` after its start, at most `limit` (None: no limit)."""

    start_offset_s: int
    limit: Decimal | None
    number_phases: int | None


class CompositeSegment(NamedTuple):
    """A composite period with the profile that gave its limit (`source`), for explaining differences."""

    start_offset_s: int
    limit: Decimal | None
    number_phases: int | None
    source: str | None


@dataclass(frozen=True)
class CompositeSchedule:
    """A composite schedule: from `start`, for `duration_s` seconds (None: open-ended), limits in `unit`;
    `connector_id` None when an answer did not say."""

    connector_id: int | None
    start: datetime
    duration_s: int | None
    unit: RateUnit
    segments: tuple[CompositeSegment, ...]
    min_charging_rate: Decimal | None = None

    @property
    def periods(self) -> tuple[CompositePeriod, ...]:
        """Ordered by start, adjacent periods of equal limit and phases merged."""
        merged: list[CompositePeriod] = []
        for segment in self.segments:
            if merged and merged[-1][1:] == (segment.limit, segment.number_phases):
                continue
            merged.append(CompositePeriod(segment.start_offset_s, segment.limit, segment.number_phases))
        return tuple(merged)

    def segment_at(self, instant: datetime) -> CompositeSegment | None:
        """The segment in effect at `instant`; None before the first one or after the schedule's duration."""
        offset = _us(instant) - _us(self.start)
        if offset < 0 or (self.duration_s is not None and offset >= self.duration_s * _US):
            return None
        found = None
        for segment in self.segments:
            if segment.start_offset_s * _US > offset:
                break
            found = segment
        return found

    def limit_at(self, instant: datetime) -> Decimal | None:
        """The limit in effect at `instant` (None: no limit), which must lie within the schedule."""
        offset = _us(instant) - _us(self.start)
        if offset < 0 or (self.duration_s is not None and offset >= self.duration_s * _US):
            raise ValueError(f"{format_instant(instant)} lies outside the composite schedule")
        segment = self.segment_at(instant)
        return None if segment is None else segment.limit

    def to_payload(self) -> dict[str, Any]:
        """The GetCompositeSchedule.conf chargingSchedule (§5.7). A stretch without limit at the end shortens the
        duration; anywhere else it cannot be written, and `unlimited` must give the charge point's own maximum."""
        periods = list(self.periods)
        duration = self.duration_s
        if len(periods) > 1 and periods[-1].limit is None:
            duration = periods.pop().start_offset_s
        if any(p.limit is None for p in periods):
            raise ValueError("the composite schedule has periods without a limit; pass `unlimited` (the charge "
                             "point's own maximum) to composite_schedule to report them")
        schedule = ChargingSchedule(
            self.unit, tuple(SchedulePeriod(p.start_offset_s, p.limit, p.number_phases) for p in periods),
            duration, self.start, self.min_charging_rate)
        return schedule.to_payload()

    def to_conf(self) -> dict[str, Any]:
        """The whole GetCompositeSchedule.conf payload of an accepted request."""
        conf: dict[str, Any] = {"status": "Accepted"}
        if self.connector_id is not None:
            conf["connectorId"] = self.connector_id
        return conf | {"scheduleStart": format_instant(self.start), "chargingSchedule": self.to_payload()}

    @classmethod
    def from_conf(cls, conf: Mapping[str, Any], *, requested_start: datetime | None = None,
                  connector_id: int | None = None) -> CompositeSchedule:
        """A GetCompositeSchedule.conf answer read as a composite schedule. Its periods count from scheduleStart
        (§5.7), else from chargingSchedule.startSchedule, else from `requested_start`. ValueError when the
        chargingSchedule cannot be read; the order of its periods is not judged here (see
        `charging_schedule_problems`)."""
        schedule = conf.get("chargingSchedule")
        if not isinstance(schedule, Mapping):
            raise ValueError("the answer carries no chargingSchedule")
        unit = schedule.get("chargingRateUnit")
        if not _one_of(unit, RateUnit):
            raise ValueError(f"chargingSchedule.chargingRateUnit must be A or W, not {unit!r}")
        stamp = conf.get("scheduleStart", schedule.get("startSchedule"))
        start = parse_instant(stamp) if stamp is not None else requested_start
        if start is None:
            raise ValueError("the answer has neither scheduleStart nor chargingSchedule.startSchedule")
        duration = schedule.get("duration")
        if duration is not None and not (_is_int(duration) and duration >= 0):
            raise ValueError(f"chargingSchedule.duration must be a whole number of seconds >= 0, not {duration!r}")
        periods = schedule.get("chargingSchedulePeriod")
        if not isinstance(periods, list):
            raise ValueError("chargingSchedule.chargingSchedulePeriod must be a list")
        read: dict[int, CompositeSegment] = {}
        for index, period in enumerate(periods):
            if not isinstance(period, Mapping):
                raise ValueError(f"chargingSchedule.chargingSchedulePeriod[{index}] must be an object")
            offset, limit = period.get("startPeriod"), as_decimal(period.get("limit"))
            phases = period.get("numberPhases")
            if not (_is_int(offset) and offset >= 0) or limit is None or (phases is not None and not _is_int(phases)):
                raise ValueError(f"chargingSchedule.chargingSchedulePeriod[{index}] needs an integer startPeriod "
                                 f">= 0, a number limit and an integer numberPhases if any: {dict(period)!r}")
            read[offset] = CompositeSegment(offset, limit, phases, None)
        rate = as_decimal(schedule.get("minChargingRate"))
        connector = conf.get("connectorId", connector_id)
        return cls(connector if _is_int(connector) else None, start, duration, RateUnit(unit),
                   tuple(read[offset] for offset in sorted(read)), rate)


@dataclass(frozen=True)
class _Run:
    """A stretch in which a profile's schedule is in effect: [begin, end), periods counted from `anchor` (µs)."""

    begin: int
    end: int
    anchor: int


@dataclass(frozen=True)
class _Timeline:
    installed: InstalledProfile
    runs: tuple[_Run, ...]

    @property
    def level(self) -> int:
        return self.installed.profile.stack_level

    @property
    def schedule(self) -> ChargingSchedule:
        return self.installed.profile.schedule

    def period_at(self, t: int) -> SchedulePeriod | None:
        run = next((r for r in self.runs if r.begin <= t < r.end), None)
        if run is None:
            return None
        found = None
        for period in self.schedule.periods:
            if run.anchor + period.start_period * _US > t:
                break
            found = period
        return found

    def breakpoints(self) -> Iterable[int]:
        for run in self.runs:
            yield run.begin
            yield run.end
            for period in self.schedule.periods:
                if run.begin < run.anchor + period.start_period * _US < run.end:
                    yield run.anchor + period.start_period * _US


class _Contribution(NamedTuple):
    limit: Decimal
    phases: int
    source: str


def _runs(profile: ChargingProfile, relative_anchor: int, window: tuple[int, int]) -> tuple[_Run, ...]:
    """Where within `window` the profile's schedule is in effect: inside validFrom..validTo (§7 ChargingProfile) and
    inside each start..start+duration of the schedule; a recurrence restarts the schedule (§7 ChargingProfileKindType).
    """
    low = max(window[0], _us(profile.valid_from) if profile.valid_from else -_FOREVER)
    high = min(window[1], _us(profile.valid_to) if profile.valid_to else _FOREVER)
    if low >= high:
        return ()
    schedule = profile.schedule
    length = schedule.duration * _US if schedule.duration is not None else _FOREVER
    if profile.kind == Kind.RECURRING:
        assert schedule.start_schedule is not None and profile.recurrency_kind is not None, "validated on reading"
        every = _RECURRENCE_S[profile.recurrency_kind] * _US
        origin = _us(schedule.start_schedule)
        # Recurrences count from startSchedule on: before it the profile has not started recurring.
        index = max(0, (low - origin) // every)
        runs = []
        while origin + index * every < high:
            anchor = origin + index * every
            begin, end = max(low, anchor), min(high, anchor + length, anchor + every)
            if begin < end:
                runs.append(_Run(begin, end, anchor))
            index += 1
        return tuple(runs)
    # An Absolute schedule without startSchedule "will be relative to start of charging" (§7 ChargingSchedule), as a
    # Relative one is.
    fixed = profile.kind == Kind.ABSOLUTE and schedule.start_schedule is not None
    anchor = _us(schedule.start_schedule) if fixed else relative_anchor
    begin, end = max(low, anchor), min(high, anchor + length)
    return (_Run(begin, end, anchor),) if begin < end else ()


def _convert(limit: Decimal, unit: RateUnit, wanted: RateUnit, phases: int, electrical: Electrical) -> Decimal:
    if unit == wanted:
        return limit
    if wanted == RateUnit.WATT:
        return limit * electrical.voltage * phases
    return limit / (electrical.voltage * phases)


def composite_schedule(profiles: ChargePointProfiles, connector_id: int, start: datetime, duration_s: int,
                       unit: RateUnit | str, *, electrical: Electrical = Electrical(),
                       unlimited: Decimal | None = None) -> CompositeSchedule:
    """The composite schedule a charge point holding `profiles` reports for GetCompositeSchedule(connector_id,
    duration_s, unit) received at `start` (§3.13.2, §3.13.3, §5.7).

    At each instant, within each purpose the profile with the highest stackLevel whose schedule has a period in
    effect leads; a profile outside validFrom..validTo or past its schedule's duration leaves the instant to lower
    levels. A TxProfile overrides the TxDefaultProfiles for as long as it has a period in effect. The limit is the
    lowest of the leading TxProfile-or-TxDefaultProfile and ChargePointMaxProfile limits, in `unit`.

    Choices where §3.13 and §5.7 leave room:
    - A TxDefaultProfile set on connector 0 applies to every connector, unless that connector has its own
      TxDefaultProfile of the same stackLevel, which replaces it there only (§3.13.1).
    - Connector 0 asks for "the total expected energy flow of the Charge Point" (§5.7): the sum of what the
      connectors may take (unbounded when one of them is), capped by the ChargePointMaxProfile.
    - Relative schedules (and Absolute ones without startSchedule) count from the start of the transaction on the
      connector, or from `start` when none runs; a ChargePointMaxProfile's always from `start`, as connector 0 runs
      no transaction.
    - Where no profile says anything, the limit is `unlimited` (None: no limit).
    - Limits converted from another unit are rounded down to one decimal (multipleOf 0.1), never above the profile's.
    - The number of phases of a period is the fewest any contributing profile allows; `minChargingRate` is the
      highest any leading TxProfile or TxDefaultProfile states, as the vehicle's own minimum.
    """
    if not 0 <= connector_id <= profiles.connectors:
        raise ValueError(f"connector {connector_id} does not exist (connectors 0..{profiles.connectors})")
    if not _is_int(duration_s) or duration_s < 1:
        raise ValueError(f"the duration must be a whole number of seconds >= 1, not {duration_s!r}")
    if start.tzinfo is None:
        raise ValueError("the start of a composite schedule must be a timezone-aware datetime")
    wanted = RateUnit(unit)
    window = (_us(start), _us(start) + duration_s * _US)

    def timelines(connector: int, purpose: Purpose) -> list[_Timeline]:
        transaction = profiles.transaction_on(connector)
        anchor = _us(transaction.started_at) if transaction else window[0]
        own = [i for i in profiles.installed if i.connector_id == connector and i.profile.purpose == purpose]
        levels = {i.profile.stack_level for i in own}
        inherited = [i for i in profiles.installed
                     if connector != 0 and purpose == Purpose.TX_DEFAULT and i.connector_id == 0
                     and i.profile.purpose == purpose and i.profile.stack_level not in levels]
        return [_Timeline(i, _runs(i.profile, anchor, window)) for i in own + inherited]

    def leader(lines: list[_Timeline], t: int) -> tuple[_Timeline, SchedulePeriod] | None:
        best: tuple[_Timeline, SchedulePeriod] | None = None
        for line in lines:
            period = line.period_at(t)
            if period is not None and (best is None or line.level > best[0].level):
                best = (line, period)
        return best

    def leading(lines: list[_Timeline], t: int) -> _Contribution | None:
        if (lead := leader(lines, t)) is None:
            return None
        line, period = lead
        phases = period.number_phases or electrical.phases
        limit = _convert(period.limit, line.schedule.charging_rate_unit, wanted, phases, electrical)
        return _Contribution(limit, phases, line.installed.profile.describe())

    cap_lines = timelines(0, Purpose.CHARGE_POINT_MAX)
    connectors = range(1, profiles.connectors + 1) if connector_id == 0 else [connector_id]
    vehicle_lines = {n: (timelines(n, Purpose.TX), timelines(n, Purpose.TX_DEFAULT)) for n in connectors}
    every_line = cap_lines + [line for pair in vehicle_lines.values() for lines in pair for line in lines]

    def vehicle(n: int, t: int) -> _Contribution | None:
        tx_lines, default_lines = vehicle_lines[n]
        return leading(tx_lines, t) or leading(default_lines, t)

    def at(t: int) -> tuple[Decimal | None, int | None, str | None]:
        parts = []
        if connector_id == 0:
            shares = [vehicle(n, t) for n in connectors]
            if all(shares):
                parts.append(_Contribution(sum((s.limit for s in shares), Decimal(0)), max(s.phases for s in shares),
                                           f"sum of connectors {', '.join(map(str, connectors))}"))
        elif share := vehicle(connector_id, t):
            parts.append(share)
        if cap := leading(cap_lines, t):
            parts.append(cap)
        if not parts:
            return unlimited, None, None
        binding = min(parts, key=lambda part: part.limit)
        return binding.limit.quantize(ONE_DECIMAL, rounding=ROUND_FLOOR), min(p.phases for p in parts), binding.source

    points = sorted({window[0], window[1]} | {p for line in every_line for p in line.breakpoints()
                                              if window[0] < p < window[1]})
    segments: list[CompositeSegment] = []
    for t in points[:-1]:
        limit, phases, source = at(t)
        # startPeriod is a whole second: a change within a second counts from its start, the last one winning.
        offset = (t - window[0]) // _US
        if segments and segments[-1].start_offset_s == offset:
            segments.pop()
        if segments and segments[-1][1:] == (limit, phases, source):
            continue
        segments.append(CompositeSegment(offset, limit, phases, source))

    rates = []
    for n in connectors:
        tx_lines, default_lines = vehicle_lines[n]
        for t in points[:-1]:
            lead = leader(tx_lines, t) or leader(default_lines, t)
            if lead is not None and lead[0].schedule.min_charging_rate is not None:
                line, period = lead
                rates.append(_convert(line.schedule.min_charging_rate, line.schedule.charging_rate_unit, wanted,
                                      period.number_phases or electrical.phases, electrical))
    rate = max(rates).quantize(ONE_DECIMAL, rounding=ROUND_FLOOR) if rates else None
    return CompositeSchedule(connector_id, start, duration_s, wanted, tuple(segments), rate)


# ---------------------------------------------------------------------------------------------------------------------
# Judging a GetCompositeSchedule answer

class _Step(NamedTuple):
    begin: int
    end: int
    segment: CompositeSegment


def _steps(schedule: CompositeSchedule, shift: int) -> list[_Step]:
    """The schedule's segments as [begin, end) in µs from `shift`; the last one lasts to the end of its duration."""
    end_of_all = shift + schedule.duration_s * _US if schedule.duration_s is not None else _FOREVER
    steps = []
    starts = [shift + segment.start_offset_s * _US for segment in schedule.segments] + [_FOREVER]
    for index, segment in enumerate(schedule.segments):
        begin, end = starts[index], min(starts[index + 1], end_of_all)
        if begin < end:
            steps.append(_Step(begin, end, segment))
    return steps


def _step_at(steps: list[_Step], t: int) -> CompositeSegment | None:
    return next((s.segment for s in steps if s.begin <= t < s.end), None)


def _agrees(expected: CompositeSegment | None, actual: CompositeSegment | None, tolerance: Decimal) -> bool:
    if expected is None or expected.limit is None:
        return True  # nothing limits the connector here: whatever the charge point reports is its own maximum
    if actual is None or actual.limit is None:
        return False
    if abs(actual.limit - expected.limit) > tolerance:
        return False
    # numberPhases is optional in an answer; it is judged where the charge point states it.
    return None in (actual.number_phases, expected.number_phases) or actual.number_phases == expected.number_phases


def _subtract(begin: int, end: int, holes: Iterable[tuple[int, int]]) -> int | None:
    """The first instant of [begin, end) not inside any of `holes`; None when they cover it all."""
    t = begin
    for low, high in sorted(holes):
        if low > t:
            break
        t = max(t, high)
    return t if t < end else None


def compare_composite(expected: CompositeSchedule, answer: Mapping[str, Any],
                      tolerance: Decimal | int | float | str = 0, *, time_tolerance_s: float = 0) -> list[str]:
    """How a charge point's GetCompositeSchedule.conf (`answer`) differs from the composite schedule the installed
    profiles give (`expected`); empty = it matches.

    The limit over time is compared, not the list of periods, so split or merged periods that say the same match.
    A limit matches within `tolerance` (in the schedule's unit); a change of limit may come up to `time_tolerance_s`
    seconds early or late. Where `expected` has no limit, any limit the charge point reports is its own maximum."""
    allowed = as_decimal(tolerance) if not isinstance(tolerance, str) else as_decimal(_decimal_text(tolerance))
    if allowed is None or allowed < 0:
        raise ValueError(f"the tolerance must be a number >= 0, not {tolerance!r}")
    drift = round(time_tolerance_s * _US)
    status = answer.get("status")
    if status != "Accepted":
        return [f"the charge point answered status {status!r}; Accepted was expected"]
    differences: list[str] = []
    connector = answer.get("connectorId")
    if connector is not None and connector != expected.connector_id:
        differences.append(f"the answer is for connector {connector!r}; connector {expected.connector_id} was asked")
    schedule = answer.get("chargingSchedule")
    if not isinstance(schedule, Mapping):
        return differences + ["the answer carries no chargingSchedule"]
    unit = schedule.get("chargingRateUnit")
    if unit != expected.unit:
        return differences + [f"the charge point reports in {unit!r}; the schedule was asked in {expected.unit}"]
    differences += [f"the answer's {problem}" for problem in charging_schedule_problems(schedule)]
    try:
        actual = CompositeSchedule.from_conf(answer, requested_start=expected.start)
    except ValueError as fault:
        return differences + [f"the answer cannot be read: {fault}"]

    window_end = (expected.duration_s or 0) * _US
    wanted, reported = _steps(expected, 0), _steps(actual, _us(actual.start) - _us(expected.start))
    points = sorted({0, window_end} | {t for s in wanted + reported for t in (s.begin, s.end) if 0 < t < window_end})
    last_key: tuple[Any, ...] | None = None
    for begin, end in zip(points, points[1:]):
        want, got = _step_at(wanted, begin), _step_at(reported, begin)
        if _agrees(want, got, allowed):
            last_key = None
            continue
        if got is None:
            # Not covered by the answer: forgiven near its edges (a schedule start stamped a little late or early).
            holes = [(s.begin - drift, s.end + drift) for s in reported]
        else:
            # A reported limit must be one expected within the drift of this instant.
            holes = [(s.begin - drift, s.end + drift) for s in wanted if _agrees(s.segment, got, allowed)]
        first = _subtract(begin, end, holes)
        if first is None:
            last_key = None
            continue
        assert want is not None and want.limit is not None, "a missing expectation always agrees"
        key = (want.limit, want.number_phases, want.source) + ((got.limit, got.number_phases) if got else ())
        if key == last_key:
            continue  # the same disagreement going on
        last_key = key
        phases_only = got is not None and got.limit is not None and abs(got.limit - want.limit) <= allowed
        because = f" ({want.source})" if want.source else ""
        differences.append(f"at +{_seconds(first)} s the charge point reports "
                           f"{_describe(got, expected.unit, phases_only)}, the installed profiles give "
                           f"{_describe(want, expected.unit, phases_only)}{because}")
    return differences


def _describe(segment: CompositeSegment | None, unit: RateUnit, with_phases: bool) -> str:
    if segment is None or segment.limit is None:
        return "no limit"
    text = f"{_show(segment.limit)} {unit}"
    if with_phases and segment.number_phases is not None:
        text += f" on {segment.number_phases} phase{'s' if segment.number_phases > 1 else ''}"
    return text
