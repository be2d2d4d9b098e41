"""The suite as an OCPP 2.0.1 charging station towards a CSMS under test: its state (device model, EVSEs and
connectors, transactions, registration) and its answers to the CSMS's requests, given from that state as a correct
station gives them.

What a station then does on its own (the report after GetBaseReport, the reboot after Reset, the message a
TriggerMessage asked for) runs in the background as a `Reaction`, carried out by the bound `SuiteStation201`
(`conformance.ocpp201.roles.station`) once the answer is on the wire.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from conformance.ocpp201.device_model import DeviceModel, StationFacts, Variable, standard_variables
from conformance.peer import CallErrorReply
from conformance.protocol import OCPP201
from conformance.timestamps import utc_now
from conformance.wire import Kind, MessageType, Record

# What the suite's station sends when a TriggerMessage asks for it.
TRIGGERABLE = frozenset({"BootNotification", "Heartbeat", "StatusNotification", "FirmwareStatusNotification",
                         "LogStatusNotification", "MeterValues", "TransactionEvent"})
CONFIGURATION_SLOTS = frozenset({0, 1, 2, 3})


@dataclass
class Reaction:
    """An answer to the CSMS, and what the station then does (`then(station)`, after the answer is on the wire)."""

    reply: dict
    then: Callable[[Any], Awaitable[Any]]


@dataclass
class SuiteTransaction:
    transaction_id: str
    evse: int
    id_token: dict
    seq_no: int = 0


@dataclass
class SuiteEvse:
    id: int
    connectors: int = 1
    plugged: bool = False
    operative: bool = True
    resetting: bool = False
    transaction: SuiteTransaction | None = None
    reported: dict[int, str] = field(default_factory=dict)  # connector -> status the CSMS acknowledged last


class ChargingStationResponder201:
    """The suite playing an OCPP 2.0.1 charging station towards a CSMS under test."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        counts = tuple(descriptor.evses) or (1,)
        self.evses = {n: SuiteEvse(n, count) for n, count in enumerate(counts, start=1)}
        self.operative = True
        self.model = DeviceModel(standard_variables(StationFacts(
            evses=counts, identity=descriptor.identity, security_profile=descriptor.security.profile,
            state_of=self.state_of, now=utc_now)))
        self.registration: str | None = None
        self.commands: list[tuple[str, dict]] = []
        self.network_profiles: dict[int, dict] = {}
        self.network_profile_fails = False  # a case makes storing a network profile fail (SetNetworkProfile Failed)
        self.scheduled_reset: tuple[str, int | None, set[str]] | None = None  # (type, evse, transactions it waits for)
        self.offline = False  # the connection is lost: transaction events wait in `queue` (E12)
        self.queue: list[dict] = []  # TransactionEventRequest payloads not yet delivered, oldest first
        self.station: Any = None
        self.tasks: set[asyncio.Task] = set()
        self._reactions: dict[str, asyncio.Future] = {}
        self._case_changes: list[tuple[Variable, str, str]] = []  # (variable, attribute, value before the case)

    def bind(self, station: Any) -> None:
        self.station = station

    # -- state -------------------------------------------------------------------------------------------------------
    def connector_state(self, evse: int, connector: int = 1) -> str:
        e = self.evses[evse]
        if not self.operative or not e.operative or e.resetting:
            return "Unavailable"
        return "Occupied" if e.plugged or e.transaction is not None else "Available"

    def state_of(self, evse: int | None, connector: int | None) -> str:
        if evse is None:
            return "Available" if self.operative else "Unavailable"
        return self.connector_state(evse, connector or 1)

    def restore_case(self) -> None:
        """What the CSMS changed in the device model during a case is put back: the next case meets the same
        station."""
        for variable, attribute, value in reversed(self._case_changes):
            self.model.restore(variable, attribute, value)
        self._case_changes.clear()
        self.network_profiles.clear()
        self.network_profile_fails = False
        self.scheduled_reset = None
        self.offline = False
        self.queue.clear()
        self.operative = True
        for e in self.evses.values():
            e.operative = True
            e.resetting = False

    # -- reactions ---------------------------------------------------------------------------------------------------
    def reaction_future(self, unique_id: str, *, fresh: bool = False) -> asyncio.Future:
        fut = self._reactions.get(unique_id)
        if fut is None or (fresh and fut.done()):
            fut = asyncio.get_running_loop().create_future()
            fut.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._reactions[unique_id] = fut
        return fut

    def forget_reactions(self) -> None:
        self._reactions = {uid: f for uid, f in self._reactions.items() if not f.done()}

    def _schedule(self, rec: Record, then: Callable[[Any], Awaitable[Any]]) -> None:
        fut = self.reaction_future(rec.unique_id or "", fresh=True)
        if self.station is None:
            fut.set_result(None)
            return
        sent = self._watch_reply(rec)
        task = asyncio.get_running_loop().create_task(self._react(sent, then))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        self.station.peer.track(task)

        def settle(t: asyncio.Task) -> None:
            if fut.done():
                return
            if t.cancelled():
                fut.cancel()
            elif t.exception() is not None:
                fut.set_exception(t.exception())
                self.station.link.wire.event("note", reaction_failed=f"{rec.action}: {t.exception()}"[:500])
            else:
                fut.set_result(t.result())

        task.add_done_callback(settle)

    def _watch_reply(self, rec: Record) -> asyncio.Future:
        """Resolves to True once the suite's CALLRESULT to `rec` is on the wire (False for a CALLERROR)."""
        fut = asyncio.get_running_loop().create_future()

        def listener(r: Record) -> None:
            if (not fut.done() and r.kind is Kind.FRAME and not r.from_iut and r.unique_id == rec.unique_id
                    and r.message_type in (MessageType.CALLRESULT, MessageType.CALLERROR)):
                fut.set_result(r.message_type == MessageType.CALLRESULT)

        unsubscribe = self.station.link.wire.subscribe(listener)
        fut.add_done_callback(lambda _: unsubscribe())
        return fut

    async def _react(self, sent: asyncio.Future, then: Callable[[Any], Awaitable[Any]]) -> Any:
        try:
            answered = await asyncio.wait_for(sent, self.descriptor.timeouts.response)
        except TimeoutError:
            sent.cancel()
            return None
        return await then(self.station) if answered else None

    # -- answering the CSMS ------------------------------------------------------------------------------------------
    async def answer(self, action: str, payload: dict, rec: Record) -> Any:
        self.commands.append((action, payload))
        handler = getattr(self, f"on_{action}", None)
        if self.registration == "Rejected":  # B03.FR.08: a Rejected station answers every request SecurityError
            self._no_reaction(rec)
            return CallErrorReply("SecurityError", "the suite's charging station is not registered (Rejected)")
        if handler is None:
            self._no_reaction(rec)
            if action in OCPP201.initiators:
                return CallErrorReply("NotSupported", f"the suite's charging station does not support {action}")
            return CallErrorReply("NotImplemented", f"{action} is not an OCPP 2.0.1 action a station knows")
        reply = handler(payload)
        if isinstance(reply, Reaction):
            self._schedule(rec, reply.then)
            return reply.reply
        self._no_reaction(rec)
        return reply

    def _no_reaction(self, rec: Record) -> None:
        fut = self.reaction_future(rec.unique_id or "", fresh=True)
        if not fut.done():
            fut.set_result(None)

    def on_GetVariables(self, p: dict) -> dict:
        return {"getVariableResult": [self.model.get(item) for item in p.get("getVariableData") or []]}

    def on_SetVariables(self, p: dict) -> dict:
        results = []
        for item in p.get("setVariableData") or []:
            before = self.model.check_set(item)
            outcome = self.model.set(item)
            if outcome.status in ("Accepted", "RebootRequired") and outcome.variable is not None:
                self._case_changes.append((outcome.variable, item.get("attributeType") or "Actual",
                                           before.previous or ""))
            result: dict[str, Any] = {"attributeStatus": outcome.status, "component": item.get("component"),
                                      "variable": item.get("variable")}
            if item.get("attributeType") is not None:
                result["attributeType"] = item["attributeType"]
            results.append(result)
        return {"setVariableResult": results}

    def on_GetBaseReport(self, p: dict) -> Any:
        data = self.model.report(p.get("reportBase", ""))
        request_id = p.get("requestId")
        return Reaction({"status": "Accepted"}, lambda station: station.send_report(request_id, data))

    def on_GetReport(self, p: dict) -> Any:
        data = self.model.custom_report(p.get("componentCriteria") or [], p.get("componentVariable") or [])
        if not data:
            return {"status": "EmptyResultSet"}
        request_id = p.get("requestId")
        return Reaction({"status": "Accepted"}, lambda station: station.send_report(request_id, data))

    def on_Reset(self, p: dict) -> Any:
        kind, evse = p.get("type"), p.get("evseId")
        if evse is not None and evse not in self.evses:
            return {"status": "Rejected"}
        targets = [self.evses[evse]] if evse is not None else list(self.evses.values())
        busy = {e.transaction.transaction_id for e in targets if e.transaction is not None}
        if busy and kind == "OnIdle":
            self.scheduled_reset = (kind, evse, busy)
            return {"status": "Scheduled"}
        return Reaction({"status": "Accepted"}, lambda station: station.reset(kind, evse))

    def on_TriggerMessage(self, p: dict) -> Any:
        message, where = p.get("requestedMessage"), p.get("evse") or {}
        evse = where.get("id")
        if evse is not None and evse not in self.evses:
            return {"status": "Rejected"}
        if message not in TRIGGERABLE:
            return {"status": "NotImplemented"}
        if message == "BootNotification" and self.registration == "Accepted":
            return {"status": "Rejected"}  # F06.FR.17
        return Reaction({"status": "Accepted"}, lambda station: station.triggered(message, evse))

    def on_ChangeAvailability(self, p: dict) -> Any:
        operative = p.get("operationalStatus") == "Operative"
        evse = (p.get("evse") or {}).get("id")
        if evse is not None and evse not in self.evses:
            return {"status": "Rejected"}
        busy = any(e.transaction is not None for e in ([self.evses[evse]] if evse else self.evses.values()))
        status = "Scheduled" if busy and not operative else "Accepted"
        return Reaction({"status": status}, lambda station: station.change_availability(operative, evse))

    def on_SetNetworkProfile(self, p: dict) -> dict:
        """Accepted and stored for a slot the station has and a profile it can use (B09.FR.01); else Rejected
        (B09.FR.02). What the CSMS sent is judged by the case against what its operator asked."""
        slot, data = p.get("configurationSlot"), p.get("connectionData") or {}
        profile = data.get("securityProfile", -1)
        url = str(data.get("ocppCsmsUrl", ""))
        usable = (data.get("ocppVersion") == "OCPP20" and data.get("ocppTransport") == "JSON"
                  and isinstance(profile, int) and profile >= self.descriptor.security.profile
                  and url.startswith(("wss://" if profile >= 2 else "ws://")))
        if slot not in CONFIGURATION_SLOTS or not usable:
            return {"status": "Rejected"}
        if self.network_profile_fails:
            return {"status": "Failed"}
        self.network_profiles[slot] = dict(data)
        return {"status": "Accepted"}

    def on_RequestStartTransaction(self, p: dict) -> Any:
        evse = p.get("evseId") or next((e.id for e in self.evses.values() if e.transaction is None), None)
        if evse not in self.evses or self.evses[evse].transaction is not None or self.connector_state(evse) == \
                "Unavailable":
            return {"status": "Rejected"}
        token, remote_id = p.get("idToken") or {}, p.get("remoteStartId")
        return Reaction({"status": "Accepted"}, lambda station: station.remote_start(evse, token, remote_id))

    def on_RequestStopTransaction(self, p: dict) -> Any:
        for e in self.evses.values():
            if e.transaction is not None and e.transaction.transaction_id == p.get("transactionId"):
                return Reaction({"status": "Accepted"},
                                lambda station, e=e: station.stop_transaction(e.id, "Remote", "RemoteStop"))
        return {"status": "Rejected"}

    def on_GetTransactionStatus(self, p: dict) -> Any:
        """E14: whether messages wait in the queue (of that transaction, or any) and, for a transaction asked by id,
        whether it is still going; a queue not empty goes out right after the answer."""
        tx_id = p.get("transactionId")
        queued = [q for q in self.queue if tx_id is None or q["transactionInfo"]["transactionId"] == tx_id]
        reply: dict[str, Any] = {"messagesInQueue": bool(queued)}
        if tx_id is not None:
            reply["ongoingIndicator"] = any(e.transaction is not None and e.transaction.transaction_id == tx_id
                                            for e in self.evses.values())
        if not queued:
            return reply
        return Reaction(reply, lambda station: station.deliver_queue())

    def on_ClearCache(self, p: dict) -> dict:
        return {"status": "Accepted"}

    def on_DataTransfer(self, p: dict) -> dict:
        return {"status": "UnknownVendorId"}
