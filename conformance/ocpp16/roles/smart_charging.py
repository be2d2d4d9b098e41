"""Smart Charging of the suite's own charge point when it tests a CSMS (OCPP 1.6 §3.13, §5.5, §5.7, §5.11, §5.16),
and the checks that judge the smart-charging commands of the Central System under test.

The charge point keeps the profiles the Central System sets with the composite-schedule engine
(`conformance.ocpp16.smart_charging`), bound to its transactions; it answers SetChargingProfile, ClearChargingProfile
and GetCompositeSchedule from them, and applies the TxProfile of a RemoteStartTransaction to the transaction that
request starts. Between cases it forgets them (`SuiteProfiles.forget`, run by `ChargePointResponder16.restore_case`).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Mapping

from conformance.ocpp16.smart_charging import (
    ChargePointProfiles,
    ChargingProfile,
    Electrical,
    InstalledProfile,
    RateUnit,
    charging_profile_problems,
    composite_schedule,
    format_instant,
    parse_instant,
    profile_differences,
)
from conformance.wire import Record

MAX_CURRENT_A = Decimal(32)  # what a connector of the suite's charge point offers where no profile limits it
MAX_STACK_LEVEL = 8
MAX_PERIODS = 24
MAX_PROFILES = 24
RATE_UNITS = {"Current": RateUnit.AMPERE, "Power": RateUnit.WATT}


def smart_charging_configuration() -> dict[str, tuple[str, bool, str]]:
    """The Smart Charging keys (OCPP 1.6 §9.4) of the suite's charge point: (value, read-only, kind)."""
    return {
        "ChargeProfileMaxStackLevel": (str(MAX_STACK_LEVEL), True, "int"),
        "ChargingScheduleAllowedChargingRateUnit": (",".join(RATE_UNITS), True, "profiles"),
        "ChargingScheduleMaxPeriods": (str(MAX_PERIODS), True, "int"),
        "MaxChargingProfilesInstalled": (str(MAX_PROFILES), True, "int"),
    }


class SuiteProfiles:
    """The charging profiles of the suite's charge point (connectors 1..`connectors`, 0 = the whole charger)."""

    def __init__(self, connectors: int, electrical: Electrical) -> None:
        self.store = ChargePointProfiles(connectors)
        self.electrical = electrical
        self._remote: dict[int, tuple[str, ChargingProfile]] = {}  # connector -> (idTag, its RemoteStart's TxProfile)

    def forget(self) -> None:
        """Back to no profiles (between cases)."""
        self.store = ChargePointProfiles(self.store.connectors)
        self._remote.clear()

    def sync(self, connectors: Mapping[int, Any]) -> None:
        """Bind the profiles to the transactions the charge point runs now (`SuiteConnector.transaction`): one that
        ended takes its TxProfiles with it (§3.13.1); one that has its transactionId is bound, with the TxProfile of
        the RemoteStartTransaction that started it (§5.16.2)."""
        for c, conn in connectors.items():
            if c == 0:
                continue
            tx = conn.transaction
            running = tx.transaction_id if tx is not None and isinstance(tx.transaction_id, int) else None
            bound = self.store.transaction_on(c)
            if bound is not None and bound.transaction_id != running:
                self.store.end_transaction(c)
            if running is not None and self.store.transaction_on(c) is None:
                self.store.start_transaction(c, running, parse_instant(tx.started_at))
                remote = self._remote.pop(c, None)
                if remote is not None and remote[0].lower() == tx.id_tag.lower():
                    self.store.install(c, remote[1])
            if tx is None and conn.authorized is None and not conn.plugged:
                self._remote.pop(c, None)

    def installed_on(self, connector: int) -> list[InstalledProfile]:
        return [i for i in self.store.installed if i.connector_id == connector]

    def set(self, connector: Any, payload: Any) -> str:
        """SetChargingProfile: Accepted when the profile is valid, in a unit and at a stack level this charge point
        supports, and the engine installs it (a TxProfile needs a transaction on its connector, §3.13.1)."""
        if not isinstance(connector, int) or isinstance(connector, bool) or self.refusal(payload):
            return "Rejected"
        if len(self.store.installed) >= MAX_PROFILES:
            return "Rejected"
        return self.store.install(connector, ChargingProfile.from_payload(payload)).status

    @staticmethod
    def refusal(payload: Any, carried_by: str | None = None) -> str | None:
        """Why this charge point cannot take the profile; None when it can."""
        problems = charging_profile_problems(payload, carried_by=carried_by)  # type: ignore[arg-type]
        if problems:
            return problems[0]
        if payload["stackLevel"] > MAX_STACK_LEVEL:
            return f"stackLevel {payload['stackLevel']} is above ChargeProfileMaxStackLevel {MAX_STACK_LEVEL}"
        if len(payload["chargingSchedule"]["chargingSchedulePeriod"]) > MAX_PERIODS:
            return f"more than ChargingScheduleMaxPeriods ({MAX_PERIODS}) periods"
        return None

    def remote_start(self, connector: int, id_tag: str, payload: Any) -> bool:
        """The charging profile of a RemoteStartTransaction for `connector`: False when the request is to be
        Rejected (not a TxProfile without transactionId, §5.11, §5.16.2); otherwise it is applied to the transaction
        the request starts."""
        if payload is None:
            return True
        if self.refusal(payload, "RemoteStartTransaction") is not None:
            return False
        self._remote[connector] = (id_tag, ChargingProfile.from_payload(payload))
        return True

    def clear(self, request: Mapping[str, Any]) -> str:
        removed = self.store.clear(profile_id=request.get("id"), connector_id=request.get("connectorId"),
                                   purpose=request.get("chargingProfilePurpose"), stack_level=request.get("stackLevel"))
        return "Accepted" if removed else "Unknown"

    def composite(self, request: Mapping[str, Any]) -> dict:
        """GetCompositeSchedule.conf: the composite schedule from now over the asked duration, in the asked unit
        (amperes when none is asked); Rejected for an unknown connector (§5.7)."""
        connector, duration = request.get("connectorId"), request.get("duration")
        if not isinstance(connector, int) or not 0 <= connector <= self.store.connectors:
            return {"status": "Rejected"}
        if not isinstance(duration, int) or duration < 1:
            return {"status": "Rejected"}
        unit = RateUnit(request.get("chargingRateUnit") or RateUnit.AMPERE)
        connectors = self.store.connectors if connector == 0 else 1
        own = MAX_CURRENT_A if unit == RateUnit.AMPERE else (
            MAX_CURRENT_A * self.electrical.voltage * self.electrical.phases)
        schedule = composite_schedule(self.store, connector, datetime.now(timezone.utc), duration, unit,
                                      electrical=self.electrical, unlimited=own * connectors)
        return schedule.to_conf()


class SmartChargingAnswers:
    """The answers of the suite's charge point (`ChargePointResponder16`) to the Central System's smart charging
    commands; `self.smart` holds its profiles."""

    smart: SuiteProfiles
    connectors: dict[int, Any]

    def on_SetChargingProfile(self, p: dict) -> dict:
        self.smart.sync(self.connectors)
        return {"status": self.smart.set(p.get("connectorId"), p.get("csChargingProfiles"))}

    def on_ClearChargingProfile(self, p: dict) -> dict:
        self.smart.sync(self.connectors)
        return {"status": self.smart.clear(p)}

    def on_GetCompositeSchedule(self, p: dict) -> dict:
        self.smart.sync(self.connectors)
        return self.smart.composite(p)


def suite_profiles(descriptor: Any) -> SuiteProfiles:
    """The profile store of the suite's charge point, with the descriptor's electrical facts."""
    facts = getattr(descriptor, "smart_charging", None) or {}
    electrical = Electrical(Decimal(str(facts.get("voltage") or 230)), int(facts.get("phases") or 3))
    return SuiteProfiles(descriptor.connectors, electrical)


# ---------------------------------------------------------------------------------------------------------------------
# Judging the Central System's smart charging commands

def check_forwarded_profile(req: Record, field: str, asked: Mapping[str, Any], *, carried_by: str,
                            connector_id: int | None = None) -> dict:
    """The charging profile `req` (a SetChargingProfile or RemoteStartTransaction CALL) carries in `field` is valid
    for its message (§5.16: a TxProfile in SetChargingProfile names its transaction; §5.11, §5.16.2: the profile of a
    RemoteStartTransaction is a TxProfile without transactionId; §7: one-decimal limits, periods in order) and is
    the one the operator asked for, unchanged in meaning. Returns it."""
    sent = (req.payload or {}).get(field)
    what = f"{asked.get('chargingProfilePurpose')} {asked.get('chargingProfileId')}"
    assert isinstance(sent, dict), (
        f"[behaviour] {req.action}.req (#{req.seq}) carries no {field}; the operator asked to send {what}")
    problems = charging_profile_problems(sent, carried_by=carried_by,  # type: ignore[arg-type]
                                         connector_id=connector_id)
    assert not problems, f"[behaviour] {req.action}.req (#{req.seq}) {field} is not valid: " + "; ".join(problems)
    differences = profile_differences(asked, sent)
    assert not differences, (
        f"[behaviour] {req.action}.req (#{req.seq}) does not send the profile the operator asked for ({what}): "
        + "; ".join(differences))
    return sent


def operator_profile(profile_id: int, purpose: str, periods: list[tuple[int, float]], *, stack_level: int = 0,
                     kind: str = "Absolute", transaction_id: int | None = None, duration: int | None = None,
                     valid_s: int | None = None) -> dict[str, Any]:
    """A charging profile an operator asks a Central System to send: a schedule in amperes of (startPeriod, limit)
    periods, Absolute from now (to the second) or Relative; `valid_s` gives it validFrom now and validTo that many
    seconds later."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    schedule: dict[str, Any] = {}
    if duration is not None:
        schedule["duration"] = duration
    if kind == "Absolute":
        schedule["startSchedule"] = format_instant(now)
    schedule |= {"chargingRateUnit": "A",
                 "chargingSchedulePeriod": [{"startPeriod": start, "limit": limit} for start, limit in periods]}
    profile: dict[str, Any] = {"chargingProfileId": profile_id}
    if transaction_id is not None:
        profile["transactionId"] = transaction_id
    profile |= {"stackLevel": stack_level, "chargingProfilePurpose": purpose, "chargingProfileKind": kind}
    if valid_s is not None:
        profile |= {"validFrom": format_instant(now), "validTo": format_instant(now + timedelta(seconds=valid_s))}
    profile["chargingSchedule"] = schedule
    return profile
