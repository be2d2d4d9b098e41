"""Reference OCPP 1.6 charge point: the Core profile as a real charger does it, plus named faults.

The charger is one asyncio object. Its physical side (cables, cards, power, network, faults) is driven by methods
that return at once, like a person's action; the charger reacts in background tasks. Everything the charger
would keep in non-volatile memory (configuration, authorization cache, availability, meter registers, the queue
of transaction messages) survives reboots and power cuts; everything else is lost with power.

Outgoing messages after boot go through one ordered outbox: transaction messages (StartTransaction,
StopTransaction, MeterValues of a transaction) are kept while offline and retried per TransactionMessageAttempts /
TransactionMessageRetryInterval; StatusNotifications are coalesced while offline and the latest state is sent
after reconnecting.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import logging
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, Iterable, Mapping
from urllib.parse import quote

from ocpp.routing import after, on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from . import faults as fault_registry
from .observe import Observable
from .rpc import CallError, CallTimeout, RpcEndpoint, RpcError, fail

LOGGER = logging.getLogger("conformance.ocpp16.simulators.charge_point")

SUBPROTOCOL = "ocpp1.6"

MEASURANDS = {
    # measurand: (unit, location)
    "Energy.Active.Import.Register": ("Wh", "Outlet"),
    "Power.Active.Import": ("W", "Outlet"),
    "Current.Import": ("A", "Outlet"),
    "Current.Offered": ("A", "Outlet"),
    "Power.Offered": ("W", "Outlet"),
    "Voltage": ("V", "Outlet"),
    "Frequency": (None, None),
    "Temperature": ("Celsius", "Body"),
    "SoC": ("Percent", "EV"),
}

_TRIGGERABLE = {
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
}


# --------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class ConfigSpec:
    kind: str  # bool | int | csl | measurands | str | hexkey
    default: str
    readonly: bool = False
    minimum: int | None = 0
    maximum: int | None = None
    max_items_key: str | None = None  # key holding the maximum list length
    write_only: bool = False  # never returned by GetConfiguration


CONFIG_SPECS: dict[str, ConfigSpec] = {
    "AllowOfflineTxForUnknownId": ConfigSpec("bool", "false"),
    "AuthorizationCacheEnabled": ConfigSpec("bool", "true"),
    "AuthorizeRemoteTxRequests": ConfigSpec("bool", "false"),
    "BlinkRepeat": ConfigSpec("int", "3"),
    "ClockAlignedDataInterval": ConfigSpec("int", "0"),
    "ConnectionTimeOut": ConfigSpec("int", "60"),
    "ConnectorPhaseRotation": ConfigSpec("csl", "0.RST,1.RST,2.RST"),
    "ConnectorPhaseRotationMaxLength": ConfigSpec("int", "4", readonly=True),
    "GetConfigurationMaxKeys": ConfigSpec("int", "64", readonly=True),
    "HeartbeatInterval": ConfigSpec("int", "300"),
    "LightIntensity": ConfigSpec("int", "50", maximum=100),
    "LocalAuthorizeOffline": ConfigSpec("bool", "true"),
    "LocalPreAuthorize": ConfigSpec("bool", "false"),
    "MaxEnergyOnInvalidId": ConfigSpec("int", "0"),
    "MeterValuesAlignedData": ConfigSpec("measurands", "Energy.Active.Import.Register", max_items_key="MeterValuesAlignedDataMaxLength"),
    "MeterValuesAlignedDataMaxLength": ConfigSpec("int", "9", readonly=True),
    "MeterValuesSampledData": ConfigSpec("measurands", "Energy.Active.Import.Register,Power.Active.Import", max_items_key="MeterValuesSampledDataMaxLength"),
    "MeterValuesSampledDataMaxLength": ConfigSpec("int", "9", readonly=True),
    "MeterValueSampleInterval": ConfigSpec("int", "60"),
    "MinimumStatusDuration": ConfigSpec("int", "0"),
    "NumberOfConnectors": ConfigSpec("int", "2", readonly=True),
    "ResetRetries": ConfigSpec("int", "1"),
    "StopTransactionOnEVSideDisconnect": ConfigSpec("bool", "true"),
    "StopTransactionOnInvalidId": ConfigSpec("bool", "true"),
    "StopTxnAlignedData": ConfigSpec("measurands", "", max_items_key="StopTxnAlignedDataMaxLength"),
    "StopTxnAlignedDataMaxLength": ConfigSpec("int", "9", readonly=True),
    "StopTxnSampledData": ConfigSpec("measurands", "", max_items_key="StopTxnSampledDataMaxLength"),
    "StopTxnSampledDataMaxLength": ConfigSpec("int", "9", readonly=True),
    "SupportedFeatureProfiles": ConfigSpec("csl", "Core,RemoteTrigger", readonly=True),
    "SupportedFeatureProfilesMaxLength": ConfigSpec("int", "6", readonly=True),
    "TransactionMessageAttempts": ConfigSpec("int", "3", minimum=1),
    "TransactionMessageRetryInterval": ConfigSpec("int", "10"),
    "UnlockConnectorOnEVSideDisconnect": ConfigSpec("bool", "true"),
    "WebSocketPingInterval": ConfigSpec("int", "0"),
    # Security (J16 §6.2.2): the Basic-auth password, write-only.
    "AuthorizationKey": ConfigSpec("hexkey", "", write_only=True),
    # Vendor key (not OCPP): back-up power lets the charger end and report its transactions before a power failure
    # takes it down (OCTT TC_032_1); false = it reports them once power is back (TC_032_2).
    "StopTransactionsBeforePowerDown": ConfigSpec("bool", "false"),
}


def _valid_value(spec: ConfigSpec, value: str, config: Mapping[str, str]) -> bool:
    if spec.kind == "bool":
        return value.lower() in ("true", "false")
    if spec.kind == "int":
        try:
            number = int(value.strip())
        except ValueError:
            return False
        if spec.minimum is not None and number < spec.minimum:
            return False
        return spec.maximum is None or number <= spec.maximum
    if spec.kind == "measurands":
        items = [v.strip() for v in value.split(",") if v.strip()]
        if any(item not in MEASURANDS for item in items):
            return False
        limit = int(config.get(spec.max_items_key or "", "99") or 99)
        return len(items) <= limit
    if spec.kind == "hexkey":
        # 16..20 bytes as hex text (J16 §6.2.2 / security white paper).
        return 32 <= len(value) <= 40 and len(value) % 2 == 0 and all(c in "0123456789abcdefABCDEF" for c in value)
    if spec.kind == "csl":
        return all(part.strip() for part in value.split(",")) if value else True
    return True


# --------------------------------------------------------------------------- state
@dataclass
class Transaction:
    local_id: int
    connector_id: int
    id_tag: str
    parent_id_tag: str | None
    meter_start: int
    start_time: str
    transaction_id: int | None = None  # assigned by the Central System in StartTransaction.conf
    start_answered: bool = False
    reported: bool = False  # the Charging status may be reported (after the StartTransaction round trip)
    deauthorized: bool = False  # not Accepted in StartTransaction.conf, energy stopped (StopTransactionOnInvalidId=false)
    start_values: dict[str, str] = field(default_factory=dict)
    periodic_readings: int = 0  # periodic readings so far (fault meter-values-not-monotonic)


@dataclass
class Connector:
    id: int
    plugged: bool = False
    operative: bool = True
    scheduled_operative: bool | None = None  # ChangeAvailability answered Scheduled
    fault: str | None = None  # error code while Faulted
    lock_fails: bool = False
    unlock_fails: bool = False
    lock_failure: bool = False  # the last locking attempt failed
    ev_suspended: bool = False
    transaction: Transaction | None = None
    pending_tag: tuple[str, str | None] | None = None  # authorized, waiting for the cable (idTag, parentIdTag)
    pending_timer: asyncio.Task | None = None
    finishing: bool = False  # transaction over, cable still in
    locked_for: str | None = None  # cable kept locked after EV-side disconnect until this idTag returns
    energy_wh: float = 0.0
    flowing_since: float | None = None
    status: tuple[str, str] | None = None  # (status, errorCode) now
    soc: float = 20.0


@dataclass
class Outgoing:
    action: str
    payload: dict
    tx: Transaction | None = None  # refers to this transaction: its transactionId is filled in at send time
    starts: Transaction | None = None  # the StartTransaction of this transaction
    transactional: bool = False
    connector_id: int | None = None  # StatusNotification: which connector
    future: asyncio.Future | None = None
    attempts: int = 0
    validate: bool = True  # check our own payload against the 1.6 schema before sending


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


class _ChargePointRpc(RpcEndpoint):
    """The charger's side of one WebSocket connection: handlers for every Central System call of 1.6 Core."""

    def __init__(self, cp: "ReferenceChargePoint", connection: Any) -> None:
        super().__init__(
            cp.identity,
            connection,
            response_timeout=cp.response_timeout,
            faults=cp.faults,
            late_reply_delay=cp.late_reply_delay,
            logger=cp.logger,
        )
        self.cp = cp
        self._plans: dict[str, Callable[[], Any]] = {}

    async def _dispatch(self, unique_id: str, action: str, payload: dict) -> str | None:
        # Rejected registration: the charger SHALL NOT respond to Central System calls (C16 §4.2).
        if self.cp.registration == "Rejected":
            self.logger.info("%s: registration Rejected, not answering %s", self.id, action)
            return None
        return await super()._dispatch(unique_id, action, payload)

    def _plan(self, unique_id: str, work: Callable[[], Any]) -> None:
        """Run `work` once our reply is on the wire (see the @after hooks)."""
        self._plans[unique_id] = work

    def _run_plan(self, unique_id: str) -> None:
        work = self._plans.pop(unique_id, None)
        if work is not None:
            result = work()
            if asyncio.iscoroutine(result):
                self.cp._spawn(result)

    # -- remote start / stop --------------------------------------------------------------
    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag: str, connector_id: int | None = None, call_unique_id: str = "", **_: Any):
        cp = self.cp
        rejected = call_result.RemoteStartTransaction(status="Rejected")
        if cp.registration != "Accepted":
            return rejected  # not allowed while Pending (C16 §4.2)
        if connector_id is not None and not 1 <= connector_id <= len(cp.connectors) - 1:
            if connector_id == 0 and "remote-start-connector-zero-accepted" in cp.faults:
                connector_id = None
            else:
                return rejected
        connector = cp._connector_for_start(connector_id)
        if connector is None:
            if connector_id and cp.connectors[connector_id].transaction is not None and "remote-start-occupied-accepted" in cp.faults:
                return call_result.RemoteStartTransaction(status="Accepted")
            return rejected
        if "remote-start-ignored" in cp.faults:
            return call_result.RemoteStartTransaction(status="Accepted")
        connector.pending_tag = (id_tag, None)  # hold the connector for this start
        self._plan(call_unique_id, lambda: cp._remote_start(connector, id_tag))
        return call_result.RemoteStartTransaction(status="Accepted")

    @after(Action.remote_start_transaction)
    def after_remote_start(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    @on(Action.remote_stop_transaction)
    def on_remote_stop(self, transaction_id: int, call_unique_id: str = "", **_: Any):
        cp = self.cp
        if cp.registration != "Accepted":
            return call_result.RemoteStopTransaction(status="Rejected")
        for connector in cp.connectors[1:]:
            tx = connector.transaction
            if tx is not None and tx.transaction_id == transaction_id:
                if "remote-stop-ignored" not in cp.faults:
                    self._plan(call_unique_id, lambda c=connector: cp._stop_transaction(c, "Remote"))
                return call_result.RemoteStopTransaction(status="Accepted")
        if "remote-stop-unknown-accepted" in cp.faults:
            return call_result.RemoteStopTransaction(status="Accepted")
        return call_result.RemoteStopTransaction(status="Rejected")

    @after(Action.remote_stop_transaction)
    def after_remote_stop(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    # -- reset, unlock, availability --------------------------------------------------------
    @on(Action.reset)
    def on_reset(self, type: str, call_unique_id: str = "", **_: Any):
        if "reset-ignored" not in self.cp.faults:
            kind = "Hard" if "soft-reset-hard" in self.cp.faults else type
            self._plan(call_unique_id, lambda: self.cp._reset(kind))
        return call_result.Reset(status="Accepted")

    @after(Action.reset)
    def after_reset(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id: int, **_: Any):
        cp = self.cp
        if not 1 <= connector_id <= len(cp.connectors) - 1:
            status = "Unlocked" if "unlock-unknown-connector-unlocked" in cp.faults else "NotSupported"
            return call_result.UnlockConnector(status=status)
        connector = cp.connectors[connector_id]
        if connector.transaction is not None and "unlock-keeps-transaction" not in cp.faults:
            # "the Charge Point SHALL finish the transaction first" (C16 §5.18)
            cp._stop_transaction(connector, "UnlockCommand")
        if cp.fixed_cable and "fixed-cable-unlock-unlocked" not in cp.faults:
            return call_result.UnlockConnector(status="NotSupported")  # a fixed cable has no connector lock to open
        if "unlock-not-supported" in cp.faults:
            return call_result.UnlockConnector(status="NotSupported")
        if connector.unlock_fails:
            return call_result.UnlockConnector(status="Unlocked" if "unlock-failure-hidden" in cp.faults else "UnlockFailed")
        connector.locked_for = None
        cp._refresh(connector)
        return call_result.UnlockConnector(status="Unlocked")

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str, call_unique_id: str = "", **_: Any):
        cp = self.cp
        if not 0 <= connector_id <= len(cp.connectors) - 1:
            return call_result.ChangeAvailability(status="Rejected")
        operative = type == "Operative"
        targets = cp.connectors[1:] if connector_id == 0 else [cp.connectors[connector_id]]
        scheduled = any(c.transaction is not None and not operative for c in targets)
        self._plan(call_unique_id, lambda: cp._change_availability(connector_id, operative))
        return call_result.ChangeAvailability(status="Scheduled" if scheduled else "Accepted")

    @after(Action.change_availability)
    def after_change_availability(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)

    # -- configuration --------------------------------------------------------------------
    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **_: Any):
        cp = self.cp
        leak = "get-configuration-leaks-authorization-key" in cp.faults

        def entry(name: str) -> dict:
            spec = CONFIG_SPECS.get(name)
            item = {"key": name, "readonly": bool(spec and spec.readonly)}
            value = cp.config.get(name)
            if value is not None:
                item["value"] = value
            return item

        def hidden(name: str) -> bool:
            spec = CONFIG_SPECS.get(name)
            return bool(spec and spec.write_only) and not leak

        if not key:
            known = [entry(name) for name in cp.config if not hidden(name)]
            if "get-configuration-all-incomplete" in cp.faults:
                known = [item for item in known if item["key"] not in ("ConnectionTimeOut", "StopTxnSampledData")]
            return call_result.GetConfiguration(configuration_key=known)
        found, unknown = [], []
        for name in key:
            if name in cp.config and not hidden(name):
                found.append(entry(name))
            else:
                unknown.append(name)
        return call_result.GetConfiguration(configuration_key=found or None, unknown_key=unknown or None)

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str, **_: Any):
        return call_result.ChangeConfiguration(status=self.cp._change_configuration(key, value))

    # -- cache, data transfer, trigger --------------------------------------------------------
    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any):
        if "clear-cache-ignored" not in self.cp.faults:
            self.cp.cache.clear()
        return call_result.ClearCache(status="Accepted")

    @on(Action.data_transfer)
    def on_data_transfer(self, vendor_id: str, message_id: str | None = None, data: str | None = None, **_: Any):
        cp = self.cp
        if "datatransfer-not-implemented" in cp.faults:
            raise RpcError("NotImplemented", "DataTransfer is not implemented")
        if vendor_id != cp.vendor_id and "datatransfer-unknown-vendor-accepted" not in cp.faults:
            return call_result.DataTransfer(status="UnknownVendorId")
        if message_id is not None and message_id not in cp.data_transfer_message_ids and vendor_id == cp.vendor_id:
            return call_result.DataTransfer(status="UnknownMessageId")
        return call_result.DataTransfer(status="Accepted", data=data)

    @on(Action.trigger_message)
    def on_trigger_message(self, requested_message: str, connector_id: int | None = None, call_unique_id: str = "", **_: Any):
        cp = self.cp
        if requested_message not in _TRIGGERABLE:
            return call_result.TriggerMessage(status="NotImplemented")
        if connector_id is not None and not 0 <= connector_id <= len(cp.connectors) - 1:
            return call_result.TriggerMessage(status="Rejected")
        self._plan(call_unique_id, lambda: cp._triggered(self, requested_message, connector_id))
        return call_result.TriggerMessage(status="Accepted")

    @after(Action.trigger_message)
    def after_trigger_message(self, call_unique_id: str = "", **_: Any) -> None:
        self._run_plan(call_unique_id)


class ReferenceChargePoint(Observable):
    """A correct OCPP 1.6 Core charge point (unless told to misbehave through `faults`)."""

    def __init__(
        self,
        *,
        csms_url: str,
        identity: str,
        connectors: int = 2,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        faults: Iterable[str] = (),
        config: Mapping[str, Any] | None = None,
        known_id_tags: Mapping[str, Any] | Iterable[str] = (),
        response_timeout: float = 30.0,
        late_reply_delay: float | None = None,
        boot_retry_interval: float = 5.0,
        reconnect_delay: float = 0.5,
        reconnect_max_delay: float = 3.0,
        power_off_time: float = 0.1,
        power_w: float = 11000.0,
        fixed_cable: bool = False,
        vendor: str = "OCPP-Conformance",
        model: str = "ReferenceChargePoint",
        serial_number: str | None = "REF-0001",
        firmware_version: str | None = "1.0.0",
        vendor_id: str = "org.ocpp-conformance",
        data_transfer_message_ids: Iterable[str] = ("Echo",),
        logger: logging.Logger = LOGGER,
    ) -> None:
        if connectors < 1:
            raise ValueError("connectors must be at least 1")
        self.csms_url = csms_url
        self.identity = identity
        self.password = password
        self.ssl_context = ssl_context
        self.faults = fault_registry.check_faults(faults, "charge_point")
        self.response_timeout = response_timeout
        self.late_reply_delay = late_reply_delay if late_reply_delay is not None else response_timeout + 2
        self.boot_retry_interval = boot_retry_interval
        self.reconnect_delay = reconnect_delay
        self.reconnect_max_delay = reconnect_max_delay
        self.power_off_time = power_off_time
        self.power_w = power_w
        self.fixed_cable = fixed_cable
        self.vendor = vendor
        self.model = model
        self.serial_number = serial_number
        self.firmware_version = firmware_version
        self.vendor_id = vendor_id
        self.data_transfer_message_ids = set(data_transfer_message_ids)
        self.logger = logger

        # non-volatile state
        self.config: dict[str, str] = {k: s.default for k, s in CONFIG_SPECS.items()}
        self.config["NumberOfConnectors"] = str(connectors)
        if password:
            self.config["AuthorizationKey"] = password
        for key, value in (config or {}).items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            spec = CONFIG_SPECS.get(key)
            if spec is None:
                raise ValueError(f"unknown configuration key {key!r}; known: {', '.join(sorted(CONFIG_SPECS))}")
            if key == "NumberOfConnectors" and text != str(connectors):
                raise ValueError("NumberOfConnectors follows the connectors argument; do not override it")
            if not _valid_value(spec, text, self.config):
                raise ValueError(f"invalid value {text!r} for configuration key {key}")
            self.config[key] = text
        self.connectors = [Connector(i) for i in range(connectors + 1)]  # index 0 = the charge point itself
        self.cache: dict[str, dict] = {}
        if isinstance(known_id_tags, Mapping):
            for tag, info in known_id_tags.items():
                self.cache[tag] = dict(info) if isinstance(info, Mapping) else {"status": str(info or "Accepted")}
        else:
            for tag in known_id_tags:
                self.cache[tag] = {"status": "Accepted"}
        self._outbox: collections.deque[Outgoing] = collections.deque()
        self._next_local_tx = 1

        # volatile state
        self.registration: str | None = None  # None until a BootNotification got an answer
        self.clock_offset = 0.0  # seconds to add to our clock (synchronised from the Central System)
        self._rpc: _ChargePointRpc | None = None
        self._dirty_status: set[int] = set()
        self._outbox_event = asyncio.Event()
        self._boot_wakeup = asyncio.Event()
        self._network_up = asyncio.Event()
        self._network_up.set()
        self._init_observable()
        self._power_tasks: set[asyncio.Task] = set()  # die with power
        self._session_tasks: dict[str, asyncio.Task] = {}  # die with the connection
        self._samplers: dict[int, asyncio.Task] = {}
        self._control_tasks: set[asyncio.Task] = set()  # resets and power cycles
        self._running = False
        self._stopping = False
        self.connected = asyncio.Event()
        self.last_connect_error: str | None = None
        self.boot_count = 0
        self._own_errors: list[str] = []

    # =================================================================== lifecycle
    @property
    def url(self) -> str:
        return self.csms_url.rstrip("/") + "/" + quote(self.identity, safe="*-_=+|@.")

    @property
    def online(self) -> bool:
        return self._rpc is not None

    @property
    def own_schema_errors(self) -> list[str]:
        """Replies of ours that broke the 1.6 schema without a fault asking for it: must stay empty."""
        return self._own_errors

    async def start(self) -> None:
        """Power on: connect, boot and run (reconnecting on connection loss) until `stop()`."""
        if self._running:
            return
        self._running = True
        self._stopping = False
        self._power_on()

    async def stop(self) -> None:
        self._stopping = True
        self._running = False
        for task in list(self._control_tasks):
            task.cancel()
        await self._power_off(graceful=True)

    def _power_on(self) -> None:
        self.registration = None
        for connector in self.connectors:
            connector.status = None
            if "availability-lost-on-reboot" in self.faults:
                connector.operative, connector.scheduled_operative = True, None
        self._spawn(self._connection_loop(), name=f"cp-{self.identity}-connection")
        self._restart_aligned_loop()

    async def _power_off(self, *, graceful: bool) -> None:
        ws = self._rpc._connection if self._rpc else None
        if ws is not None:
            if graceful:
                try:
                    await asyncio.wait_for(ws.close(), 2)
                except Exception:
                    pass
            else:
                _abort(ws)
        tasks = list(self._power_tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._power_tasks.clear()
        self._samplers.clear()
        for connector in self.connectors:
            connector.pending_tag = None
            connector.pending_timer = None
            self._settle(connector, flowing=False)
        self.registration = None

    def _spawn(self, coro: Awaitable[Any], name: str | None = None) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self._power_tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._power_tasks.discard(task)
        self._control_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.logger.error("%s: background task failed", self.identity, exc_info=task.exception())

    def _spawn_control(self, coro: Awaitable[Any]) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._control_tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    async def _connection_loop(self) -> None:
        delay = self.reconnect_delay
        while True:
            await self._network_up.wait()
            headers = {}
            password = self.config.get("AuthorizationKey") or self.password
            if password:
                token = base64.b64encode(f"{self.identity}:{password}".encode()).decode()
                headers["Authorization"] = f"Basic {token}"
            ping = int(self.config.get("WebSocketPingInterval", "0") or 0)
            extra = {"ssl": self.ssl_context} if self.ssl_context is not None else {}
            try:
                ws = await connect(
                    self.url,
                    subprotocols=None if "no-subprotocol" in self.faults else [SUBPROTOCOL],
                    additional_headers=headers or None,
                    proxy=None,
                    **extra,
                    open_timeout=max(self.response_timeout, 5),
                    ping_interval=ping if ping > 0 else None,
                    close_timeout=2,
                    max_size=2**22,
                )
            except (OSError, InvalidHandshake, InvalidURI, asyncio.TimeoutError) as exc:
                self.last_connect_error = f"{type(exc).__name__}: {exc}"
                self.logger.info("%s: cannot connect to %s (%s), retrying in %.1f s", self.identity, self.url, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_delay)
                continue
            delay = self.reconnect_delay
            if not self._network_up.is_set():  # the network was cut while we were connecting
                _abort(ws)
                continue
            if "no-subprotocol" not in self.faults and ws.subprotocol != SUBPROTOCOL:
                self.last_connect_error = f"server selected subprotocol {ws.subprotocol!r}, not {SUBPROTOCOL}"
                self.logger.warning("%s: %s; closing", self.identity, self.last_connect_error)
                await ws.close()
                await asyncio.sleep(delay)
                continue
            self.last_connect_error = None
            await self._session(ws)
            if self._network_up.is_set():
                await asyncio.sleep(self.reconnect_delay)

    async def _session(self, ws: Any) -> None:
        rpc = _ChargePointRpc(self, ws)
        rpc.own_schema_errors = self._own_errors
        self._rpc = rpc
        self.connected.set()
        await self._notify()
        reader = asyncio.ensure_future(rpc.start())
        main = asyncio.ensure_future(self._session_main(rpc))
        self._session_tasks["main"] = main
        try:
            await reader
        finally:
            self._rpc = None
            self.connected.clear()
            # Forget this connection's tasks before awaiting anything: a power-off may cancel us mid-cleanup (a soft
            # reset closes gracefully, then cuts power), and the next connection must start its own outbox worker.
            tasks = list(self._session_tasks.values())
            self._session_tasks.clear()
            for task in tasks:
                task.cancel()
            reader.cancel()
            self._park_statuses()
            await asyncio.gather(reader, *tasks, return_exceptions=True)
            try:
                await asyncio.wait_for(ws.close(), 1)
            except Exception:
                _abort(ws)
            await self._notify()

    async def _session_main(self, rpc: _ChargePointRpc) -> None:
        fresh_boot = self.registration != "Accepted"
        if fresh_boot:
            if "boot-not-first" in self.faults:
                try:
                    await rpc.call_raw("StatusNotification", self._status_payload(self.connectors[0]))
                except (CallError, CallTimeout):
                    pass
            await self._boot_until_accepted(rpc)
            self._queue_all_statuses(front=True)
        else:
            for cid in sorted(self._dirty_status):
                self._queue_status(self.connectors[cid])
            self._dirty_status.clear()
        self._start_session_loops(rpc)

    def _start_session_loops(self, rpc: _ChargePointRpc) -> None:
        if "outbox" not in self._session_tasks:
            self._session_tasks["outbox"] = asyncio.ensure_future(self._outbox_worker(rpc))
        self._restart_heartbeat()

    # =================================================================== boot
    def _boot_payload(self) -> dict:
        payload = {"chargePointVendor": self.vendor, "chargePointModel": self.model}
        if self.serial_number:
            payload["chargePointSerialNumber"] = self.serial_number
        if self.firmware_version:
            payload["firmwareVersion"] = self.firmware_version
        return payload

    async def _boot_until_accepted(self, rpc: _ChargePointRpc) -> None:
        self.boot_count += 1
        while True:
            self._boot_wakeup.clear()
            try:
                reply = await rpc.call_raw("BootNotification", self._boot_payload())
            except (CallError, CallTimeout) as exc:
                self.logger.info("%s: BootNotification failed (%s), retrying", self.identity, exc)
                await asyncio.sleep(self.boot_retry_interval)
                continue
            self._sync_clock(reply.get("currentTime"))
            status = reply.get("status")
            interval = int(reply.get("interval") or 0)
            self.registration = status
            await self._notify()
            if status == "Accepted":
                if interval > 0:
                    self.config["HeartbeatInterval"] = str(interval)
                return
            if status == "Pending" and "boot-pending-ignored" in self.faults:
                self._queue_all_statuses(front=True)
                self._start_session_loops(rpc)
            # Pending or Rejected: wait the interval (0 -> our own non-flooding wait), or a TriggerMessage.
            wait = interval if interval > 0 else self.boot_retry_interval
            try:
                await asyncio.wait_for(self._boot_wakeup.wait(), wait)
            except asyncio.TimeoutError:
                pass

    def _sync_clock(self, current_time: str | None) -> None:
        remote = _parse_time(current_time)
        if remote is not None:
            self.clock_offset = (remote - datetime.now(timezone.utc)).total_seconds()

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset)

    def timestamp(self) -> str:
        return _iso(self.now())

    # =================================================================== heartbeat
    def _restart_heartbeat(self) -> None:
        old = self._session_tasks.pop("heartbeat", None)
        if old:
            old.cancel()
        if self._rpc is not None and "no-heartbeat" not in self.faults:
            self._session_tasks["heartbeat"] = asyncio.ensure_future(self._heartbeat_loop(self._rpc))

    async def _heartbeat_loop(self, rpc: _ChargePointRpc) -> None:
        while True:
            interval = self._int("HeartbeatInterval")
            if interval <= 0:
                return
            await asyncio.sleep(interval)
            await self._send_heartbeat(rpc)

    async def _send_heartbeat(self, rpc: _ChargePointRpc) -> None:
        payload: dict = {}
        validate = True
        if "heartbeat-schema-invalid" in self.faults:
            payload, validate = {"timestamp": self.timestamp()}, False
        try:
            reply = await self._send_now(rpc, "Heartbeat", payload, validate=validate)
        except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError) as exc:
            self.logger.info("%s: Heartbeat failed: %s", self.identity, exc)
            return
        self._sync_clock(reply.get("currentTime"))

    # =================================================================== outbox
    def _outbox_active(self) -> bool:
        if self._rpc is None:
            return False
        if self.registration == "Accepted":
            return True
        return self.registration == "Pending" and "boot-pending-ignored" in self.faults

    def _enqueue(self, item: Outgoing, *, front: bool = False) -> None:
        if front:
            self._outbox.appendleft(item)
        else:
            self._outbox.append(item)
        self._outbox_event.set()
        self._wake()

    def _enqueue_transactional(self, item: Outgoing) -> None:
        item.transactional = True
        # offline = not registered on a connection, or the network is cut (the connection may not know it yet)
        offline = not self._outbox_active() or not self._network_up.is_set()
        if offline and "offline-queue-dropped" in self.faults:
            self.logger.info("%s: dropping %s while offline (fault)", self.identity, item.action)
            if item.future and not item.future.done():
                item.future.set_result(None)
            return
        if offline and item.action == "StopTransaction" and item.tx is not None \
                and "queued-stop-local-transaction-id" in self.faults:
            item.payload["transactionId"], item.tx = item.tx.local_id, None
        self._enqueue(item)

    async def _request(self, action: str, payload: dict, *, validate: bool = True) -> dict:
        """Send a request in turn with everything else the charger sends, and return the reply.

        Raises ConnectionError when not connected (or not yet accepted), CallError / CallTimeout from the peer.
        """
        if not self._outbox_active():
            raise ConnectionError(f"charge point {self.identity} is not connected and accepted")
        future = asyncio.get_running_loop().create_future()
        self._enqueue(Outgoing(action, payload, future=future, validate=validate))
        # bounded by the worst case of the queue ahead of us (a transaction message being retried)
        limit = self.response_timeout * 4 + self._int("TransactionMessageRetryInterval") * self._int("TransactionMessageAttempts") ** 2
        return await asyncio.wait_for(future, limit)

    async def _send_now(self, rpc: _ChargePointRpc, action: str, payload: dict, *, validate: bool = True) -> dict:
        """In turn through the outbox once registered; directly (e.g. triggered while Pending) before that."""
        if self._outbox_active():
            return await self._request(action, payload, validate=validate)
        return await rpc.call_raw(action, payload, validate=validate)

    async def _outbox_worker(self, rpc: _ChargePointRpc) -> None:
        while True:
            if not self._outbox:
                self._outbox_event.clear()
                await self._outbox_event.wait()
                continue
            item = self._outbox[0]
            payload = dict(item.payload)
            if item.tx is not None:
                if item.tx.transaction_id is None:
                    # the StartTransaction was given up: nothing can refer to this transaction
                    self.logger.warning("%s: dropping %s of a transaction without id", self.identity, item.action)
                    self._outbox.popleft()
                    continue
                payload["transactionId"] = item.tx.transaction_id
            if item.transactional and "offline-timestamps-at-delivery" in self.faults:
                payload = self._restamped(payload)
            try:
                reply = await rpc.call_raw(item.action, payload, validate=item.validate)
            except (ConnectionError, ConnectionClosed):
                return  # stays queued for the next connection
            except (CallError, CallTimeout) as exc:
                if not item.transactional:
                    self._outbox.popleft()
                    if item.future:
                        fail(item.future, exc)
                    continue
                item.attempts += 1
                attempts = max(1, self._int("TransactionMessageAttempts"))
                self.logger.info("%s: %s attempt %d/%d failed: %s", self.identity, item.action, item.attempts, attempts, exc)
                if item.attempts >= attempts:
                    self._outbox.popleft()
                    if item.future and not item.future.done():
                        item.future.set_result(None)
                    continue
                await asyncio.sleep(self._int("TransactionMessageRetryInterval") * item.attempts)
                continue
            if self._outbox and self._outbox[0] is item:
                self._outbox.popleft()
            self._handle_reply(item, reply)
            if item.future and not item.future.done():
                item.future.set_result(reply)

    def _restamped(self, payload: dict) -> dict:
        """Fault offline-timestamps-at-delivery: the message carries the time it is sent, not the time it happened."""
        now = self.timestamp()
        out = dict(payload)
        if "timestamp" in out:
            out["timestamp"] = now
        if "meterValue" in out:
            out["meterValue"] = [{**mv, "timestamp": now} for mv in out["meterValue"]]
        return out

    def _handle_reply(self, item: Outgoing, reply: dict) -> None:
        info = reply.get("idTagInfo")
        if item.starts is not None:
            tx = item.starts
            tx.transaction_id = reply.get("transactionId")
            tx.start_answered = True
            if info:
                self._cache_store(tx.id_tag, info)
                if info.get("status") != "Accepted":
                    self._deauthorize(tx)
        elif item.action == "StopTransaction" and info and item.payload.get("idTag"):
            self._cache_store(item.payload["idTag"], info)

    def _deauthorize(self, tx: Transaction) -> None:
        """StartTransaction.conf was not Accepted (C16 §4.8)."""
        connector = self.connectors[tx.connector_id]
        if connector.transaction is not tx or "invalid-id-never-stops" in self.faults:
            return
        if self._bool("StopTransactionOnInvalidId") or "invalid-id-always-stops" in self.faults:
            if not self.fixed_cable:
                connector.locked_for = tx.id_tag  # keep the cable locked until the owner returns
            self._stop_transaction(connector, "DeAuthorized")
        else:
            tx.deauthorized = True  # only stop energy delivery
            tx.reported = True
            self._refresh(connector)

    # =================================================================== status
    def _derive(self, c: Connector) -> tuple[str, str]:
        if c.id == 0:
            if c.fault:
                return "Faulted", c.fault
            return ("Available" if c.operative else "Unavailable"), "NoError"
        if c.fault:
            return "Faulted", c.fault
        if c.lock_failure:
            return "Faulted", "ConnectorLockFailure"
        tx = c.transaction
        if tx is not None:
            if not tx.reported:
                return "Preparing", "NoError"
            if tx.deauthorized:
                return "SuspendedEVSE", "NoError"
            if c.ev_suspended or not c.plugged:
                return "SuspendedEV", "NoError"
            return "Charging", "NoError"
        if not c.operative or not self.connectors[0].operative:
            return "Unavailable", "NoError"
        if c.finishing or c.locked_for:
            return "Finishing", "NoError"
        if c.pending_tag or c.plugged:
            return "Preparing", "NoError"
        return "Available", "NoError"

    def _refresh(self, c: Connector) -> None:
        """Recompute a connector's status and energy flow; report a changed status."""
        self._settle(c, flowing=self._flowing(c))
        new = self._derive(c)
        if new == c.status:
            return
        previous, c.status = c.status, new
        if previous is None and self.registration != "Accepted":
            return  # reported with all others once the boot is accepted
        if self._skips_status(c):
            self.logger.info("%s: not reporting %s on connector %d (fault)", self.identity, new[0], c.id)
        elif self._outbox_active():
            self._queue_status(c)
        else:
            self._dirty_status.add(c.id)
        self._wake()

    def _skips_status(self, c: Connector) -> bool:
        return "skip-status-notification" in self.faults and c.id > 0 and (c.status or ("",))[0] in ("Preparing", "Available")

    def _refresh_all(self) -> None:
        for c in self.connectors:
            self._refresh(c)

    def _status_payload(self, c: Connector) -> dict:
        status, error_code = c.status or self._derive(c)
        return {"connectorId": c.id, "errorCode": error_code, "status": status, "timestamp": self.timestamp()}

    def _queue_status(self, c: Connector, *, front: bool = False) -> None:
        if c.status is None:
            c.status = self._derive(c)
        self._enqueue(Outgoing("StatusNotification", self._status_payload(c), connector_id=c.id), front=front)

    def _queue_all_statuses(self, *, front: bool) -> None:
        for c in self.connectors:
            self._settle(c, flowing=self._flowing(c))
            c.status = self._derive(c)
        items = [
            Outgoing("StatusNotification", self._status_payload(c), connector_id=c.id)
            for c in self.connectors
            if not self._skips_status(c)
        ]
        for item in reversed(items) if front else items:
            self._enqueue(item, front=front)
        self._dirty_status.clear()

    def _park_statuses(self) -> None:
        """Connection lost: unsent status reports become 'send the latest state after reconnecting'."""
        kept = collections.deque()
        for item in self._outbox:
            if item.action == "StatusNotification":
                self._dirty_status.add(item.connector_id or 0)
            elif item.transactional:
                kept.append(item)
            elif item.future:
                fail(item.future, ConnectionError("connection lost before the message was sent"))
        self._outbox = kept

    # =================================================================== energy meter
    def _flowing(self, c: Connector) -> bool:
        tx = c.transaction
        return bool(
            tx and tx.reported and not tx.deauthorized and c.plugged and not c.ev_suspended and not c.fault
        )

    def _settle(self, c: Connector, *, flowing: bool) -> None:
        now = time.monotonic()
        if c.flowing_since is not None:
            elapsed = now - c.flowing_since
            c.energy_wh += self.power_w * elapsed / 3600.0
            c.soc = min(100.0, c.soc + elapsed * 0.05)
        c.flowing_since = now if flowing else None

    def meter_wh(self, connector_id: int) -> float:
        c = self.connectors[connector_id]
        self._settle(c, flowing=c.flowing_since is not None)
        return c.energy_wh

    def _sample(self, c: Connector, measurands: list[str], context: str, at: datetime | None = None) -> dict:
        flowing = c.flowing_since is not None
        energy = self.meter_wh(c.id)
        power = self.power_w if flowing else 0.0
        values = {
            "Energy.Active.Import.Register": f"{energy:.0f}",
            "Power.Active.Import": f"{power:.0f}",
            "Current.Import": f"{power / 230.0 / 3:.1f}",
            "Current.Offered": "16.0",
            "Power.Offered": f"{self.power_w:.0f}",
            "Voltage": "230.0",
            "Frequency": "50.0",
            "Temperature": "25.0",
            "SoC": f"{c.soc:.0f}",
        }
        sampled = []
        for measurand in measurands:
            unit, location = MEASURANDS[measurand]
            value = {"value": values[measurand], "context": context, "format": "Raw", "measurand": measurand}
            if location:
                value["location"] = location
            if unit:
                value["unit"] = unit
            sampled.append(value)
        return {"timestamp": _iso(at) if at else self.timestamp(), "sampledValue": sampled}

    def _measurands(self, key: str) -> list[str]:
        return [m.strip() for m in self.config.get(key, "").split(",") if m.strip() in MEASURANDS]

    def _start_sampler(self, c: Connector) -> None:
        old = self._samplers.pop(c.id, None)
        if old:
            old.cancel()
        if c.transaction is not None and "meter-values-missing" not in self.faults:
            self._samplers[c.id] = self._spawn(self._sampler(c, c.transaction))

    async def _sampler(self, c: Connector, tx: Transaction) -> None:
        while c.transaction is tx:
            interval = self._int("MeterValueSampleInterval")
            measurands = self._measurands("MeterValuesSampledData")
            if interval <= 0 or not measurands:
                return
            await asyncio.sleep(interval)
            if c.transaction is not tx:
                return
            context = "Sample.Clock" if "meter-values-wrong-context" in self.faults else "Sample.Periodic"
            sample = self._sample(c, measurands, context)
            if "meter-values-not-monotonic" in self.faults:
                self._overshoot_energy(sample, tx)
            payload = {"connectorId": c.id, "meterValue": [sample]}
            self._enqueue_transactional(Outgoing("MeterValues", payload, tx=tx))

    def _overshoot_energy(self, sample: dict, tx: Transaction) -> None:
        """Fault: the first periodic reading of the energy register is 1 kWh too high, so the next one goes down."""
        tx.periodic_readings += 1
        if tx.periodic_readings > 1:
            return
        for value in sample["sampledValue"]:
            if value.get("measurand") == "Energy.Active.Import.Register":
                value["value"] = str(int(float(value["value"])) + 1000)

    def _restart_aligned_loop(self) -> None:
        for task in list(self._power_tasks):
            if task.get_name() == "aligned":
                task.cancel()
        if "meter-values-missing" not in self.faults:
            self._spawn(self._aligned_loop(), name="aligned")

    async def _aligned_loop(self) -> None:
        last: datetime | None = None
        while True:
            interval = self._int("ClockAlignedDataInterval")
            if interval <= 0:
                return
            now = self.now()
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            elapsed = (now - midnight).total_seconds()
            boundary = midnight + timedelta(seconds=(int(elapsed // interval) + 1) * interval)
            if last is not None and boundary <= last:  # woke a hair early: that instant is already reported
                boundary = last + timedelta(seconds=interval)
            await asyncio.sleep(max(0.0, (boundary - self.now()).total_seconds()))
            last = boundary
            measurands = self._measurands("MeterValuesAlignedData")
            if not measurands:
                continue
            context = "Sample.Periodic" if "meter-values-wrong-context" in self.faults else "Sample.Clock"
            stamp = boundary + timedelta(seconds=interval / 2) if "clock-aligned-unaligned" in self.faults else boundary
            for c in self.connectors[1:]:
                # the reading belongs to the aligned instant (C16 §3.16.2), whatever the scheduling delay
                payload = {"connectorId": c.id, "meterValue": [self._sample(c, measurands, context, stamp)]}
                if c.transaction is not None:
                    self._enqueue_transactional(Outgoing("MeterValues", payload, tx=c.transaction))
                elif self._outbox_active():
                    self._enqueue(Outgoing("MeterValues", payload))

    # =================================================================== authorization
    def _cache_enabled(self) -> bool:
        return self._bool("AuthorizationCacheEnabled")

    def _cache_store(self, id_tag: str, info: Mapping[str, Any]) -> None:
        if self._cache_enabled():
            self.cache[id_tag] = dict(info)

    def _cache_lookup(self, id_tag: str) -> dict | None:
        if not self._cache_enabled() or "cache-ignored" in self.faults:
            return None
        entry = self.cache.get(id_tag)
        if entry is None:
            return None
        entry = dict(entry)
        expiry = _parse_time(entry.get("expiryDate"))
        if entry.get("status") == "Accepted" and expiry is not None and expiry < self.now():
            entry["status"] = "Expired"
        return entry

    async def _authorize(self, id_tag: str) -> dict:
        """The idTagInfo the charger acts on (C16 §3.5 local authorization, §4.1 Authorize)."""
        if "start-without-authorize" in self.faults:
            return {"status": "Accepted"}
        cached = self._cache_lookup(id_tag)
        rpc = self._rpc
        if rpc is not None and self.registration == "Accepted":
            if self._bool("LocalPreAuthorize") and cached and cached.get("status") == "Accepted":
                return cached
            try:
                reply = await self._request("Authorize", {"idTag": id_tag})
                info = reply.get("idTagInfo") or {"status": "Invalid"}
                self._cache_store(id_tag, info)
                return dict(info)
            except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError) as exc:
                self.logger.info("%s: Authorize failed (%s); deciding offline", self.identity, exc)
        if self._bool("LocalAuthorizeOffline") and cached and cached.get("status") == "Accepted":
            return cached
        if cached is None and self._bool("AllowOfflineTxForUnknownId"):
            return {"status": "Accepted"}
        return {"status": cached.get("status", "Invalid") if cached else "Invalid"}

    # =================================================================== transactions
    def _connector_for_start(self, connector_id: int | None) -> Connector | None:
        def usable(c: Connector) -> bool:
            return (
                c.transaction is None
                and c.pending_tag is None
                and (c.fault is None or "start-while-faulted" in self.faults)
                and not c.lock_failure
                and not c.finishing
                and not c.locked_for
                and c.operative
                and self.connectors[0].operative
            )

        if connector_id is not None:
            c = self.connectors[connector_id]
            return c if usable(c) else None
        candidates = [c for c in self.connectors[1:] if usable(c)]
        plugged = [c for c in candidates if c.plugged]
        return (plugged or candidates or [None])[0]

    async def _local_start(self, c: Connector, id_tag: str, info: dict | None = None) -> None:
        c.pending_tag = (id_tag, None)  # hold the connector while authorizing
        if info is None:
            info = await self._authorize(id_tag)
        if c.pending_tag != (id_tag, None):
            return
        if info.get("status") != "Accepted" and "start-despite-invalid-tag" not in self.faults:
            self.logger.info("%s: idTag %s not accepted (%s)", self.identity, id_tag, info.get("status"))
            c.pending_tag = None
            self._refresh(c)
            return
        await self._authorized(c, id_tag, info.get("parentIdTag"))

    async def _remote_start(self, c: Connector, id_tag: str) -> None:
        if self._bool("AuthorizeRemoteTxRequests"):
            info = await self._authorize(id_tag)
            if info.get("status") != "Accepted" and "start-despite-invalid-tag" not in self.faults:
                c.pending_tag = None
                self._refresh(c)
                return
            parent = info.get("parentIdTag")
        else:
            parent = (self._cache_lookup(id_tag) or {}).get("parentIdTag")
        await self._authorized(c, id_tag, parent)

    async def _authorized(self, c: Connector, id_tag: str, parent: str | None) -> None:
        if c.plugged:
            c.pending_tag = None
            await self._start_transaction(c, id_tag, parent)
            return
        c.pending_tag = (id_tag, parent)
        self._refresh(c)
        if c.pending_timer:
            c.pending_timer.cancel()
        c.pending_timer = self._spawn(self._connection_timeout(c, (id_tag, parent)))

    async def _connection_timeout(self, c: Connector, pending: tuple[str, str | None]) -> None:
        late = 8 if "connection-timeout-late" in self.faults else 0
        await asyncio.sleep(self._int("ConnectionTimeOut") + late)
        if c.pending_tag == pending and c.transaction is None:
            self.logger.info("%s: connector %d: no cable within ConnectionTimeOut", self.identity, c.id)
            c.pending_tag = None
            c.pending_timer = None
            self._refresh(c)

    async def _start_transaction(self, c: Connector, id_tag: str, parent: str | None) -> None:
        if c.pending_timer:
            c.pending_timer.cancel()
            c.pending_timer = None
        c.pending_tag = None
        if c.lock_fails and "lock-failure-ignored" not in self.faults:
            c.lock_failure = True
            self._refresh(c)
            return
        c.finishing = False
        tx = Transaction(
            local_id=self._next_local_tx,
            connector_id=c.id,
            id_tag=id_tag,
            parent_id_tag=parent,
            meter_start=int(self.meter_wh(c.id)),
            start_time=self.timestamp(),
        )
        self._next_local_tx += 1
        stop_measurands = self._measurands("StopTxnSampledData")
        if stop_measurands:
            tx.start_values = self._sample(c, stop_measurands, "Transaction.Begin")
        c.transaction = tx
        self._refresh(c)  # Preparing until the StartTransaction round trip is over
        future = asyncio.get_running_loop().create_future()
        payload = {"connectorId": c.id, "idTag": id_tag, "meterStart": tx.meter_start, "timestamp": tx.start_time}
        was_online = self._outbox_active()
        self._enqueue_transactional(Outgoing("StartTransaction", payload, starts=tx, future=future))
        if was_online:
            try:
                await asyncio.wait_for(asyncio.shield(future), self.response_timeout + 1)
            except asyncio.TimeoutError:
                pass
        if c.transaction is tx:
            tx.reported = True
            self._refresh(c)
            self._start_sampler(c)

    def _stop_transaction(self, c: Connector, reason: str, id_tag: str | None = None) -> asyncio.Future | None:
        """End the connector's transaction; returns a future resolved when its StopTransaction is answered."""
        tx = c.transaction
        if tx is None:
            return None
        sampler = self._samplers.pop(c.id, None)
        if sampler:
            sampler.cancel()
        self._settle(c, flowing=False)
        payload: dict = {"meterStop": int(c.energy_wh), "timestamp": self.timestamp()}
        if id_tag and "stop-idtag-missing" not in self.faults:
            payload["idTag"] = id_tag
        if "stop-reason-missing" not in self.faults:
            payload["reason"] = reason
        stop_measurands = self._measurands("StopTxnSampledData")
        if stop_measurands and tx.start_values:
            payload["transactionData"] = [tx.start_values, self._sample(c, stop_measurands, "Transaction.End")]
        c.transaction = None
        c.finishing = c.plugged
        if c.scheduled_operative is not None:
            c.operative, c.scheduled_operative = c.scheduled_operative, None
        future = asyncio.get_running_loop().create_future()
        self._enqueue_transactional(Outgoing("StopTransaction", payload, tx=tx, future=future))
        self._refresh(c)
        return future

    # =================================================================== CSMS-initiated work
    def _change_availability(self, connector_id: int, operative: bool) -> None:
        targets = self.connectors[1:] if connector_id == 0 else [self.connectors[connector_id]]
        if connector_id == 0:
            self.connectors[0].operative = operative
        for c in targets:
            if c.transaction is not None and not operative:
                c.scheduled_operative = False
            else:
                c.operative = operative
                c.scheduled_operative = None
        self._refresh_all()

    def _change_configuration(self, key: str, value: str) -> str:
        spec = CONFIG_SPECS.get(key)
        if spec is None or key not in self.config:
            return "Rejected" if "unknown-config-key-rejected" in self.faults else "NotSupported"
        if spec.readonly:
            return "Rejected"
        if not _valid_value(spec, value, self.config) and "invalid-config-value-accepted" not in self.faults:
            return "Rejected"
        if "change-configuration-not-applied" in self.faults:
            return "Accepted"
        self.config[key] = value
        if key == "HeartbeatInterval":
            self._restart_heartbeat()
        elif key in ("MeterValueSampleInterval", "MeterValuesSampledData"):
            for c in self.connectors[1:]:
                if c.transaction is not None:
                    self._start_sampler(c)
        elif key == "ClockAlignedDataInterval":
            self._restart_aligned_loop()
        elif key == "AuthorizationKey":
            self.password = value  # used from the next connection on
        return "Accepted"

    def _reset(self, kind: str) -> None:
        self._spawn_control(self._do_reset(kind))

    async def _do_reset(self, kind: str) -> None:
        reason = "HardReset" if kind == "Hard" else "SoftReset"
        stops = [self._stop_transaction(c, reason) for c in self.connectors[1:]]
        if kind != "Hard":
            # a soft reset stops transactions gracefully: their StopTransaction goes out before the reboot
            await self._await_delivery(stops)
        await self._restart(graceful=kind != "Hard")

    async def _await_delivery(self, futures: Iterable[asyncio.Future | None]) -> None:
        pending = [f for f in futures if f is not None]
        if pending and self._outbox_active():
            await asyncio.wait(pending, timeout=self.response_timeout)

    async def _restart(self, *, graceful: bool) -> None:
        await self._power_off(graceful=graceful)
        if not self._stopping:
            self._power_on()

    async def _triggered(self, rpc: _ChargePointRpc, message: str, connector_id: int | None) -> None:
        try:
            if message == "BootNotification":
                if self.registration == "Accepted":
                    reply = await self._send_now(rpc, "BootNotification", self._boot_payload())
                    self._sync_clock(reply.get("currentTime"))
                    if reply.get("status") == "Accepted" and int(reply.get("interval") or 0) > 0:
                        self.config["HeartbeatInterval"] = str(reply["interval"])
                        self._restart_heartbeat()
                else:
                    self._boot_wakeup.set()
            elif message == "Heartbeat":
                await self._send_heartbeat(rpc)
            elif message == "StatusNotification":
                targets = self.connectors if connector_id is None else [self.connectors[connector_id]]
                for c in targets:
                    if c.status is None:
                        c.status = self._derive(c)
                    await self._send_now(rpc, "StatusNotification", self._status_payload(c))
            elif message == "MeterValues":
                targets = self.connectors[1:] if not connector_id else [self.connectors[connector_id]]
                measurands = self._measurands("MeterValuesSampledData") or ["Energy.Active.Import.Register"]
                for c in targets:
                    payload: dict = {"connectorId": c.id, "meterValue": [self._sample(c, measurands, "Trigger")]}
                    if c.transaction is not None and c.transaction.transaction_id is not None:
                        payload["transactionId"] = c.transaction.transaction_id
                    await self._send_now(rpc, "MeterValues", payload)
            elif message == "DiagnosticsStatusNotification":
                await self._send_now(rpc, "DiagnosticsStatusNotification", {"status": "Idle"})
            elif message == "FirmwareStatusNotification":
                await self._send_now(rpc, "FirmwareStatusNotification", {"status": "Idle"})
        except (CallError, CallTimeout, ConnectionError, ConnectionClosed, asyncio.TimeoutError) as exc:
            self.logger.info("%s: triggered %s failed: %s", self.identity, message, exc)

    # =================================================================== physical and operator actions
    async def plug_in(self, connector: int) -> None:
        c = self._connector(connector)
        c.plugged = True
        if c.transaction is not None:
            self._refresh(c)  # EV back after an EV-side disconnect
        elif c.pending_tag is not None and c.pending_timer is not None:
            tag, parent = c.pending_tag
            self._spawn(self._start_transaction(c, tag, parent))
        else:
            self._refresh(c)

    async def unplug(self, connector: int) -> None:
        c = self._connector(connector)
        c.plugged = False
        c.lock_failure = False
        tx = c.transaction
        if tx is not None and tx.reported:
            if self._bool("StopTransactionOnEVSideDisconnect") or "ev-disconnect-always-stops" in self.faults:
                keep_locked = not self._bool("UnlockConnectorOnEVSideDisconnect") and "unlock-on-ev-disconnect-always" not in self.faults
                if keep_locked and not self.fixed_cable:
                    c.locked_for = tx.id_tag  # locked until the owner presents the idTag again
                self._stop_transaction(c, "EVDisconnected")
            else:
                self._refresh(c)  # SuspendedEV, transaction goes on
            return
        c.finishing = False
        self._refresh(c)

    async def present_id_tag(self, id_tag: str, connector: int | None = None) -> None:
        if connector is not None:
            self._connector(connector)
        self._spawn(self._present(id_tag, connector))

    async def _present(self, id_tag: str, connector_id: int | None) -> None:
        scope = self.connectors[1:] if connector_id is None else [self.connectors[connector_id]]
        # 1. the owner of a running transaction stops it
        for c in scope:
            if c.transaction is not None and c.transaction.id_tag.lower() == id_tag.lower():
                self._stop_transaction(c, "Local", id_tag)
                return
        # 2. the owner unlocks a cable kept locked after an EV-side disconnect
        for c in scope:
            if c.locked_for and c.locked_for.lower() == id_tag.lower():
                c.locked_for = None
                self._refresh(c)
                return
        # 3. another card of the same group (parentIdTag) may stop it (C16 §3.4): that needs its idTagInfo
        info = None
        grouped = [c for c in scope if c.transaction is not None and c.transaction.parent_id_tag]
        if grouped:
            info = await self._authorize(id_tag)
            parent = info.get("parentIdTag")
            for c in grouped:
                tx = c.transaction
                same_group = bool(tx and parent and parent.lower() == (tx.parent_id_tag or "").lower())
                if same_group and info.get("status") == "Accepted" and "parent-id-tag-ignored" not in self.faults:
                    self._stop_transaction(c, "Local", id_tag)
                    return
        # 4. otherwise a new transaction on a free connector
        target = self._connector_for_start(connector_id)
        if target is None:
            self.logger.info("%s: no connector free for idTag %s", self.identity, id_tag)
            return
        await self._local_start(target, id_tag, info)

    async def power_cycle(self) -> None:
        """Power failure: the connection drops at once, transactions end with reason PowerLoss (reported after the
        reboot, or before going down with the vendor key StopTransactionsBeforePowerDown: back-up power); power comes
        back after `power_off_time` and the charger boots. Returns once the power is off."""
        await self._cut_power()
        self._spawn_control(self._restore_power())

    async def _cut_power(self) -> None:
        if self._bool("StopTransactionsBeforePowerDown") and not self.faults & {"no-stop-after-power-loss", "power-loss-stop-after-reboot"}:
            await self._stop_on_backup_power()
        if self._rpc is not None:
            _abort(self._rpc._connection)  # nothing more leaves the charger
        interrupted = [c for c in self.connectors[1:] if c.transaction is not None]
        for c in interrupted:
            if "no-stop-after-power-loss" in self.faults:
                c.transaction = None
                continue
            self._stop_transaction(c, "PowerLoss")
        for c in self.connectors:
            c.ev_suspended = False
        await self._power_off(graceful=False)

    async def _stop_on_backup_power(self) -> None:
        """Running on back-up power: end the transactions (reason PowerLoss) and report them, with the connectors'
        new status, before shutting down (bounded by the response timeout)."""
        pending = [self._stop_transaction(c, "PowerLoss") for c in self.connectors[1:] if c.transaction is not None]
        loop = asyncio.get_running_loop()
        for item in self._outbox:
            if item.action == "StatusNotification" and item.future is None:
                item.future = loop.create_future()
                pending.append(item.future)
        await self._await_delivery(pending)

    async def _restore_power(self) -> None:
        await asyncio.sleep(self.power_off_time)
        if not self._stopping:
            self._power_on()

    async def reboot(self) -> None:
        """Operator reboot: transactions are stopped (reason Reboot) and reported, the charger shuts down, then
        starts again and boots. Returns once it is down."""
        await self._await_delivery([self._stop_transaction(c, "Reboot") for c in self.connectors[1:]])
        await self._power_off(graceful=True)
        self._spawn_control(self._restore_power())

    async def go_offline(self) -> None:
        self._network_up.clear()
        if self._rpc is not None:
            _abort(self._rpc._connection)

    async def come_online(self) -> None:
        self._network_up.set()

    async def raise_fault(self, connector: int, error_code: str = "OtherError") -> None:
        c = self._connector(connector, allow_zero=True)
        c.fault = error_code
        self._refresh(c)

    async def clear_fault(self, connector: int) -> None:
        c = self._connector(connector, allow_zero=True)
        c.fault = None
        c.lock_failure = False
        self._refresh(c)

    async def make_lock_fail(self, connector: int, fail: bool = True) -> None:
        c = self._connector(connector)
        c.lock_fails = bool(fail)
        if not fail and c.lock_failure:
            c.lock_failure = False
            self._refresh(c)

    async def make_unlock_fail(self, connector: int, fail: bool = True) -> None:
        self._connector(connector).unlock_fails = bool(fail)

    async def suspend_ev(self, connector: int) -> None:
        c = self._connector(connector)
        c.ev_suspended = True
        self._refresh(c)

    async def resume_ev(self, connector: int) -> None:
        c = self._connector(connector)
        c.ev_suspended = False
        self._refresh(c)

    async def data_transfer(self, vendor_id: str, message_id: str | None = None, data: str | None = None) -> dict:
        """Send a DataTransfer to the Central System and return its reply (operator action)."""
        rpc = self._require_online()
        payload = {"vendorId": vendor_id}
        if message_id is not None:
            payload["messageId"] = message_id
        if data is not None:
            payload["data"] = data
        return await self._send_now(rpc, "DataTransfer", payload)

    async def send_raw(self, text: str) -> None:
        """Put a frame on the wire as is (for tests of the Central System's framing checks)."""
        await self._require_online().send_raw(text)

    def _require_online(self) -> _ChargePointRpc:
        if self._rpc is None:
            raise ConnectionError(f"charge point {self.identity} is not connected to {self.url}")
        return self._rpc

    def _connector(self, connector: Any, *, allow_zero: bool = False) -> Connector:
        try:
            number = int(connector)
        except (TypeError, ValueError):
            raise ValueError(f"connector must be a number, got {connector!r}") from None
        low = 0 if allow_zero else 1
        if not low <= number < len(self.connectors):
            raise ValueError(f"connector {number} does not exist (this charge point has 1..{len(self.connectors) - 1})")
        return self.connectors[number]

    # =================================================================== observing

    async def wait_registered(self, timeout: float = 10) -> None:
        await self.wait_for(lambda: self.registration == "Accepted" and self.online, timeout)

    def status_of(self, connector: int) -> str | None:
        c = self.connectors[connector]
        return c.status[0] if c.status else None

    def transaction_id(self, connector: int) -> int | None:
        tx = self.connectors[connector].transaction
        return tx.transaction_id if tx else None

    def snapshot(self) -> dict:
        return {
            "identity": self.identity,
            "url": self.url,
            "online": self.online,
            "registration": self.registration,
            "faults": sorted(self.faults),
            "lastConnectError": self.last_connect_error,
            "queued": [item.action for item in self._outbox],
            "connectors": [
                {
                    "connectorId": c.id,
                    "status": c.status[0] if c.status else None,
                    "errorCode": c.status[1] if c.status else None,
                    "plugged": c.plugged,
                    "operative": c.operative,
                    "meterWh": round(self.meter_wh(c.id), 1),
                    "transactionId": c.transaction.transaction_id if c.transaction else None,
                    "idTag": c.transaction.id_tag if c.transaction else None,
                }
                for c in self.connectors
            ],
        }

    # =================================================================== helpers
    def _int(self, key: str) -> int:
        try:
            return int(self.config.get(key, "0") or 0)
        except ValueError:
            return 0

    def _bool(self, key: str) -> bool:
        return self.config.get(key, "false").strip().lower() == "true"


def _abort(ws: Any) -> None:
    """Drop the TCP connection without a closing handshake, like a cut cable."""
    transport = getattr(ws, "transport", None)
    if transport is not None:
        transport.abort()
