"""OCTT 2.2 — Start Charging Session (the suite plays the Central System)."""

from conformance import case
from conformance.ocpp16.steps import expect_connection_timeout

SECTION = "Start Charging Session"
CONNECTION_TIMEOUT_S = 3  # short, so the case costs seconds; judged to ±0.75 s at most (a quarter of it)


async def _authorized_then_started(charge_point, connector, id_tag, since):
    """Authorize.req for `id_tag` before its StartTransaction.req, and the connector Charging (either order with the
    StartTransaction, as OCPP 1.6 allows)."""
    start = await charge_point.expect(
        "StartTransaction", after=since, connectorId=connector, idTag=id_tag,
        requirement="An authorized idTag on a connector with a cable starts a transaction (OCPP 1.6 §4.8).")
    authorized = [f for f in charge_point.frames("Authorize", after=since)
                  if f.seq < start.seq and (f.payload or {}).get("idTag") == id_tag]
    assert authorized, (
        f"[behaviour] the charge point started a transaction (#{start.seq}) for {id_tag} without Authorize.req; with "
        "LocalPreAuthorize false it SHALL ask the Central System before starting (OCPP 1.6 §4.1, §9.1)")
    await charge_point.expect(
        "StatusNotification", after=since, connectorId=connector, status="Charging",
        requirement="A running transaction with an EV taking energy is Charging (OCPP 1.6 §4.9).")
    return start


@case("TC_003_CS", "Regular Charging Session - Plugin First",
      spec="OCPP 1.6 §4.1, §4.8, §4.9",
      requirement="A cable plugged in makes the connector Preparing; an idTag presented next SHALL be authorized with "
                  "the Central System (LocalPreAuthorize false) before the Charge Point starts the transaction with "
                  "StartTransaction.req and reports Charging.")
async def test_plugin_first(charge_point, iut, configure, available_connector, id_tags):
    await configure(LocalPreAuthorize=False)
    connector, tag = available_connector, id_tags.valid
    since = charge_point.mark_now()
    await iut.plug_in(connector)
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Preparing",
                              requirement="Plugging in a cable makes the connector Preparing (OCPP 1.6 §4.9).")
    await iut.present_id_tag(tag, connector)
    await _authorized_then_started(charge_point, connector, tag, since)


@case("TC_004_1_CS", "Regular Charging Session – Identification First",
      spec="OCPP 1.6 §4.1, §4.8, §4.9",
      requirement="An idTag presented before any cable SHALL be authorized with the Central System (LocalPreAuthorize "
                  "false); when the cable is then plugged in within ConnectionTimeOut the Charge Point starts the "
                  "transaction with StartTransaction.req and reports Charging.")
async def test_identification_first(charge_point, iut, configure, available_connector, id_tags):
    await configure(LocalPreAuthorize=False)
    connector, tag = available_connector, id_tags.valid
    since = charge_point.mark_now()
    await iut.present_id_tag(tag, connector)
    await charge_point.expect("Authorize", after=since, idTag=tag,
                              requirement="A presented idTag is authorized with the Central System (OCPP 1.6 §4.1).")
    await charge_point.drain()  # the driver plugs in once the authorization is answered
    await iut.plug_in(connector)
    await _authorized_then_started(charge_point, connector, tag, since)


@case("TC_004_2_CS", "Regular Charging Session – Identification First - ConnectionTimeOut",
      spec="OCPP 1.6 §4.1, §4.9, §9.1 (ConnectionTimeOut)",
      requirement="When no cable is plugged in within ConnectionTimeOut after an authorized idTag made the connector "
                  "Preparing, the Charge Point SHALL cancel the incipient transaction and return to Available without "
                  "sending StartTransaction.req — when ConnectionTimeOut has run out, neither earlier nor later "
                  "(judged from Preparing to Available to ± the descriptor's tolerance, at most a quarter of "
                  "ConnectionTimeOut).")
async def test_identification_first_connection_timeout(charge_point, iut, configure, available_connector, id_tags,
                                                       timeouts):
    await configure(ConnectionTimeOut=CONNECTION_TIMEOUT_S, LocalPreAuthorize=False)
    connector, tag = available_connector, id_tags.valid
    since = charge_point.mark_now()
    await iut.present_id_tag(tag, connector)
    await charge_point.expect("Authorize", after=since, idTag=tag,
                              requirement="A presented idTag is authorized with the Central System (OCPP 1.6 §4.1).")
    await expect_connection_timeout(charge_point, connector, after=since, timeout_s=CONNECTION_TIMEOUT_S,
                                    timeouts=timeouts)
