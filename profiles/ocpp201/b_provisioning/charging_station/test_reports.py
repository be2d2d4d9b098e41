"""OCTT 2.0.1 B — Get Base Report (Part 2 B07) of a charging station under test (the suite plays the CSMS): the report
follows the answer in NotifyReport messages numbered by seqNo, tbc true on all but the last."""

import itertools

from conformance import case, measure
from conformance.ocpp201.device_model import REQUIRED_VARIABLES
from conformance.ocpp201.steps import collect_report, reported

SECTION = "Provisioning"
_REQUEST_IDS = itertools.count(2010)


async def base_report(charging_station, timeouts, base: str) -> tuple[int, list[dict]]:
    """GetBaseReport `base`, Accepted; the report's entries."""
    request_id = next(_REQUEST_IDS)
    since = charging_station.mark_now()
    reply = await charging_station.call("GetBaseReport", {"requestId": request_id, "reportBase": base},
                                        requirement=f"The Charging Station SHALL answer GetBaseReportRequest {base}.")
    assert reply.payload.get("status") == "Accepted", (
        f"GetBaseReport {base} (#{reply.record.seq}) was answered {reply.payload.get('status')!r}, expected Accepted "
        "(every Core station supports ConfigurationInventory and FullInventory, B07)")
    entries = await collect_report(
        charging_station, request_id, after=since, timeouts=timeouts,
        requirement=f"After accepting GetBaseReport {base} the Charging Station SHALL send the report in "
                    "NotifyReportRequest messages with the request's requestId (B07).")
    measure("report_entries", len(entries))
    return request_id, entries


@case("TC_B_12_CS", "Get Base Report - ConfigurationInventory",
      spec="OCPP 2.0.1 Part 2 B07",
      requirement="Asked for the ConfigurationInventory, the Charging Station SHALL answer Accepted and send the report "
                  "in NotifyReportRequest messages with the requestId, seqNo from 0, tbc true on all but the last; the "
                  "report lists the variables an operator can set (an attribute that is not ReadOnly), "
                  "OCPPCommCtrlr.HeartbeatInterval among them.")
async def test_configuration_inventory(charging_station, timeouts):
    _, entries = await base_report(charging_station, timeouts, "ConfigurationInventory")
    assert any(e[:2] == ("OCPPCommCtrlr", "HeartbeatInterval") for e in reported(entries)), (
        "the ConfigurationInventory does not list OCPPCommCtrlr.HeartbeatInterval, a variable an operator sets")
    fixed = [e for e in entries if all((a.get("mutability") or "ReadWrite") == "ReadOnly"
                                       for a in e.get("variableAttribute") or [])]
    assert not fixed, (
        f"the ConfigurationInventory lists {len(fixed)} variable(s) whose attributes are all ReadOnly, e.g. "
        f"{fixed[0].get('component')} {fixed[0].get('variable')}: it lists only what can be configured (B07)")


@case("TC_B_13_CS", "Get Base Report - FullInventory",
      spec="OCPP 2.0.1 Part 2 B07",
      requirement="Asked for the FullInventory, the Charging Station SHALL answer Accepted and send the report in "
                  "NotifyReportRequest messages with the requestId, seqNo from 0, tbc true on all but the last; the "
                  "report lists its components down to each EVSE and connector (their AvailabilityState).")
async def test_full_inventory(charging_station, descriptor, timeouts):
    _, entries = await base_report(charging_station, timeouts, "FullInventory")
    for evse, connectors in enumerate(descriptor.evses, start=1):
        for connector in range(1, connectors + 1):
            assert any((e.get("component") or {}).get("name") == "Connector"
                       and (e.get("component") or {}).get("evse") == {"id": evse, "connectorId": connector}
                       and (e.get("variable") or {}).get("name") == "AvailabilityState" for e in entries), (
                f"the FullInventory has no Connector.AvailabilityState of EVSE {evse} connector {connector}")


@case("TC_B_15_CS", "Get Base Report - Not Supported base report",
      spec="OCPP 2.0.1 Part 2 B07",
      requirement="Asked for a base report it does not support (SummaryInventory, optional), the Charging Station "
                  "SHALL answer GetBaseReportResponse NotSupported and send no report.",
      needs=("no_report_base:SummaryInventory",))
async def test_not_supported_base(charging_station, timeouts):
    request_id = next(_REQUEST_IDS)
    reply = await charging_station.call("GetBaseReport", {"requestId": request_id, "reportBase": "SummaryInventory"})
    assert reply.payload.get("status") == "NotSupported", (
        f"GetBaseReport SummaryInventory (#{reply.record.seq}) was answered {reply.payload.get('status')!r}, "
        "expected NotSupported (the descriptor says the station does not support it)")
    await charging_station.expect_no("NotifyReport", during=timeouts.settle, after=reply.record, requestId=request_id,
                                     requirement="A report answered NotSupported is not sent (B07).")


@case("TC_B_53_CS", "Get Base Report - Test mandatory DM variables via FullInventory",
      spec="OCPP 2.0.1 Part 2 B07; Part 2 Referenced Components and Variables (required variables of the Core "
           "functional blocks)",
      requirement="The FullInventory of a Core Charging Station SHALL list every variable the specification marks "
                  "required for it (OCPPCommCtrlr, DeviceDataCtrlr, AuthCtrlr, TxCtrlr, SampledDataCtrlr, "
                  "AlignedDataCtrlr, SecurityCtrlr, ClockCtrlr, and ChargingStation, EVSE and Connector).")
async def test_mandatory_variables(charging_station, timeouts):
    _, entries = await base_report(charging_station, timeouts, "FullInventory")
    have = reported(entries)
    names = {(c, v) for c, v, _ in have}
    missing = [f"{c}.{v}" + (f"[{i}]" if i else "") for c, v, i in REQUIRED_VARIABLES
               if ((c, v, i) not in have if i else (c, v) not in names)]
    measure("required_variables_missing", missing)
    assert not missing, (f"the FullInventory lacks {len(missing)} required variable(s): {', '.join(missing[:12])}"
                         + (" ..." if len(missing) > 12 else ""))
