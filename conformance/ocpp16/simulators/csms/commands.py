"""The operator API: any Central System command of OCPP 1.6 sent to a connected charge point, checked against the
schema first; faults change the command as a faulty Central System would send it."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Mapping

from conformance.ocpp16.simulators.csms.records import Station, UnknownAction, UnknownStation
from conformance.ocpp16.simulators.rpc import RpcEndpoint, check_payload
from conformance.protocol import OCPP16
from conformance.wire import Role

# Central System -> Charge Point actions of 1.6 (Core and the other profiles, plus the security white paper).
CSMS_ACTIONS = OCPP16.actions_initiated_by(Role.CSMS)


def action_name(action: str) -> str:
    """`remote-start-transaction`, `remote_start_transaction` or `RemoteStartTransaction` -> `RemoteStartTransaction`."""
    if re.fullmatch(r"[A-Z][A-Za-z]*", action):
        return action
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", action.strip()) if part)


class OperatorCommands:
    """Sending commands and keeping what the answers reveal."""

    def station(self, station_id: str) -> Station:
        station = self.stations.get(station_id)
        if station is None:
            raise UnknownStation(f"charge point {station_id!r} has never connected to this CSMS")
        return station

    async def send_command(self, station_id: str, action: str, payload: Mapping[str, Any] | None = None) -> dict:
        """Send a Central System command to a connected charge point; returns its CALLRESULT payload.

        Raises UnknownStation (not connected), UnknownAction (not a 1.6 CSMS command), ValueError (bad payload),
        rpc.CallError (the charge point answered CALLERROR), rpc.CallTimeout (no answer in time).
        """
        return await self.start_command(station_id, action, payload)

    def start_command(
        self, station_id: str, action: str, payload: Mapping[str, Any] | None = None, *, on_sent: asyncio.Event | None = None
    ) -> "asyncio.Future[dict]":
        """Check and launch a command at once (errors in the request are raised here); the future gives the reply."""
        session, name, body = self._prepare_command(station_id, action, payload)
        return asyncio.ensure_future(self._run_command(station_id, session, name, body, on_sent))

    def _prepare_command(self, station_id: str, action: str, payload: Mapping[str, Any] | None) -> tuple["RpcEndpoint", str, dict]:
        name = action_name(action)
        if name not in CSMS_ACTIONS:
            raise UnknownAction(f"{action!r} is not an OCPP 1.6 Central System command; known: {', '.join(sorted(CSMS_ACTIONS))}")
        station = self.stations.get(station_id)
        if station is None or station.session is None:
            raise UnknownStation(f"charge point {station_id!r} is not connected to this CSMS")
        body = dict(payload or {})
        if name == "RemoteStopTransaction" and "transactionId" not in body:
            tx = self.running_transaction(station_id, body.pop("connectorId", None))
            if tx is None:
                raise ValueError(f"charge point {station_id!r} has no running transaction to stop; give transactionId")
            body["transactionId"] = tx.transaction_id
        if name == "RemoteStartTransaction" and "idTag" not in body:
            valid = [t for t, r in self.id_tags.items() if r.status == "Accepted"]
            if not valid:
                raise ValueError("RemoteStartTransaction needs an idTag (the token database has no Accepted tag)")
            body["idTag"] = valid[0]
        body = self._complete_file_command(name, body)
        if name == "SendLocalList":
            body = self._prepared_local_list(station_id, body)
        body = self.reservation_command(name, body)
        body = self._complete_command(name, body)  # what the white paper's commands leave to the CSMS (security.py)
        problem = check_payload(name, body)
        if problem is not None:
            raise ValueError(f"{name} payload is not valid OCPP 1.6: {problem.message}")
        self._check_smart_charging_command(name, body)
        return station.session, name, self._faulty_security_command(name, self._faulty_command(name, body))

    def _faulty_command(self, name: str, body: dict) -> dict:
        """The command as a faulty Central System would send it (unchanged without faults)."""
        faults = self.faults
        if name == "RemoteStartTransaction" and "connectorId" in body and "remote-start-connector-zero" in faults:
            body["connectorId"] = 0
        if name == "RemoteStopTransaction" and "remote-stop-wrong-transaction" in faults:
            body["transactionId"] += 1
        if name == "Reset" and "reset-type-swapped" in faults:
            body["type"] = {"Hard": "Soft", "Soft": "Hard"}.get(body.get("type"), body.get("type"))
        if name == "UnlockConnector" and "unlock-wrong-connector" in faults:
            body["connectorId"] += 1
        if name == "TriggerMessage" and "trigger-connector-dropped" in faults:
            body.pop("connectorId", None)
        if name == "GetConfiguration" and "get-configuration-key-list-dropped" in faults:
            body.pop("key", None)
        if name == "ChangeConfiguration" and "change-configuration-value-number" in faults:
            text = str(body.get("value", ""))
            if text.lower() in ("true", "false"):
                body["value"] = text.lower() == "true"
            elif re.fullmatch(r"-?\d+", text):
                body["value"] = int(text)
        return self.faulty_reservation_command(name, self._faulty_smart_charging(name, body))

    async def _run_command(self, station_id: str, session: "RpcEndpoint", name: str, body: dict, on_sent: asyncio.Event | None) -> dict:
        if "commands-not-sent" in self.faults:
            self._wake()
            return {}
        try:
            # a faulty command may break the schema on purpose; a correct one was checked in _prepare_command
            reply = await session.call_raw(name, body, on_sent=on_sent, validate=False)
        finally:
            self._wake()
        self._remember_configuration(session.station, name, body, reply)
        self.remember_reservation(session.station, name, body, reply)
        self._security_command_answered(station_id, name, body, reply)  # new password or profile (security.py)
        return reply

    @staticmethod
    def _remember_configuration(station: Station, name: str, body: dict, reply: dict) -> None:
        """Keep what the charge point reported about its configuration (GetConfiguration, accepted changes)."""
        if name == "GetConfiguration":
            for entry in reply.get("configurationKey") or []:
                if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                    station.configuration[entry["key"]] = {"value": entry.get("value"), "readonly": entry.get("readonly")}
        elif name == "ChangeConfiguration" and reply.get("status") in ("Accepted", "RebootRequired"):
            known = station.configuration.get(body.get("key"), {"readonly": False})
            station.configuration[str(body.get("key"))] = {"value": body.get("value"), "readonly": known.get("readonly")}
