"""Fixtures of OCPP 1.6 cases, named after OCTT's "Before" states (an Available connector, a running charging
session), the suite's own charge point (`station`) and case-scoped configuration (`configure`).

`profiles/ocpp16/conftest.py` makes them available to the 1.6 cases.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest

from conformance.errors import ExpectationFailed, Inconclusive
from conformance.ocpp16.preconditions import reach_available, start_charging
from conformance.ocpp16.roles.station import SuiteStation


@pytest.fixture
async def available_connector(conformance_iut: Any, booted: Any) -> int:
    """OCTT "Before": connector 1 is Available (brought there actively, see `reach_available`)."""
    connector = 1
    await reach_available(conformance_iut, connector)
    return connector


@pytest.fixture
def station(conformance_iut: Any) -> Any:
    """The suite's own charge point when it tests a CSMS: reconnect, boot, report status."""
    return SuiteStation(conformance_iut)


@pytest.fixture
async def configure(conformance_iut: Any) -> AsyncIterator[Any]:
    """Set configuration keys on the charge point for this case (``await configure(MeterValueSampleInterval=2)``);
    the original values are restored afterwards, so short intervals never leak into other cases."""
    link = conformance_iut
    peer = link.peer
    originals: dict[str, str | None] = {}
    current: dict[str, str | None] = {}
    touched: set[str] = set()

    async def change(values: dict[str, Any], *, required: bool) -> set[str]:
        new = [k for k in values if k not in originals]
        if new:
            conf = await peer.call("GetConfiguration", {"key": new})
            known = {e.get("key"): e.get("value") for e in (conf.get("configurationKey") or []) if isinstance(e, dict)}
            for key in new:
                originals[key] = current[key] = known.get(key)
        changed = set()
        for key, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if current.get(key) is not None and str(current[key]).strip().lower() == text.lower():
                changed.add(key)  # already so: a read-only key that holds the wanted value is fine
                continue
            reply = await peer.call("ChangeConfiguration", {"key": key, "value": text})
            if reply.status in ("Accepted", "RebootRequired"):
                changed.add(key)
                current[key] = text
                touched.add(key)
            elif required:
                raise Inconclusive(f"configuration {key} = {text}",
                                   f"the charge point answered ChangeConfiguration with {reply.status}",
                                   frame_seq=reply.record.seq if reply.record else None)
        return changed

    async def apply(**values: Any) -> None:
        await change(values, required=True)

    async def optional(**values: Any) -> set[str]:
        """Set keys OCTT sets "if implemented": returns the keys the charge point accepted, the others are left."""
        return await change(values, required=False)

    apply.optional = optional  # type: ignore[attr-defined]
    yield apply
    for key, value in originals.items():
        if value is None or key not in touched or not peer.connected:
            continue
        try:
            await peer.call("ChangeConfiguration", {"key": key, "value": value}, within=link.descriptor.timeouts.response)
        except Exception:
            link.wire.event("note", restore_failed=f"ChangeConfiguration {key}={value}")


@pytest.fixture
async def charging_session(charge_point: Any, iut: Any, available_connector: int, id_tags: Any) -> Any:
    """OCTT "Before": a transaction runs on connector 1 with the valid id tag (status Charging)."""
    try:
        return await start_charging(charge_point, iut, available_connector, id_tags.valid)
    except ExpectationFailed as exc:
        raise Inconclusive(f"a transaction runs on connector {available_connector}", exc.headline,
                           frame_seq=charge_point.wire.last_seq) from None
