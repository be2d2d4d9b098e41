"""OCTT 2.0.1 B — Get Variables (Part 2 B06) and Set Variables (Part 2 B05) on a charging station under test (the suite
plays the CSMS). The variables read and set are Core ones every station has (OCPPCommCtrlr.HeartbeatInterval,
TxCtrlr.EVConnectionTimeOut, ...); what a case sets is put back after it."""

from conformance import case
from conformance.ocpp201.steps import check_status, get_variables, label, of_ref, set_variables, variable_data

SECTION = "Provisioning"
HEARTBEAT = variable_data("OCPPCommCtrlr", "HeartbeatInterval")
EV_CONNECTION_TIMEOUT = variable_data("TxCtrlr", "EVConnectionTimeOut")
OFFLINE_THRESHOLD = variable_data("OCPPCommCtrlr", "OfflineThreshold")
SECURITY_PROFILE = variable_data("SecurityCtrlr", "SecurityProfile")
REQ_GET = "The Charging Station SHALL answer GetVariablesRequest with a result per requested variable (B06)."
REQ_SET = "The Charging Station SHALL answer SetVariablesRequest with a result per requested variable (B05)."


def _accepted_value(result: dict, item: dict) -> str:
    check_status(result, "Accepted", f"GetVariables of {label(item)}")
    value = result.get("attributeValue")
    assert isinstance(value, str), (
        f"GetVariables of {label(item)}: Accepted without an attributeValue (B06: an Accepted result carries the "
        "attribute's value)")
    return value


def _other_integer(value: str) -> str:
    """A valid value different from `value` for an integer variable of seconds."""
    try:
        return str(int(float(value)) + 1)
    except ValueError:
        return "301"


@case("TC_B_06_CS", "Get Variables - single value",
      spec="OCPP 2.0.1 Part 2 B06",
      requirement="Asked for one variable it has, the Charging Station SHALL answer GetVariablesResponse with one "
                  "result naming that component and variable, attributeStatus Accepted and the attribute's value.")
async def test_get_single(charging_station):
    [result] = await get_variables(charging_station, [HEARTBEAT], REQ_GET)
    value = _accepted_value(result, HEARTBEAT)
    assert value.strip().lstrip("+").isdigit(), f"HeartbeatInterval is an integer, the station reported {value!r}"


@case("TC_B_07_CS", "Get Variables - multiple values",
      spec="OCPP 2.0.1 Part 2 B06",
      requirement="Asked for several variables in one request, the Charging Station SHALL answer with one result per "
                  "requested variable, each naming its component and variable, Accepted with its value.")
async def test_get_multiple(charging_station):
    items = [HEARTBEAT, EV_CONNECTION_TIMEOUT, OFFLINE_THRESHOLD, SECURITY_PROFILE]
    for item, result in zip(items, await get_variables(charging_station, items, REQ_GET)):
        _accepted_value(result, item)


@case("TC_B_09_CS", "Set Variables - single value",
      spec="OCPP 2.0.1 Part 2 B05, B06",
      requirement="Asked to set a read-write variable to a valid value, the Charging Station SHALL answer "
                  "SetVariablesResponse Accepted (or RebootRequired) for it and, Accepted, report the new value when "
                  "asked (GetVariables).")
async def test_set_single(charging_station):
    [before] = await get_variables(charging_station, [HEARTBEAT], REQ_GET)
    new = _other_integer(_accepted_value(before, HEARTBEAT))
    [result] = await set_variables(charging_station, [(HEARTBEAT, new)], REQ_SET)
    check_status(result, "Accepted", f"SetVariables of {label(HEARTBEAT)} = {new}")
    [after] = await get_variables(charging_station, [HEARTBEAT], REQ_GET)
    got = _accepted_value(after, HEARTBEAT)
    assert got == new, f"after an Accepted SetVariables {label(HEARTBEAT)} = {new} the station reports {got!r}"


@case("TC_B_10_CS", "Set Variables - multiple values",
      spec="OCPP 2.0.1 Part 2 B05, B06",
      requirement="Asked to set several read-write variables in one request, the Charging Station SHALL answer with "
                  "one result per variable, Accepted, and report each new value when asked.")
async def test_set_multiple(charging_station):
    items = [HEARTBEAT, EV_CONNECTION_TIMEOUT]
    before = await get_variables(charging_station, items, REQ_GET)
    new = [(item, _other_integer(_accepted_value(result, item))) for item, result in zip(items, before)]
    for (item, value), result in zip(new, await set_variables(charging_station, new, REQ_SET)):
        check_status(result, "Accepted", f"SetVariables of {label(item)} = {value}")
    for (item, value), result in zip(new, await get_variables(charging_station, items, REQ_GET)):
        got = _accepted_value(result, item)
        assert got == value, f"after an Accepted SetVariables {label(item)} = {value} the station reports {got!r}"


@case("TC_B_11_CS", "Set Variables - invalidly formatted values",
      spec="OCPP 2.0.1 Part 2 B05; Part 1 §4 (data types)",
      requirement="Asked to set an integer variable to a value that is no integer, the Charging Station SHALL answer "
                  "attributeStatus Rejected and keep the variable's value.")
async def test_set_invalid(charging_station):
    [before] = await get_variables(charging_station, [HEARTBEAT], REQ_GET)
    value = _accepted_value(before, HEARTBEAT)
    [result] = await set_variables(charging_station, [(HEARTBEAT, "thirty")], REQ_SET)
    check_status(result, "Rejected", f"SetVariables of the integer {label(HEARTBEAT)} = 'thirty'")
    [after] = await get_variables(charging_station, [HEARTBEAT], REQ_GET)
    got = _accepted_value(after, HEARTBEAT)
    assert got == value, f"a Rejected SetVariables changed {label(HEARTBEAT)} from {value!r} to {got!r}"


@case("TC_B_32_CS", "Get Variables - Unknown component",
      spec="OCPP 2.0.1 Part 2 B06",
      requirement="Asked for a variable of a component it does not have, the Charging Station SHALL answer "
                  "attributeStatus UnknownComponent.",
      needs=("device_model.unknown_component",))
async def test_get_unknown_component(charging_station, descriptor):
    item = variable_data(descriptor.device_model.unknown_component, "HeartbeatInterval")
    [result] = await get_variables(charging_station, [item], REQ_GET)
    check_status(result, "UnknownComponent", f"GetVariables of {label(item)}")


@case("TC_B_33_CS", "Get Variables - Unknown variable",
      spec="OCPP 2.0.1 Part 2 B06",
      requirement="Asked for a variable its component does not have, the Charging Station SHALL answer "
                  "attributeStatus UnknownVariable.",
      needs=("device_model.unknown_variable",))
async def test_get_unknown_variable(charging_station, descriptor):
    item = of_ref(descriptor.device_model.unknown_variable)
    [result] = await get_variables(charging_station, [item], REQ_GET)
    check_status(result, "UnknownVariable", f"GetVariables of {label(item)}")


@case("TC_B_34_CS", "Get Variables - Not supported attribute type",
      spec="OCPP 2.0.1 Part 2 B06",
      requirement="Asked for an attribute type a variable does not have (Target of a variable with only an Actual "
                  "attribute), the Charging Station SHALL answer attributeStatus NotSupportedAttributeType.",
      needs=("device_model.actual_only_variable",))
async def test_get_unsupported_attribute(charging_station, descriptor):
    item = of_ref(descriptor.device_model.actual_only_variable, attribute="Target")
    [result] = await get_variables(charging_station, [item], REQ_GET)
    check_status(result, "NotSupportedAttributeType", f"GetVariables of {label(item)}")


@case("TC_B_35_CS", "Set Variables - Unknown component",
      spec="OCPP 2.0.1 Part 2 B05",
      requirement="Asked to set a variable of a component it does not have, the Charging Station SHALL answer "
                  "attributeStatus UnknownComponent.",
      needs=("device_model.unknown_component",))
async def test_set_unknown_component(charging_station, descriptor):
    item = variable_data(descriptor.device_model.unknown_component, "HeartbeatInterval")
    [result] = await set_variables(charging_station, [(item, "300")], REQ_SET)
    check_status(result, "UnknownComponent", f"SetVariables of {label(item)}")


@case("TC_B_36_CS", "Set Variables - Unknown variable",
      spec="OCPP 2.0.1 Part 2 B05",
      requirement="Asked to set a variable its component does not have, the Charging Station SHALL answer "
                  "attributeStatus UnknownVariable.",
      needs=("device_model.unknown_variable",))
async def test_set_unknown_variable(charging_station, descriptor):
    item = of_ref(descriptor.device_model.unknown_variable)
    [result] = await set_variables(charging_station, [(item, "1")], REQ_SET)
    check_status(result, "UnknownVariable", f"SetVariables of {label(item)}")


@case("TC_B_37_CS", "Set Variables - Not supported attribute type",
      spec="OCPP 2.0.1 Part 2 B05",
      requirement="Asked to set an attribute type a variable does not have (Target of a variable with only an Actual "
                  "attribute), the Charging Station SHALL answer attributeStatus NotSupportedAttributeType.",
      needs=("device_model.actual_only_variable",))
async def test_set_unsupported_attribute(charging_station, descriptor):
    item = of_ref(descriptor.device_model.actual_only_variable, attribute="Target")
    [result] = await set_variables(charging_station, [(item, "1")], REQ_SET)
    check_status(result, "NotSupportedAttributeType", f"SetVariables of {label(item)}")


@case("TC_B_39_CS", "Set Variables - Read-only",
      spec="OCPP 2.0.1 Part 2 B05",
      requirement="Asked to set a read-only variable, the Charging Station SHALL answer attributeStatus Rejected and "
                  "keep its value.",
      needs=("device_model.read_only_variable",))
async def test_set_read_only(charging_station, descriptor):
    item = of_ref(descriptor.device_model.read_only_variable)
    [before] = await get_variables(charging_station, [item], REQ_GET)
    value = _accepted_value(before, item)
    changed = _other_integer(value) if value.strip().lstrip("+-").isdigit() else value + "x"
    [result] = await set_variables(charging_station, [(item, changed)], REQ_SET)
    check_status(result, "Rejected", f"SetVariables of the read-only {label(item)} = {changed}")
    [after] = await get_variables(charging_station, [item], REQ_GET)
    got = _accepted_value(after, item)
    assert got == value, f"a Rejected SetVariables changed the read-only {label(item)} from {value!r} to {got!r}"
