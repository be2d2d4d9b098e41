"""OCTT 3.19 — Smart Charging (the suite plays the charge point).

The operator makes the Central System send each command through its driver with a payload; what the Central System
sends must be valid for its message (a TxProfile in SetChargingProfile names its transaction, the profile of a
RemoteStartTransaction is a TxProfile without one, limits have one decimal, periods come in order) and what the
operator asked for, unchanged in meaning (6.1 stays 6.1, instants stay the same instants). The suite's charge point
keeps the profiles it accepts with the composite-schedule engine and answers from them.
"""

from conformance import case, measure
from conformance.errors import Broken
from conformance.ocpp16.roles.smart_charging import check_forwarded_profile, operator_profile
from conformance.ocpp16.roles.station import operator_command

SECTION = "SmartCharging"
CLEAR_FIELDS = ("id", "connectorId", "chargingProfilePurpose", "stackLevel")
REQ_SET = "The Central System SHALL use SetChargingProfile.req to set charging profiles (OCPP 1.6 §5.16.3, " \
          "§5.16.4), valid as §7 ChargingProfile defines them, and SHALL include the transactionId if the profile " \
          "applies to a specific transaction (§5.16)."


async def _installed(csms, station, connector, profile_id, transaction_id=None):
    """The suite's charge point holds the profile (it answered Accepted); a check of the suite itself."""
    await csms.drain()
    station.model.smart.sync(station.model.connectors)
    for item in station.model.smart.installed_on(connector):
        if item.profile.charging_profile_id == profile_id:
            if transaction_id is None or item.profile.transaction_id == transaction_id:
                return
    raise Broken(f"the suite's charge point does not hold charging profile {profile_id} on connector {connector} "
                 "after the Central System sent it")


async def _set(csms, station, iut, timeouts, connector, profile, transaction_id=None):
    req = await operator_command(iut, csms, "SetChargingProfile", {"connectorId": connector,
                                                                   "csChargingProfiles": profile},
                                 within=timeouts.expect, as_asked=("connectorId",), requirement=REQ_SET)
    check_forwarded_profile(req, "csChargingProfiles", profile, carried_by="SetChargingProfile",
                            connector_id=connector)
    await _installed(csms, station, connector, profile["chargingProfileId"], transaction_id)
    return req


@case("TC_056_CSMS", "Central Smart Charging - TxDefaultProfile",
      spec="OCPP 1.6 §3.13.1, §5.16.4, §7 ChargingProfile, ChargingSchedule",
      requirement="The Central System SHALL set a default schedule for new transactions with SetChargingProfile.req: "
                  "a valid TxDefaultProfile on the connector the operator chose (0: every connector), with the "
                  "stack level, schedule and one-decimal limits the operator asked for, unchanged in meaning.")
async def test_tx_default_profile(csms, booted, station, iut, timeouts):
    profile = operator_profile(561, "TxDefaultProfile", [(0, 6.1), (300, 16)], stack_level=1, duration=3600)
    await _set(csms, station, iut, timeouts, 0, profile)


@case("TC_057_CSMS", "Central Smart Charging - TxProfile",
      spec="OCPP 1.6 §3.13.1, §5.16, §5.16.3, §7 ChargingProfile",
      requirement="The Central System SHALL set a schedule for a running transaction with SetChargingProfile.req on "
                  "its connector: a valid TxProfile that includes the transaction's transactionId (§5.16), as the "
                  "operator asked for it (Absolute, with validFrom, validTo, startSchedule and duration).")
async def test_tx_profile(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    tx = await station.charging(c, id_tags.valid)
    profile = operator_profile(571, "TxProfile", [(0, 8), (120, 10.5)], transaction_id=tx.transaction_id,
                               duration=600, valid_s=3600)
    await _set(csms, station, iut, timeouts, c, profile, tx.transaction_id)
    measure("transaction_id", tx.transaction_id)


@case("TC_066_CSMS", "Get Composite Schedule",
      spec="OCPP 1.6 §5.7, GetCompositeSchedule.req",
      requirement="The Central System SHALL request a composite schedule with GetCompositeSchedule.req for the "
                  "connector, duration and charging rate unit the operator asked for.")
async def test_get_composite_schedule(csms, booted, station, iut, available_connector, timeouts):
    asked = {"connectorId": available_connector, "duration": 300, "chargingRateUnit": "A"}
    req = await operator_command(iut, csms, "GetCompositeSchedule", asked, within=timeouts.expect,
                                 as_asked=("connectorId", "duration", "chargingRateUnit"),
                                 requirement="The Central System MAY request the Charge Point to report the Composite "
                                             "Charging Schedule with GetCompositeSchedule.req (OCPP 1.6 §5.7).")
    await csms.drain()
    measure("request", req.payload)


@case("TC_067_CSMS", "Clear Charging Profile",
      spec="OCPP 1.6 §5.5, §5.16, ClearChargingProfile.req",
      requirement="The Central System SHALL clear charging profiles with ClearChargingProfile.req: by id, by the "
                  "criteria connectorId, chargingProfilePurpose and stackLevel, and all of them without criteria — "
                  "each time exactly what the operator asked for, so the charge point clears that and no more.")
async def test_clear_charging_profile(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c = available_connector
    tx = await station.charging(c, id_tags.valid)
    await _set(csms, station, iut, timeouts, 0, operator_profile(671, "ChargePointMaxProfile", [(0, 32)]))
    await _set(csms, station, iut, timeouts, c, operator_profile(672, "TxDefaultProfile", [(0, 16)]))
    await _set(csms, station, iut, timeouts, c,
               operator_profile(673, "TxProfile", [(0, 10)], transaction_id=tx.transaction_id), tx.transaction_id)
    smart = station.model.smart
    for asked, left in (({"id": 672}, {671, 673}),
                        ({"connectorId": 0, "chargingProfilePurpose": "ChargePointMaxProfile", "stackLevel": 0}, {673}),
                        ({}, set())):
        req = await operator_command(iut, csms, "ClearChargingProfile", asked, within=timeouts.expect,
                                     as_asked=CLEAR_FIELDS,
                                     requirement="If the Central System wishes to clear some or all of the charging "
                                                 "profiles that were previously sent the Charge Point, it SHALL use "
                                                 "the ClearChargingProfile.req PDU (OCPP 1.6 §5.5).")
        await csms.drain()
        held = {i.profile.charging_profile_id for i in smart.store.installed}
        if held != left:
            raise Broken(f"after ClearChargingProfile (#{req.seq}) the suite's charge point holds profiles "
                         f"{sorted(held)}, not {sorted(left)}")


@case("TC_059_CSMS", "Remote Start Transaction with Charging Profile",
      spec="OCPP 1.6 §5.11, §5.16.2, §7 ChargingProfile",
      requirement="The Central System SHALL be able to start a transaction with a charging profile: "
                  "RemoteStartTransaction.req for the id tag and connector asked for, carrying the operator's profile "
                  "unchanged in meaning, whose ChargingProfilePurpose MUST be TxProfile and whose transactionId SHALL "
                  "NOT be set (§5.16.2); and accept the transaction that follows.")
async def test_remote_start_with_charging_profile(csms, booted, station, iut, id_tags, available_connector, timeouts):
    c, tag = available_connector, id_tags.valid
    await station.plug_in(c)  # Preparing
    profile = operator_profile(591, "TxProfile", [(0, 6), (60, 8.5)], kind="Relative", duration=600)
    req = await operator_command(iut, csms, "RemoteStartTransaction", {"idTag": tag, "connectorId": c,
                                                                       "chargingProfile": profile},
                                 within=timeouts.expect, as_asked=("connectorId",),
                                 requirement="The Central System MAY include a charging profile in a "
                                             "RemoteStartTransaction request (OCPP 1.6 §5.16.2).")
    sent_tag = (req.payload or {}).get("idTag")
    assert str(sent_tag or "").lower() == tag.lower(), (
        f"[behaviour] RemoteStartTransaction.req (#{req.seq}) has idTag {sent_tag!r}, the operator asked for {tag}")
    check_forwarded_profile(req, "chargingProfile", profile, carried_by="RemoteStartTransaction")
    await station.reaction(req)  # Accepted; Authorize, StartTransaction, Charging
    tx = station.transaction(c)
    assert tx is not None and tx.id_tag_info["status"] == "Accepted", (
        f"[behaviour] the remotely started transaction was answered {tx and tx.id_tag_info}")
    await _installed(csms, station, c, profile["chargingProfileId"], tx.transaction_id)
    measure("transaction_id", tx.transaction_id)
