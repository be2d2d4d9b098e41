"""OCTT 2.6 — Core Profile: resetting, happy flow (the suite plays the Central System)."""

from conformance import case, measure
from conformance.ocpp16.steps import check_stop_reason

SECTION = "Core Profile - Resetting Happy Flow"


async def _reset(charge_point, kind, timeouts):
    """Reset.req of `kind`, Accepted, then a reboot: BootNotification.req on a new connection and the status of every
    connector. Returns (mark before the Reset, the Reset result, the BootNotification)."""
    since = charge_point.mark_now()
    conf = await charge_point.call("Reset", {"type": kind},
                                   requirement="The Charge Point answers Reset.req (OCPP 1.6 §5.14).")
    assert conf.status == "Accepted", f"[behaviour] Reset ({kind}) was answered {conf.status!r}"
    boot = await charge_point.expect("BootNotification", within=timeouts.connect, after=since,
                                     requirement=f"After an accepted {kind} Reset the Charge Point SHALL restart and "
                                                 "send BootNotification.req (OCPP 1.6 §5.14, §4.2).")
    measure("reset_to_boot_s", round(boot.t_mono - conf.record.t_mono, 3))
    return since, conf, boot


async def _connectors_reported(charge_point, descriptor, boot, available=None):
    for connector in range(1, descriptor.connectors + 1):
        status = {"status": "Available"} if connector == available else {}
        await charge_point.expect("StatusNotification", after=boot, connectorId=connector, **status,
                                  requirement="After booting the Charge Point reports the status of its connectors "
                                              "(OCPP 1.6 §4.9).")


@case("TC_013_CS", "Hard Reset Without transaction",
      spec="OCPP 1.6 §5.14, §4.2, §4.9",
      requirement="The Charge Point SHALL accept a hard Reset.req, restart, send BootNotification.req and report its "
                  "connectors again (the idle one Available).")
async def test_hard_reset_idle(charge_point, descriptor, timeouts, available_connector):
    _, _, boot = await _reset(charge_point, "Hard", timeouts)
    await _connectors_reported(charge_point, descriptor, boot, available_connector)


@case("TC_014_CS", "Soft Reset Without Transaction",
      spec="OCPP 1.6 §5.14, §4.2, §4.9",
      requirement="The Charge Point SHALL accept a soft Reset.req, restart, send BootNotification.req and report its "
                  "connectors again (the idle one Available).")
async def test_soft_reset_idle(charge_point, descriptor, timeouts, available_connector):
    _, _, boot = await _reset(charge_point, "Soft", timeouts)
    await _connectors_reported(charge_point, descriptor, boot, available_connector)


@case("TC_015_CS", "Hard Reset With Transaction",
      spec="OCPP 1.6 §5.14, §4.10, §4.2",
      requirement="On a hard Reset.req the Charge Point SHALL restart; the interrupted transaction is reported with "
                  "StopTransaction.req, reason HardReset, before or after the BootNotification.req.")
async def test_hard_reset_with_transaction(charge_point, charging_session, timeouts):
    since, _, boot = await _reset(charge_point, "Hard", timeouts)
    stop = await charge_point.expect("StopTransaction", after=since, transactionId=charging_session.transaction_id,
                                     requirement="A transaction interrupted by a hard reset is reported stopped "
                                                 "(OCPP 1.6 §5.14, §4.10).")
    check_stop_reason(stop, "HardReset")
    measure("stop_sent_after_boot", stop.seq > boot.seq)


@case("TC_016_CS", "Soft Reset With Transaction",
      spec="OCPP 1.6 §5.14, §4.10, §4.2",
      requirement="On a soft Reset.req the Charge Point SHALL gracefully stop the running transaction with "
                  "StopTransaction.req, reason SoftReset, before it restarts and sends BootNotification.req.")
async def test_soft_reset_with_transaction(charge_point, charging_session, timeouts):
    since, _, boot = await _reset(charge_point, "Soft", timeouts)
    stop = await charge_point.expect("StopTransaction", after=since, transactionId=charging_session.transaction_id,
                                     requirement="A soft reset stops every running transaction (OCPP 1.6 §5.14).")
    check_stop_reason(stop, "SoftReset")
    assert stop.seq < boot.seq, (
        f"[behaviour] the charge point sent StopTransaction (#{stop.seq}) only after its BootNotification (#{boot.seq}); "
        "a soft reset SHALL stop transactions gracefully before restarting")
