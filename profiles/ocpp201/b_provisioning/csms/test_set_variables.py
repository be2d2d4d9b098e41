"""OCTT B — Set Variables (the suite plays the charging station; Part 2 B05)."""

from conformance import case
from conformance.ocpp201.csms_checks import check_variables_as_asked

SECTION = "Provisioning"

REQ_SET = ("The CSMS SHALL send SetVariablesRequest with a SetVariableData element for each variable the operator "
           "asked to set, naming its component and variable (with their instances and EVSE), attribute type and the "
           "value asked for (Part 2 B05).")


async def set_as_operator(operator, station, asked):
    request = await operator("SetVariables", {"setVariableData": asked}, requirement=REQ_SET)
    check_variables_as_asked(request, "setVariableData", asked, values=True)
    await station.reaction(request)  # the suite's answer is on the wire
    for item in asked:  # the suite's station took each value (its answer Accepted): the device model holds it
        held = station.model.model.value(item["component"]["name"], item["variable"]["name"])
        assert held == item["attributeValue"], (
            f"[behaviour] after SetVariablesRequest (#{request.seq}) {item['component']['name']}."
            f"{item['variable']['name']} is {held!r}, the operator asked for {item['attributeValue']!r}")


@case("TC_B_09_CSMS", "Set Variables - single value", profile="core",
      spec="OCPP 2.0.1 Part 2 B05",
      requirement=REQ_SET)
async def test_set_single_variable(booted, station, operator):
    await set_as_operator(operator, station, [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "OfflineThreshold"}, "attributeValue": "123"}])


@case("TC_B_10_CSMS", "Set Variables - multiple values", profile="core",
      spec="OCPP 2.0.1 Part 2 B05",
      requirement=REQ_SET)
async def test_set_multiple_variables(booted, station, operator):
    await set_as_operator(operator, station, [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "OfflineThreshold"}, "attributeValue": "124"},
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}, "attributeValue": "45"},
        {"component": {"name": "TxCtrlr"}, "variable": {"name": "StopTxOnInvalidId"}, "attributeValue": "false"}])
