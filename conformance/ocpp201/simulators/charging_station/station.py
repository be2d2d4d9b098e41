"""The reference OCPP 2.0.1 charging station: the Core of Part 2 as a real station does it, plus named faults.

One asyncio object put together from one class per functional area (this package's other modules), sharing the
state set up in `ReferenceChargingStation.__init__`. What a station keeps in non-volatile memory (its device model,
availability, network profiles, queued transaction events) survives reboots and power cuts; the rest is lost."""

from __future__ import annotations

import asyncio
import collections
import logging
import ssl
import time
from typing import Any, Awaitable, Callable, Iterable, Mapping

from conformance.ocpp201.device_model import DeviceModel, StationFacts, standard_variables
from conformance.ocpp201.simulators import faults as fault_registry
from conformance.ocpp201.simulators.charging_station.availability import (
    Availability,
    AvailabilityHandlers,
    Triggered,
    rejected_refusal,
)
from conformance.ocpp201.simulators.charging_station.boot import Boot
from conformance.ocpp201.simulators.charging_station.certificates import CertificateHandlers, Certificates
from conformance.ocpp201.simulators.charging_station.meter_values import MeterValues
from conformance.ocpp201.simulators.charging_station.network import NetworkHandlers
from conformance.ocpp201.simulators.charging_station.physical import PhysicalActions
from conformance.ocpp201.simulators.charging_station.provisioning import ProvisioningHandlers, Reporting
from conformance.ocpp201.simulators.charging_station.reset import ResetHandlers, Resetting
from conformance.ocpp201.simulators.charging_station.state import Connector, Evse, Outgoing, ScheduledReset
from conformance.ocpp201.simulators.charging_station.transactions import (
    RemoteStart,
    TransactionHandlers,
    Transactions,
)
from conformance.ocpp201.simulators.rpc import RpcEndpoint, RpcError, endpoint_settings
from conformance.simulation import Observable

LOGGER = logging.getLogger("conformance.ocpp201.simulators.charging_station")


class ChargingStationRpc(ProvisioningHandlers, ResetHandlers, AvailabilityHandlers, TransactionHandlers,
                         NetworkHandlers, CertificateHandlers, RpcEndpoint):
    """The station's side of one WebSocket connection: the handlers of every CSMS request it supports."""

    def __init__(self, cs: "ReferenceChargingStation", connection: Any) -> None:
        super().__init__(cs.identity, connection, **endpoint_settings(cs))
        self.cs = cs
        self._plans: dict[str, Callable[[], Any]] = {}

    def _plan(self, unique_id: str, work: Callable[[], Any]) -> None:
        """Run `work` once the reply is on the wire (the after_ handlers)."""
        self._plans[unique_id] = work

    def _run_plan(self, unique_id: str) -> None:
        work = self._plans.pop(unique_id, None)
        if work is not None:
            result = work()
            if asyncio.iscoroutine(result):
                self.cs._spawn(result)

    def on_DataTransfer(self, payload: dict, unique_id: str) -> dict:
        """The station knows no vendor's extensions (P01)."""
        if "data-transfer-accepted" in self.cs.faults:
            return {"status": "Accepted"}
        return {"status": "UnknownVendorId"}

    def refusal(self, action: str) -> RpcError | None:
        return rejected_refusal(self.cs, action)

    def on_ClearCache(self, payload: dict, unique_id: str) -> dict:
        return {"status": "Accepted"}



class ReferenceChargingStation(Boot, Availability, Triggered, Transactions, RemoteStart, Reporting, Resetting,
                               PhysicalActions, Certificates, MeterValues, Observable):
    """A correct OCPP 2.0.1 Core charging station (unless told to misbehave through `faults`)."""

    def __init__(
        self,
        *,
        csms_url: str,
        identity: str,
        evses: Iterable[int] = (1,),
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        csms_roots: Iterable[Any] = (),
        tls_server_name: str | None = None,
        security_profile: int = 0,
        faults: Iterable[str] = (),
        variables: Mapping[str, Any] | None = None,
        token_types: Mapping[str, str] | None = None,
        report_bases: Iterable[str] = ("ConfigurationInventory", "FullInventory", "SummaryInventory"),
        reset_evse: bool = True,
        fixed_cable: bool = False,
        rejected_keeps_connection: bool = True,
        response_timeout: float = 30.0,
        late_reply_delay: float | None = None,
        boot_retry_interval: float = 5.0,
        reconnect_delay: float = 0.5,
        power_off_time: float = 0.1,
        vendor: str = "OCPP-Conformance",
        model: str = "RefChargingStation",  # CiString20
        serial_number: str | None = "REF-0201",
        firmware_version: str | None = "2.0.1",
        logger: logging.Logger = LOGGER,
    ) -> None:
        counts = tuple(int(n) for n in evses)
        if not counts or min(counts) < 1:
            raise ValueError("a station has at least one EVSE with at least one connector")
        self.csms_url = csms_url
        self.identity = identity
        self.password = password
        self.ssl_context = ssl_context
        self.csms_roots = list(csms_roots)  # the CSMSRootCertificates installed (files or certificates)
        self.tls_server_name = tls_server_name  # the CSMS's TLS host name, when not the URL's host
        self.security_profile = security_profile
        self.faults = fault_registry.check_faults(faults, "charge_point")
        self.response_timeout = response_timeout
        self.late_reply_delay = late_reply_delay if late_reply_delay is not None else response_timeout + 2
        self.boot_retry_interval = boot_retry_interval
        self.reconnect_delay = reconnect_delay
        self.power_off_time = power_off_time
        self.vendor, self.model_name = vendor, model
        self.serial_number, self.firmware_version = serial_number, firmware_version
        self.token_types = dict(token_types or {})
        self.report_bases = tuple(report_bases)
        self.supports_evse_reset = reset_evse
        self.fixed_cable = fixed_cable  # the cable stays attached to the station: an EV-side disconnect times out
        self.keeps_connection_when_rejected = rejected_keeps_connection
        self.logger = logger

        # non-volatile
        self.evses: dict[int, Evse] = {
            n: Evse(n, {c: Connector(c) for c in range(1, count + 1)}) for n, count in enumerate(counts, start=1)}
        self.operative = True
        self.model = DeviceModel(standard_variables(StationFacts(
            evses=counts, identity=identity, security_profile=security_profile, state_of=self.state_of,
            now=self.timestamp)))
        for name, value in (variables or {}).items():
            self._configure(name, value)
        self.network_profiles: dict[int, dict] = {0: {"ocppVersion": "OCPP20", "ocppTransport": "JSON",
                                                      "ocppCsmsUrl": csms_url, "messageTimeout": 30,
                                                      "securityProfile": security_profile,
                                                      "ocppInterface": "Wired0"}}
        self._outbox: collections.deque[Outgoing] = collections.deque()
        self.security_events: list[dict] = []  # waiting for a connection (SecurityEventNotification payloads)
        self.auth_cache: dict[str, dict] = {}  # IdToken -> the IdTokenInfo the CSMS last accepted it with (C10)

        # volatile
        self.registration: str | None = None  # None until a BootNotification got an answer
        self.boot_reason = "PowerUp"
        self.clock_offset = 0.0
        self._rpc: RpcEndpoint | None = None
        self.active_slot = 0
        self.connected_url: str | None = None
        self.scheduled_reset: ScheduledReset | None = None
        self.scheduled_availability: dict[tuple, tuple[bool, set[str]]] = {}
        self.remote_start_ids: dict[int, int | None] = {}
        self.offline_since: float | None = None
        self._outbox_event = asyncio.Event()
        self._meter_wakeup = asyncio.Event()
        self._boot_wakeup = asyncio.Event()
        self._network_up = asyncio.Event()
        self._network_up.set()
        self._init_observable()
        self._power_tasks: set[asyncio.Task] = set()
        self._session_tasks: dict[str, asyncio.Task] = {}
        self._control_tasks: set[asyncio.Task] = set()
        self._running = False
        self.connected = asyncio.Event()
        self.last_connect_error: str | None = None
        self.boot_count = 0
        self._own_errors: list[str] = []

    def _configure(self, name: str, value: Any) -> None:
        """A variable's value as installed: `Component.Variable` or `Component.Variable[instance]`."""
        text = str(value).lower() if isinstance(value, bool) else str(value)
        component, _, rest = name.partition(".")
        variable, _, instance = rest.partition("[")
        try:
            target = self.model.variable(component, variable, instance=instance.rstrip("]") or None)
        except KeyError:
            raise ValueError(f"unknown variable {name!r} of the reference charging station") from None
        target.attributes["Actual"].value = text

    @property
    def url(self) -> str:
        return self.csms_url.rstrip("/") + "/" + self.identity

    @property
    def online(self) -> bool:
        return self._rpc is not None

    @property
    def own_schema_errors(self) -> list[str]:
        """Replies of ours that broke the 2.0.1 schema without a fault asking for it: must stay empty."""
        return self._own_errors

    def _open_rpc(self, connection: Any) -> ChargingStationRpc:
        return ChargingStationRpc(self, connection)

    async def variables_changed(self, changed: list[tuple[Any, str]]) -> None:
        for variable, value in changed:
            work = self.variable_changed(variable, value)
            if work is not None:
                await work

    def variable_changed(self, variable: Any, value: str) -> Any:
        """A SetVariables took effect (its answer is on the wire): a new HeartbeatInterval is used at once; with a new
        BasicAuthPassword the station connects again, authenticating with it (A01)."""
        if variable is None:
            return None
        if variable.component == "OCPPCommCtrlr" and variable.name == "HeartbeatInterval":
            self._restart_heartbeat()
        if variable.component in ("SampledDataCtrlr", "AlignedDataCtrlr"):
            self.meters_changed()
        if variable.component == "SecurityCtrlr" and variable.name == "BasicAuthPassword" \
                and "password-change-ignored" not in self.faults:
            self.password = value
            return self._reconnect()
        return None

    async def _reconnect(self) -> None:
        """Close the connection (normally) and connect again, without rebooting."""
        rpc = self._rpc
        if rpc is not None:
            await rpc.connection.close(1000, "reconnecting with new credentials")

    async def _after_boot(self) -> None:
        """Once registered: what waits for the connection (queued events) goes out."""
        self._outbox_event.set()

    # -- power -----------------------------------------------------------------------------------------------------
    async def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._power_on()

    async def stop(self) -> None:
        self._running = False
        for task in list(self._control_tasks):
            task.cancel()
        await self._power_off()

    def _power_on(self) -> None:
        self.registration = None
        self._network_up.set()
        self._spawn(self._connection_loop(), name=f"cs201-{self.identity}")
        self._spawn(self._aligned_idle_loop(), name=f"cs201-{self.identity}-aligned")

    async def _power_off(self) -> None:
        """Everything running stops (the connection drops without a closing handshake); volatile state goes."""
        current = asyncio.current_task()
        tasks = [t for t in self._power_tasks if t is not current]
        for task in tasks:
            task.cancel()
        rpc = self._rpc
        if rpc is not None:
            transport = getattr(rpc.connection, "transport", None)
            if transport is not None:
                transport.abort()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._rpc = None
        self.connected.clear()
        self.registration = None
        self.scheduled_reset = None
        self.scheduled_availability.clear()
        if "availability-lost-on-reboot" in self.faults:  # kept in volatile memory only
            self.operative = True
            for e in self.evses.values():
                e.operative = True
                for c in e.connectors.values():
                    c.operative = True
        for e in self.evses.values():
            e.authorized = None
            e.bay_occupied = e.ev_suspended = e.ev_side_suspended = False
            e.locked_for = None
            e.resetting = False
            e.cable_timer = None
            e.connector.reported = None
        self.offline_since = time.monotonic()
        self._wake()

    def _spawn(self, coro: Awaitable[Any], name: str | None = None) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        if name:
            task.set_name(name)
        self._power_tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _spawn_control(self, coro: Awaitable[Any]) -> asyncio.Task:
        """Work that outlives a power cycle it causes (a reset)."""
        task = asyncio.ensure_future(coro)
        self._control_tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._power_tasks.discard(task)
        self._control_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.logger.error("%s: background task failed", self.identity, exc_info=task.exception())

    async def wait_registered(self, timeout: float = 10) -> None:
        await self.wait_for(lambda: self.registration == "Accepted" and self.online, timeout)

    def snapshot(self) -> dict:
        return {
            "identity": self.identity,
            "url": self.url,
            "online": self.online,
            "registration": self.registration,
            "faults": sorted(self.faults),
            "lastConnectError": self.last_connect_error,
            "activeSlot": self.active_slot,
            "queued": [item.action for item in self._outbox],
            "evses": [
                {
                    "evseId": e.id,
                    "status": self.state_of(e.id, None),
                    "plugged": e.connector.plugged,
                    "operative": e.operative,
                    "meterWh": round(e.energy_wh, 1),
                    "transactionId": e.transaction.transaction_id if e.transaction else None,
                }
                for e in self.evses.values()
            ],
        }
