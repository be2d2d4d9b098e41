"""OCPP 1.6 OCTT "Before" states: how the suite reaches them, and how it puts an IUT back to idle after a case."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from conformance.errors import NOT_APPLICABLE_PREFIX, ExpectationFailed
from conformance.ocpp16.roles.station import boot_charge_point
from conformance.wire import Record, Role


async def reach_booted(link: Any) -> None:
    """OCTT "Before: booted": the link is up and a BootNotification was accepted on it."""
    await link.ensure_connected()
    if link.descriptor.sut is Role.CHARGE_POINT:
        if not link.responder.boot_accepted:
            await link.peer.expect("BootNotification", within=link.descriptor.timeouts.connect, after=0)
        return
    await boot_charge_point(link)


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
    """After a charge point case: stop transactions, undo physical actions, wait for connectors to be Available.

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
    if peer.connected:
        for tx in [tx for tx, start in link.responder.transactions.items() if "stop" not in start]:
            try:
                await peer.call("RemoteStopTransaction", {"transactionId": tx}, within=t.response)
            except (AssertionError, Exception):
                pass
    await link.undo_physical()
    if peer.connected:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + t.expect
        for connector in range(1, link.descriptor.connectors + 1):
            unlocked = False
            while link.responder.statuses.get(connector) not in ("Available", None) and loop.time() < deadline:
                try:
                    news = await peer._wait_for(
                        lambda r, c=connector: r.action == "StatusNotification" and (r.payload or {}).get("connectorId") == c,
                        link.wire.last_seq, max(0.05, min(t.settle, deadline - loop.time())))
                except Exception:
                    break
                if news is None and not unlocked and link.responder.statuses.get(connector) == "Finishing":
                    # a cable kept locked after its transaction (e.g. DeAuthorized) only comes free this way
                    unlocked = True
                    try:
                        await peer.call("UnlockConnector", {"connectorId": connector}, within=t.response)
                    except (AssertionError, Exception):
                        pass


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
