"""OCTT 2.7 — Core Profile: unlocking, happy flow (the suite plays the Central System).

A detachable cable is held by a connector lock that UnlockConnector.req opens; a fixed cable has no such lock, so the
Charge Point answers NotSupported. Either way a transaction on the connector is finished first (OCPP 1.6 §5.18)."""

from conformance import case
from conformance.ocpp16.steps import check_stop_reason

SECTION = "Core Profile - Unlocking Happy flow"


async def _unlock(charge_point, connector, expected):
    conf = await charge_point.call("UnlockConnector", {"connectorId": connector},
                                   requirement="The Charge Point answers UnlockConnector.req with whether it could "
                                               "unlock the connector (OCPP 1.6 §5.18).")
    assert conf.status == expected, (
        f"[behaviour] UnlockConnector for connector {connector} was answered {conf.status!r}, expected {expected!r}")


async def _unlock_during_transaction(charge_point, iut, session, expected):
    since = charge_point.mark_now()
    await _unlock(charge_point, session.connector, expected)
    stop = await charge_point.expect("StopTransaction", after=since, transactionId=session.transaction_id,
                                     requirement="With a transaction on the connector the Charge Point SHALL finish "
                                                 "the transaction first (OCPP 1.6 §5.18, §4.10).")
    check_stop_reason(stop, "UnlockCommand")
    finishing = await charge_point.expect(
        "StatusNotification", after=since, connectorId=session.connector, status="Finishing",
        requirement="A transaction stopped while the EV is still connected leaves the connector Finishing (§4.9).")
    await iut.unplug(session.connector)
    await charge_point.expect("StatusNotification", after=finishing, connectorId=session.connector, status="Available",
                              requirement="With the cable removed the connector is Available again (OCPP 1.6 §4.9).")


@case("TC_017_1_CS", "Unlock connector - no charging session running (Not fixed cable)",
      spec="OCPP 1.6 §5.18",
      requirement="A Charge Point with a connector lock SHALL answer UnlockConnector.req for an idle connector with "
                  "Unlocked once it has unlocked it.",
      needs=("not_fixed_cable",))
async def test_unlock_idle(charge_point, available_connector):
    await _unlock(charge_point, available_connector, "Unlocked")


@case("TC_017_2_CS", "Unlock connector - no charging session running (Fixed cable)",
      spec="OCPP 1.6 §5.18, UnlockStatus",
      requirement="A Charge Point with a fixed cable has no connector lock and SHALL answer UnlockConnector.req with "
                  "NotSupported.",
      needs=("fixed_cable",))
async def test_unlock_idle_fixed_cable(charge_point, available_connector):
    await _unlock(charge_point, available_connector, "NotSupported")


@case("TC_018_1_CS", "Unlock Connector - With Charging Session (Not fixed cable)",
      spec="OCPP 1.6 §5.18, §4.10, §4.9",
      requirement="UnlockConnector.req on a connector with a running transaction SHALL make the Charge Point finish "
                  "the transaction first (StopTransaction.req, reason UnlockCommand) and unlock it (Unlocked); the "
                  "connector is Finishing until the cable is removed, then Available.",
      needs=("not_fixed_cable",))
async def test_unlock_during_transaction(charge_point, iut, charging_session):
    await _unlock_during_transaction(charge_point, iut, charging_session, "Unlocked")


@case("TC_018_2_CS", "Unlock Connector - With Charging Session (Fixed cable)",
      spec="OCPP 1.6 §5.18, §4.10, §4.9, UnlockStatus",
      requirement="UnlockConnector.req on a connector with a fixed cable and a running transaction SHALL make the "
                  "Charge Point finish the transaction first (StopTransaction.req, reason UnlockCommand) and answer "
                  "NotSupported (no connector lock); the connector is Finishing until the EV is unplugged.",
      needs=("fixed_cable",))
async def test_unlock_during_transaction_fixed_cable(charge_point, iut, charging_session):
    await _unlock_during_transaction(charge_point, iut, charging_session, "NotSupported")
