"""OCTT 2.0.1 E — Start transaction options (Part 2 E01-E03, E.FR TxStartPoint) and local start (E01-E02, C01) on a
charging station under test (the suite plays the CSMS). TxCtrlr.TxStartPoint is set for the case (and put back
after it); the driver plugs the cable, presents the IdToken, lets the EV take energy or not, parks a vehicle."""

from conformance import case
from conformance.ocpp201 import transaction_steps as tx

SECTION = "Transactions"
REQ_START = ("The Charging Station SHALL start a transaction (TransactionEventRequest eventType Started) when the "
             "condition TxStartPoint names is met, and not before (E01-E03).")


async def nothing_yet(charging_station, after, timeouts, why: str) -> None:
    await charging_station.expect_no("TransactionEvent", during=timeouts.settle, after=after, eventType="Started",
                                     requirement=why)


@case("TC_E_01_CS", "Start transaction options - PowerPathClosed",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint PowerPathClosed)",
      requirement=REQ_START + " With PowerPathClosed the transaction starts once the cable is in and the driver is "
                              "authorized: Started with triggerReason Authorized, the IdToken, chargingState "
                              "Charging.")
async def test_start_power_path_closed(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await tx.points(set_variables, start="PowerPathClosed")
    since = charging_station.mark_now()
    await iut.plug_in(available_evse)
    await nothing_yet(charging_station, since, timeouts, "PowerPathClosed: a cable alone starts no transaction")
    await iut.present_id_tag(id_tags.valid, available_evse)
    started = await tx.event(charging_station, since, "Started", requirement=REQ_START)
    tx.trigger(started, "Authorized", "the power path closed when the driver was authorized")
    tx.id_token(started, id_tags.valid, "the Started event of an authorized transaction carries its IdToken")
    tx.charging_state(started, "Charging", "the power path is closed and the EV takes energy")


@case("TC_E_02_CS", "Start transaction options - EnergyTransfer",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint EnergyTransfer)",
      requirement=REQ_START + " With EnergyTransfer the transaction starts when energy flows: not while the EV, "
                              "connected and authorized, takes none; Started with chargingState Charging once it "
                              "does.")
async def test_start_energy_transfer(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await tx.points(set_variables, start="EnergyTransfer")
    since = charging_station.mark_now()
    await iut.suspend_ev(available_evse)
    await iut.plug_in(available_evse)
    await iut.present_id_tag(id_tags.valid, available_evse)
    await nothing_yet(charging_station, since, timeouts, "EnergyTransfer: no transaction before energy flows")
    await iut.resume_ev(available_evse)
    started = await tx.event(charging_station, since, "Started", requirement=REQ_START)
    tx.trigger(started, ("ChargingStateChanged", "EnergyTransfer"), "energy started to flow")
    tx.charging_state(started, "Charging", "energy flows")


@case("TC_E_09_CS", "Start transaction options - EVConnected",
      spec="OCPP 2.0.1 Part 2 E02 (TxStartPoint EVConnected)",
      requirement=REQ_START + " With EVConnected the transaction starts when the cable is plugged in (triggerReason "
                              "CablePluggedIn, chargingState EVConnected); the driver's authorization follows as "
                              "Updated with triggerReason Authorized and the IdToken.")
async def test_start_ev_connected(charging_station, available_evse, set_variables, iut, id_tags):
    await tx.points(set_variables, start="EVConnected")
    since = charging_station.mark_now()
    await iut.plug_in(available_evse)
    started = await tx.event(charging_station, since, "Started", requirement=REQ_START)
    tx.trigger(started, "CablePluggedIn", "the cable was plugged in")
    tx.charging_state(started, "EVConnected", "no driver is authorized yet")
    await iut.present_id_tag(id_tags.valid, available_evse)
    updated = await tx.event(charging_station, since, "Updated", tx_id=tx.tx_id_of(started), triggerReason="Authorized",
                             requirement="An authorization during a transaction is reported with triggerReason "
                                         "Authorized and the IdToken (E02).")
    tx.id_token(updated, id_tags.valid, "the authorization names its IdToken")


@case("TC_E_10_CS", "Start transaction options - Authorized - Local",
      spec="OCPP 2.0.1 Part 2 E03 (TxStartPoint Authorized)",
      requirement=REQ_START + " With Authorized the transaction starts when the driver is authorized, before the "
                              "cable is in (triggerReason Authorized, the IdToken); plugging in follows as Updated "
                              "with triggerReason CablePluggedIn.")
async def test_start_authorized_local(charging_station, available_evse, set_variables, iut, id_tags):
    await tx.points(set_variables, start="Authorized")
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    started = await tx.event(charging_station, since, "Started", requirement=REQ_START)
    tx.trigger(started, "Authorized", "the driver was authorized")
    tx.id_token(started, id_tags.valid, "the Started event of an authorized transaction carries its IdToken")
    await iut.plug_in(available_evse)
    await tx.event(charging_station, since, "Updated", tx_id=tx.tx_id_of(started), triggerReason="CablePluggedIn",
                   requirement="Plugging in during a transaction is reported with triggerReason CablePluggedIn (E03).")


@case("TC_E_12_CS", "Start transaction options - ParkingBayOccupied",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint ParkingBayOccupancy)",
      requirement=REQ_START + " With ParkingBayOccupancy the transaction starts when the bay detector sees the "
                              "vehicle (triggerReason EVDetected).")
async def test_start_parking_bay(charging_station, available_evse, set_variables, iut):
    await tx.points(set_variables, start="ParkingBayOccupancy")
    since = charging_station.mark_now()
    await iut.park(available_evse)
    started = await tx.event(charging_station, since, "Started", requirement=REQ_START)
    tx.trigger(started, "EVDetected", "the parking bay detector saw a vehicle")


@case("TC_E_13_CS", "Start transaction options - Authorized - Remote",
      spec="OCPP 2.0.1 Part 2 E03, F01",
      requirement=REQ_START + " With Authorized a RequestStartTransaction the station accepts starts the transaction: "
                              "Started with triggerReason RemoteStart, the IdToken and the request's remoteStartId.")
async def test_start_authorized_remote(charging_station, available_evse, set_variables, id_tags, descriptor):
    await tx.points(set_variables, start="Authorized")
    since = charging_station.mark_now()
    token = {"idToken": id_tags.valid, "type": descriptor.id_token_type(id_tags.valid)}
    reply = await charging_station.call("RequestStartTransaction", {"idToken": token, "remoteStartId": 4711,
                                                                    "evseId": available_evse},
                                        requirement="The Charging Station SHALL answer RequestStartTransaction (F01).")
    assert reply.payload.get("status") == "Accepted", (
        f"RequestStartTransaction on an Available EVSE was answered {reply.payload.get('status')!r}, expected Accepted")
    started = await tx.event(charging_station, since, "Started", requirement=REQ_START)
    tx.trigger(started, "RemoteStart", "the CSMS started it")
    tx.id_token(started, id_tags.valid, "the IdToken of the RequestStartTransaction")
    tx.expect_field(started, "transactionInfo.remoteStartId", tx.info(started).get("remoteStartId"), 4711,
                    "a transaction started by RequestStartTransaction carries its remoteStartId (F01)")


@case("TC_E_03_CS", "Local start transaction - Cable plugin first - Success",
      spec="OCPP 2.0.1 Part 2 E02, C01",
      requirement="With the cable plugged in first, the IdToken the driver presents SHALL be authorized (Authorize, "
                  "C01) before the transaction it starts is reported with that IdToken; the transaction is Charging.")
async def test_cable_first(charging_station, available_evse, iut, id_tags):
    since = charging_station.mark_now()
    await iut.plug_in(available_evse)
    await iut.present_id_tag(id_tags.valid, available_evse)
    await authorized_then_charging(charging_station, since, id_tags.valid)


@case("TC_E_04_CS", "Local start transaction - Authorization first - Success",
      spec="OCPP 2.0.1 Part 2 E03, C01",
      requirement="With the IdToken presented first, it SHALL be authorized (Authorize, C01); once the cable is "
                  "plugged in within EVConnectionTimeOut the transaction is reported with that IdToken and Charging.")
async def test_authorization_first(charging_station, available_evse, iut, id_tags):
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    await iut.plug_in(available_evse)
    await authorized_then_charging(charging_station, since, id_tags.valid)


async def authorized_then_charging(charging_station, since, token: str) -> None:
    auth = await charging_station.expect(
        "Authorize", after=since, idToken={"idToken": token},
        requirement="The Charging Station SHALL authorize the IdToken a driver presents (AuthorizeRequest, C01).")
    with_token = await charging_station.expect(
        "TransactionEvent", after=since, idToken={"idToken": token},
        requirement="The transaction the driver started is reported with the IdToken (E02, E03).")
    assert auth.seq < with_token.seq, (f"the TransactionEvent #{with_token.seq} carries IdToken {token} before its "
                                       f"Authorize #{auth.seq}: an IdToken is authorized first (C01)")
    charging = [with_token] if tx.info(with_token).get("chargingState") == "Charging" else []
    if not charging:
        charging.append(await charging_station.expect(
            "TransactionEvent", after=since, transactionInfo=lambda i: isinstance(i, dict) and i.get(
                "chargingState") == "Charging" and i.get("transactionId") == tx.tx_id_of(with_token),
            requirement="Cable in and driver authorized: the transaction is Charging (E02, E03)."))


@case("TC_E_05_CS", "Local start transaction - Authorization first - Cable plugin timeout",
      spec="OCPP 2.0.1 Part 2 E03 (TxCtrlr.EVConnectionTimeOut)",
      requirement="An authorization with no cable plugged in within EVConnectionTimeOut SHALL lapse: a cable plugged "
                  "in afterwards starts no transaction with that IdToken (E03).")
async def test_cable_timeout(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await set_variables(("TxCtrlr", "TxStartPoint", "PowerPathClosed"), ("TxCtrlr", "EVConnectionTimeOut", 1))
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    await charging_station.expect("Authorize", after=since, idToken={"idToken": id_tags.valid},
                                  requirement="The Charging Station SHALL authorize the IdToken (C01).")
    await charging_station.expect_no("TransactionEvent", during=1.5, after=since,
                                     requirement="No cable: no transaction with TxStartPoint PowerPathClosed.")
    await iut.plug_in(available_evse)
    await charging_station.expect_no(
        "TransactionEvent", during=timeouts.settle + 0.5, after=since, idToken={"idToken": id_tags.valid},
        requirement="After EVConnectionTimeOut (1 s) the authorization lapsed: plugging in starts no transaction "
                    "with that IdToken (E03).")


@case("TC_E_38_CS", "Local start transaction - EV not ready",
      spec="OCPP 2.0.1 Part 2 E02 (chargingState)",
      requirement="A transaction whose EV takes no energy SHALL be reported with chargingState SuspendedEV, and the "
                  "EV starting to take energy with an Updated event, triggerReason ChargingStateChanged, chargingState "
                  "Charging.")
async def test_ev_not_ready(charging_station, available_evse, set_variables, iut, id_tags):
    await tx.points(set_variables, start="PowerPathClosed")
    since = charging_station.mark_now()
    await iut.suspend_ev(available_evse)
    await iut.plug_in(available_evse)
    await iut.present_id_tag(id_tags.valid, available_evse)
    started = await tx.event(charging_station, since, "Started", requirement=REQ_START)
    tx.charging_state(started, "SuspendedEV", "the EV is not ready to take energy")
    await iut.resume_ev(available_evse)
    updated = await tx.event(charging_station, since, "Updated", tx_id=tx.tx_id_of(started),
                             requirement="A change of the charging state is reported (E02).")
    tx.trigger(updated, "ChargingStateChanged", "the EV started to take energy")
    tx.charging_state(updated, "Charging", "the EV takes energy")


@case("TC_E_11_CS", "Start transaction options - DataSigned",
      spec="OCPP 2.0.1 Part 2 E01 (TxStartPoint DataSigned), J02",
      requirement=REQ_START + " With DataSigned the transaction starts once the meter's signed start value is "
                              "available: the Started event carries the Transaction.Begin reading with its "
                              "signedMeterValue.",
      needs=("optional_feature:signed_meter_values",))
async def test_start_data_signed(charging_station, available_evse, set_variables, iut, id_tags):
    await tx.points(set_variables, start="DataSigned")
    since = charging_station.mark_now()
    await iut.plug_in(available_evse)
    await iut.present_id_tag(id_tags.valid, available_evse)
    started = await tx.event(charging_station, since, "Started", requirement=REQ_START)
    begin = [v for v in tx.sampled(started, "Transaction.Begin")]
    assert begin, f"the Started event #{started.seq} holds no Transaction.Begin reading: DataSigned starts the " \
                  "transaction with the meter's signed start value (E01)"
    tx.signed(begin, started, "TxStartPoint DataSigned: the start value is signed")


@case("TC_E_52_CS", "Local start transaction - Authorization first - DisableRemoteAuthorization",
      spec="OCPP 2.0.1 Part 2 C01, C10 (AuthCtrlr.DisableRemoteAuthorization), E03",
      requirement="With DisableRemoteAuthorization true the Charging Station SHALL NOT send AuthorizeRequest: an "
                  "IdToken its authorization cache accepts starts the transaction, reported with that IdToken.")
async def test_remote_authorization_disabled(charging_station, available_evse, set_variables, iut, id_tags,
                                             descriptor, timeouts):
    other = 2 if len(descriptor.evses) > 1 else available_evse
    await set_variables(("TxCtrlr", "EVConnectionTimeOut", 1), ("TxCtrlr", "TxStartPoint", "PowerPathClosed"))
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, other)  # online: authorized and kept in the cache (C10)
    await charging_station.expect("Authorize", after=since, idToken={"idToken": id_tags.valid},
                                  requirement="The Charging Station SHALL authorize the IdToken (C01).")
    if other == available_evse:  # the authorization lapses (EVConnectionTimeOut 1 s) before the case goes on
        await charging_station.expect_no("TransactionEvent", during=1.5, after=since,
                                         requirement="No cable: no transaction with TxStartPoint PowerPathClosed.")
    await set_variables(("AuthCtrlr", "DisableRemoteAuthorization", True))
    since = charging_station.mark_now()
    await iut.present_id_tag(id_tags.valid, available_evse)
    await iut.plug_in(available_evse)
    await charging_station.expect("TransactionEvent", after=since, idToken={"idToken": id_tags.valid},
                                  requirement="The IdToken the cache accepts starts the transaction (C10, E03).")
    await charging_station.expect_no("Authorize", during=timeouts.settle, after=since,
                                     requirement="With DisableRemoteAuthorization true the Charging Station SHALL "
                                                 "NOT send AuthorizeRequest (C01).")
