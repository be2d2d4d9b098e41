"""The reference charge point in the Core happy flows the conformance cases rely on: rebooting on a soft reset, a
fixed cable, clock-aligned readings."""

from __future__ import annotations

from tests.test_simulators import RawCsms, booted, make_cp, parse_time, raw_csms, start_transaction  # noqa: F401


async def test_cp_soft_reset_reports_its_connectors_after_the_reboot(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, connectors=2)
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    assert (await raw_csms.call("Reset", {"type": "Soft"}))[2] == {"status": "Accepted"}
    boot = await raw_csms.wait_call("BootNotification", since=mark)
    after = raw_csms.frames.index(boot)
    for connector in (0, 1, 2):  # the graceful close must not leave the old connection's outbox worker behind
        await raw_csms.wait_call("StatusNotification", since=after, connectorId=connector)


async def test_cp_with_a_fixed_cable_has_no_lock_but_stops_the_transaction_first(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, fixed_cable=True)
    await booted(raw_csms, cp)
    assert (await raw_csms.call("UnlockConnector", {"connectorId": 1}))[2] == {"status": "NotSupported"}
    tx_id = await start_transaction(raw_csms, cp)
    mark = raw_csms.mark()
    assert (await raw_csms.call("UnlockConnector", {"connectorId": 1}))[2] == {"status": "NotSupported"}
    await raw_csms.wait_call("StopTransaction", since=mark, transactionId=tx_id, reason="UnlockCommand")
    await raw_csms.wait_call("StatusNotification", since=mark, connectorId=1, status="Finishing")


async def test_cp_clock_aligned_readings_name_successive_aligned_instants(raw_csms: RawCsms, make_cp) -> None:
    cp = await make_cp(raw_csms.url, config={"ClockAlignedDataInterval": 1})
    await booted(raw_csms, cp)
    mark = raw_csms.mark()
    first = await raw_csms.wait_call("MeterValues", since=mark, connectorId=1, timeout=3)
    second = await raw_csms.wait_call("MeterValues", since=raw_csms.frames.index(first) + 1, connectorId=1, timeout=3)
    stamps = [parse_time(frame[3]["meterValue"][0]["timestamp"]) for frame in (first, second)]
    assert [s.microsecond for s in stamps] == [0, 0]
    assert (stamps[1] - stamps[0]).total_seconds() == 1
    assert {v["context"] for v in first[3]["meterValue"][0]["sampledValue"]} == {"Sample.Clock"}
