"""In-process driver for the reference simulators, and how to start one from an IUT descriptor.

`start_simulator(descriptor)` builds and starts the simulator a descriptor with ``driver.type: simulator`` stands
for (a charge point connecting to where the suite listens, or a CSMS listening at the descriptor's endpoint) and
returns it with its driver. Every driver action maps to the simulator's method of the same name.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conformance.drivers.base import ChargePointDriver, CsmsDriver, DriverError, NeedsManualAction
from conformance.ocpp16.simulators.charge_point import CONFIG_SPECS, ReferenceChargePoint
from conformance.ocpp16.simulators.csms import ReferenceCsms, UnknownAction, UnknownStation
from conformance.ocpp16.simulators.faults import faults_for_side
from conformance.ocpp16.simulators.rpc import CallError, CallTimeout
from conformance.simulator_tls import pki_of, require_pki, server_tls
from conformance.wire import Role

if TYPE_CHECKING:
    from conformance.iut import Descriptor
    from conformance.wire import Wire

LOGGER = logging.getLogger("conformance.ocpp16.simulators.driver")

CHARGE_POINT_ACTIONS = (
    "plug_in", "unplug", "present_id_tag", "power_cycle", "reboot", "go_offline", "come_online", "raise_fault",
    "clear_fault", "make_lock_fail", "make_unlock_fail", "suspend_ev", "resume_ev", "data_transfer",
    "set_security_profile",
)
CSMS_ACTIONS = ("send_command", "add_id_tag", "remove_id_tag", "set_boot_status", "set_security_profile")

# descriptor driver.options the simulators accept
_CHARGE_POINT_OPTIONS = {
    "config", "known_id_tags", "late_reply_delay", "boot_retry_interval", "reconnect_delay", "reconnect_max_delay",
    "power_off_time", "power_w", "vendor", "model", "serial_number", "firmware_version", "vendor_id",
    "data_transfer_message_ids", "response_timeout",
}
_CSMS_OPTIONS = {
    "heartbeat_interval", "boot_status", "accept_unknown_chargers", "stations", "response_timeout", "late_reply_delay",
    "vendor_id", "data_transfer_message_ids", "first_transaction_id", "id_tags",
}


class SimulatorChargePointDriver(ChargePointDriver):
    """Drives an in-process `ReferenceChargePoint`."""

    kind = "simulator"

    def __init__(self, descriptor: "Descriptor", *, wire: "Wire | None" = None, simulator: ReferenceChargePoint) -> None:
        super().__init__(descriptor, wire=wire)
        self.simulator = simulator

    def can(self, action: str) -> bool:
        return action in CHARGE_POINT_ACTIONS

    async def _perform(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if action not in CHARGE_POINT_ACTIONS:
            raise NeedsManualAction(f"the reference charge point has no action {action!r}")
        try:
            result = await getattr(self.simulator, action)(**params)
        except (ValueError, TypeError) as exc:
            raise DriverError(f"{action}: {exc}") from None
        except (ConnectionError, CallError, CallTimeout) as exc:
            raise DriverError(f"{action}: {exc}") from None
        return {"reply": result} if isinstance(result, dict) else None


class SimulatorCsmsDriver(CsmsDriver):
    """Drives an in-process `ReferenceCsms`: commands are launched and run in the background, like an operator's."""

    kind = "simulator"

    def __init__(self, descriptor: "Descriptor", *, wire: "Wire | None" = None, simulator: ReferenceCsms) -> None:
        super().__init__(descriptor, wire=wire)
        self.simulator = simulator
        self.results: list[dict[str, Any]] = []  # one entry per finished command: action, reply or error
        self._pending: set[asyncio.Future] = set()

    def can(self, action: str) -> bool:
        return action in CSMS_ACTIONS

    async def _perform(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        csms = self.simulator
        if action == "send_command":
            return await self._send(params.get("command", ""), params.get("payload") or {}, params.get("station_id") or self.identity)
        if action == "add_id_tag":
            await csms.add_id_tag(params["id_tag"], params.get("status", "Accepted"), params.get("expiry_date"), params.get("parent_id_tag"))
            return None
        if action == "remove_id_tag":
            await csms.remove_id_tag(params["id_tag"])
            return None
        if action == "set_security_profile":
            await csms.set_security_profile(params.get("station_id") or self.identity, int(params["profile"]))
            return None
        if action == "set_boot_status":
            status = params.get("status", "Accepted")
            if params.get("station_id"):
                csms.boot_status_overrides[params["station_id"]] = status
            else:
                csms.boot_status = status
            return None
        raise NeedsManualAction(f"the reference CSMS has no action {action!r}")

    async def _send(self, command: str, payload: dict, station_id: str) -> dict[str, Any]:
        sent = asyncio.Event()
        try:
            future = self.simulator.start_command(station_id, command, payload, on_sent=sent)
        except UnknownAction as exc:
            raise NeedsManualAction(str(exc)) from None
        except (UnknownStation, ValueError) as exc:
            raise DriverError(str(exc)) from None
        self._pending.add(future)
        future.add_done_callback(lambda f, c=command: self._finished(c, f))
        # Return once the CALL is on the wire (or the command ended early), so the case sees it in order.
        waiter = asyncio.ensure_future(sent.wait())
        try:
            await asyncio.wait({waiter, future}, timeout=self.descriptor.timeouts.response, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        return {"sent": sent.is_set()}

    def _finished(self, command: str, future: asyncio.Future) -> None:
        self._pending.discard(future)
        exc = None if future.cancelled() else future.exception()
        if future.cancelled():
            self.results.append({"action": command, "error": "cancelled"})
        elif exc is None:
            self.results.append({"action": command, "reply": future.result()})
        else:
            self.results.append({"action": command, "error": f"{type(exc).__name__}: {exc}"})
            LOGGER.info("reference CSMS command %s ended with %s", command, exc)
        self.simulator._wake()  # let simulator.wait_for(...) see the result

    async def aclose(self) -> None:
        for future in list(self._pending):
            future.cancel()


def create(descriptor: "Descriptor", *, wire: "Wire | None" = None, simulator: Any = None) -> ChargePointDriver | CsmsDriver:
    """The driver for an already running simulator (see `start_simulator` to start one)."""
    if simulator is None:
        raise DriverError(f"driver 'simulator' needs a running reference simulator — start it with start_simulator() ({descriptor.label})")
    if descriptor.sut is Role.CSMS:
        return SimulatorCsmsDriver(descriptor, wire=wire, simulator=simulator)
    return SimulatorChargePointDriver(descriptor, wire=wire, simulator=simulator)


def _options(descriptor: "Descriptor", allowed: set[str]) -> dict[str, Any]:
    options = dict(descriptor.driver.get("options") or {})
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(
            f"{descriptor.label}: driver.options: unknown option(s) {', '.join(unknown)} — known: {', '.join(sorted(allowed))}"
        )
    return options


def _charger_tls(descriptor: "Descriptor", faults: frozenset[str]) -> Any:
    """What the reference charger holds from the factory: the test PKI's roots and its certificate (None without a
    generated PKI: it then trusts nothing and has no certificate)."""
    pki = pki_of(descriptor)
    if pki is None:
        if descriptor.security.profile >= 2:
            require_pki(descriptor)
        return None
    from conformance.ocpp16.simulators.charge_point.security import charger_tls_from_pki
    from conformance.pki import bad_certificate

    bad = bad_certificate(pki, "client", "wrong_name") if "client-certificate-wrong-name" in faults else None
    return charger_tls_from_pki(pki, server_name=descriptor.security.server_name, bad_client=bad)


def _late_reply_delay(descriptor: "Descriptor", options: dict[str, Any]) -> float:
    t = descriptor.timeouts
    return float(options.pop("late_reply_delay", t.response + t.tolerance + 1))


def build_charge_point(descriptor: "Descriptor") -> ReferenceChargePoint:
    options = _options(descriptor, _CHARGE_POINT_OPTIONS)
    host = "127.0.0.1" if descriptor.listen_host in ("0.0.0.0", "::", "") else descriptor.listen_host
    url = f"{descriptor.scheme}://{host}:{descriptor.listen_port}{descriptor.listen_path}"
    config = {k: v for k, v in descriptor.configuration.items() if k in CONFIG_SPECS}
    config.update(options.pop("config", {}) or {})
    faults = faults_for_side(descriptor.driver.get("faults") or (), "charge_point")
    return ReferenceChargePoint(
        csms_url=url,
        identity=descriptor.identity,
        connectors=descriptor.connectors,
        password=descriptor.security.password,
        tls=_charger_tls(descriptor, faults),
        security_profile=descriptor.security.profile,
        cpo_name=_cpo_name(descriptor),
        faults=faults,
        config=config,
        known_id_tags=options.pop("known_id_tags", ()),
        response_timeout=float(options.pop("response_timeout", descriptor.timeouts.response)),
        late_reply_delay=_late_reply_delay(descriptor, options),
        fixed_cable=descriptor.fixed_cable,
        **options,
    )


def _cpo_name(descriptor: "Descriptor") -> str:
    from conformance.pki import DEFAULT_ORGANIZATION

    return descriptor.security.cpo_name or DEFAULT_ORGANIZATION


def csms_token_database(descriptor: "Descriptor") -> dict[str, dict[str, Any]]:
    """The descriptor's id tags as a token database with the statuses the cases expect."""
    tags = descriptor.id_tags
    database = {
        tags.valid: {"status": "Accepted"},
        tags.valid_2: {"status": "Accepted"},
        tags.blocked: {"status": "Blocked"},
        tags.expired: {"status": "Expired", "expiryDate": "2020-01-01T00:00:00.000Z"},
        tags.parent_id_tag: {"status": "Accepted", "parentIdTag": tags.parent_id_tag},
        tags.child_id_tag: {"status": "Accepted", "parentIdTag": tags.parent_id_tag},
        **({tags.sibling_id_tag: {"status": "Accepted", "parentIdTag": tags.parent_id_tag}}
           if tags.sibling_id_tag else {}),
        # tags.invalid is deliberately unknown
    }
    return {tag: entry for tag, entry in database.items() if tag is not None}  # None: the descriptor has no such tag


def build_csms(descriptor: "Descriptor") -> ReferenceCsms:
    options = _options(descriptor, _CSMS_OPTIONS)
    if not descriptor.endpoint:
        raise ValueError(f"{descriptor.label}: endpoint: missing — the reference CSMS listens there")
    parts = urlsplit(descriptor.endpoint)
    if parts.port is None:
        raise ValueError(f"{descriptor.label}: endpoint: give an explicit port, e.g. ws://127.0.0.1:19700/ocpp")
    id_tags = csms_token_database(descriptor)
    id_tags.update(options.pop("id_tags", {}) or {})
    password = descriptor.security.password
    heartbeat = options.pop("heartbeat_interval", descriptor.configuration.get("HeartbeatInterval", 300))
    faults = faults_for_side(descriptor.driver.get("faults") or (), "csms")
    pki = pki_of(descriptor)
    from conformance.ocpp16.simulators.csms.security import csms_tls_from_pki

    return ReferenceCsms(
        host=parts.hostname or "127.0.0.1",
        port=parts.port,
        path=parts.path or "/",
        faults=faults,
        id_tags=id_tags,
        basic_auth={descriptor.identity: password} if password else None,
        ssl_context=server_tls(descriptor, faults),
        tls=csms_tls_from_pki(pki) if pki is not None else None,
        security_profile=descriptor.security.profile,
        heartbeat_interval=int(heartbeat),
        response_timeout=float(options.pop("response_timeout", descriptor.timeouts.response)),
        late_reply_delay=_late_reply_delay(descriptor, options),
        **options,
    )


async def start_simulator(descriptor: "Descriptor", *, wire: "Wire | None" = None) -> tuple[Any, ChargePointDriver | CsmsDriver]:
    """Build and start the simulator of a `driver.type: simulator` descriptor; returns (simulator, driver).

    Charge point: connects to ws(s)://listen_host:listen_port/listen_path/<identity> (the suite must listen there).
    CSMS: listens at the descriptor's endpoint with the descriptor's id tags as its token database.
    """
    if descriptor.sut is Role.CSMS:
        csms = build_csms(descriptor)
        try:
            await csms.start()
        except OSError as exc:
            raise DriverError(f"the reference CSMS cannot listen at {descriptor.endpoint}: {exc} — free the port or change endpoint in {descriptor.label}") from None
        return csms, SimulatorCsmsDriver(descriptor, wire=wire, simulator=csms)
    cp = build_charge_point(descriptor)
    await cp.start()
    return cp, SimulatorChargePointDriver(descriptor, wire=wire, simulator=cp)


async def stop_simulator(simulator: Any) -> None:
    """Stop a simulator started by `start_simulator` (bounded: never hangs)."""
    try:
        await asyncio.wait_for(simulator.stop(), 10)
    except asyncio.TimeoutError:
        LOGGER.warning("the reference simulator did not stop within 10 s")
