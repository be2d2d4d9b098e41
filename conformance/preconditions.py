"""OCTT "Before" states that take several steps, shared by every charge point profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.errors import ExpectationFailed
from conformance.wire import Record


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
    import pytest

    from conformance.errors import NOT_APPLICABLE_PREFIX

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
