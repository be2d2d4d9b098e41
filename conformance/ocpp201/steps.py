"""Steps of OCPP 2.0.1 charging station cases that several cases check the same way: reading and setting device
model variables and judging each result against what was asked."""

from __future__ import annotations

from typing import Any

from conformance.ocpp201.device_model import component_key, variable_key


def variable_data(component: str | dict, variable: str | dict, *, instance: str | None = None,
                  attribute: str | None = None) -> dict[str, Any]:
    """A GetVariableData / SetVariableData body (without a value) naming a component's variable."""
    out: dict[str, Any] = {
        "component": component if isinstance(component, dict) else {"name": component},
        "variable": variable if isinstance(variable, dict) else {"name": variable, **(
            {"instance": instance} if instance else {})},
    }
    if attribute is not None:
        out["attributeType"] = attribute
    return out


def of_ref(ref: Any, *, attribute: str | None = None) -> dict[str, Any]:
    """`variable_data` of a descriptor's VariableRef."""
    return variable_data(ref.component_payload(), ref.variable_payload(), attribute=attribute)


def label(item: dict) -> str:
    component, variable = item.get("component") or {}, item.get("variable") or {}
    text = str(component.get("name")) + (f"[{component['instance']}]" if component.get("instance") else "")
    if component.get("evse"):
        text += f"@EVSE {component['evse'].get('id')}"
    text += "." + str(variable.get("name")) + (f"[{variable['instance']}]" if variable.get("instance") else "")
    return text + (f" ({item['attributeType']})" if item.get("attributeType") else "")


def result_for(results: list, item: dict, *, action: str, seq: int) -> dict:
    """The result of `item` among a Get/SetVariablesResponse's results: the one naming the same component, variable
    and attribute type (B05, B06: every result carries what it answers)."""
    wanted = (component_key(item.get("component")), variable_key(item.get("variable")),
              item.get("attributeType") or "Actual")
    for result in results:
        if isinstance(result, dict) and (component_key(result.get("component")), variable_key(result.get("variable")),
                                         result.get("attributeType") or "Actual") == wanted:
            return result
    raise AssertionError(f"{action}Response (#{seq}) has no result for {label(item)}: expected one per requested "
                         f"item naming its component and variable; got {results!r}"[:700])


async def get_variables(charging_station: Any, items: list[dict], requirement: str) -> list[dict]:
    """GetVariables of `items`; the result of each, in the order asked (one result per item, B06)."""
    reply = await charging_station.call("GetVariables", {"getVariableData": items}, requirement=requirement)
    results = reply.payload.get("getVariableResult") or []
    assert len(results) == len(items), (
        f"GetVariablesResponse (#{reply.record.seq}) has {len(results)} result(s) for {len(items)} requested item(s) "
        "(B06: one GetVariableResult per GetVariableData)")
    return [result_for(results, item, action="GetVariables", seq=reply.record.seq) for item in items]


async def set_variables(charging_station: Any, items: list[tuple[dict, str]], requirement: str) -> list[dict]:
    """SetVariables of (item, value) pairs; the result of each, in the order asked (one result per item, B05)."""
    reply = await charging_station.call("SetVariables", {"setVariableData": [
        {**item, "attributeValue": value} for item, value in items]}, requirement=requirement)
    results = reply.payload.get("setVariableResult") or []
    assert len(results) == len(items), (
        f"SetVariablesResponse (#{reply.record.seq}) has {len(results)} result(s) for {len(items)} requested item(s) "
        "(B05: one SetVariableResult per SetVariableData)")
    return [result_for(results, item, action="SetVariables", seq=reply.record.seq) for item, _ in items]


def check_status(result: dict, expected: str, what: str) -> None:
    got = result.get("attributeStatus")
    assert got == expected, f"{what}: attributeStatus {got!r}, expected {expected!r}"


async def collect_report(charging_station: Any, request_id: int, *, after: int, timeouts: Any,
                         requirement: str) -> list[dict]:
    """The NotifyReport messages of the report `request_id` the station sends after position `after`, until the one
    with tbc false: numbered by seqNo from 0 without gaps, none after the last (B07, B08). Returns the report's
    ReportData entries in order."""
    parts = []
    since = after
    while True:
        rec = await charging_station.expect("NotifyReport", within=timeouts.expect, after=since, requestId=request_id,
                                            requirement=requirement)
        seq_no = rec.payload.get("seqNo")
        assert seq_no == len(parts), (
            f"NotifyReport #{rec.seq} of report {request_id} has seqNo {seq_no!r}, expected {len(parts)} (the parts of "
            "a report are numbered from 0, B07)")
        parts.append(rec)
        if not rec.payload.get("tbc"):
            break
        since = rec.seq
    await charging_station.expect_no(
        "NotifyReport", during=timeouts.settle, after=parts[-1], requestId=request_id,
        requirement=f"NotifyReport #{parts[-1].seq} had tbc false: it was the last part of report {request_id} (B07).")
    return [data for rec in parts for data in rec.payload.get("reportData") or []]


def reported(entries: list[dict]) -> set[tuple]:
    """(component name, variable name, variable instance) of each ReportData entry."""
    return {(str((e.get("component") or {}).get("name")), str((e.get("variable") or {}).get("name")),
             (e.get("variable") or {}).get("instance")) for e in entries if isinstance(e, dict)}
