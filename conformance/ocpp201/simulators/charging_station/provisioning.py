"""Reading and changing the device model (Part 2 B05 SetVariables, B06 GetVariables) and reporting it (B07
GetBaseReport, B08 GetReport: the report follows the answer in NotifyReport messages, numbered by seqNo, all but the
last with tbc true)."""

from __future__ import annotations

import asyncio
from typing import Any

from conformance.ocpp201.simulators.rpc import CallError, CallTimeout, RpcError

REPORT_PART = 10  # report data entries per NotifyReport


class ProvisioningHandlers:
    def on_GetVariables(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        asked = payload["getVariableData"]
        limit = cs.model.int_value("DeviceDataCtrlr", "ItemsPerMessage", 0, instance="GetVariables")
        if limit and len(asked) > limit:  # B06.FR.?: more items than ItemsPerMessageGetVariables
            raise RpcError("OccurrenceConstraintViolation", f"at most {limit} items per GetVariablesRequest")
        results = []
        for item in asked:
            result = cs.model.get(item)
            if "unknown-component-accepted" in cs.faults and result["attributeStatus"] == "UnknownComponent":
                result = {**result, "attributeStatus": "Rejected"}
            if "unknown-variable-as-component" in cs.faults and result["attributeStatus"] == "UnknownVariable":
                result = {**result, "attributeStatus": "UnknownComponent"}
            if "attribute-type-ignored" in cs.faults and result["attributeStatus"] == "NotSupportedAttributeType":
                fallback = cs.model.get({**item, "attributeType": "Actual"})
                result = {**fallback, "attributeType": item.get("attributeType")}
            if "get-variables-value-missing" in cs.faults and result["attributeStatus"] == "Accepted":
                result.pop("attributeValue", None)
            results.append(result)
        return {"getVariableResult": results}

    def on_SetVariables(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        asked = payload["setVariableData"]
        limit = cs.model.int_value("DeviceDataCtrlr", "ItemsPerMessage", 0, instance="SetVariables")
        if limit and len(asked) > limit:
            raise RpcError("OccurrenceConstraintViolation", f"at most {limit} items per SetVariablesRequest")
        results = []
        changed: list[tuple[Any, str]] = []
        for item in asked:
            outcome = cs.model.check_set(item)
            status = outcome.status
            if "read-only-variable-accepted" in cs.faults and status == "Rejected" and outcome.variable is not None \
                    and outcome.variable.attributes.get(item.get("attributeType") or "Actual") is not None \
                    and outcome.variable.attributes[item.get("attributeType") or "Actual"].mutability == "ReadOnly":
                status = "Accepted"  # says so, but the value stays
            elif "invalid-value-accepted" in cs.faults and status == "Rejected" and outcome.variable is not None:
                status = "Accepted"
            elif ("short-password-accepted" in cs.faults and status == "Rejected" and outcome.variable is not None
                  and outcome.variable.name == "BasicAuthPassword"):
                status = "Accepted"
            elif status in ("Accepted", "RebootRequired") and "set-variables-not-applied" not in cs.faults:
                cs.model.set(item)
                changed.append((outcome.variable, item["attributeValue"]))
            if "set-unknown-component-rejected" in cs.faults and status == "UnknownComponent":
                status = "Rejected"
            if "unknown-variable-as-component" in cs.faults and status == "UnknownVariable":
                status = "UnknownComponent"
            if "attribute-type-ignored" in cs.faults and status == "NotSupportedAttributeType":
                status = "Rejected"
            result: dict[str, Any] = {"attributeStatus": status, "component": item["component"],
                                      "variable": item["variable"]}
            if item.get("attributeType") is not None:
                result["attributeType"] = item["attributeType"]
            results.append(result)
        if changed:
            self._plan(unique_id, lambda: cs.variables_changed(changed))
        return {"setVariableResult": results}

    def after_SetVariables(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)

    def on_GetBaseReport(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        base = payload["reportBase"]
        if base not in cs.report_bases and "unsupported-report-accepted" not in cs.faults:
            return {"status": "NotSupported"}
        data = cs.model.report(base) if base in cs.report_bases else []
        if "report-variable-missing" in cs.faults:  # a required variable left out
            data = [d for d in data if d["variable"]["name"] != "TxEndedInterval"]
        self._plan(unique_id, lambda: cs.send_report(payload["requestId"], data))
        return {"status": "Accepted"}

    def after_GetBaseReport(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)

    def on_GetReport(self, payload: dict, unique_id: str) -> dict:
        cs = self.cs
        data = cs.model.custom_report(payload.get("componentCriteria") or [], payload.get("componentVariable") or [])
        if not data:
            return {"status": "EmptyResultSet"}
        self._plan(unique_id, lambda: cs.send_report(payload["requestId"], data))
        return {"status": "Accepted"}

    def after_GetReport(self, payload: dict, unique_id: str) -> Any:
        return self._run_plan(unique_id)


class Reporting:
    async def send_report(self, request_id: int, data: list[dict]) -> None:
        """NotifyReport messages of one report: seqNo from 0, tbc true on all but the last (B07.FR.03/04)."""
        rpc = self._rpc
        if rpc is None:
            return
        parts = [data[i:i + REPORT_PART] for i in range(0, len(data), REPORT_PART)] or [[]]
        generated = self.timestamp()
        for number, part in enumerate(parts):
            last = number == len(parts) - 1
            body: dict[str, Any] = {"requestId": request_id, "generatedAt": generated, "seqNo": number,
                                    "tbc": not last}
            if "report-tbc-wrong" in self.faults:
                body["tbc"] = False
            if "report-seqno-from-one" in self.faults:
                body["seqNo"] = number + 1
            if "report-request-id-wrong" in self.faults:
                body["requestId"] = request_id + 1
            if part:
                body["reportData"] = part
            if "report-last-part-missing" in self.faults and last and len(parts) > 1:
                return
            try:
                await rpc.call("NotifyReport", body)
            except (CallError, CallTimeout, ConnectionError) as exc:
                self.logger.info("%s: NotifyReport failed: %s", self.identity, exc)
                return
            await asyncio.sleep(0)
