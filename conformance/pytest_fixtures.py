"""Fixtures every conformance case may use, whatever its OCPP version: the IUT (`charge_point`, `csms`), its
driver (`iut`), its descriptor, and the booted state. A version's own "Before" states are fixtures of its package
(`conformance/<version>/fixtures.py`), made available to its cases by `profiles/<version>/conftest.py`."""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest

from conformance import session
from conformance.errors import NOT_APPLICABLE_PREFIX, Broken
from conformance.link import IutActions
from conformance.runstate import STATE, RunState
from conformance.wire import Role


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
        await link.check_alive()
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
    return IutActions(conformance_iut)


@pytest.fixture
def descriptor(request: pytest.FixtureRequest, conformance_iut: Any) -> Any:
    """The IUT descriptor as this case sees it: optional test data only where the case's `needs` name it."""
    info, _ = request.config.stash[STATE].items[request.node.nodeid]
    return conformance_iut.descriptor.for_case(info.id, info.needs)


@pytest.fixture
def id_tags(descriptor: Any) -> Any:
    return descriptor.id_tags


@pytest.fixture
def timeouts(conformance_iut: Any) -> Any:
    return conformance_iut.descriptor.timeouts


@pytest.fixture
async def charge_point(conformance_iut: Any) -> Any:
    """The charge point under test, as seen by the suite playing the Central System (connected)."""
    return await _connected_peer(conformance_iut, Role.CHARGE_POINT)


@pytest.fixture
async def csms(conformance_iut: Any) -> Any:
    """The CSMS under test, as seen by the suite playing a charge point (connected)."""
    return await _connected_peer(conformance_iut, Role.CSMS)


async def _connected_peer(link: Any, sut: Role) -> Any:
    if link.descriptor.sut is not sut:
        raise Broken(f"case needs a {sut} under test, {link.name} is a {link.descriptor.sut}")
    await link.ensure_connected()
    return link.peer


@pytest.fixture
async def booted(conformance_iut: Any) -> Any:
    """OCTT "Before": the link is up and a BootNotification was accepted on it. Returns the suite's peer."""
    link = conformance_iut
    await link.version.reach_booted(link)
    return link.peer


@pytest.fixture
async def iut_ocpp(booted: Any) -> Any:
    """The booted IUT's OCPP endpoint, whatever its role (for transport and RPC-framework cases)."""
    return booted
