"""The reference OCPP 1.6 charge point: the Core profile as a real charger does it, plus named faults.

The charger is one asyncio object, put together from one class per functional area (this package's other
modules); they share the state set up in `ReferenceChargePoint.__init__`. Everything the charger would keep in
non-volatile memory (configuration, authorization cache, availability, meter registers, the queue of
transaction messages) survives reboots and power cuts; everything else is lost with power."""

from __future__ import annotations

import asyncio
import collections
import logging
import ssl
from typing import Any, Awaitable, Callable, Iterable, Mapping

from conformance.iut import station_url
from conformance.ocpp16.simulators import faults as fault_registry
from conformance.ocpp16.simulators.charge_point.authorization import Authorization, AuthorizationHandlers
from conformance.ocpp16.simulators.charge_point.boot import Boot
from conformance.ocpp16.simulators.charge_point.configuration import (
    CONFIG_SPECS,
    Configuration,
    ConfigurationHandlers,
    valid_config_value,
)
from conformance.ocpp16.simulators.charge_point.connectors import ConnectorHandlers, Connectors
from conformance.ocpp16.simulators.charge_point.data_transfer import DataTransfer, DataTransferHandlers
from conformance.ocpp16.simulators.charge_point.firmware import Firmware, FirmwareHandlers
from conformance.ocpp16.simulators.charge_point.local_auth_list import LocalAuthList, LocalAuthListHandlers
from conformance.ocpp16.simulators.charge_point.meter_values import MeterValues
from conformance.ocpp16.simulators.charge_point.offline_queue import OfflineQueue
from conformance.ocpp16.simulators.charge_point.physical import PhysicalActions
from conformance.ocpp16.simulators.charge_point.power import Power, PowerHandlers
from conformance.ocpp16.simulators.charge_point.remote_trigger import RemoteTrigger, RemoteTriggerHandlers
from conformance.ocpp16.simulators.charge_point.reservation import ReservationHandlers, Reservations
from conformance.ocpp16.simulators.charge_point.security import ChargerTls, Security, SecurityHandlers
from conformance.ocpp16.simulators.charge_point.smart_charging import SmartCharging, SmartChargingHandlers
from conformance.ocpp16.simulators.charge_point.state import Connector, Outgoing
from conformance.ocpp16.simulators.charge_point.transactions import TransactionHandlers, Transactions
from conformance.ocpp16.simulators.rpc import RpcEndpoint, endpoint_settings
from conformance.ocpp16.smart_charging import ChargePointProfiles
from conformance.simulation import Observable

LOGGER = logging.getLogger("conformance.ocpp16.simulators.charge_point")


class ChargePointRpc(ConfigurationHandlers, ConnectorHandlers, AuthorizationHandlers, TransactionHandlers, PowerHandlers,
                     RemoteTriggerHandlers, DataTransferHandlers, SmartChargingHandlers, FirmwareHandlers,
                     LocalAuthListHandlers, ReservationHandlers, SecurityHandlers, RpcEndpoint):
    """The charger's side of one WebSocket connection: the handlers of every Central System call it supports."""

    def __init__(self, cp: "ReferenceChargePoint", connection: Any) -> None:
        super().__init__(cp.identity, connection, **endpoint_settings(cp))
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


class ReferenceChargePoint(Boot, Configuration, OfflineQueue, Connectors, MeterValues, Authorization, Transactions, Power,
                          RemoteTrigger, DataTransfer, SmartCharging, PhysicalActions, Firmware, LocalAuthList,
                          Reservations, Security, Observable):
    """A correct OCPP 1.6 Core charge point (unless told to misbehave through `faults`)."""

    def __init__(
        self,
        *,
        csms_url: str,
        identity: str,
        connectors: int = 2,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        tls: ChargerTls | None = None,
        security_profile: int | None = None,
        cpo_name: str = "",
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
        if security_profile is None:  # what the URL and the credentials given imply
            tls_url = csms_url.startswith("wss://")
            security_profile = (2 if password else 3) if tls_url else (1 if password else 0)
        self._init_security(tls, profile=security_profile, cpo_name=cpo_name)
        self._set_password(password)
        for key, value in (config or {}).items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            spec = CONFIG_SPECS.get(key)
            if spec is None:
                raise ValueError(f"unknown configuration key {key!r}; known: {', '.join(sorted(CONFIG_SPECS))}")
            if key == "NumberOfConnectors" and text != str(connectors):
                raise ValueError("NumberOfConnectors follows the connectors argument; do not override it")
            if not valid_config_value(spec, text, self.config):
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
        self.local_list: dict[str, dict] = {}  # lower-case idTag -> its AuthorizationData
        self.local_list_version = 0
        self._outbox: collections.deque[Outgoing] = collections.deque()
        self._next_local_tx = 1
        self.profiles = ChargePointProfiles(connectors)  # charging profiles (smart_charging.py)
        self._profile_installed_at: dict[int, Any] = {}
        self.firmware_status = "Idle"  # the last FirmwareStatusNotification / DiagnosticsStatusNotification status
        self.diagnostics_status = "Idle"
        self._init_reservations()

        # volatile state
        self.registration: str | None = None  # None until a BootNotification got an answer
        self.clock_offset = 0.0  # seconds to add to our clock (synchronised from the Central System)
        self._rpc: RpcEndpoint | None = None
        self._dirty_status: set[int] = set()
        self._outbox_event = asyncio.Event()
        self._boot_wakeup = asyncio.Event()
        self._network_up = asyncio.Event()
        self._network_up.set()
        self._samples_queued_offline = 0  # MeterValues queued since the network went down
        self._remote_profiles: dict[int, tuple[str, Any]] = {}  # connector -> (idTag, its RemoteStart's profile)
        self._ended_tx_profiles: dict[int, tuple[Any, tuple]] = {}  # fault tx-profile-kept-after-transaction
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

    @property
    def url(self) -> str:
        return station_url(self.csms_url, self.identity)

    @property
    def online(self) -> bool:
        return self._rpc is not None

    @property
    def own_schema_errors(self) -> list[str]:
        """Replies of ours that broke the 1.6 schema without a fault asking for it: must stay empty."""
        return self._own_errors

    def _open_rpc(self, connection: Any) -> ChargePointRpc:
        """The charger's handlers on a freshly opened connection."""
        return ChargePointRpc(self, connection)

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
        self._drop_private_folder()

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
