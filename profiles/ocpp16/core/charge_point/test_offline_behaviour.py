"""OCTT 2.14 — Core Profile - Offline behavior Non-Happy Flow (the suite plays the Central System).

The network is cut and restored through the IUT driver. While offline the suite sees nothing, so the charge point
gets `timeouts.settle` to act on each stimulus; the checks then read the messages it queued (OCPP 1.6 §3.7): all of
them delivered after reconnecting, in order, stamped with the time they happened, and referring to the
transactionId the suite gave when it answered the queued StartTransaction.

The suite cannot move a charger's clock, so the outages are real and short: seconds, each `hold` being the
scenario's own duration (the charger acting unwatched), not a wait for something. What makes a short outage
conclusive is an exact check: `ChargerClock` learns the charger's offset from the suite's clock and the resolution
of its timestamps from a frame it stamped while online, a queued message must be stamped within that slack of the
moment the suite caused the event (`check_stamped_during`), and the charger stays offline (`offline_dwell`) long
enough that a message stamped when it is delivered falls outside that window. Minutes offline would show nothing
more and cost minutes per case.
"""

import math

from conformance import case, measure
from conformance.ocpp16.preconditions import configured
from conformance.ocpp16.queued_messages import (
    ChargerClock,
    check_stamped_during,
    check_transaction_messages,
    hold,
    now,
    periodic_samples,
)
from conformance.ocpp16.steps import check_stop_reason

SECTION = "Core Profile - Offline behavior Non-Happy Flow"
SAMPLE_INTERVAL_S = 1  # MeterValueSampleInterval while offline: short, so samples pile up in seconds
OFFLINE_SAMPLES = 3  # OCTT: at least three samples taken while offline


def _reconnect_within(timeouts):
    return timeouts.connect + timeouts.response


async def _allow_offline_start(configure):
    """OCTT "Configuration State" of the offline start cases: local authorization while offline, by the cache or
    for unknown ids (each "if implemented")."""
    await configure(LocalAuthorizeOffline=True)
    await configure.optional(AuthorizationCacheEnabled=True, AllowOfflineTxForUnknownId=True)


async def _plugged_in(charge_point, iut, connector):
    """Plug in while online; the Preparing report teaches the suite the charger's clock."""
    since = charge_point.mark_now()
    await iut.plug_in(connector)
    preparing = await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Preparing",
                                          requirement="Plugging in a cable makes the connector Preparing (OCPP 1.6 §4.9).")
    return ChargerClock.learn(preparing)


def _assigned(charge_point, start):
    tx = charge_point.responders.transaction_id_of(start)
    assert tx is not None, f"[behaviour] the suite did not answer StartTransaction #{start.seq} with a transactionId"
    return tx


def _refers_to(stop, tx, how):
    got = stop.payload.get("transactionId")
    assert got == tx, (
        f"[behaviour] StopTransaction #{stop.seq} names transactionId {got}; the transaction is {tx}, the id the "
        f"Central System gave {how} (OCPP 1.6 §4.8, §4.10)")


def _sampled_after(clock, moment):
    def check(meter_values):
        return any((clock.suite_time(mv.get("timestamp")) or 0) >= moment for mv in meter_values or [])

    check.__doc__ = "a sample taken after the connection came back"
    return check


@case("TC_036_CS", "Connection Loss During Transaction",
      spec="OCPP 1.6 §3.7, §4.7, §9.1 (MeterValueSampleInterval)",
      requirement="Periodic MeterValues.req of a transaction sampled while the Charge Point is offline SHALL be "
                  "queued and delivered after reconnecting, in chronological order and before newer samples, each "
                  "stamped with the time it was taken, none lost (no two queued samples further apart than "
                  "MeterValueSampleInterval plus the descriptor's tolerance, at most a quarter of the interval, plus "
                  "the resolution of the charger's timestamps).")
async def test_connection_loss_during_transaction(charge_point, iut, configure, charging_session, timeouts):
    session = charging_session
    await configure(MeterValueSampleInterval=SAMPLE_INTERVAL_S)
    clock = ChargerClock.learn(session.start)
    since = charge_point.mark_now()
    offline_at = now()
    await iut.go_offline()
    await hold(OFFLINE_SAMPLES * SAMPLE_INTERVAL_S + clock.slack)
    online_at = now()
    await iut.come_online()
    fresh = await charge_point.expect(
        "MeterValues", within=_reconnect_within(timeouts) + SAMPLE_INTERVAL_S + timeouts.tolerance, after=since,
        transactionId=session.transaction_id, meterValue=_sampled_after(clock, online_at),
        requirement="Sampling goes on after the connection is back (OCPP 1.6 §4.7).")
    delivered = [f for f in check_transaction_messages(charge_point, transaction_id=session.transaction_id,
                                                       meter_start=session.start.payload["meterStart"], after=since)
                 if f.seq <= fresh.seq]
    taken = sorted(t for f in delivered for stamp, _ in periodic_samples(f)
                   if (t := clock.suite_time(stamp)) is not None and offline_at <= t < online_at)
    minimum = max(1, math.floor((online_at - offline_at - clock.slack) / SAMPLE_INTERVAL_S))
    gaps = [b - a for a, b in zip(taken, taken[1:])]
    # two stamps cut to the charger's resolution may lie up to one resolution further apart than the samples
    longest = SAMPLE_INTERVAL_S + timeouts.interval_tolerance(SAMPLE_INTERVAL_S) + clock.resolution
    measure("offline_s", round(online_at - offline_at, 3))
    measure("samples_taken_offline_delivered", len(taken))
    measure("largest_gap_between_queued_samples_s", round(max(gaps), 3) if gaps else None)
    measure("largest_gap_allowed_s", round(longest, 3))
    assert not gaps or max(gaps) <= longest, (
        f"[behaviour] the queued samples have a gap of {max(gaps):.2f} s; with MeterValueSampleInterval "
        f"{SAMPLE_INTERVAL_S} s (at most {longest:.2f} s apart) a sample taken while offline was lost (OCPP 1.6 §3.7)")
    assert len(taken) >= minimum, (
        f"[behaviour] {len(taken)} periodic sample(s) stamped in the {online_at - offline_at:.1f} s offline period "
        f"arrived after reconnecting; with MeterValueSampleInterval {SAMPLE_INTERVAL_S} s at least {minimum} were "
        "taken and SHALL have been queued and delivered with the time they were taken (OCPP 1.6 §3.7)")


@case("TC_037_1_CS", "Offline Start Transaction - Valid IdTag",
      spec="OCPP 1.6 §3.5, §3.7, §4.8, §9.1 (LocalAuthorizeOffline)",
      requirement="An offline Charge Point that authorizes a valid idTag locally SHALL start the transaction, queue "
                  "its StartTransaction.req stamped with the start time, deliver it once the connection is back and "
                  "report the connector Charging.")
async def test_offline_start_valid_id(charge_point, iut, configure, available_connector, id_tags, timeouts):
    await _allow_offline_start(configure)
    connector, tag = available_connector, id_tags.valid
    clock = await _plugged_in(charge_point, iut, connector)
    since = charge_point.mark_now()
    await iut.go_offline()
    presented_at = now()
    await iut.present_id_tag(tag, connector)
    await hold(clock.offline_dwell(timeouts.settle))
    await iut.come_online()
    start = await charge_point.expect(
        "StartTransaction", within=_reconnect_within(timeouts), after=since, connectorId=connector, idTag=tag,
        requirement="A transaction started offline is reported with its queued StartTransaction.req after "
                    "reconnecting (OCPP 1.6 §3.7).")
    started = check_stamped_during(clock, start.payload.get("timestamp"), earliest=presented_at,
                                   latest=presented_at + timeouts.settle, what=f"StartTransaction #{start.seq}")
    measure("start_stamp_after_presenting_s", round(started - presented_at, 3))
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Charging",
                              requirement="The transaction runs: the connector is reported Charging (OCPP 1.6 §4.9).")


async def _offline_start_with_invalid_id(charge_point, iut, configure, connector, tag, timeouts, *, stop_on_invalid):
    """An unknown idTag starts a transaction offline (AllowOfflineTxForUnknownId); after reconnecting the suite
    answers its queued StartTransaction with Invalid. Returns (StartTransaction record, transactionId)."""
    await configure(LocalAuthorizeOffline=True, StopTransactionOnInvalidId=stop_on_invalid)
    await configured(charge_point, configure, AllowOfflineTxForUnknownId=True)
    await charge_point.call("ClearCache")  # the id must be unknown to the charger, not cached as Invalid
    await _plugged_in(charge_point, iut, connector)
    since = charge_point.mark_now()
    await iut.go_offline()
    await iut.present_id_tag(tag, connector)
    await hold(timeouts.settle)
    await iut.come_online()
    # the suite's Central System answers this idTag's StartTransaction with status Invalid
    start = await charge_point.expect(
        "StartTransaction", within=_reconnect_within(timeouts), after=since, connectorId=connector, idTag=tag,
        requirement="With AllowOfflineTxForUnknownId true an unknown idTag starts a transaction offline, reported "
                    "after reconnecting (OCPP 1.6 §3.5.3).")
    return start, _assigned(charge_point, start)


@case("TC_037_2_CS", "Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = false",
      spec="OCPP 1.6 §3.5.3, §4.8, §9.1 (StopTransactionOnInvalidId)",
      requirement="When StartTransaction.conf of a transaction started offline is not Accepted and "
                  "StopTransactionOnInvalidId is false, the Charge Point SHALL stop the energy delivery "
                  "(SuspendedEVSE) but keep the transaction going.",
      needs=("id_tags.invalid",))
async def test_offline_start_invalid_id_keep_transaction(charge_point, iut, configure, available_connector, id_tags,
                                                         timeouts):
    connector = available_connector
    start, tx = await _offline_start_with_invalid_id(charge_point, iut, configure, connector, id_tags.invalid,
                                                     timeouts, stop_on_invalid=False)
    await charge_point.expect(
        "StatusNotification", after=start, connectorId=connector, status="SuspendedEVSE",
        requirement="StopTransactionOnInvalidId false: the Charge Point only stops the energy delivery "
                    "(OCPP 1.6 §9.1).")
    await charge_point.expect_no(
        "StopTransaction", during=timeouts.settle, after=start,
        requirement=f"StopTransactionOnInvalidId false: transaction {tx} SHALL NOT be stopped (OCPP 1.6 §9.1).")


@case("TC_037_3_CS", "Offline Start Transaction - Invalid IdTag - StopTransactionOnInvalidId = true",
      spec="OCPP 1.6 §3.5.3, §4.8, §4.10, §9.1 (StopTransactionOnInvalidId)",
      requirement="When StartTransaction.conf of a transaction started offline is not Accepted and "
                  "StopTransactionOnInvalidId is true, the Charge Point SHALL stop the transaction with "
                  "StopTransaction.req reason DeAuthorized, referring to the transactionId it was given.",
      needs=("id_tags.invalid",))
async def test_offline_start_invalid_id_stop_transaction(charge_point, iut, configure, available_connector, id_tags,
                                                         timeouts):
    connector = available_connector
    start, tx = await _offline_start_with_invalid_id(charge_point, iut, configure, connector, id_tags.invalid,
                                                     timeouts, stop_on_invalid=True)
    stop = await charge_point.expect(
        "StopTransaction", after=start,
        requirement="StopTransactionOnInvalidId true: a transaction whose idTag is not Accepted is stopped "
                    "(OCPP 1.6 §9.1).")
    _refers_to(stop, tx, "in answer to its StartTransaction")
    check_stop_reason(stop, "DeAuthorized")
    await charge_point.expect("StatusNotification", after=start, connectorId=connector, status="Finishing",
                              requirement="A stopped transaction with the cable still in is Finishing (OCPP 1.6 §4.9).")


@case("TC_038_CS", "Offline Stop Transaction",
      spec="OCPP 1.6 §3.7, §4.10",
      requirement="A transaction stopped while the Charge Point is offline SHALL be reported after reconnecting with "
                  "its queued StopTransaction.req: the transactionId of the transaction, reason Local, the time of "
                  "the stop and a meterStop not below meterStart.")
async def test_offline_stop(charge_point, iut, charging_session, timeouts):
    session = charging_session
    clock = ChargerClock.learn(session.start)
    since = charge_point.mark_now()
    await iut.go_offline()
    presented_at = now()
    await iut.present_id_tag(session.id_tag, session.connector)
    await hold(clock.offline_dwell(timeouts.settle))
    await iut.come_online()
    stop = await charge_point.expect(
        "StopTransaction", within=_reconnect_within(timeouts), after=since,
        requirement="A transaction stopped offline is reported with its queued StopTransaction.req after "
                    "reconnecting (OCPP 1.6 §3.7).")
    _refers_to(stop, session.transaction_id, "when it started")
    check_stop_reason(stop, "Local")
    stopped = check_stamped_during(clock, stop.payload.get("timestamp"), earliest=presented_at,
                                   latest=presented_at + timeouts.settle, what=f"StopTransaction #{stop.seq}")
    measure("stop_stamp_after_presenting_s", round(stopped - presented_at, 3))
    check_transaction_messages(charge_point, transaction_id=session.transaction_id,
                               meter_start=session.start.payload["meterStart"], after=session.start.seq,
                               start=session.start, stop=stop)
    await charge_point.expect("StatusNotification", after=since, connectorId=session.connector, status="Finishing",
                              requirement="A stopped transaction with the cable still in is Finishing (OCPP 1.6 §4.9).")


@case("TC_039_CS", "Offline Transaction",
      spec="OCPP 1.6 §3.7, §4.7, §4.8, §4.10",
      requirement="A transaction started and stopped while the Charge Point is offline SHALL be reported after "
                  "reconnecting with its queued messages in order — StartTransaction.req, its MeterValues.req, then "
                  "StopTransaction.req naming the transactionId the Central System gave in answer to the queued "
                  "StartTransaction — each stamped with the time it happened.")
async def test_offline_transaction(charge_point, iut, configure, available_connector, id_tags, timeouts):
    await _allow_offline_start(configure)
    await configure(MeterValueSampleInterval=SAMPLE_INTERVAL_S)
    connector, tag = available_connector, id_tags.valid
    clock = await _plugged_in(charge_point, iut, connector)
    since = charge_point.mark_now()
    await iut.go_offline()
    started_at = now()
    await iut.present_id_tag(tag, connector)
    await hold(max(timeouts.settle, SAMPLE_INTERVAL_S + clock.slack))  # long enough for a sample to be queued
    stopped_at = now()
    await iut.present_id_tag(tag, connector)
    await hold(clock.offline_dwell(timeouts.settle))
    await iut.unplug(connector)
    await iut.come_online()
    start = await charge_point.expect(
        "StartTransaction", within=_reconnect_within(timeouts), after=since, connectorId=connector, idTag=tag,
        requirement="The queued StartTransaction.req is delivered after reconnecting (OCPP 1.6 §3.7).")
    tx = _assigned(charge_point, start)
    stop = await charge_point.expect(
        "StopTransaction", after=start,
        requirement="The queued StopTransaction.req is delivered after its StartTransaction (OCPP 1.6 §3.7).")
    _refers_to(stop, tx, "in answer to the queued StartTransaction")
    check_stop_reason(stop, "Local")
    check_stamped_during(clock, start.payload.get("timestamp"), earliest=started_at,
                         latest=started_at + timeouts.settle, what=f"StartTransaction #{start.seq}")
    check_stamped_during(clock, stop.payload.get("timestamp"), earliest=stopped_at,
                         latest=stopped_at + timeouts.settle, what=f"StopTransaction #{stop.seq}")
    meter_values = check_transaction_messages(charge_point, transaction_id=tx, meter_start=start.payload["meterStart"],
                                              after=since, start=start, stop=stop)
    measure("queued_meter_values", len(meter_values))
    measure("energy_wh", stop.payload.get("meterStop", 0) - start.payload["meterStart"])
