"""What every IUT driver offers, and the two ways an action can go wrong.

A driver makes the implementation under test act: plug in an EV, present a card, cut the network (a charge
point), or make a CSMS send a command. Every action goes through `perform`, which writes a ``driver`` event to
the wire log when it starts and when it ends (outcome ``done``, ``not_applicable``, ``failed`` or ``cancelled``),
so the evidence shows what the suite asked for between the frames.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from conformance.redaction import redact_payload

if TYPE_CHECKING:
    from conformance.iut import Descriptor
    from conformance.wire import Wire

T = TypeVar("T")


class NeedsManualAction(Exception):
    """The driver cannot perform this action non-interactively. str(e) = the reason
    (e.g. 'needs a manual action: plug in connector 1 of CP001 (driver "manual", non-interactive run)').
    The plugin reports the case NOT APPLICABLE with this reason."""


class DriverError(Exception):
    """The driver tried and failed (command exit code, HTTP error, unreachable, no confirmation). One line.
    Reported as BROKEN."""


class Driver:
    """Common part of all drivers: the descriptor, the wire log and the recorded `perform`."""

    kind = "base"

    def __init__(self, descriptor: "Descriptor", *, wire: "Wire | None" = None) -> None:
        self.descriptor = descriptor
        self.wire = wire

    @property
    def identity(self) -> str:
        return self.descriptor.identity

    async def perform(self, action: str, **params: Any) -> dict[str, Any] | None:
        """Perform `action` with `params` (None values are dropped), recording it on the wire."""
        params = {k: v for k, v in params.items() if v is not None}
        self._record(action, params, "started")
        started = time.monotonic()
        try:
            extra = await self._perform(action, params)
        except NeedsManualAction as exc:
            self._record(action, params, "not_applicable", reason=str(exc))
            raise
        except DriverError as exc:
            self._record(action, params, "failed", error=str(exc))
            raise
        except asyncio.CancelledError:
            self._record(action, params, "cancelled")
            raise
        except Exception as exc:
            self._record(action, params, "failed", error=f"{type(exc).__name__}: {exc}")
            raise
        self._record(action, params, "done", seconds=round(time.monotonic() - started, 3), **(extra or {}))
        return extra

    async def _perform(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """Do the action; may return extra facts for the wire event (exit code, HTTP status)."""
        raise NotImplementedError

    def can(self, action: str) -> bool:
        """True if `perform(action)` can be done without raising NeedsManualAction."""
        return False

    async def aclose(self) -> None:
        """Release resources; drivers without any do nothing."""

    def describe(self, action: str, params: dict[str, Any]) -> str:
        """The action in words, for operator prompts and not-applicable reasons."""
        return describe_action(action, params, self.identity)

    def _record(self, action: str, params: dict[str, Any], outcome: str, **extra: Any) -> None:
        if self.wire is None:
            return
        # an operator's payload may hold a credential (AuthorizationKey, BasicAuthPassword): registered and taken out
        # a parameter named like a fact of the event (set_boot_status's `status`, an HTTP driver's `status`) is prefixed
        taken = {"action", "outcome", "driver", *extra}
        data = {("param_" + k if k in taken else k): redact_payload(v) if k == "payload" else v
                for k, v in params.items()}
        self.wire.event("driver", action=action, outcome=outcome, driver=self.kind, **data, **extra)


class ChargePointDriver(Driver):
    """Actions on a charge point under test. Connectors are numbered from 1. Each method calls `perform` with its
    own name, so a driver only has to implement `_perform` (and `can`)."""

    async def plug_in(self, connector: int) -> None:
        await self.perform("plug_in", connector=self._connector(connector))

    async def unplug(self, connector: int) -> None:
        """EV-side disconnect."""
        await self.perform("unplug", connector=self._connector(connector))

    async def present_id_tag(self, id_tag: str, connector: int | None = None) -> None:
        await self.perform("present_id_tag", id_tag=id_tag, connector=None if connector is None else self._connector(connector))

    async def power_cycle(self) -> None:
        """Hard power loss and restore."""
        await self.perform("power_cycle")

    async def reboot(self) -> None:
        """Operator-initiated reboot."""
        await self.perform("reboot")

    async def go_offline(self) -> None:
        """Cut the network."""
        await self.perform("go_offline")

    async def come_online(self) -> None:
        """Restore the network."""
        await self.perform("come_online")

    async def raise_fault(self, connector: int, error_code: str = "OtherError") -> None:
        await self.perform("raise_fault", connector=self._connector(connector), error_code=error_code)

    async def clear_fault(self, connector: int) -> None:
        await self.perform("clear_fault", connector=self._connector(connector))

    async def cable_locked(self, connector: int) -> bool:
        """An observation, not an action: whether the connector lock holds the cable at the station side. The driver
        answers with a JSON object `{"locked": true|false}` (simulator, http) or the word locked / unlocked (the last
        line of an exec command's output, the operator's answer). A driver that cannot observe it makes the case not
        applicable."""
        if not self.can("cable_locked"):
            raise NeedsManualAction("the driver cannot observe the connector lock (action cable_locked)")
        extra = await self.perform("cable_locked", connector=self._connector(connector)) or {}
        reply = extra.get("reply")
        if isinstance(reply, dict) and isinstance(reply.get("locked"), bool):
            return reply["locked"]
        word = str(extra.get("stdout") or extra.get("answer") or "").strip().lower()
        if word in ("locked", "unlocked"):
            return word == "locked"
        raise DriverError(f"cable_locked: the driver answered {reply or word or 'nothing'!r}, expected "
                          '{"locked": true|false} or the word locked / unlocked')

    async def make_lock_fail(self, connector: int, fail: bool = True) -> None:
        """Make the next connector lock fail (or, with fail=False, work again)."""
        await self.perform("make_lock_fail", connector=self._connector(connector), fail=fail)

    async def make_unlock_fail(self, connector: int, fail: bool = True) -> None:
        await self.perform("make_unlock_fail", connector=self._connector(connector), fail=fail)

    async def suspend_ev(self, connector: int) -> None:
        await self.perform("suspend_ev", connector=self._connector(connector))

    async def resume_ev(self, connector: int) -> None:
        await self.perform("resume_ev", connector=self._connector(connector))

    async def park(self, connector: int) -> None:
        """A vehicle enters the parking bay of the connector (2.x: of the EVSE)."""
        await self.perform("park", connector=self._connector(connector))

    async def leave_bay(self, connector: int) -> None:
        await self.perform("leave_bay", connector=self._connector(connector))

    async def set_security_profile(self, profile: int) -> None:
        """Set the charger's security profile on site (OCPP only raises it; a case that raised it puts it back)."""
        await self.perform("set_security_profile", profile=int(profile))

    def _connector(self, connector: int) -> int:
        count = self.descriptor.connectors
        if isinstance(connector, bool) or not isinstance(connector, int) or not 1 <= connector <= count:
            raise ValueError(f"connector {connector!r} does not exist: {self.descriptor.name} declares connectors 1..{count}")
        return connector


class CsmsDriver(Driver):
    """Operator actions on a CSMS under test, chiefly: make it send a command to a charge point."""

    async def send_command(self, action: str, payload: dict, station_id: str | None = None) -> None:
        """Make the CSMS send the OCPP `action` (e.g. "RemoteStartTransaction") to `station_id` (default: the
        descriptor's identity). `payload` is the camelCase payload it should send (hints; the CSMS decides the exact
        content). Returns when the CSMS has accepted the instruction, not when the CALL arrived."""
        await self.perform("send_command", command=action, payload=dict(payload or {}), station_id=station_id or self.identity)

    async def set_security_profile(self, profile: int, station_id: str | None = None) -> None:
        """Set the security profile the CSMS expects of `station_id` (a case that had it raised puts it back)."""
        await self.perform("set_security_profile", profile=int(profile), station_id=station_id or self.identity)

    async def set_boot_status(self, status: str, station_id: str | None = None) -> None:
        """Configure the CSMS to answer the next BootNotification of `station_id` with `status` (Accepted, Pending,
        Rejected): the operator's setting the cases of a registration held Pending or Rejected start from."""
        await self.perform("set_boot_status", status=status, station_id=station_id or self.identity)


# --------------------------------------------------------------------------------------------------------------------
# helpers shared by the drivers


_PHRASES: dict[str, str] = {
    "plug_in": "plug in connector {connector} of {identity}",
    "unplug": "unplug the EV from connector {connector} of {identity}",
    "power_cycle": "cut the power of {identity}, then restore it",
    "reboot": "reboot {identity} (operator-initiated)",
    "go_offline": "disconnect {identity} from the network",
    "come_online": "reconnect {identity} to the network",
    "raise_fault": "cause a fault ({error_code}) on connector {connector} of {identity}",
    "clear_fault": "clear the fault on connector {connector} of {identity}",
    "suspend_ev": "make the EV on connector {connector} of {identity} suspend charging",
    "resume_ev": "make the EV on connector {connector} of {identity} resume charging",
    "park": "drive a vehicle into the parking bay of connector {connector} of {identity}",
    "leave_bay": "drive the vehicle out of the parking bay of connector {connector} of {identity}",
    "cable_locked": "look whether the cable is locked at connector {connector} of {identity} (answer locked or "
                    "unlocked)",
    "set_security_profile": "set the security profile of {identity} to {profile}",
    "set_boot_status": "configure the CSMS to answer the next BootNotification of {station_id} with {status}",
}


def describe_action(action: str, params: dict[str, Any], identity: str) -> str:
    """Human wording of an action, e.g. 'plug in connector 1 of CP001'."""
    values = {"identity": identity, **params}
    if action in _PHRASES:
        try:
            return _PHRASES[action].format(**values)
        except KeyError:
            pass
    if action == "present_id_tag":
        where = f" on connector {params['connector']}" if params.get("connector") is not None else ""
        return f"present id tag {params.get('id_tag')} at {identity}{where}"
    if action in ("make_lock_fail", "make_unlock_fail"):
        which = "lock" if action == "make_lock_fail" else "unlock"
        if params.get("fail", True):
            return f"make the next connector {which} of connector {params.get('connector')} of {identity} fail"
        return f"make connector {which}ing of connector {params.get('connector')} of {identity} work again"
    if action == "send_command":
        payload = json.dumps(params.get("payload") or {}, separators=(",", ":"))
        if len(payload) > 200:
            payload = payload[:197] + "..."
        return f"make the CSMS send {params.get('command')} to {params.get('station_id', identity)} (payload hints: {payload})"
    details = ", ".join(f"{k}={v}" for k, v in params.items())
    return f"perform '{action}'" + (f" ({details})" if details else "") + f" for {identity}"


def kebab(name: str) -> str:
    """plug_in -> plug-in, RemoteStartTransaction -> remote-start-transaction."""
    out = []
    for i, ch in enumerate(name):
        if ch == "_":
            out.append("-")
            continue
        if ch.isupper() and i > 0:
            prev, nxt = name[i - 1], name[i + 1] if i + 1 < len(name) else ""
            if prev not in "_-" and (not prev.isupper() or nxt.islower()):
                out.append("-")
        out.append(ch.lower())
    return "".join(out)


def camel(name: str) -> str:
    """Parameter name as the OCPP-style JSON key: connector -> connectorId, id_tag -> idTag."""
    if name == "connector":
        return "connectorId"
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def last_line(text: bytes | str, limit: int = 200) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


async def in_thread(fn: Callable[..., T], *args: Any, timeout: float, name: str = "driver-io") -> T:
    """Run blocking `fn` in a daemon thread and wait at most `timeout` seconds (TimeoutError after that).

    A daemon thread, not the default executor: a blocked read must never hold up the interpreter's exit.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            result, error = fn(*args), None
        except BaseException as exc:  # handed to the awaiting task
            result, error = None, exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:  # the loop is gone; nobody waits any more
            pass

    threading.Thread(target=run, name=name, daemon=True).start()
    return await asyncio.wait_for(future, timeout)
