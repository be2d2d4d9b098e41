"""The operator API: any CSMS request of OCPP 2.0.1 sent to a connected station, completed where the CSMS decides
(request ids, the transaction to stop, the IdToken of a remote start) and checked against the schema; faults change
the request as a faulty CSMS would send it."""

from __future__ import annotations

import asyncio
import copy
import itertools
import re
from typing import Any, Mapping

from conformance.ocpp201.simulators.csms.records import Station, UnknownAction, UnknownStation
from conformance.ocpp201.simulators.rpc import check_payload
from conformance.protocol import OCPP201
from conformance.wire import Role

CSMS_ACTIONS = OCPP201.actions_initiated_by(Role.CSMS)
_REQUEST_IDS = itertools.count(1)


def action_name(action: str) -> str:
    """`get-base-report`, `get_base_report` or `GetBaseReport` -> `GetBaseReport`."""
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*", action):
        return action
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", action.strip()) if part)


class OperatorCommands:
    def station(self, station_id: str) -> Station:
        station = self.stations.get(station_id)
        if station is None:
            raise UnknownStation(f"charging station {station_id!r} has never connected to this CSMS")
        return station

    async def send_command(self, station_id: str, action: str, payload: Mapping[str, Any] | None = None) -> dict:
        """Send a CSMS request to a connected station; returns its CALLRESULT payload. Raises UnknownStation,
        UnknownAction, ValueError (bad payload), rpc.CallError, rpc.CallTimeout."""
        return await self.start_command(station_id, action, payload)

    def start_command(self, station_id: str, action: str, payload: Mapping[str, Any] | None = None, *,
                      on_sent: asyncio.Event | None = None) -> "asyncio.Future[dict]":
        """Check and launch a command at once (mistakes in the request raise here); the future gives the reply."""
        station, name, body = self._prepare_command(station_id, action, payload)
        return asyncio.ensure_future(self._run_command(station, name, body, on_sent))

    def _prepare_command(self, station_id: str, action: str, payload: Mapping[str, Any] | None
                         ) -> tuple[Station, str, dict]:
        name = action_name(action)
        if name not in CSMS_ACTIONS:
            raise UnknownAction(f"{action!r} is not an OCPP 2.0.1 CSMS request; known: {', '.join(sorted(CSMS_ACTIONS))}")
        station = self.stations.get(station_id)
        if station is None or station.session is None:
            raise UnknownStation(f"charging station {station_id!r} is not connected to this CSMS")
        body = self._completed(station, name, copy.deepcopy(dict(payload or {})))  # never the operator's objects
        problem = check_payload(name, body)
        if problem is not None:
            raise ValueError(f"{name} payload is not valid OCPP 2.0.1: {problem.message}")
        return station, name, self._faulty_command(name, body)

    def _completed(self, station: Station, name: str, body: dict) -> dict:
        """What the CSMS fills in itself."""
        if name in ("GetBaseReport", "GetReport") and "requestId" not in body:
            body["requestId"] = next(_REQUEST_IDS)
        if name == "GetBaseReport":
            body.setdefault("reportBase", "FullInventory")
        if name == "Reset":
            body.setdefault("type", "OnIdle")
        if name == "RequestStartTransaction":
            body.setdefault("remoteStartId", next(_REQUEST_IDS))
            if "idToken" not in body:
                valid = [(t, r) for t, r in self.tokens.items() if r.status == "Accepted"]
                if not valid:
                    raise ValueError("RequestStartTransaction needs an idToken (the token database has none Accepted)")
                body["idToken"] = {"idToken": valid[0][0], "type": valid[0][1].type or "ISO14443"}
        if name == "RequestStopTransaction" and "transactionId" not in body:
            evse = body.pop("evseId", None)
            running = [t for t in self.transactions.values() if t.station_id == station.identity and not t.ended
                       and (evse is None or t.evse == evse)]
            if not running:
                raise ValueError(f"charging station {station.identity!r} has no running transaction to stop")
            body["transactionId"] = running[-1].transaction_id
        return body

    def _faulty_command(self, name: str, body: dict) -> dict:
        """The command as a faulty CSMS would send it (unchanged without faults)."""
        faults = self.faults
        if name == "Reset" and "reset-type-swapped" in faults:
            body["type"] = {"OnIdle": "Immediate", "Immediate": "OnIdle"}[body["type"]]
        if name == "Reset" and "reset-evse-dropped" in faults:
            body.pop("evseId", None)
        if name == "GetVariables" and "get-variables-instance-dropped" in faults:
            for item in body.get("getVariableData") or []:
                (item.get("variable") or {}).pop("instance", None)
        if name == "SetVariables" and "set-variables-value-trimmed" in faults:
            for item in body.get("setVariableData") or []:
                item["attributeValue"] = str(item.get("attributeValue", ""))[:-1] or "0"
        if name == "GetBaseReport" and "report-base-swapped" in faults:
            body["reportBase"] = {"FullInventory": "ConfigurationInventory"}.get(body["reportBase"], "FullInventory")
        if name == "SetNetworkProfile" and "network-profile-slot-shifted" in faults:
            body["configurationSlot"] += 1
        if name == "RequestStopTransaction" and "request-stop-stale-transaction" in faults:
            ended = [t.transaction_id for t in self.transactions.values() if t.ended]
            body["transactionId"] = ended[0] if ended else body["transactionId"][::-1]
        if name == "GetTransactionStatus" and "get-transaction-status-id-dropped" in faults:
            body.pop("transactionId", None)
        if name == "GetTransactionStatus" and "get-transaction-status-id-added" in faults and self.transactions:
            body.setdefault("transactionId", list(self.transactions)[-1])
        return body

    def _new_password(self, station: Station, body: dict, reply: dict) -> None:
        """A BasicAuthPassword the station accepted is the one its next connections must carry (A01)."""
        results = reply.get("setVariableResult") or []
        for item, result in zip(body.get("setVariableData") or [], results):
            if ((item.get("component") or {}).get("name"), (item.get("variable") or {}).get("name")) != \
                    ("SecurityCtrlr", "BasicAuthPassword"):
                continue
            accepted = (result or {}).get("attributeStatus") == "Accepted"
            if "password-update-not-stored" in self.faults:
                continue
            if accepted or "password-stored-when-rejected" in self.faults:
                self.basic_auth[station.identity] = str(item.get("attributeValue", ""))

    async def _run_command(self, station: Station, name: str, body: dict, on_sent: asyncio.Event | None) -> dict:
        session = station.session
        if "commands-not-sent" in self.faults or session is None:
            self._wake()
            return {}
        if station.registration == "Pending":
            self.grant(station, name, body)
        try:
            reply = await session.call(name, body, on_sent=on_sent, validate=False)
        finally:
            self._wake()
        if name == "SetNetworkProfile" and "network-profile-used-whatever-answer" in self.faults:
            priority = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"},
                        "attributeValue": f"{body['configurationSlot']},0"}
            await session.call("SetVariables", {"setVariableData": [priority]}, validate=False)
        if name == "SetVariables":
            self._new_password(station, body, reply)
        if name == "GetVariables":
            for result in reply.get("getVariableResult") or []:
                if result.get("attributeStatus") == "Accepted":
                    key = f"{(result.get('component') or {}).get('name')}.{(result.get('variable') or {}).get('name')}"
                    station.variables[key] = result.get("attributeValue", "")
        return reply
