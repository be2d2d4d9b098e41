"""OCTT 3.8 — Core Profile: basic actions, non-happy flow (the suite plays the charge point)."""

from conformance import case

SECTION = "Core Profile - Basic Actions Non-happy flow"


async def _refused(station, id_tag, connector, expected):
    info = await station.present_id_tag(id_tag, connector)  # Authorize; judged against the token database
    assert info["status"] == expected, (
        f"[behaviour] Authorize of id tag {id_tag} answered {info['status']!r}, expected {expected!r}")
    assert station.transaction(connector) is None and station.connector(connector).status == "Available"


@case("TC_023_1_CSMS", "Start Charging Session – Authorize invalid",
      spec="OCPP 1.6 §4.1",
      requirement="The Central System SHALL answer Authorize of an id tag it does not know with idTagInfo status "
                  "Invalid.",
      needs=("id_tags.invalid",))
async def test_authorize_invalid(csms, booted, station, id_tags, available_connector):
    await _refused(station, id_tags.invalid, available_connector, "Invalid")


@case("TC_023_2_CSMS", "Start Charging Session – Authorize expired",
      spec="OCPP 1.6 §4.1",
      requirement="The Central System SHALL answer Authorize of an expired id tag with idTagInfo status Expired.",
      needs=("id_tags.expired",))
async def test_authorize_expired(csms, booted, station, id_tags, available_connector):
    await _refused(station, id_tags.expired, available_connector, "Expired")


@case("TC_023_3_CSMS", "Start Charging Session – Authorize blocked",
      spec="OCPP 1.6 §4.1",
      requirement="The Central System SHALL answer Authorize of a blocked id tag with idTagInfo status Blocked.",
      needs=("id_tags.blocked",))
async def test_authorize_blocked(csms, booted, station, id_tags, available_connector):
    await _refused(station, id_tags.blocked, available_connector, "Blocked")


@case("TC_024_CSMS", "Start Charging Session Lock Failure",
      spec="OCPP 1.6 §4.9, §7 ChargePointErrorCode",
      requirement="The Central System SHALL accept a StatusNotification reporting status Faulted with errorCode "
                  "ConnectorLockFailure when the cable cannot be locked after an accepted authorization.")
async def test_lock_failure(csms, booted, station, id_tags, available_connector):
    c = available_connector
    station.make_lock_fail(c)
    info = await station.present_id_tag(id_tags.valid, c)  # Authorize, Preparing
    assert info["status"] == "Accepted", f"[behaviour] Authorize of the valid id tag answered {info['status']!r}"
    await station.plug_in(c)  # the lock does not engage: Faulted / ConnectorLockFailure, no transaction
    conn = station.connector(c)
    assert station.transaction(c) is None and (conn.status, conn.error_code) == ("Faulted", "ConnectorLockFailure")
    await station.unplug(c)  # the cable comes out: Available, NoError
