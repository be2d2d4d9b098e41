"""OCTT 2.22 — Smart Charging (the suite plays the Central System).

Every case starts from a charge point without charging profiles (the `profiles` fixture clears them) and keeps the
profiles it installs in the composite-schedule engine, which says what the charge point must report in
GetCompositeSchedule and offer the EV (Current.Offered, Power.Offered in its MeterValues) at each instant. The
schedules are Absolute, began a moment ago and change PERIOD_S seconds after they are set, so a case watches both of
their limits within seconds; a change of limit is judged to ± the descriptor's tolerance, at most a quarter of the
period, so a charge point off by less than a period still fails. Limits are 6-10 A per phase (or that power): below
what any charge point offers on its own, so what it offers is the profiles' limit.
"""

from conformance import case
from conformance.ocpp16.preconditions import ChargingSession, not_applicable, start_charging
from conformance.ocpp16.smart_charging import Purpose
from conformance.ocpp16.smart_charging_steps import NEEDS, PERIOD_S, needs_stack_levels

SECTION = "SmartCharging"
LOW, MID, HIGH = 6, 8, 10  # amperes per phase

REQ_TX_DEFAULT = "A TxDefaultProfile applies to the transactions on its connector, on every connector when set on " \
                 "connector 0 (OCPP 1.6 §3.13.1); the Charge Point SHALL re-evaluate its profiles and apply the one " \
                 "that becomes active (§5.16.4)."
REQ_TX = "A TxProfile SHALL overrule the TxDefaultProfile for the duration of the current transaction only " \
         "(OCPP 1.6 §3.13.1)."
REQ_NO_TX = "If there is no transaction active on the connector specified in a charging profile of type TxProfile, " \
            "then the Charge Point SHALL discard it and return an error status in SetChargingProfile.conf (OCPP 1.6 " \
            "§3.13.1)."


async def _stop(charge_point, session):
    since = charge_point.mark_now()
    conf = await charge_point.call("RemoteStopTransaction", {"transactionId": session.transaction_id},
                                   requirement="The Charge Point answers RemoteStopTransaction.req (OCPP 1.6 §5.12).")
    assert conf.status == "Accepted", (
        f"[behaviour] RemoteStopTransaction for the running transaction {session.transaction_id} was answered "
        f"{conf.status!r}")
    await charge_point.expect("StopTransaction", after=since, transactionId=session.transaction_id,
                              requirement="An accepted RemoteStopTransaction.req stops the transaction (§5.12).")


@case("TC_056_CS", "Central Smart Charging - TxDefaultProfile",
      spec="OCPP 1.6 §3.13.1, §3.13.3, §5.7, §5.16.4",
      requirement="The Charge Point SHALL accept a TxDefaultProfile set on connector 0 and apply it to a transaction "
                  "started afterwards on connector 1: its Composite Schedule (GetCompositeSchedule) and the current or "
                  "power it offers (MeterValues Current.Offered / Power.Offered) follow the profile's limits as they "
                  "change over time.",
      needs=NEEDS)
async def test_tx_default_profile(charge_point, iut, configure, profiles, available_connector, id_tags):
    c = available_connector
    await profiles.watch_offered(configure)
    default = profiles.profile(Purpose.TX_DEFAULT, [(0, LOW), (PERIOD_S, MID)])
    await profiles.set(0, default, requirement=REQ_TX_DEFAULT)
    session = await start_charging(charge_point, iut, c, id_tags.valid)
    profiles.started(session)
    await profiles.check_composite(c)
    await profiles.check_offered(c, after=session.start, through=profiles.change_at(default))


@case("TC_057_CS", "Central Smart Charging - TxProfile",
      spec="OCPP 1.6 §3.13.1, §3.13.3, §5.7, §5.16.3",
      requirement="During a transaction the Charge Point SHALL accept a TxProfile naming the transaction and let it "
                  "overrule the TxDefaultProfile for the duration of that transaction only: while it runs, its "
                  "Composite Schedule and the current or power it offers follow the TxProfile (even where it allows "
                  "more than the TxDefaultProfile); once the transaction has ended, the TxDefaultProfile again.",
      needs=NEEDS)
async def test_tx_profile(charge_point, iut, configure, profiles, available_connector, id_tags):
    c = available_connector
    await profiles.watch_offered(configure)
    await profiles.set(c, profiles.profile(Purpose.TX_DEFAULT, [(0, LOW)]))
    session = await start_charging(charge_point, iut, c, id_tags.valid)
    profiles.started(session)
    tx_profile = profiles.profile(Purpose.TX, [(0, HIGH), (PERIOD_S, MID)], transaction_id=session.transaction_id)
    conf = await profiles.set(c, tx_profile, requirement=REQ_TX)
    await profiles.check_composite(c, requirement=REQ_TX)
    await profiles.check_offered(c, after=conf.record, through=profiles.change_at(tx_profile))
    await _stop(charge_point, session)
    profiles.ended(c)
    await profiles.check_composite(c, requirement=REQ_TX + " After the transaction the TxDefaultProfile applies.")


@case("TC_058_1_CS", "Central Smart Charging - No ongoing transaction",
      spec="OCPP 1.6 §3.13.1, §5.16.4",
      requirement="The Charge Point SHALL discard a TxProfile for a connector on which no transaction is active and "
                  "answer SetChargingProfile with an error status (Rejected; OCTT also accepts CALLERROR "
                  "PropertyConstraintViolation); its Composite Schedule stays that of the TxDefaultProfile.",
      needs=NEEDS)
async def test_tx_profile_without_transaction(charge_point, profiles, available_connector):
    c = available_connector
    await profiles.set(c, profiles.profile(Purpose.TX_DEFAULT, [(0, LOW)]))
    unknown = max(charge_point.responders.transactions, default=0) + 1  # no transaction of the charge point has it
    tx_profile = profiles.profile(Purpose.TX, [(0, HIGH)], transaction_id=unknown)
    await profiles.refused(c, tx_profile, why=f"no transaction is active on connector {c}", requirement=REQ_NO_TX)
    await profiles.check_composite(c, requirement=REQ_NO_TX)


@case("TC_058_2_CS", "Central Smart Charging - Wrong transactionId",
      spec="OCPP 1.6 §3.13.1, §5.16",
      requirement="The Charge Point SHALL discard a TxProfile whose transactionId names no transaction active on its "
                  "connector (another transaction runs there) and answer SetChargingProfile with an error status "
                  "(Rejected, or CALLERROR PropertyConstraintViolation); the running transaction keeps the "
                  "TxDefaultProfile's limit.",
      needs=NEEDS)
async def test_tx_profile_wrong_transaction(charge_point, profiles, charging_session):
    session = charging_session
    c = session.connector
    profiles.started(session)
    await profiles.set(c, profiles.profile(Purpose.TX_DEFAULT, [(0, LOW)]))
    wrong = session.transaction_id + 1
    tx_profile = profiles.profile(Purpose.TX, [(0, HIGH)], transaction_id=wrong)
    await profiles.refused(c, tx_profile, requirement=REQ_NO_TX,
                           why=f"transaction {wrong} is not active on connector {c} (transaction "
                               f"{session.transaction_id} is)")
    await profiles.check_composite(c, requirement=REQ_NO_TX)


@case("TC_082_CS", "Central Smart Charging - TxDefaultProfile - with ongoing transaction",
      spec="OCPP 1.6 §3.13.1, §3.13.3, §5.7, §5.16.4",
      requirement="A TxDefaultProfile MAY be sent at any time; the Charge Point SHALL accept one set on the connector "
                  "of a running transaction without a TxProfile, re-evaluate its profiles and apply it to that "
                  "transaction at once: its Composite Schedule and the current or power it offers follow the "
                  "profile's limits as they change.",
      needs=NEEDS)
async def test_tx_default_profile_during_transaction(charge_point, iut, configure, profiles, available_connector,
                                                     id_tags):
    c = available_connector
    await profiles.watch_offered(configure)
    session = await start_charging(charge_point, iut, c, id_tags.valid)
    profiles.started(session)
    default = profiles.profile(Purpose.TX_DEFAULT, [(0, LOW), (PERIOD_S, MID)])
    conf = await profiles.set(c, default, requirement=REQ_TX_DEFAULT)
    await profiles.check_composite(c, requirement=REQ_TX_DEFAULT)
    await profiles.check_offered(c, after=conf.record, through=profiles.change_at(default))


@case("TC_066_CS", "Get Composite Schedule",
      spec="OCPP 1.6 §3.13.1, §3.13.3, §5.7",
      requirement="The Charge Point SHALL answer GetCompositeSchedule with the Composite Schedule from the moment of "
                  "the request over the asked duration, in the asked unit: at each instant the lower of the "
                  "ChargePointMaxProfile and the transaction's TxProfile, which overrules the TxDefaultProfile; "
                  "limits converted to the other unit where it allows both (P = U x I x phases).",
      needs=NEEDS)
async def test_get_composite_schedule(charge_point, profiles, charging_session):
    session = charging_session
    c = session.connector
    if profiles.facts.max_profiles is not None and profiles.facts.max_profiles < 3:
        not_applicable(f"the case installs 3 charging profiles; MaxChargingProfilesInstalled is "
                       f"{profiles.facts.max_profiles}")
    profiles.started(session)
    await profiles.set(0, profiles.profile(Purpose.CHARGE_POINT_MAX, [(0, HIGH), (2 * PERIOD_S, 7)]))
    await profiles.set(c, profiles.profile(Purpose.TX_DEFAULT, [(0, LOW)]))
    await profiles.set(c, profiles.profile(Purpose.TX, [(0, MID), (PERIOD_S, 12)],
                                           transaction_id=session.transaction_id))
    for unit in profiles.facts.units:  # the profiles' unit first, then the other one if the charger takes it
        await profiles.check_composite(c, unit=unit)


@case("TC_067_CS", "Clear Charging Profile",
      spec="OCPP 1.6 §3.13.1, §5.5, §7 ClearChargingProfileStatus",
      requirement="The Charge Point SHALL clear the charging profiles a ClearChargingProfile.req selects — by id, or "
                  "by connector, purpose and stack level — answering Accepted, and Unknown when none matches; what "
                  "it cleared no longer limits its Composite Schedule (a connector's own TxDefaultProfile gone, the "
                  "one of connector 0 applies again).",
      needs=NEEDS)
async def test_clear_charging_profile(charge_point, profiles, available_connector):
    c = available_connector
    await profiles.set(0, profiles.profile(Purpose.CHARGE_POINT_MAX, [(0, HIGH)]))
    await profiles.set(0, profiles.profile(Purpose.TX_DEFAULT, [(0, MID)]))
    own = profiles.profile(Purpose.TX_DEFAULT, [(0, LOW)])
    await profiles.set(c, own)
    await profiles.check_composite(c)  # the connector's own default: 6 A
    await profiles.clear(expect="Accepted", id=own["chargingProfileId"])
    await profiles.check_composite(c)  # connector 0's default: 8 A
    await profiles.clear(expect="Accepted", connectorId=0, chargingProfilePurpose="TxDefaultProfile", stackLevel=0)
    await profiles.check_composite(c)  # the ChargePointMaxProfile alone: 10 A
    await profiles.clear(expect="Accepted", chargingProfilePurpose="ChargePointMaxProfile")
    await profiles.clear(expect="Unknown", id=own["chargingProfileId"])


@case("TC_072_CS", "Stacking Charging Profiles",
      spec="OCPP 1.6 §3.13.2, §5.7, §5.16.4",
      requirement="Of stacked profiles of one purpose, the prevailing one at any point in time SHALL be the one with "
                  "the highest stackLevel in effect then, whatever the order they were set in and whether its limit "
                  "is higher; when its schedule's duration ends, the lower stack level applies again (GetComposite"
                  "Schedule over both).",
      needs=NEEDS)
async def test_stacking_charging_profiles(charge_point, profiles, available_connector):
    c = available_connector
    reason = needs_stack_levels(profiles, 1)
    if reason:
        not_applicable(reason)
    top = profiles.profile(Purpose.TX_DEFAULT, [(0, HIGH), (10, 9)], stack_level=1, duration_s=15)
    base = profiles.profile(Purpose.TX_DEFAULT, [(0, LOW), (10, MID), (20, HIGH)], stack_level=0, duration_s=40)
    await profiles.set(c, top)  # the higher stack level first: precedence comes from stackLevel, not from order
    await profiles.set(c, base)
    await profiles.check_composite(c, duration_s=45)


@case("TC_059_CS", "Remote Start Transaction with Charging Profile",
      spec="OCPP 1.6 §5.11, §5.16.2, §3.13.3, §5.7",
      requirement="The Charge Point SHALL accept RemoteStartTransaction.req with a TxProfile (without transactionId), "
                  "start the transaction and apply the given profile to it: its Composite Schedule and the current or "
                  "power it offers follow the profile's limits as they change.",
      needs=NEEDS)
async def test_remote_start_with_charging_profile(charge_point, iut, configure, profiles, available_connector,
                                                  id_tags):
    c, tag = available_connector, id_tags.valid
    await profiles.watch_offered(configure)
    since = charge_point.mark_now()
    await iut.plug_in(c)
    await charge_point.expect("StatusNotification", after=since, connectorId=c, status="Preparing",
                              requirement="Plugging in a cable makes the connector Preparing (OCPP 1.6 §4.9).")
    tx_profile = profiles.profile(Purpose.TX, [(0, LOW), (PERIOD_S, MID)])
    conf = await charge_point.call("RemoteStartTransaction", {"idTag": tag, "connectorId": c,
                                                              "chargingProfile": tx_profile},
                                   requirement="The Charge Point answers RemoteStartTransaction.req (OCPP 1.6 §5.11).")
    assert conf.status == "Accepted", (
        f"[behaviour] RemoteStartTransaction (#{conf.record.seq}) for {tag} on connector {c} with TxProfile "
        f"{tx_profile['chargingProfileId']} was answered {conf.status!r}; the connector is Preparing and the profile "
        "is a valid TxProfile")
    start = await charge_point.expect("StartTransaction", after=since, connectorId=c, idTag=tag,
                                      requirement="An accepted RemoteStartTransaction.req starts a transaction "
                                                  "(§5.11).")
    await charge_point.expect("StatusNotification", after=since, connectorId=c, status="Charging",
                              requirement="A running transaction with an EV taking energy is Charging (§4.9).")
    session = ChargingSession(c, tag, charge_point.responders.transaction_id_of(start), start)
    profiles.remote_started(session, tx_profile)
    requirement = "The Charge Point SHALL apply the given profile to the newly started transaction (OCPP 1.6 §5.16.2)."
    await profiles.check_composite(c, requirement=requirement)
    await profiles.check_offered(c, after=start, through=profiles.change_at(tx_profile))


@case("TC_060_CS", "Remote Start Transaction with Charging Profile - Rejected",
      spec="OCPP 1.6 §5.11, §5.16.2",
      requirement="The charging profile of a RemoteStartTransaction.req MUST be a TxProfile, which the Charge Point "
                  "SHALL use for the transaction; one with another purpose (TxDefaultProfile) cannot be, so the Charge "
                  "Point SHALL answer Rejected (or CALLERROR PropertyConstraintViolation) and start no transaction.",
      needs=NEEDS)
async def test_remote_start_with_charging_profile_rejected(charge_point, iut, profiles, available_connector, id_tags,
                                                           timeouts):
    c, tag = available_connector, id_tags.valid
    since = charge_point.mark_now()
    await iut.plug_in(c)
    await charge_point.expect("StatusNotification", after=since, connectorId=c, status="Preparing",
                              requirement="Plugging in a cable makes the connector Preparing (OCPP 1.6 §4.9).")
    default = profiles.profile(Purpose.TX_DEFAULT, [(0, LOW)])
    conf = await charge_point.call("RemoteStartTransaction", {"idTag": tag, "connectorId": c,
                                                              "chargingProfile": default},
                                   requirement="The Charge Point answers RemoteStartTransaction.req (OCPP 1.6 §5.11).",
                                   error_ok=True)
    answer = f"CALLERROR {conf.error_code}" if conf.error_code else f"status {conf.payload.get('status')!r}"
    assert conf.error_code == "PropertyConstraintViolation" or (
        not conf.error_code and conf.payload.get("status") == "Rejected"), (
        f"[behaviour] RemoteStartTransaction (#{conf.record.seq}) with a TxDefaultProfile as its charging profile was "
        f"answered {answer}; expected Rejected (or CALLERROR PropertyConstraintViolation): the profile MUST be a "
        "TxProfile (OCPP 1.6 §5.11, §5.16.2)")
    await charge_point.expect_no("StartTransaction", during=timeouts.settle, after=since, connectorId=c,
                                 requirement="A rejected RemoteStartTransaction.req starts no transaction (§5.11).")
