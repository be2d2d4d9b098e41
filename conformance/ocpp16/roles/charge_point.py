"""The suite as an OCPP 1.6 charge point towards a Central System under test: a stateful model of a correct
charger (connectors, transactions, configuration, authorization cache, offline queue) that answers the Central
System's commands from its state.

What a charger then does on its own (start the transaction after an accepted RemoteStartTransaction, reboot after
Reset, ...) runs in the background as a `Reaction`, carried out by the bound `SuiteStation`
(`conformance.ocpp16.roles.station`) once the reply is on the wire.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from conformance.credentials import is_hex_key
from conformance.ocpp16.roles.firmware import (
    SUPPORTED_PROTOCOLS,
    TransferPlan,
    diagnostics_file_name,
    update_firmware,
    upload_diagnostics,
)
from conformance.ocpp16.roles.local_list import LocalListResponder, SuiteLocalList, local_list_configuration
from conformance.ocpp16.roles.reactions import Reaction
from conformance.ocpp16.roles.reservation import Reservations
from conformance.ocpp16.roles.security import ChargePointSecurity16, security_configuration
from conformance.ocpp16.roles.smart_charging import SmartChargingAnswers, smart_charging_configuration, suite_profiles
from conformance.peer import CallErrorReply
from conformance.protocol import OCPP16
from conformance.timestamps import parse_iso
from conformance.wire import Kind, MessageType, Record

MEASURANDS = frozenset({
    "Current.Export", "Current.Import", "Current.Offered", "Energy.Active.Export.Register",
    "Energy.Active.Import.Register", "Energy.Reactive.Export.Register", "Energy.Reactive.Import.Register",
    "Energy.Active.Export.Interval", "Energy.Active.Import.Interval", "Energy.Reactive.Export.Interval",
    "Energy.Reactive.Import.Interval", "Frequency", "Power.Active.Export", "Power.Active.Import", "Power.Factor",
    "Power.Offered", "Power.Reactive.Export", "Power.Reactive.Import", "RPM", "SoC", "Temperature", "Voltage",
})
PHASE_ROTATION = re.compile(r"(\d+\.)?(NotApplicable|Unknown|RST|RTS|SRT|STR|TRS|TSR)")

TRIGGERABLE = frozenset({"BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification",
                         "Heartbeat", "MeterValues", "StatusNotification"})


@dataclass
class ConfigEntry:
    value: str
    readonly: bool
    kind: str  # int | bool | measurands | phases | profiles | hexkey | profile | text
    write_only: bool = False  # never shown by GetConfiguration (AuthorizationKey)

    def accepts(self, value: str) -> str | None:
        """The value as stored if it is valid for this key, else None (the change is Rejected)."""
        text = value.strip()
        if self.kind == "text":
            return value
        if self.kind == "hexkey":
            return text.upper() if is_hex_key(text) else None
        if self.kind == "profile":  # SecurityProfile: 0-3, and only upwards (white paper)
            return text if re.fullmatch(r"[0-3]", text) and int(text) >= int(self.value or 0) else None
        if self.kind == "int":
            return text if re.fullmatch(r"\d{1,9}", text) else None
        if self.kind == "bool":
            return text.lower() if text.lower() in ("true", "false") else None
        items = [item.strip() for item in text.split(",") if item.strip()]
        if self.kind == "measurands":
            return ",".join(items) if all(item in MEASURANDS for item in items) and len(items) <= 4 else None
        if self.kind == "phases":
            return ",".join(items) if items and all(PHASE_ROTATION.fullmatch(item) for item in items) else None
        return None


def core_configuration(connectors: int) -> dict[str, ConfigEntry]:
    """The Core configuration keys (OCPP 1.6 §9.1) of the suite's charge point, with their accessibility."""
    rw, ro = False, True
    keys = {
        "AllowOfflineTxForUnknownId": ("false", rw, "bool"),
        "AuthorizationCacheEnabled": ("true", rw, "bool"),
        "AuthorizeRemoteTxRequests": ("true", rw, "bool"),
        "ClockAlignedDataInterval": ("0", rw, "int"),
        "ConnectionTimeOut": ("60", rw, "int"),
        "ConnectorPhaseRotation": (",".join(f"{c}.Unknown" for c in range(connectors + 1)), rw, "phases"),
        "ConnectorPhaseRotationMaxLength": (str(connectors + 1), ro, "int"),
        "GetConfigurationMaxKeys": ("50", ro, "int"),
        "HeartbeatInterval": ("300", rw, "int"),
        "LocalAuthorizeOffline": ("true", rw, "bool"),
        "LocalPreAuthorize": ("false", rw, "bool"),
        "MeterValuesAlignedData": ("Energy.Active.Import.Register", rw, "measurands"),
        "MeterValuesAlignedDataMaxLength": ("4", ro, "int"),
        "MeterValuesSampledData": ("Energy.Active.Import.Register", rw, "measurands"),
        "MeterValuesSampledDataMaxLength": ("4", ro, "int"),
        "MeterValueSampleInterval": ("60", rw, "int"),
        "MinimumStatusDuration": ("0", rw, "int"),
        "NumberOfConnectors": (str(connectors), ro, "int"),
        "ResetRetries": ("1", rw, "int"),
        "StopTransactionOnEVSideDisconnect": ("true", rw, "bool"),
        "StopTransactionOnInvalidId": ("true", rw, "bool"),
        "StopTxnAlignedData": ("", rw, "measurands"),
        "StopTxnAlignedDataMaxLength": ("4", ro, "int"),
        "StopTxnSampledData": ("Energy.Active.Import.Register", rw, "measurands"),
        "StopTxnSampledDataMaxLength": ("4", ro, "int"),
        "SupportedFeatureProfiles": ("Core,FirmwareManagement,LocalAuthListManagement,Reservation,RemoteTrigger,SmartCharging", ro, "profiles"),
        "SupportedFeatureProfilesMaxLength": ("6", ro, "int"),
        "SupportedFileTransferProtocols": (SUPPORTED_PROTOCOLS, ro, "profiles"),
        "TransactionMessageAttempts": ("3", rw, "int"),
        "TransactionMessageRetryInterval": ("10", rw, "int"),
        "UnlockConnectorOnEVSideDisconnect": ("true", rw, "bool"),
        "ReserveConnectorZeroSupported": ("true", ro, "bool"),  # Reservation profile (§9.3)
    }
    return {k: ConfigEntry(v, readonly, kind) for k, (v, readonly, kind) in keys.items()}


@dataclass
class SuiteTransaction:
    """A transaction of the suite's charge point (its id is known once StartTransaction.conf arrived)."""

    connector: int
    id_tag: str
    meter_start: int
    started_at: str
    transaction_id: int | None = None
    id_tag_info: dict | None = None
    begin: dict | None = None  # the Transaction.Begin sample, repeated in StopTransaction's transactionData


@dataclass
class SuiteConnector:
    id: int
    status: str = "Available"
    error_code: str = "NoError"
    reported: tuple[str, str] | None = None  # the (status, errorCode) the Central System last acknowledged
    plugged: bool = False
    locked: bool = False
    operative: bool = True
    authorized: str | None = None  # an id tag accepted before the cable was plugged in
    transaction: SuiteTransaction | None = None
    energy_wh: int = 0
    cable: asyncio.Event | None = None  # set when the cable is plugged in while `authorized` waits for it


class ChargePointResponder16(SmartChargingAnswers, LocalListResponder, ChargePointSecurity16):
    """The suite playing an OCPP 1.6 charge point towards a Central System under test.

    Holds the charger's state (connectors, transactions, configuration, authorization cache, offline queue) and
    answers the Central System's commands from it as a correct charger does. `bind(station)` (done by every
    `SuiteStation`) lets accepted commands be carried out: without it only the replies are given.
    """

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self.connector_count = descriptor.connectors
        self.configuration = core_configuration(self.connector_count)
        self.configuration |= {k: ConfigEntry(*entry) for k, entry in smart_charging_configuration().items()}
        self.smart = suite_profiles(descriptor)  # charging profiles (roles/smart_charging.py)
        self.configuration.update({k: ConfigEntry(*v) for k, v in local_list_configuration().items()})
        self.local_list = SuiteLocalList()
        for key, (value, readonly, kind, write_only) in security_configuration(descriptor).items():
            self.configuration[key] = ConfigEntry(value, readonly, kind, write_only)
        self._init_security()
        self.connectors = {c: SuiteConnector(c) for c in range(self.connector_count + 1)}  # 0 = the whole charger
        self.auth_cache: dict[str, dict] = {}
        self.fixed_cable = descriptor.fixed_cable
        self.unlock_fails: set[int] = set()
        self.lock_fails: set[int] = set()
        self.offline = False
        self.clock_lag = 0.0  # seconds the charger's clock is set back: a simulated offline period (SuiteStation._now)
        self.flushing = False
        self.booted = False
        self.queue: list[tuple[str, Callable[[], dict], Any]] = []  # transaction messages held while offline
        self.transaction_ids: set[int] = set()  # every id the Central System handed out, to notice a reused one
        self.commands: list[tuple[str, dict]] = []
        self.transfer_plan = TransferPlan()  # how the next firmware update / diagnostics upload goes (a case sets it)
        self.tasks: set[asyncio.Task] = set()
        self.timers: dict[int, asyncio.Task] = {}
        self.station: Any = None  # the SuiteStation that carries out reactions
        self._reactions: dict[str, asyncio.Future] = {}
        self._case_config: dict[str, str] = {}  # originals of values a case set for itself
        self.reservations = Reservations(self)

    def bind(self, station: Any) -> None:
        self.station = station

    # -- configuration -------------------------------------------------------------------------------------------
    def config_entry(self, key: str) -> tuple[str, ConfigEntry] | None:
        for name, entry in self.configuration.items():
            if name.lower() == str(key).lower():  # keys are CiString50: case-insensitive
                return name, entry
        return None

    def config(self, key: str) -> str:
        return self.configuration[key].value

    def config_bool(self, key: str) -> bool:
        return self.configuration[key].value == "true"

    def config_int(self, key: str) -> int:
        return int(self.configuration[key].value or 0)

    def set_for_case(self, key: str, value: Any) -> None:
        """Set a key the way the charger's owner would, for the current case only (restored by `restore_case`)."""
        text = str(value).lower() if isinstance(value, bool) else str(value)
        entry = self.configuration[key]
        self._case_config.setdefault(key, entry.value)
        entry.value = text

    def restore_case(self) -> None:
        for key, value in self._case_config.items():
            self.configuration[key].value = value
        self._case_config.clear()
        self.clock_lag = 0.0
        self.fixed_cable = self.descriptor.fixed_cable
        self.unlock_fails.clear()
        self.lock_fails.clear()
        self.smart.forget()
        self.transfer_plan = TransferPlan()
        self.restore_list_case()

    # -- authorization cache ----------------------------------------------------------------------------------------
    def cached(self, id_tag: str) -> dict | None:
        """The cached idTagInfo of `id_tag` if it is Accepted and not expired."""
        if not self.config_bool("AuthorizationCacheEnabled"):
            return None
        info = self.auth_cache.get(id_tag.lower())
        if not info or info.get("status") != "Accepted":
            return None
        expiry = parse_iso(info.get("expiryDate"))
        if expiry is not None and expiry <= datetime.now(timezone.utc):
            return None
        return info

    def remember(self, id_tag: str, info: dict) -> None:
        # identifiers in the Local Authorization List are not added to the cache (OCPP 1.6 §3.5.3)
        if self.config_bool("AuthorizationCacheEnabled") and isinstance(info, dict) and self.listed(id_tag) is None:
            self.auth_cache[id_tag.lower()] = dict(info)

    # -- reactions ---------------------------------------------------------------------------------------------------
    def reaction_future(self, unique_id: str, *, fresh: bool = False) -> asyncio.Future:
        """The outcome of the reaction to the CALL `unique_id` (`fresh`: a new CALL, even if an id is reused)."""
        fut = self._reactions.get(unique_id)
        if fut is None or (fresh and fut.done()):
            fut = asyncio.get_running_loop().create_future()
            fut.add_done_callback(_consume)
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
        task = asyncio.get_running_loop().create_task(self._react(rec, sent, then))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        self.station.peer.track(task)  # the case's end waits for it, so it never races the next case's connection

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

    async def _react(self, rec: Record, sent: asyncio.Future, then: Callable[[Any], Awaitable[Any]]) -> Any:
        try:
            answered = await asyncio.wait_for(sent, self.descriptor.timeouts.response)
        except TimeoutError:
            sent.cancel()
            return None
        if not answered:
            return None
        return await then(self.station)

    # -- answering the Central System ------------------------------------------------------------------------------
    async def answer(self, action: str, payload: dict, rec: Record) -> Any:
        self.commands.append((action, payload))
        handler = getattr(self, f"on_{action}", None)
        if handler is None:
            self._no_reaction(rec)
            if action in OCPP16.initiators:  # an OCPP 1.6 action, but none a Central System sends a charge point
                return CallErrorReply("NotSupported", f"the suite's charge point does not support {action}")
            return CallErrorReply("NotImplemented", f"{action} is not an OCPP 1.6 action the charge point knows")
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

    def _connector_ok(self, c: Any) -> bool:
        return isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= self.connector_count

    def on_GetConfiguration(self, p: dict) -> dict:
        keys = p.get("key") or []
        if not keys:
            return {"configurationKey": [{"key": k, "readonly": e.readonly, "value": e.value}
                                         for k, e in self.configuration.items() if not e.write_only]}
        known, unknown = [], []
        for key in keys:
            found = self.config_entry(key)
            if found is None or found[1].write_only:
                unknown.append(key)
            else:
                known.append({"key": found[0], "readonly": found[1].readonly, "value": found[1].value})
        out: dict[str, Any] = {"configurationKey": known} if known else {}
        if unknown:
            out["unknownKey"] = unknown
        return out

    def on_ChangeConfiguration(self, p: dict) -> dict:
        found = self.config_entry(p.get("key", ""))
        if found is None:
            return {"status": "NotSupported"}
        name, entry = found
        value = entry.accepts(str(p.get("value", "")))
        if entry.readonly or value is None:
            return {"status": "Rejected"}
        entry.value = value
        self._case_config.pop(name, None)  # the Central System's value stands after the case
        work = self.security_change(name, value)  # a new password or security profile (roles/security.py)
        if work is not None:
            return Reaction({"status": "Accepted"}, work)
        return {"status": "Accepted"}

    def on_RemoteStartTransaction(self, p: dict) -> Any:
        id_tag, c = p.get("idTag", ""), p.get("connectorId")
        if c is None:  # the charger picks a free connector
            c = next((n for n in range(1, self.connector_count + 1) if self._can_start(n, id_tag)), None)
        if not self._connector_ok(c) or not self._can_start(c, id_tag):
            return {"status": "Rejected"}
        if not self.smart.remote_start(c, id_tag, p.get("chargingProfile")):
            return {"status": "Rejected"}  # a profile the transaction cannot take (roles/smart_charging.py)
        return Reaction({"status": "Accepted"}, lambda station: station.remote_start(c, id_tag))

    def _can_start(self, c: int, id_tag: str) -> bool:
        conn = self.connectors[c]
        return (conn.transaction is None and conn.operative and conn.status not in ("Faulted", "Unavailable")
                and conn.authorized in (None, id_tag))

    def on_RemoteStopTransaction(self, p: dict) -> Any:
        for c, conn in self.connectors.items():
            if conn.transaction is not None and conn.transaction.transaction_id == p.get("transactionId"):
                return Reaction({"status": "Accepted"}, lambda station, c=c: station.stop_transaction(c, "Remote"))
        return {"status": "Rejected"}

    def on_Reset(self, p: dict) -> Any:
        kind = p.get("type", "Hard")
        return Reaction({"status": "Accepted"}, lambda station: station.reset(kind))

    def on_UnlockConnector(self, p: dict) -> Any:
        c = p.get("connectorId")
        if not self._connector_ok(c) or self.fixed_cable:
            return {"status": "NotSupported"}
        if c in self.unlock_fails:
            return {"status": "UnlockFailed"}
        return Reaction({"status": "Unlocked"}, lambda station: station.unlocked(c))

    def on_ClearCache(self, p: dict) -> dict:
        self.auth_cache.clear()
        return {"status": "Accepted"}

    def on_ChangeAvailability(self, p: dict) -> Any:
        c, operative = p.get("connectorId"), p.get("type") == "Operative"
        if not (c == 0 or self._connector_ok(c)):
            return {"status": "Rejected"}
        targets = list(range(self.connector_count + 1)) if c == 0 else [c]
        busy = any(self.connectors[n].transaction is not None for n in targets)
        status = "Scheduled" if busy and not operative else "Accepted"
        return Reaction({"status": status}, lambda station: station.change_availability(targets, operative))

    def on_DataTransfer(self, p: dict) -> dict:
        return {"status": "UnknownVendorId"}

    def on_UpdateFirmware(self, p: dict) -> Any:
        return Reaction({}, lambda station: update_firmware(station, p))

    def on_GetDiagnostics(self, p: dict) -> Any:
        name = diagnostics_file_name(self.descriptor.identity)
        return Reaction({"fileName": name}, lambda station: upload_diagnostics(station, p, name))

    def on_ReserveNow(self, p: dict) -> Any:
        return _reacting(*self.reservations.reserve(p))

    def on_CancelReservation(self, p: dict) -> Any:
        return _reacting(*self.reservations.cancel(p))

    def on_TriggerMessage(self, p: dict) -> Any:
        """Accepted for every message it can send (sent once the answer is on the wire, OCPP 1.6 §5.17); Rejected for
        a connector it does not have; a connectorId the message does not concern is ignored."""
        message, c = p.get("requestedMessage"), p.get("connectorId")
        if c is not None and not (c == 0 or self._connector_ok(c)):
            return {"status": "Rejected"}
        if message in TRIGGERABLE:
            return Reaction({"status": "Accepted"}, lambda station: station.triggered(message, c))
        return {"status": "NotImplemented"}


def _reacting(reply: dict, then: Callable[[Any], Awaitable[Any]] | None) -> Any:
    return reply if then is None else Reaction(reply, then)


def _consume(fut: asyncio.Future) -> None:
    """Mark a reaction's outcome as seen: a reaction nobody waits for is only noted in the wire log."""
    if not fut.cancelled():
        fut.exception()
