"""Smart Charging (C16 §3.13, §5.5, §5.7, §5.11, §5.16): the charging profiles the Central System sets, kept and
combined by the composite-schedule engine (`conformance.ocpp16.smart_charging`), the composite schedule reported on
request, and the limit applied to what each connector offers the EV (Current.Offered, Power.Offered)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Mapping

from ocpp.routing import on
from ocpp.v16.enums import Action

from conformance.ocpp16.smart_charging import (
    ChargePointProfiles,
    ChargingProfile,
    Electrical,
    InstalledProfile,
    Purpose,
    RateUnit,
    Transaction,
    charging_profile_problems,
    composite_schedule,
    format_instant,
    parse_instant,
)

MAX_CURRENT_A = Decimal(16)  # what a connector offers the EV where no profile limits it (per phase)
SUPPLY = Electrical(Decimal(230), 3)  # the charger's supply: 3 phases of 230 V
RATE_UNITS = {"Current": RateUnit.AMPERE, "Power": RateUnit.WATT}  # ChargingScheduleAllowedChargingRateUnit
EARLY_S = 3  # fault composite-periods-early: how far ahead the reported periods run (less than a case's period)
LATE_S = 4  # fault offered-limit-late: how late what the charger offers follows a change of limit


class SmartChargingHandlers:
    """The Central System sets, clears and asks for charging profiles."""

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, raw_payload: dict, **_: Any):
        return {"status": self.cp._set_charging_profile(raw_payload["connectorId"], raw_payload["csChargingProfiles"])}

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, raw_payload: dict, **_: Any):
        return {"status": self.cp._clear_charging_profiles(raw_payload)}

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, raw_payload: dict, **_: Any):
        return self.cp._composite_answer(raw_payload)


class SmartCharging:
    """The charger's profiles, bound to its transactions, and the limit they put on each connector."""

    # -- what the configuration allows ----------------------------------------------------------------------------
    def _allowed_units(self) -> set[RateUnit]:
        names = [part.strip() for part in self.config.get("ChargingScheduleAllowedChargingRateUnit", "").split(",")]
        return {RATE_UNITS[name] for name in names if name in RATE_UNITS}

    def _profile_refusal(self, payload: Any) -> str | None:
        """Why this charger cannot take the profile (invalid, a unit or stack level it does not support, too many
        periods); None when it can."""
        problems = charging_profile_problems(payload)
        if problems:
            return problems[0]
        schedule = payload["chargingSchedule"]
        if RateUnit(schedule["chargingRateUnit"]) not in self._allowed_units():
            return f"chargingRateUnit {schedule['chargingRateUnit']} is not allowed"
        if payload["stackLevel"] > self._int("ChargeProfileMaxStackLevel"):
            return f"stackLevel {payload['stackLevel']} is above ChargeProfileMaxStackLevel"
        if len(schedule["chargingSchedulePeriod"]) > self._int("ChargingScheduleMaxPeriods"):
            return "more periods than ChargingScheduleMaxPeriods"
        return None

    # -- SetChargingProfile, ClearChargingProfile -------------------------------------------------------------------
    def _set_charging_profile(self, connector_id: int, payload: dict) -> str:
        self._sync_profiles()
        refusal = self._profile_refusal(payload)
        if refusal is not None:
            self.logger.info("%s: SetChargingProfile rejected: %s", self.identity, refusal)
            return "Rejected"
        profile = ChargingProfile.from_payload(payload)
        running = self.profiles.transaction_on(connector_id)
        if profile.purpose == Purpose.TX:
            if running is None and "tx-profile-without-transaction-accepted" in self.faults:
                return "Accepted"  # and forgotten
            if (running is not None and profile.transaction_id not in (None, running.transaction_id)
                    and "tx-profile-wrong-transaction-accepted" in self.faults):
                profile = replace(profile, transaction_id=running.transaction_id)
        outcome = self.profiles.install(connector_id, profile)
        if not outcome.accepted:
            self.logger.info("%s: SetChargingProfile rejected: %s", self.identity, outcome.reason)
            return outcome.status
        if len(self.profiles.installed) > self._int("MaxChargingProfilesInstalled"):
            self.profiles.clear(profile_id=profile.charging_profile_id)
            for old in outcome.replaced:
                self.profiles.install(old.connector_id, old.profile)
            return "Rejected"
        self._profile_installed_at[profile.charging_profile_id] = self.now()
        return "Accepted"

    def _clear_charging_profiles(self, request: Mapping[str, Any]) -> str:
        self._sync_profiles()
        if "clear-charging-profile-ignored" in self.faults:
            return "Accepted"
        removed = self.profiles.clear(profile_id=request.get("id"), connector_id=request.get("connectorId"),
                                      purpose=request.get("chargingProfilePurpose"),
                                      stack_level=request.get("stackLevel"))
        return "Accepted" if removed else "Unknown"

    # -- RemoteStartTransaction with a charging profile ---------------------------------------------------------------
    def _remote_profile_refusal(self, payload: Any) -> str | None:
        """Why a RemoteStartTransaction carrying this profile is rejected: it must be a TxProfile of the transaction
        still to come (§5.11, §5.16.2) that this charger can take."""
        problems = charging_profile_problems(payload, carried_by="RemoteStartTransaction")
        if "remote-start-profile-any-purpose" in self.faults:
            problems = [p for p in problems if "must be a TxProfile" not in p]
        return problems[0] if problems else self._profile_refusal(payload)

    def _remember_remote_profile(self, connector_id: int, id_tag: str, payload: Any) -> None:
        """The profile of an accepted RemoteStartTransaction: installed once the transaction it starts has its id."""
        if payload is not None and "remote-start-profile-ignored" not in self.faults:
            self._remote_profiles[connector_id] = (id_tag, ChargingProfile.from_payload(payload))

    # -- the profiles bound to the transactions ---------------------------------------------------------------------
    def _sync_profiles(self) -> None:
        """Bind the profiles to the transactions running now: a transaction that ended takes its TxProfiles with it
        (§3.13.1); one that got its transactionId is bound, with the profile its RemoteStartTransaction carried."""
        for c in self.connectors[1:]:
            tx = c.transaction
            running = tx.transaction_id if tx is not None and tx.transaction_id is not None else None
            bound = self.profiles.transaction_on(c.id)
            if bound is not None and bound.transaction_id != running:
                ended = self.profiles.end_transaction(c.id)
                if "tx-profile-kept-after-transaction" in self.faults:
                    self._ended_tx_profiles[c.id] = (bound, ended)
            if tx is None and c.pending_tag is None:
                self._remote_profiles.pop(c.id, None)  # the remote start lapsed
            if running is not None and self.profiles.transaction_on(c.id) is None:
                self.profiles.start_transaction(c.id, running, parse_instant(tx.start_time))
                self._ended_tx_profiles.pop(c.id, None)
                remote = self._remote_profiles.pop(c.id, None)
                if remote is not None and remote[0].lower() == tx.id_tag.lower():
                    self.profiles.install(c.id, remote[1])
                    self._profile_installed_at[remote[1].charging_profile_id] = self.now()

    def _applied_profiles(self, connector_id: int) -> ChargePointProfiles:
        """The profiles as this charger applies them to `connector_id`: the store itself, or, under a fault, a copy
        that gets it wrong."""
        self._sync_profiles()
        wrong = {"tx-default-over-tx-profile", "tx-profile-kept-after-transaction", "profile-stack-level-ignored",
                 "tx-default-not-applied-to-running-transaction"} & self.faults
        if not wrong:
            return self.profiles
        copy = ChargePointProfiles(self.profiles.connectors)
        installed: list[InstalledProfile] = list(self.profiles.installed)
        for c in range(1, self.profiles.connectors + 1):
            tx: Transaction | None = self.profiles.transaction_on(c)
            kept = self._ended_tx_profiles.get(c)
            if tx is None and kept is not None:
                tx, installed = kept[0], installed + list(kept[1])
            if tx is not None:
                copy.start_transaction(c, tx.transaction_id, tx.started_at)
        running = copy.transaction_on(connector_id) if connector_id else None
        for order, item in enumerate(installed):
            profile = item.profile
            if profile.purpose == Purpose.TX and "tx-default-over-tx-profile" in wrong:
                continue
            if (profile.purpose == Purpose.TX_DEFAULT and running is not None
                    and "tx-default-not-applied-to-running-transaction" in wrong
                    and self._profile_installed_at.get(profile.charging_profile_id, running.started_at)
                    > running.started_at):
                continue  # only transactions that start later would take it
            if "profile-stack-level-ignored" in wrong:
                profile = replace(profile, stack_level=order)  # the latest installed leads
            copy.install(item.connector_id, profile)
        return copy

    # -- GetCompositeSchedule, and the limit on each connector ------------------------------------------------------
    def _own_maximum(self, unit: RateUnit, connector_id: int) -> Decimal:
        connectors = len(self.connectors) - 1 if connector_id == 0 else 1
        per_connector = MAX_CURRENT_A if unit == RateUnit.AMPERE else Decimal(str(self.power_w))
        return per_connector * connectors

    def _composite_answer(self, request: Mapping[str, Any]) -> dict:
        connector_id, duration = request["connectorId"], request["duration"]
        unit = RateUnit(request.get("chargingRateUnit") or RateUnit.AMPERE)
        if not 0 <= connector_id < len(self.connectors) or duration < 1:
            return {"status": "Rejected"}
        start = self.now()
        window = start + timedelta(seconds=EARLY_S) if "composite-periods-early" in self.faults else start
        schedule = composite_schedule(self._applied_profiles(connector_id), connector_id, window, duration, unit,
                                      electrical=SUPPLY, unlimited=self._own_maximum(unit, connector_id))
        conf = schedule.to_conf()
        conf["scheduleStart"] = conf["chargingSchedule"]["startSchedule"] = format_instant(start)
        return conf

    def _limit_now(self, connector_id: int, unit: RateUnit, now: datetime) -> Decimal | None:
        return composite_schedule(self._applied_profiles(connector_id), connector_id, now, 1, unit,
                                  electrical=SUPPLY).limit_at(now)

    def _offered(self, connector_id: int) -> tuple[Decimal, Decimal]:
        """(Current.Offered in A, Power.Offered in W) on a connector now: the charger's maximum, capped by the
        composite limit of its profiles (§3.13.3)."""
        amperes, watts = MAX_CURRENT_A, Decimal(str(self.power_w))
        if "offered-limit-not-applied" in self.faults:
            return amperes, watts
        now = self.now()
        if "offered-limit-late" in self.faults:
            now -= timedelta(seconds=LATE_S)
        for unit in (RateUnit.AMPERE, RateUnit.WATT):
            limit = self._limit_now(connector_id, unit, now)
            if limit is not None and unit == RateUnit.AMPERE:
                amperes = min(amperes, limit)
            elif limit is not None:
                watts = min(watts, limit)
        return amperes, watts

    def _drawn_w(self, connector_id: int) -> float:
        """The power the EV draws while charging: the charger's power, within what it offers."""
        return min(self.power_w, float(self._offered(connector_id)[1]))
