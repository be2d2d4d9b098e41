"""OCTT B — Get Base Report (the suite plays the charging station; Part 2 B07)."""

from conformance import case

SECTION = "Provisioning"

REQ_REPORT = ("The CSMS SHALL send GetBaseReportRequest with a requestId and the reportBase the operator asked for, "
              "and SHALL answer every NotifyReportRequest of the report the station then sends in several parts "
              "(Part 2 B07).")


async def base_report(operator, station, base):
    request = await operator("GetBaseReport", {"reportBase": base}, as_asked=("reportBase",), requirement=REQ_REPORT)
    answers = await station.reaction(request)  # NotifyReport parts, seqNo 0.., tbc true on all but the last
    assert answers and len(answers) > 1, "the suite's charging station sent its report in a single part"
    parts = [a.record.seq for a in answers]
    return request, parts


@case("TC_B_12_CSMS", "Get Base Report - ConfigurationInventory", profile="core",
      spec="OCPP 2.0.1 Part 2 B07",
      requirement=REQ_REPORT)
async def test_configuration_inventory(booted, station, operator):
    await base_report(operator, station, "ConfigurationInventory")


@case("TC_B_13_CSMS", "Get Base Report - FullInventory", profile="core",
      spec="OCPP 2.0.1 Part 2 B07",
      requirement=REQ_REPORT)
async def test_full_inventory(booted, station, operator):
    await base_report(operator, station, "FullInventory")
