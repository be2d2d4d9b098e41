"""Smart Charging commands of the reference Central System (C16 §5.5, §5.7, §5.11, §5.16): the operator's charging
profiles are checked before they are sent — valid (§7), a TxProfile in SetChargingProfile naming its transaction
(§5.16), the profile of a RemoteStartTransaction a TxProfile without transactionId (§5.16.2) — and sent as asked;
faults change them as a faulty Central System would."""

from __future__ import annotations

import copy

from conformance.ocpp16.smart_charging import charging_profile_problems


class SmartChargingCommands:
    """Checking and (under faults) spoiling the operator's smart charging commands."""

    def _check_smart_charging_command(self, name: str, body: dict) -> None:
        """ValueError naming what is wrong with an operator's SetChargingProfile or RemoteStartTransaction profile."""
        if name == "SetChargingProfile":
            problems = charging_profile_problems(body.get("csChargingProfiles"), carried_by="SetChargingProfile",
                                                 connector_id=body.get("connectorId"))
        elif name == "RemoteStartTransaction" and "chargingProfile" in body:
            problems = charging_profile_problems(body["chargingProfile"], carried_by="RemoteStartTransaction")
        else:
            return
        if problems:
            raise ValueError(f"{name}: the charging profile is not valid: {'; '.join(problems)}")

    def _faulty_smart_charging(self, name: str, body: dict) -> dict:
        """The command as a faulty Central System would send it (unchanged without faults); never alters the
        operator's own payload."""
        faults = self.faults
        if name not in ("SetChargingProfile", "GetCompositeSchedule", "ClearChargingProfile", "RemoteStartTransaction"):
            return body  # not a smart charging command: left as it is (other areas may still refer to it)
        body = copy.deepcopy(body)
        profile = body.get("csChargingProfiles") if name == "SetChargingProfile" else None
        if profile is not None and "charging-profile-limits-binary" in faults:
            for period in profile.get("chargingSchedule", {}).get("chargingSchedulePeriod", []):
                period["limit"] = round(period["limit"] * 10) * 0.1  # tenths in binary floating point
        if profile is not None and "tx-profile-transaction-id-dropped" in faults:
            profile.pop("transactionId", None)
        if name == "GetCompositeSchedule" and "composite-schedule-unit-dropped" in faults:
            body.pop("chargingRateUnit", None)
        if name == "ClearChargingProfile" and "clear-charging-profile-criteria-dropped" in faults:
            body = {}
        if name == "RemoteStartTransaction" and "remote-start-profile-dropped" in faults:
            body.pop("chargingProfile", None)
        return body

