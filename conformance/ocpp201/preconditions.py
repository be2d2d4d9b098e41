"""OCPP 2.0.1 OCTT "Before" states of a charging station under test (Booted, an EVSE Available, a transaction under
way): how the suite reaches them, and how it puts the station back to idle after a case. Towards a CSMS under test
the suite's own station does this (`conformance.ocpp201.csms_side`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from conformance.errors import Inconclusive, NoResponse
from conformance.wire import Kind, Record, Role


async def reach_booted(link: Any) -> None:
    """OCTT "Booted": the link is up and a BootNotification was accepted on it. A station under test that is not
    registered is asked to boot (TriggerMessage BootNotification, which a Pending station answers), then rebooted
    through its driver. When neither works the case is inconclusive."""
    await link.ensure_connected()
    await _station_registered(link)


async def _station_registered(link: Any) -> None:
    peer, responder, t = link.peer, link.responder, link.descriptor.timeouts
    if responder.boot_accepted:
        return
    precondition = "the charging station is registered (BootNotification Accepted)"
    given_up_already(link, precondition, lambda r: r.action == "BootNotification")

    async def booted(within: float) -> bool:
        since = link.wire.last_seq
        deadline = asyncio.get_running_loop().time() + within
        while not responder.boot_accepted:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 or await peer._wait_for(lambda r: r.action == "BootNotification", since, left) is None:
                return False
            since = link.wire.last_seq
            await peer.drain()
        return True

    tried: list[str] = []
    fresh = not any(r.action == "BootNotification" and r.connection == peer.connection_no for r in link.wire.records)
    if peer.connected and await booted(t.expect if fresh else t.settle):
        return
    if peer.connected:
        tried.append("TriggerMessage BootNotification")
        reply = await quiet_call(peer, "TriggerMessage", {"requestedMessage": "BootNotification"}, t.response)
        if reply is not None and reply.get("status") == "Accepted" and await booted(t.expect):
            return
    if link.driver is not None and link.driver.can("reboot"):
        tried.append("a reboot through the driver")
        await link.undo("reboot")
        if await booted(t.connect + t.expect):
            return
    give_up(link, precondition)
    why = "its BootNotification was not accepted" if responder.boot is not None else "it sent no BootNotification"
    raise Inconclusive(precondition, why, tried=tried, frame_seq=last(link, lambda r: r.action == "BootNotification"))


def status_of(rec: Record, evse: int) -> bool:
    """A StatusNotification (or a NotifyEvent with an AvailabilityState) of the station about `evse`."""
    if not rec.from_iut or not isinstance(rec.payload, dict):
        return False
    if rec.action == "StatusNotification":
        return rec.payload.get("evseId") == evse
    if rec.action == "NotifyEvent":
        return any(((e.get("component") or {}).get("evse") or {}).get("id") == evse
                   for e in rec.payload.get("eventData") or [] if isinstance(e, dict))
    return False


async def reach_available(link: Any, evse: int) -> None:
    """OCTT "Before: EVSE Available". A station under test whose connector is not Available is brought there with
    what the descriptor allows — its transaction stopped remotely (RequestStopTransaction), the cable taken out and a
    fault cleared through the driver, ChangeAvailability Operative — and asked for its status (TriggerMessage
    StatusNotification); when none of it works the case is inconclusive, naming what was tried."""
    await reach_booted(link)
    if link.descriptor.sut is not Role.CHARGE_POINT:
        return
    peer, responder, t = link.peer, link.responder, link.descriptor.timeouts
    if responder.statuses.get((evse, 1)) == "Available":
        return
    precondition = f"EVSE {evse} Available"
    given_up_already(link, precondition, lambda r: status_of(r, evse))

    async def available(within: float) -> bool:
        deadline = asyncio.get_running_loop().time() + within
        while responder.statuses.get((evse, 1)) != "Available":
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 or await peer._wait_for(lambda r: status_of(r, evse), link.wire.last_seq, left) is None:
                return False
            await peer.drain()
        return True

    async def stop_transactions() -> None:
        for tx in responder.running(evse):
            await quiet_call(peer, "RequestStopTransaction", {"transactionId": tx.transaction_id}, t.response)

    remedies: list[tuple[str, Any]] = [
        ("RequestStopTransaction", stop_transactions),
        ("unplug through the driver", lambda: link.undo("unplug", connector=evse)),
        ("clear_fault through the driver", lambda: link.undo("clear_fault", connector=evse)),
        ("ChangeAvailability Operative", lambda: quiet_call(
            peer, "ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": evse}}, t.response)),
        ("TriggerMessage StatusNotification", lambda: quiet_call(
            peer, "TriggerMessage", {"requestedMessage": "StatusNotification", "evse": {"id": evse, "connectorId": 1}},
            t.response)),
    ]
    if await available(t.settle):
        return
    tried = []
    for label, remedy in remedies:
        if label.endswith("through the driver") and not (link.driver is not None and link.driver.can(label.split()[0])):
            continue
        if label == "RequestStopTransaction" and not responder.running(evse):
            continue
        tried.append(label)
        await remedy()
        if await available(t.expect if label.startswith("TriggerMessage") else t.settle):
            return
    give_up(link, precondition)
    raise Inconclusive(precondition, f"it is {responder.statuses.get((evse, 1)) or 'not reported'}", tried=tried,
                       frame_seq=last(link, lambda r: status_of(r, evse)))


@dataclass
class Transaction:
    """A transaction the case started on the station under test."""

    evse: int
    id_token: str
    transaction_id: str
    started: Record  # the TransactionEvent that carried the IdToken


async def start_transaction(charging_station: Any, iut: Any, evse: int, token: str) -> Transaction:
    """OCTT "EnergyTransferStarted": plug in, present the IdToken; a transaction runs with it (TransactionEvent with
    the IdToken and chargingState Charging, in whichever order the station's TxStartPoint gives)."""
    since = charging_station.mark_now()
    await iut.plug_in(evse)
    await iut.present_id_tag(token, evse)

    def charging(p: Any) -> bool:
        return isinstance(p, dict) and p.get("chargingState") == "Charging"

    started = await charging_station.expect(
        "TransactionEvent", after=since, evse={"id": evse}, idToken={"idToken": token},
        requirement="A cable plugged in and an authorized IdToken start a transaction (Part 2 E01, E02).")
    tx_id = ((started.payload or {}).get("transactionInfo") or {}).get("transactionId")
    if not charging((started.payload or {}).get("transactionInfo")):
        await charging_station.expect(
            "TransactionEvent", after=since, transactionInfo=lambda i: charging(i) and i.get("transactionId") == tx_id,
            requirement="Once the power path is closed the transaction is Charging (Part 2 E01).")
    return Transaction(evse, token, str(tx_id), started)


async def quiet_call(peer: Any, action: str, payload: dict, within: float) -> Any:
    """A CALL a precondition or the clean-up makes: a CALLERROR or a closed connection only means this remedy did
    not work (the IUT's silence still counts: the next case probes it)."""
    try:
        result = await peer.call(action, payload, within=within, error_ok=True)
    except NoResponse:
        return None
    return None if result.error_code else result


def last(link: Any, predicate: Any) -> int | None:
    for rec in reversed(link.wire.records):
        if rec.kind is Kind.FRAME and predicate(rec):
            return rec.seq
    return None


def give_up(link: Any, precondition: str) -> None:
    link.unreached[precondition] = link.wire.last_seq


def given_up_already(link: Any, precondition: str, relevant: Any) -> None:
    """A precondition given up in an earlier case, with nothing relevant heard from the IUT since, is not tried
    again: the case is inconclusive at once."""
    since = link.unreached.get(precondition)
    if since is None:
        return
    if any(r.from_iut and relevant(r) for r in link.wire.after(since)):
        del link.unreached[precondition]
        return
    raise Inconclusive(precondition, "an earlier case could not reach it either and the IUT has not changed since",
                       frame_seq=last(link, relevant))


# ---------------------------------------------------------------------------------------------------------------------
# after a case

async def restore_idle(link: Any) -> None:
    """After a case: the station under test back online, what the case changed
    in its device model and network priority put back, its transactions stopped, physical actions undone, what the
    case made Inoperative Operative again, and its connectors Available — waiting for what it is still doing (a
    scheduled reset, a reboot) rather than leaving it to the next case. Bounded and best effort: what cannot be
    restored is noted in the wire log, never raised."""
    if link.driver is None:
        return
    peer, t = link.peer, link.descriptor.timeouts
    if ("go_offline", None) in link.physical:
        await link.undo("come_online")
        link.physical.discard(("go_offline", None))
        try:
            await peer.wait_connected(t.connect)
        except AssertionError:
            pass
    segment = link.wire.segment
    if peer.connected:
        await _restore_variables(link)
        await _restore_availability(link)
        for tx in link.responder.running():
            await quiet_call(peer, "RequestStopTransaction", {"transactionId": tx.transaction_id}, t.response)
    await link.undo_physical()
    if not peer.connected:
        try:
            await peer.wait_connected(t.connect)
        except AssertionError:
            return
    await _registered_again(link)
    loop = asyncio.get_running_loop()
    for evse in range(1, link.descriptor.connectors + 1):
        if not any(status_of(r, evse) for r in link.wire.segment_records(segment)):
            continue  # the case did not move it
        deadline = loop.time() + t.expect
        while link.responder.statuses.get((evse, 1)) not in ("Available", None) and loop.time() < deadline:
            await peer._wait_for(lambda r, e=evse: status_of(r, e), link.wire.last_seq,
                                 max(0.05, min(t.settle, deadline - loop.time())))
            for tx in link.responder.running(evse):
                await quiet_call(peer, "RequestStopTransaction", {"transactionId": tx.transaction_id}, t.response)


async def _registered_again(link: Any) -> None:
    """A case that rebooted the station (a reset, a changed network priority) waits for its registration."""
    responder, t = link.responder, link.descriptor.timeouts
    if responder.boot_accepted:
        return
    deadline = asyncio.get_running_loop().time() + t.connect + t.expect
    while not responder.boot_accepted and asyncio.get_running_loop().time() < deadline:
        await link.peer._wait_for(lambda r: r.action == "BootNotification", link.wire.last_seq, t.settle)
        await link.peer.drain()


def _accepted_sets(link: Any, segment: str | None) -> list[tuple[dict, str, int]]:
    """(SetVariableData, the case it was sent in, the CALL's position) of every SetVariables item the station
    accepted."""
    replies = {r.answers: r for r in link.wire.records if r.from_iut and r.answers is not None and r.is_result}
    out = []
    for call in link.wire.records:
        if not (call.is_call and not call.from_iut and call.action == "SetVariables" and call.seq in replies):
            continue
        asked = (call.payload or {}).get("setVariableData") or []
        results = (replies[call.seq].payload or {}).get("setVariableResult") or []
        for item, result in zip(asked, results):
            if isinstance(result, dict) and result.get("attributeStatus") in ("Accepted", "RebootRequired"):
                out.append((item, call.segment, call.seq))
    return out


def _key(item: dict) -> tuple:
    component, variable = item.get("component") or {}, item.get("variable") or {}
    evse = component.get("evse") or {}
    return (component.get("name"), component.get("instance"), evse.get("id"), evse.get("connectorId"),
            variable.get("name"), variable.get("instance"), item.get("attributeType") or "Actual")


def known_value(link: Any, item: dict, upto: int) -> str | None:
    """The latest value of a variable attribute the wire shows up to position `upto`: reported by GetVariables or
    a report, or set by an accepted SetVariables (None when it shows none)."""
    wanted = _key(item)
    known = None
    replies = {r.answers: r for r in link.wire.records if r.answers is not None and r.is_result}
    for rec in link.wire.records:
        if rec.seq > upto:
            break
        if rec.kind is not Kind.FRAME or not rec.is_call or not isinstance(rec.payload, dict):
            continue
        if rec.from_iut and rec.action == "NotifyReport":
            for data in rec.payload.get("reportData") or []:
                for attribute in data.get("variableAttribute") or []:
                    entry = {"component": data.get("component"), "variable": data.get("variable"),
                             "attributeType": attribute.get("type", "Actual")}
                    if _key(entry) == wanted and "value" in attribute:
                        known = attribute["value"]
            continue
        reply = replies.get(rec.seq)
        if rec.from_iut or reply is None or reply.seq > upto:
            continue
        if rec.action == "GetVariables":
            for result in (reply.payload or {}).get("getVariableResult") or []:
                if isinstance(result, dict) and result.get("attributeStatus") == "Accepted" and _key(result) == wanted:
                    known = result.get("attributeValue")
        elif rec.action == "SetVariables":
            asked = rec.payload.get("setVariableData") or []
            results = (reply.payload or {}).get("setVariableResult") or []
            for one, result in zip(asked, results):
                if (isinstance(result, dict) and result.get("attributeStatus") in ("Accepted", "RebootRequired")
                        and _key(one) == wanted):
                    known = one.get("attributeValue")
    return known


async def _restore_variables(link: Any) -> None:
    """Put back every variable the case changed (accepted SetVariables) to the value it held before, as the wire
    shows it; one whose earlier value the wire does not show is noted."""
    changed: dict[tuple, tuple[dict, int]] = {}
    for item, segment, seq in _accepted_sets(link, None):
        if segment == link.wire.segment:
            changed.setdefault(_key(item), (item, seq))  # the first change: the value before it is the one to restore
    for item, first in changed.values():
        before = known_value(link, item, first - 1)
        now = known_value(link, item, link.wire.last_seq)
        if before is None:
            link.wire.event("note", restore_failed=f"variable {_key(item)[0]}.{_key(item)[4]}: its value before the "
                                                   "case is not known")
        elif str(now) != str(before):
            body = {k: v for k, v in item.items() if k in ("component", "variable", "attributeType")}
            reply = await quiet_call(link.peer, "SetVariables",
                                     {"setVariableData": [{**body, "attributeValue": str(before)}]},
                                     link.descriptor.timeouts.response)
            if reply is None:
                link.wire.event("note", restore_failed=f"SetVariables {_key(item)[0]}.{_key(item)[4]}={before}")


async def _restore_availability(link: Any) -> None:
    """What the case made Inoperative (an accepted ChangeAvailability) is made Operative again."""
    replies = {r.answers: r for r in link.wire.records if r.from_iut and r.answers is not None and r.is_result}
    targets = []
    for call in link.wire.segment_records(link.wire.segment):
        if call.is_call and not call.from_iut and call.action == "ChangeAvailability" and call.seq in replies:
            payload = call.payload or {}
            if payload.get("operationalStatus") == "Inoperative" and \
                    (replies[call.seq].payload or {}).get("status") in ("Accepted", "Scheduled"):
                targets.append(payload.get("evse"))
    for where in targets:
        body: dict[str, Any] = {"operationalStatus": "Operative"}
        if where:
            body["evse"] = where
        await quiet_call(link.peer, "ChangeAvailability", body, link.descriptor.timeouts.response)
