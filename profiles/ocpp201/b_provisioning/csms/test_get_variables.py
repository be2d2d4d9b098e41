"""OCTT B — Get Variables (the suite plays the charging station; Part 2 B06)."""

from conformance import case
from conformance.ocpp201.csms_checks import check_variables_as_asked

SECTION = "Provisioning"

REQ_GET = ("The CSMS SHALL send GetVariablesRequest with a GetVariableData element for each variable the operator "
           "asked for, naming its component and variable (with their instances and EVSE) and attribute type "
           "(Part 2 B06).")


@case("TC_B_06_CSMS", "Get Variables - single value", profile="core",
      spec="OCPP 2.0.1 Part 2 B06",
      requirement=REQ_GET)
async def test_get_single_variable(booted, station, operator):
    asked = [{"component": {"name": "DeviceDataCtrlr"},
              "variable": {"name": "ItemsPerMessage", "instance": "GetVariables"}}]
    request = await operator("GetVariables", {"getVariableData": asked}, requirement=REQ_GET)
    check_variables_as_asked(request, "getVariableData", asked)


@case("TC_B_07_CSMS", "Get Variables - multiple values", profile="core",
      spec="OCPP 2.0.1 Part 2 B06",
      requirement=REQ_GET)
async def test_get_multiple_variables(booted, station, operator):
    asked = [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
             {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "MessageTimeout", "instance": "Default"}},
             {"component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}},
             {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "AvailabilityState"}}]
    request = await operator("GetVariables", {"getVariableData": asked}, requirement=REQ_GET)
    check_variables_as_asked(request, "getVariableData", asked)
