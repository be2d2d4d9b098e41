"""In-process driver of the 2.0.1 reference CSMS, and how to start one from a CSMS descriptor.

`start(descriptor)` builds the CSMS a ``driver.type: simulator`` descriptor of a CSMS under test stands for (listening
at the descriptor's endpoint, its id tags as the token database) and returns it with its driver. The driver's
operator actions: `send_command` (any CSMS request to the suite's station, run in the background like an operator's),
`add_id_tag`, `remove_id_tag`, `set_boot_status` (the registration status the next BootNotification gets) and
`set_security_profile` (the profile a station connects with, the way back after an upgrade).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conformance.drivers.base import CsmsDriver, DriverError, NeedsManualAction
from conformance.ocpp201.simulators.csms.records import UnknownAction, UnknownStation
from conformance.ocpp201.simulators.csms.server import ReferenceCsms201
from conformance.ocpp201.simulators.faults import faults_for_side
from conformance.simulator_tls import server_tls

if TYPE_CHECKING:
    from conformance.iut import Descriptor
    from conformance.wire import Wire

CSMS_ACTIONS = ("send_command", "add_id_tag", "remove_id_tag", "set_boot_status", "set_security_profile")
BOOT_STATUSES = ("Accepted", "Pending", "Rejected")
_CSMS_OPTIONS = {"heartbeat_interval", "boot_status", "boot_retry_interval", "response_timeout", "late_reply_delay",
                 "tokens"}


class SimulatorCsmsDriver(CsmsDriver):
    """Drives an in-process `ReferenceCsms201`: commands run in the background, like an operator's."""

    kind = "simulator"

    def __init__(self, descriptor: "Descriptor", *, wire: "Wire | None" = None, simulator: ReferenceCsms201) -> None:
        super().__init__(descriptor, wire=wire)
        self.simulator = simulator
        self.results: list[dict[str, Any]] = []
        self._pending: set[asyncio.Future] = set()

    def can(self, action: str) -> bool:
        return action in CSMS_ACTIONS

    async def _perform(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        csms = self.simulator
        if action == "send_command":
            return await self._send(params.get("command", ""), params.get("payload") or {},
                                    params.get("station_id") or self.identity)
        if action == "add_id_tag":
            await csms.add_id_tag(params["id_tag"], params.get("status", "Accepted"))
            return None
        if action == "remove_id_tag":
            await csms.remove_id_tag(params["id_tag"])
            return None
        if action == "set_boot_status":
            status = params.get("status", "Accepted")
            if status not in BOOT_STATUSES:
                raise DriverError(f"set_boot_status: status {status!r} is not one of {', '.join(BOOT_STATUSES)}")
            csms.boot_status_overrides[params.get("station_id") or self.identity] = status
            return None
        if action == "set_security_profile":
            await csms.set_security_profile(params.get("station_id") or self.identity, int(params["profile"]))
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
        waiter = asyncio.ensure_future(sent.wait())
        try:
            await asyncio.wait({waiter, future}, timeout=self.descriptor.timeouts.response,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
        return {"sent": sent.is_set()}

    def _finished(self, command: str, future: asyncio.Future) -> None:
        self._pending.discard(future)
        if future.cancelled():
            self.results.append({"action": command, "error": "cancelled"})
        elif future.exception() is not None:
            self.results.append({"action": command, "error": f"{type(future.exception()).__name__}: "
                                                             f"{future.exception()}"})
        else:
            self.results.append({"action": command, "reply": future.result()})
        self.simulator._wake()

    async def aclose(self) -> None:
        for future in list(self._pending):
            future.cancel()


def _options(descriptor: "Descriptor") -> dict[str, Any]:
    options = dict(descriptor.driver.get("options") or {})
    unknown = sorted(set(options) - _CSMS_OPTIONS)
    if unknown:
        raise ValueError(f"{descriptor.label}: driver.options: unknown option(s) {', '.join(unknown)} — known: "
                         f"{', '.join(sorted(_CSMS_OPTIONS))}")
    return options


def token_database(descriptor: "Descriptor") -> dict[str, dict[str, Any]]:
    """The descriptor's id tags as a token database with the statuses the cases expect (the invalid one unknown)."""
    tags = descriptor.id_tags
    group = tags.parent_id_tag
    entries = {
        tags.valid: {"status": "Accepted"},
        tags.valid_2: {"status": "Accepted"},
        tags.blocked: {"status": "Blocked"},
        tags.expired: {"status": "Expired"},
        tags.parent_id_tag: {"status": "Accepted"},
        tags.child_id_tag: {"status": "Accepted", "group": group},
        tags.sibling_id_tag: {"status": "Accepted", "group": group},
    }
    return {token: {**entry, "type": descriptor.id_token_type(token)} for token, entry in entries.items() if token}


def build(descriptor: "Descriptor") -> ReferenceCsms201:
    if descriptor.security.profile >= 3:
        raise ValueError(f"{descriptor.label}: security.profile: the 2.0.1 reference CSMS runs at security profiles 0 "
                         "to 2 — use 0, 1 or 2")
    options = _options(descriptor)
    faults = faults_for_side(descriptor.driver.get("faults") or (), "csms")
    if not descriptor.endpoint:
        raise ValueError(f"{descriptor.label}: endpoint: missing — the reference CSMS listens there")
    parts = urlsplit(descriptor.endpoint)
    if parts.port is None:
        raise ValueError(f"{descriptor.label}: endpoint: give an explicit port, e.g. ws://127.0.0.1:19701/ocpp")
    tokens = token_database(descriptor)
    tokens.update(options.pop("tokens", {}) or {})
    password = descriptor.security.password
    heartbeat = options.pop("heartbeat_interval",
                            descriptor.configuration.get("OCPPCommCtrlr.HeartbeatInterval", 300))
    t = descriptor.timeouts
    return ReferenceCsms201(
        host=parts.hostname or "127.0.0.1",
        port=parts.port,
        path=parts.path or "/",
        faults=faults,
        tokens=tokens,
        basic_auth={descriptor.identity: password} if password else None,
        ssl_context=server_tls(descriptor, faults),
        security_profile=descriptor.security.profile,
        heartbeat_interval=int(heartbeat),
        response_timeout=float(options.pop("response_timeout", t.response)),
        late_reply_delay=float(options.pop("late_reply_delay", t.response + t.tolerance + 1)),
        **options,
    )


async def start(descriptor: "Descriptor", *, wire: "Wire | None" = None) -> tuple[ReferenceCsms201, SimulatorCsmsDriver]:
    """Build and start the reference CSMS of a `driver.type: simulator` descriptor; returns (simulator, driver)."""
    csms = build(descriptor)
    try:
        await csms.start()
    except OSError as exc:
        raise DriverError(f"the reference CSMS cannot listen at {descriptor.endpoint}: {exc} — free the port or "
                          f"change endpoint in {descriptor.label}") from None
    return csms, SimulatorCsmsDriver(descriptor, wire=wire, simulator=csms)


def create(descriptor: "Descriptor", *, wire: "Wire | None" = None, simulator: Any = None) -> SimulatorCsmsDriver:
    """The driver of an already running reference CSMS."""
    if simulator is None:
        raise DriverError(f"driver 'simulator' needs a running reference simulator ({descriptor.label})")
    return SimulatorCsmsDriver(descriptor, wire=wire, simulator=simulator)


async def stop(simulator: ReferenceCsms201) -> None:
    """Stop it again (bounded: never hangs)."""
    try:
        await asyncio.wait_for(simulator.stop(), 10)
    except asyncio.TimeoutError:
        simulator.logger.warning("the reference CSMS did not stop within 10 s")
