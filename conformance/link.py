"""Everything the suite holds for one IUT during a run: wire log, judge, peer, endpoint, driver, simulator."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from conformance import drivers, pki, redaction, steps
from conformance.drivers.base import DriverError, NeedsManualAction
from conformance.errors import NOT_APPLICABLE_PREFIX, Broken, Inconclusive, Unreachable
from conformance.peer import Peer
from conformance.rules import Judge
from conformance.transport import ChargePointClient, CsmsServer, TlsFailure
from conformance.versions import support
from conformance.wire import Role, Wire

# What each driver action leaves behind: the action that undoes it, and whether that takes the connector.
LEFT_BEHIND = {
    "plug_in": ("unplug", "connector"),
    "raise_fault": ("clear_fault", "connector"),
    "make_lock_fail": ("make_lock_fail", "connector"),
    "make_unlock_fail": ("make_unlock_fail", "connector"),
    "go_offline": ("come_online", None),
    "suspend_ev": ("resume_ev", "connector"),
    "park": ("leave_bay", "connector"),
}
UNDOES = {inverse: action for action, (inverse, _) in LEFT_BEHIND.items() if inverse != action}


@dataclass
class Trouble:
    """Why the IUT is not there to be judged: it is gone (unreachable, closed and not back) or mute (answers no CALL).
    Found once, it makes later cases inconclusive at once instead of each waiting out its timeouts."""

    kind: str  # "gone" | "mute"
    reason: str
    nodeid: str | None  # the case in which it showed
    frame_seq: int | None = None
    connection: int | None = None  # mute: the connection it was mute on (a new one gets a new probe)
    probed: bool = False


class Link:
    def __init__(self, descriptor: Any, *, extra_faults: tuple[str, ...] = (), interactive: bool | None = None,
                 waived_rules: tuple[str, ...] = ()) -> None:
        if extra_faults and descriptor.driver.get("type") == "simulator":
            driver = dict(descriptor.driver)
            driver["faults"] = list(driver.get("faults", [])) + list(extra_faults)
            descriptor = dataclasses.replace(descriptor, driver=driver)
        self.descriptor = descriptor
        self.name = descriptor.name
        self.interactive = interactive
        redaction.register_password(descriptor.security.password, [descriptor.identity])
        self.wire = Wire()
        self.version = support(descriptor.ocpp_version)  # what the suite does in the IUT's OCPP version
        t = descriptor.timeouts
        self.judge = Judge(
            version=descriptor.ocpp_version,
            iut_role=descriptor.sut,
            response_timeout=t.response,
            whitepaper="security" in descriptor.features,
            waived_rules=waived_rules,
        )
        self.responder = self.version.responder_for(descriptor)
        self.peer = Peer(
            role=descriptor.sut.other,
            version=descriptor.ocpp_version,
            identity=descriptor.identity,
            wire=self.wire,
            judge=self.judge,
            responders=self.responder,
            response_timeout=t.response,
            expect_timeout=t.expect,
            tolerance=t.tolerance,
        )
        self.endpoint: Any = None
        self.driver: Any = None
        self.simulator: Any = None
        self.started = False
        self.start_error: BaseException | None = None
        self.physical: set[tuple[str, int | None]] = set()  # (action, connector) a case left behind
        self.booted_on: int | None = None  # the connection on which the suite's charge point last booted
        self.trouble: Trouble | None = None
        self.unreached: dict[str, int] = {}  # preconditions given up on this link -> wire position at the time
        self.resources: dict[str, Any] = {}  # what a version package started for this link (file servers, ...): closed on stop

    @property
    def suite_is_csms(self) -> bool:
        return self.descriptor.sut is Role.CHARGE_POINT

    @property
    def endpoint_url(self) -> str:
        if self.suite_is_csms:
            return self.endpoint.url if self.endpoint is not None else ""
        return self.descriptor.url

    async def start(self) -> None:
        """Open the suite's endpoint and start the IUT when it is a built-in simulator."""
        if self.started:
            if self.start_error:
                raise self.start_error
            return
        self.started = True
        try:
            await self._start()
        except BaseException as exc:
            self.start_error = exc
            raise

    async def _start(self) -> None:
        simulated = self.descriptor.driver.get("type") == "simulator"
        ssl_context = pki.ssl_context_for(self.descriptor)
        if self.suite_is_csms:
            self.endpoint = CsmsServer(descriptor=self.descriptor, peer=self.peer, ssl_context=ssl_context)
            await self.endpoint.start()
            if self.descriptor.listen_port == 0:  # an in-process simulator learns the port the suite got
                self._set_descriptor(dataclasses.replace(self.descriptor, listen_port=self.endpoint.port))
        if simulated:
            try:
                self.simulator, self.driver = await self.version.start_simulator(self.descriptor, wire=self.wire)
            except (DriverError, OSError, ValueError) as exc:
                raise Broken(f"the reference simulator did not start: {exc}", category="unreachable") from None
            real = getattr(self.simulator, "url", None)
            if not self.suite_is_csms and real and self.descriptor.endpoint != real:
                self._set_descriptor(dataclasses.replace(self.descriptor, endpoint=real))
        else:
            self.driver = drivers.create(self.descriptor, wire=self.wire, interactive=self.interactive)
        if not self.suite_is_csms:
            self.endpoint = ChargePointClient(
                descriptor=self.descriptor, peer=self.peer, ssl_context=ssl_context,
                tls_for=lambda profile, client_cert: pki.ssl_context_for(self.descriptor, profile=profile,
                                                                         client_cert=client_cert))

    def _set_descriptor(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        if self.endpoint is not None:
            self.endpoint.descriptor = descriptor

    async def ensure_connected(self) -> None:
        """Suite as CSMS: wait until the charge point is connected. Suite as charge point: connect if needed.

        An IUT that was there earlier in the run and is not now is gone: the case is inconclusive (and so are the
        following ones, at once); one that never was is unreachable (broken: check the descriptor)."""
        if self.peer.connected:
            return
        timeout = self.descriptor.timeouts.connect
        try:
            if self.suite_is_csms:
                try:
                    await asyncio.wait_for(self.peer._connected.wait(), timeout)
                except TimeoutError:
                    refused = self._last_refusal()
                    hint = (f"the suite refused its attempts ({refused}) — check security.* in" if refused else
                            "point the charger at this URL (listen.* in")
                    raise Unreachable(
                        f"the charge point {self.descriptor.identity} did not connect to {self.endpoint_url} within "
                        f"{timeout:g} s — {hint} {self.descriptor.path or 'the IUT descriptor'})") from None
            else:
                await self.endpoint.connect()
        except TlsFailure as exc:  # the CSMS failed the TLS handshake: this case fails, the later ones are inconclusive
            self.trouble = Trouble("gone", f"its TLS handshake failed ({exc.reason})", self.wire.segment, probed=True)
            raise
        except Unreachable as exc:
            if self.peer.connection_no is None:  # never reached in this run: the environment or the descriptor
                self.trouble = Trouble("gone", f"it was never reachable ({exc.headline})", self.wire.segment,
                                       probed=True)
                raise
            closed = self.last_close()
            self.trouble = Trouble("gone", f"the IUT closed the connection and is not back ({exc.headline})",
                                   closed.segment if closed else None, closed.seq if closed else None, probed=True)
            raise self._inconclusive() from None

    def _last_refusal(self) -> str | None:
        """Why the suite's Central System last refused a connection attempt (TLS or HTTP), if it did."""
        for rec in reversed(self.wire.records):
            if rec.event == "handshake" and rec.data.get("status") not in (None, 101):
                return f"HTTP {rec.data.get('status')}: {rec.data.get('reason', '')}"
            if rec.event == "tls" and rec.data.get("outcome") in ("refused", "broken off"):
                return f"TLS {rec.data.get('outcome')}: {rec.data.get('reason', '')}"
        return None

    def last_close(self) -> Any:
        """The wire's latest close event (None: no connection closed yet)."""
        for rec in reversed(self.wire.records):
            if rec.event == "close":
                return rec
        return None

    def _inconclusive(self) -> Inconclusive:
        t = self.trouble
        assert t is not None
        what = "the IUT is connected" if t.kind == "gone" else "the IUT answers"
        return Inconclusive(what, t.reason, frame_seq=t.frame_seq, own_violations=False,
                            category="unreachable" if t.kind == "gone" else "precondition")

    async def check_alive(self) -> None:
        """At the start of a case: an IUT found gone or mute is probed once (bounded); while it stays so, the case
        is inconclusive at once, pointing at the case where it showed."""
        silent = self.peer.silent_since
        if self.trouble is None and silent is not None and self.peer.connected:
            self.trouble = Trouble("mute", f"it left the suite's {silent.action} CALL (#{silent.seq}) unanswered",
                                   silent.segment, silent.seq, connection=self.peer.connection_no)
        t = self.trouble
        if t is None:
            return
        if self.peer.connected and (t.kind == "gone" or t.connection != self.peer.connection_no):
            self.trouble = None  # back, or reconnected since it went mute: give it a chance
            return
        if t.kind == "mute" and not t.probed:
            t.probed = True
            action, payload = self.version.liveness_probe(self.descriptor)
            answer = await self.peer.probe(action, payload, self.descriptor.timeouts.response)
            if answer is not None:
                self.trouble = None
                return
            t.reason += f"; it did not answer a {action} probe within {self.descriptor.timeouts.response:g} s either"
        if t.kind == "gone" and not t.probed:
            t.probed = True
            try:
                await self.ensure_connected()
                self.trouble = None
                return
            except (Unreachable, Inconclusive):
                pass
        raise self._inconclusive()

    # -- physical state left by driver actions ---------------------------------------------------
    def note_physical(self, action: str, args: tuple, kwargs: dict) -> None:
        """Remember what a driver action left behind, and forget what it undid, for `restore_idle`."""
        connector = kwargs.get("connector", args[0] if args else None)
        if action in ("make_lock_fail", "make_unlock_fail"):  # their own inverse, with fail=False
            fail = kwargs.get("fail", args[1] if len(args) > 1 else True)
            (self.physical.add if fail else self.physical.discard)((action, connector))
        elif action in LEFT_BEHIND:
            self.physical.add((action, connector if LEFT_BEHIND[action][1] else None))
        elif action in UNDOES:
            self.physical.discard((UNDOES[action], connector if LEFT_BEHIND[UNDOES[action]][1] else None))
        if action in ("power_cycle", "reboot"):  # a restart ends what the EV was doing
            self.physical -= {k for k in self.physical if k[0] == "suspend_ev"}

    async def undo_physical(self) -> None:
        """Undo what the case's driver actions left behind (an EV that suspended goes first), best effort."""
        for (action, connector) in sorted(self.physical, key=lambda k: (k[0] != "suspend_ev", str(k))):
            inverse, arg = LEFT_BEHIND[action]
            params = {"connector": connector} if arg else {}
            if inverse in ("make_lock_fail", "make_unlock_fail"):
                params["fail"] = False
            await self.undo(inverse, **params)
        self.physical.clear()

    async def undo(self, action: str, **params: Any) -> None:
        """Perform a driver action that puts the IUT back; a failure is noted in the wire log, never raised."""
        try:
            await getattr(self.driver, action)(**params)
        except Exception as exc:
            self.wire.event("note", restore_failed=f"{action}: {exc}")

    async def restore_idle(self) -> None:
        """After a case: the IUT back to idle, as its OCPP version does it (bounded, never raises)."""
        await self.version.restore_idle(self)

    async def stop(self) -> None:
        for resource in list(self.resources.values()):
            try:
                await asyncio.wait_for(resource.aclose(), 10)
            except Exception:
                pass
        self.resources.clear()
        if self.simulator is not None:
            try:
                await asyncio.wait_for(self.version.stop_simulator(self.simulator), 10)
            except Exception:
                pass
        if self.endpoint is not None:
            if self.suite_is_csms:
                await self.endpoint.stop()
            else:
                await self.endpoint.disconnect()


class IutActions:
    """The `iut` fixture: physical and operator actions on the IUT, through its driver.

    An action the driver cannot perform non-interactively makes the case *not applicable* (never a hang, never a pass)."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.descriptor = link.descriptor

    def __getattr__(self, action: str) -> Any:
        if action.startswith("_"):
            raise AttributeError(action)
        driver = self.link.driver
        method = getattr(driver, action, None)
        if method is None or not callable(method):
            raise AttributeError(f"the IUT driver has no action {action!r}")

        async def perform(*args: Any, **kwargs: Any) -> Any:
            # a payload that carries a credential is registered and shown without it (redaction.redact_payload)
            shown = ", ".join([*(repr(redaction.redact_payload(a)) for a in args),
                               *(f"{k}={redaction.redact_payload(v)!r}" for k, v in kwargs.items())])
            try:
                with steps.step(f"driver: {action}({shown})"):
                    result = await method(*args, **kwargs)
                self.link.note_physical(action, args, kwargs)
                return result
            except NeedsManualAction as exc:
                pytest.skip(NOT_APPLICABLE_PREFIX + str(exc))
            except DriverError as exc:
                raise Broken(f"driver action {action} failed: {exc}", category="suite") from None

        return perform
