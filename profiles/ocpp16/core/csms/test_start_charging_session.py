"""OCTT 3.2 — Start Charging Session (the suite plays the charge point)."""

from conformance import case, measure

SECTION = "Start Charging Session"
CONNECTION_TIMEOUT_S = 2  # the suite charger's own ConnectionTimeOut, short so the case costs seconds


@case("TC_003_CSMS", "Regular Charging Session - Plugin First",
      spec="OCPP 1.6 §4.1, §4.7, §4.8, §4.9",
      requirement="When the cable is plugged in first and a valid id tag is presented, the Central System SHALL answer "
                  "Authorize and StartTransaction with idTagInfo Accepted and a transactionId of its own, and answer "
                  "the session's StatusNotifications and MeterValues.")
async def test_plugin_first(csms, booted, station, id_tags, available_connector):
    c = available_connector
    await station.plug_in(c)  # StatusNotification Preparing
    info = await station.present_id_tag(id_tags.valid, c)  # Authorize, StartTransaction, StatusNotification Charging
    assert info["status"] == "Accepted", f"[behaviour] Authorize of the valid id tag answered {info['status']!r}"
    tx = station.transaction(c)
    assert tx is not None and tx.id_tag_info["status"] == "Accepted", (
        f"[behaviour] StartTransaction of the valid id tag answered {tx and tx.id_tag_info}")
    measure("transaction_id", tx.transaction_id)
    await station.meter_values(c)  # a periodic reading of the running transaction


@case("TC_004_1_CSMS", "Regular Charging Session – Identification First",
      spec="OCPP 1.6 §4.1, §4.8, §4.9",
      requirement="When a valid id tag is presented before the cable is plugged in, the Central System SHALL accept it "
                  "in Authorize and in the StartTransaction that follows the plug-in, with a transactionId of its own.")
async def test_identification_first(csms, booted, station, id_tags, available_connector):
    c = available_connector
    info = await station.present_id_tag(id_tags.valid, c)  # Authorize, then Preparing while the cable is awaited
    assert info["status"] == "Accepted", f"[behaviour] Authorize of the valid id tag answered {info['status']!r}"
    await station.plug_in(c)  # StartTransaction, StatusNotification Charging
    tx = station.transaction(c)
    assert tx is not None and tx.id_tag_info["status"] == "Accepted", (
        f"[behaviour] StartTransaction of the valid id tag answered {tx and tx.id_tag_info}")
    measure("transaction_id", tx.transaction_id)


@case("TC_004_2_CSMS", "Regular Charging Session – Identification First - ConnectionTimeOut",
      spec="OCPP 1.6 §4.1, §4.9, §9.1 ConnectionTimeOut",
      requirement="When a valid id tag is presented and no cable follows within the charge point's ConnectionTimeOut, "
                  "the Central System SHALL accept the connector going from Preparing back to Available.")
async def test_identification_first_connection_timeout(csms, booted, station, id_tags, available_connector):
    c = available_connector
    station.configure(ConnectionTimeOut=CONNECTION_TIMEOUT_S)
    info = await station.present_id_tag(id_tags.valid, c)  # Authorize, then Preparing
    assert info["status"] == "Accepted", f"[behaviour] Authorize of the valid id tag answered {info['status']!r}"
    expired = await station.connection_timeout(c)  # no cable: the authorization lapses, StatusNotification Available
    assert expired and station.transaction(c) is None, "the suite's charge point did not time out as configured"
    measure("connection_timeout_s", CONNECTION_TIMEOUT_S)


@case("TC_005_1_CSMS", "EV Side Disconnected - StopTransactionOnEVSideDisconnect = true - "
                       "UnlockConnectorOnEVSideDisconnect = true",
      spec="OCPP 1.6 §4.9, §4.10, §9.1 StopTransactionOnEVSideDisconnect",
      requirement="When the cable is disconnected at the EV and the charge point stops the transaction for it, the "
                  "Central System SHALL accept the StopTransaction with reason EVDisconnected and the connector "
                  "going SuspendedEV, Finishing and then Available.")
async def test_ev_side_disconnected(csms, booted, station, id_tags, available_connector):
    c = available_connector
    station.configure(StopTransactionOnEVSideDisconnect=True, UnlockConnectorOnEVSideDisconnect=True)
    tx = await station.charging(c, id_tags.valid)
    await station.ev_side_disconnect(c)  # SuspendedEV, StopTransaction(EVDisconnected), Finishing
    assert station.transaction(c) is None and not station.connector(c).locked
    await station.unplug(c)  # the cable leaves the charger: Available
    measure("transaction_id", tx.transaction_id)
