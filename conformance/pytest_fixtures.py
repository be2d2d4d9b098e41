"""Fixtures of conformance cases, named after the IUT and after OCTT's "Before" states."""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest

from conformance import session
from conformance.errors import NOT_APPLICABLE_PREFIX, Broken
from conformance.runstate import RunState
from conformance.wire import Role

STATE = pytest.StashKey[RunState]()


@pytest.fixture(scope="session")
async def conformance_links(request: pytest.FixtureRequest) -> AsyncIterator[RunState]:
    """Session-wide: the links to the IUTs, stopped when the run ends."""
    state = request.config.stash[STATE]
    yield state
    for link in list(state.links.values()):
        await link.stop()


@pytest.fixture
async def conformance_iut(request: pytest.FixtureRequest, conformance_links: RunState) -> AsyncIterator[Any]:
    """The link to the IUT this case runs against (the test is parametrised by IUT name)."""
    state = conformance_links
    name = request.param
    info, _ = state.items[request.node.nodeid]
    descriptor = state.descriptor(name)
    reason = state.not_applicable_reason(info, descriptor)
    if reason:
        pytest.skip(NOT_APPLICABLE_PREFIX + reason)
    link = state.link(name)
    ctx = session.CaseContext(info=info, segment=request.node.nodeid, link=link, strict=state.strict)
    state.contexts[request.node.nodeid] = ctx
    session.current = ctx
    link.wire.begin_segment(ctx.segment)
    link.wire.event("case", id=info.id, title=info.title)
    try:
        await link.start()
        yield link
    finally:
        link.peer.reset_overrides()
        await link.peer.drain()
        if link.started and link.start_error is None:
            await link.restore_idle()
        link.wire.event("case-end", id=info.id)
        link.wire.end_segment()
        session.current = None


@pytest.fixture
def iut(conformance_iut: Any) -> Any:
    """Physical and operator actions on the IUT (plug in, present a card, power cycle, make the CSMS send a command)."""
    from conformance.link import IutActions

    return IutActions(conformance_iut)


@pytest.fixture
def descriptor(conformance_iut: Any) -> Any:
    return conformance_iut.descriptor


@pytest.fixture
def id_tags(conformance_iut: Any) -> Any:
    return conformance_iut.descriptor.id_tags


@pytest.fixture
def timeouts(conformance_iut: Any) -> Any:
    return conformance_iut.descriptor.timeouts


@pytest.fixture
async def charge_point(conformance_iut: Any) -> Any:
    """The charge point under test, as seen by the suite playing the Central System (connected)."""
    link = conformance_iut
    if link.descriptor.sut is not Role.CHARGE_POINT:
        raise Broken(f"case needs a charge point under test, {link.name} is a {link.descriptor.sut}")
    await link.ensure_connected()
    return link.peer


@pytest.fixture
async def csms(conformance_iut: Any) -> Any:
    """The CSMS under test, as seen by the suite playing a charge point (connected)."""
    link = conformance_iut
    if link.descriptor.sut is not Role.CSMS:
        raise Broken(f"case needs a CSMS under test, {link.name} is a {link.descriptor.sut}")
    await link.ensure_connected()
    return link.peer


@pytest.fixture
async def booted(conformance_iut: Any) -> Any:
    """OCTT "Before": the link is up and a BootNotification was accepted on it. Returns the suite's peer."""
    link = conformance_iut
    await link.ensure_connected()
    if link.descriptor.sut is Role.CHARGE_POINT:
        if not link.responder.boot_accepted:
            await link.peer.expect("BootNotification", within=link.descriptor.timeouts.connect, after=0)
        return link.peer
    from conformance.roles import boot_charge_point

    await boot_charge_point(link)
    return link.peer


@pytest.fixture
async def iut_ocpp(booted: Any) -> Any:
    """The booted IUT's OCPP endpoint, whatever its role (for transport and RPC-framework cases)."""
    return booted


@pytest.fixture
async def available_connector(conformance_iut: Any, booted: Any) -> int:
    """OCTT "Before": connector 1 is Available."""
    link = conformance_iut
    connector = 1
    if link.descriptor.sut is Role.CHARGE_POINT and link.responder.statuses.get(connector) != "Available":
        await link.peer.expect("StatusNotification", connectorId=connector, status="Available", after=0)
    return connector


@pytest.fixture
def station(conformance_iut: Any) -> Any:
    """The suite's own charge point when it tests a CSMS: reconnect, boot, report status."""
    from conformance.roles import SuiteStation

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
        from conformance.errors import ExpectationFailed

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
                raise ExpectationFailed(
                    f"the charge point answered ChangeConfiguration {key}={text} with {reply.status}; the case needs it",
                    "  requirement: Core configuration keys the case depends on are writable (OCPP 1.6 §9.1)\n"
                    + peer.last_frames())
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
    from conformance.preconditions import start_charging

    return await start_charging(charge_point, iut, available_connector, id_tags.valid)
