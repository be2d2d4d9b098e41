"""OCPP 1.6 OCTT "Before" states: how the suite reaches them, and how it puts an IUT back to idle after a case."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from conformance.errors import NOT_APPLICABLE_PREFIX, ExpectationFailed, Inconclusive, NoResponse
from conformance.ocpp16.firmware import settle_transfers
from conformance.ocpp16.list_management import restore_local_list
from conformance.ocpp16.reservations import reservations_left
from conformance.ocpp16.roles.station import boot_charge_point
from conformance.ocpp16.smart_charging_steps import clear_case_profiles
from conformance.wire import Kind, Record, Role


async def reach_booted(link: Any) -> None:
    """OCTT "Before: booted": the link is up and a BootNotification was accepted on it.

    A charge point under test that is not registered is asked to boot again (TriggerMessage BootNotification), then
    rebooted through its driver; the suite's own charge point boots itself. When neither works the case is
    inconclusive: its requirement is not about booting."""
    await link.ensure_connected()
    if link.descriptor.sut is Role.CHARGE_POINT:
        await _charger_registered(link)
        return
    try:
        await boot_charge_point(link)
    except ExpectationFailed as exc:
        raise Inconclusive("the suite's charge point is registered (BootNotification Accepted)", exc.headline,
                           frame_seq=link.wire.last_seq) from None


async def _charger_registered(link: Any) -> None:
    peer, responder, t = link.peer, link.responder, link.descriptor.timeouts
    if responder.boot_accepted:
        return
    precondition = "the charge point is registered (BootNotification Accepted)"
    _given_up_already(link, precondition, lambda r: r.action == "BootNotification")

    async def booted(within: float) -> bool:
        since = link.wire.last_seq
        deadline = asyncio.get_running_loop().time() + within
        while not responder.boot_accepted:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 or await peer._wait_for(lambda r: r.action == "BootNotification", since, left) is None:
                return False
            since = link.wire.last_seq
            await peer.drain()  # the suite's answer (and so `boot_accepted`) follows the frame
        return True

    tried: list[str] = []
    fresh = not any(r.action == "BootNotification" and r.connection == peer.connection_no for r in link.wire.records)
    if peer.connected and await booted(t.expect if fresh else t.settle):  # it may be booting right now
        return
    if peer.connected:
        tried.append("TriggerMessage BootNotification")
        reply = await _quiet_call(peer, "TriggerMessage", {"requestedMessage": "BootNotification"}, t.response)
        if reply is not None and reply.get("status") == "Accepted" and await booted(t.expect):
            return
    if link.driver is not None and link.driver.can("reboot"):
        tried.append("a reboot through the driver")
        await link.undo("reboot")
        if await booted(t.connect + t.expect):
            return
    _give_up(link, precondition)
    why = "its BootNotification was not accepted" if responder.boot is not None else "it sent no BootNotification"
    raise Inconclusive(precondition, why, tried=tried,
                       frame_seq=_last(link, lambda r: r.action == "BootNotification"))


async def reach_available(link: Any, connector: int) -> None:
    """OCTT "Before: connector Available". A charge point under test whose connector is not Available is brought
    there with what the descriptor allows — its transaction stopped remotely, the cable taken out and a fault
    cleared through the driver, ChangeAvailability Operative, UnlockConnector — and asked for its status
    (TriggerMessage StatusNotification); when none of it works the case is inconclusive, naming what was tried."""
    await reach_booted(link)
    if link.descriptor.sut is not Role.CHARGE_POINT:
        return
    peer, responder, t = link.peer, link.responder, link.descriptor.timeouts
    if responder.statuses.get(connector) == "Available":
        return
    precondition = f"connector {connector} Available"
    _given_up_already(link, precondition, lambda r: _status_of(r, connector))

    async def available(within: float) -> bool:
        deadline = asyncio.get_running_loop().time() + within
        while responder.statuses.get(connector) != "Available":
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 or await peer._wait_for(lambda r: _status_of(r, connector), link.wire.last_seq, left) is None:
                return False
            await peer.drain()
        return True

    async def stop_transactions() -> None:
        for tx, start in list(responder.transactions.items()):
            if "stop" not in start and start.get("connectorId") == connector:
                await _quiet_call(peer, "RemoteStopTransaction", {"transactionId": tx}, t.response)

    remedies: list[tuple[str, Any]] = [
        ("RemoteStopTransaction", stop_transactions),
        ("unplug through the driver", lambda: _driver(link, "unplug", connector=connector)),
        ("clear_fault through the driver", lambda: _driver(link, "clear_fault", connector=connector)),
        ("ChangeAvailability Operative", lambda: _quiet_call(
            peer, "ChangeAvailability", {"connectorId": connector, "type": "Operative"}, t.response)),
        ("UnlockConnector", lambda: _quiet_call(peer, "UnlockConnector", {"connectorId": connector}, t.response)),
        ("TriggerMessage StatusNotification", lambda: _quiet_call(
            peer, "TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": connector}, t.response)),
    ]
    if await available(t.settle):  # still finishing what the last case began
        return
    tried = []
    for label, remedy in remedies:
        if label.endswith("through the driver") and not _driver_can(link, label.split()[0]):
            continue
        if label == "RemoteStopTransaction" and not any(
                "stop" not in s and s.get("connectorId") == connector for s in responder.transactions.values()):
            continue
        tried.append(label)
        await remedy()
        # a correct charger reports the change at once; the status asked for last gets the usual time
        if await available(t.expect if label.startswith("TriggerMessage") else t.settle):
            return
    _give_up(link, precondition)
    raise Inconclusive(precondition, f"it is {responder.statuses.get(connector) or 'not reported'}", tried=tried,
                       frame_seq=_last(link, lambda r: _status_of(r, connector)))


def _status_of(rec: Record, connector: int) -> bool:
    return rec.action == "StatusNotification" and rec.from_iut and (rec.payload or {}).get("connectorId") == connector


async def _quiet_call(peer: Any, action: str, payload: dict, within: float) -> Any:
    """A CALL a precondition makes: a CALLERROR or a closed connection only means this remedy did not work (the
    IUT's silence still counts: the next case probes it)."""
    try:
        result = await peer.call(action, payload, within=within, error_ok=True)
    except NoResponse:
        return None
    return None if result.error_code else result


def _driver_can(link: Any, action: str) -> bool:
    return link.driver is not None and link.driver.can(action)


async def _driver(link: Any, action: str, **params: Any) -> None:
    await link.undo(action, **params)


def _last(link: Any, predicate: Any) -> int | None:
    for rec in reversed(link.wire.records):
        if rec.kind is Kind.FRAME and predicate(rec):
            return rec.seq
    return None


def _give_up(link: Any, precondition: str) -> None:
    """Remember that `precondition` could not be reached on this link, as of now."""
    link.unreached[precondition] = link.wire.last_seq


def _given_up_already(link: Any, precondition: str, relevant: Any) -> None:
    """A precondition given up in an earlier case, with nothing relevant heard from the IUT since, is not tried
    again: the case is inconclusive at once."""
    since = link.unreached.get(precondition)
    if since is None:
        return
    if any(r.from_iut and relevant(r) for r in link.wire.after(since)):
        del link.unreached[precondition]
        return
    raise Inconclusive(precondition, "an earlier case could not reach it either and the IUT has not changed since",
                       frame_seq=_last(link, relevant))


@dataclass
class ChargingSession:
    connector: int
    id_tag: str
    transaction_id: int
    start: Record  # the StartTransaction CALL


async def start_charging(charge_point: Any, iut: Any, connector: int, id_tag: str) -> ChargingSession:
    """Plug in, present `id_tag`, and wait until the transaction runs (StartTransaction and status Charging, in
    either order, as OCPP 1.6 allows)."""
    since = charge_point.mark_now()
    await iut.plug_in(connector)
    await charge_point.expect("StatusNotification", connectorId=connector, status="Preparing", after=since,
                              requirement="Plugging in makes the connector Preparing (OCPP 1.6 §4.9).")
    await iut.present_id_tag(id_tag, connector)
    start = await charge_point.expect("StartTransaction", connectorId=connector, idTag=id_tag, after=since,
                                      requirement="An authorized id tag on a prepared connector starts a transaction (§4.8).")
    await charge_point.expect("StatusNotification", connectorId=connector, status="Charging", after=since,
                              requirement="A running transaction with an EV drawing energy is Charging (§4.9).")
    tx = charge_point.responders.transaction_id_of(start)
    if tx is None:
        raise ExpectationFailed("the suite did not assign a transactionId to the StartTransaction", charge_point.last_frames())
    return ChargingSession(connector=connector, id_tag=id_tag, transaction_id=tx, start=start)


def not_applicable(reason: str) -> None:
    """End the case as NOT APPLICABLE: the IUT lacks an optional capability the case needs (never a pass)."""
    pytest.skip(NOT_APPLICABLE_PREFIX + reason)


async def configured(charge_point: Any, configure: Any, **values: Any) -> None:
    """OCTT "Configuration State" for keys that are optional or may be read-only: set them through `configure`
    (restored after the case). A key the charge point refuses to change is fine when it already holds the value;
    otherwise the case does not apply to this charge point."""
    changed = await configure.optional(**values)
    rest = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in values.items() if k not in changed}
    if not rest:
        return
    conf = await charge_point.call("GetConfiguration", {"key": list(rest)})
    held = {e.get("key"): e.get("value") for e in (conf.get("configurationKey") or []) if isinstance(e, dict)}
    for key, wanted in rest.items():
        if str(held.get(key, "")).lower() != wanted.lower():
            state = "does not support it" if key not in held else f"holds {held[key]!r} and refused to change it"
            not_applicable(f"the case needs configuration key {key} = {wanted}; the charge point {state}")


async def restore_idle(link: Any) -> None:
    """After a charge point case: the charger back online, what the case changed in its configuration restored, the
    charging profiles the case installed cleared, a Local Authorization List the case filled emptied, its
    transactions stopped (also one it starts while the suite cleans up, after a RemoteStartTransaction the case
    accepted), the reservations it made cancelled, physical actions undone, and its connectors Available again —
    waiting for what it is still doing (a ConnectionTimeOut running out) rather than leaving it to the next case.

    Bounded and best effort: what cannot be restored is noted in the wire log, never raised."""
    if not link.suite_is_csms or link.driver is None:
        return
    peer, t = link.peer, link.descriptor.timeouts
    state = link.physical
    if ("go_offline", None) in state:
        await link.undo("come_online")
        state.discard(("go_offline", None))
        try:
            await peer.wait_connected(t.connect)
        except AssertionError:
            pass
    stopped: set[int] = set()

    async def stop_running() -> None:
        for tx in [tx for tx, start in link.responder.transactions.items() if "stop" not in start and tx not in stopped]:
            stopped.add(tx)
            await _quiet_call(peer, "RemoteStopTransaction", {"transactionId": tx}, t.response)

    if peer.connected:
        await settle_transfers(link)
        await _restore_configuration(link)
        await clear_case_profiles(link)
        await restore_local_list(link)
        await stop_running()
        for reservation_id in reservations_left(link.wire.segment_records(link.wire.segment)):
            await _quiet_call(peer, "CancelReservation", {"reservationId": reservation_id}, t.response)
    await link.undo_physical()
    if not peer.connected:
        return
    loop = asyncio.get_running_loop()
    timeout_s = str(_known_value(link, "ConnectionTimeOut", link.wire.last_seq) or "")
    segment = link.wire.segment
    for connector in range(1, link.descriptor.connectors + 1):
        if not any(_status_of(r, connector) for r in link.wire.segment_records(segment)):
            continue  # the case did not move it: a connector already out of reach stays the next case's business
        # a connector Preparing for an authorization without a cable comes free when ConnectionTimeOut runs out
        preparing = link.responder.statuses.get(connector) == "Preparing" and timeout_s.isdigit()
        deadline = loop.time() + max(t.expect, int(timeout_s) + t.tolerance if preparing else 0)
        unlocked = False
        while link.responder.statuses.get(connector) not in ("Available", None) and loop.time() < deadline:
            news = await peer._wait_for(lambda r, c=connector: _status_of(r, c), link.wire.last_seq,
                                        max(0.05, min(t.settle, deadline - loop.time())))
            await stop_running()
            if news is None and not unlocked and link.responder.statuses.get(connector) == "Finishing":
                # a cable kept locked after its transaction (e.g. DeAuthorized) only comes free this way
                unlocked = True
                await _quiet_call(peer, "UnlockConnector", {"connectorId": connector}, t.response)


async def _restore_configuration(link: Any) -> None:
    """Put back every configuration key the case changed — by ChangeConfiguration, or HeartbeatInterval through the
    interval of an accepted BootNotification — to the value it held before the case, as the wire shows it; a key
    whose earlier value the wire does not show is noted."""
    records = link.wire.segment_records(link.wire.segment)
    if not records:
        return
    keys = [key for call, key, _ in _accepted_changes(link) if call.segment == link.wire.segment]
    if any(r.action == "BootNotification" and not r.from_iut and r.is_result for r in records):
        keys.append("HeartbeatInterval")
    for key in dict.fromkeys(keys):
        before = _known_value(link, key, records[0].seq - 1)
        now = _known_value(link, key, link.wire.last_seq)
        if before is None:
            link.wire.event("note", restore_failed=f"configuration {key}: its value before the case is not known")
        elif str(now) != str(before):
            reply = await _quiet_call(link.peer, "ChangeConfiguration", {"key": key, "value": str(before)},
                                      link.descriptor.timeouts.response)
            if reply is None or reply.get("status") not in ("Accepted", "RebootRequired"):
                link.wire.event("note", restore_failed=f"ChangeConfiguration {key}={before}")


def _accepted_changes(link: Any) -> list[tuple[Record, str, Any]]:
    replies = {r.answers: r for r in link.wire.records if r.from_iut and r.answers is not None and r.is_result}
    out = []
    for call in link.wire.records:
        if call.is_call and not call.from_iut and call.action == "ChangeConfiguration" and call.seq in replies:
            if (replies[call.seq].payload or {}).get("status") in ("Accepted", "RebootRequired"):
                out.append((call, (call.payload or {}).get("key"), (call.payload or {}).get("value")))
    return out


def _known_value(link: Any, key: str, upto: int) -> Any:
    """The latest value of configuration `key` the wire shows up to position `upto`: reported by GetConfiguration or
    set by an accepted ChangeConfiguration (None when it shows none)."""
    known = None
    replies = {r.answers: r for r in link.wire.records if r.answers is not None and r.is_result}
    for call in link.wire.records:
        if call.seq > upto:
            break
        if not call.is_call or call.seq not in replies or replies[call.seq].seq > upto:
            continue
        reply = replies[call.seq].payload or {}
        if call.from_iut:  # the interval of an accepted BootNotification becomes the HeartbeatInterval (§4.2)
            if call.action == "BootNotification" and key == "HeartbeatInterval" and reply.get("status") == "Accepted":
                known = reply.get("interval", known)
            continue
        if call.action == "GetConfiguration":
            for entry in reply.get("configurationKey") or []:
                if isinstance(entry, dict) and str(entry.get("key", "")).lower() == key.lower():
                    known = entry.get("value")
        elif call.action == "ChangeConfiguration" and str((call.payload or {}).get("key", "")).lower() == key.lower():
            if reply.get("status") in ("Accepted", "RebootRequired"):
                known = (call.payload or {}).get("value")
    return known


def power_loss_mismatch(mode: str, configuration: dict[str, Any]) -> str | None:
    """Why a power failure case for `mode` (before_going_down / after_reboot) does not apply, or None if it does:
    a charge point ends interrupted transactions one way, unless a configuration key switches it."""
    if configuration.get("power_loss_stop_key"):
        return None
    declared = configuration.get("power_loss_stop", "after_reboot")
    if declared == mode:
        return None
    return (f"the charge point ends transactions interrupted by a power failure {declared.replace('_', ' ')} "
            f"(configuration.power_loss_stop: {declared}) and names no key to switch it (configuration.power_loss_stop_key)")
