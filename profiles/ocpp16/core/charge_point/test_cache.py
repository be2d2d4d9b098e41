"""OCTT 2.4 — Cache: the Authorization Cache used and cleared (the suite plays the Central System)."""

import pytest

from conformance import case
from conformance.errors import NOT_APPLICABLE_PREFIX
from conformance.ocpp16.preconditions import start_charging

SECTION = "Cache"
CACHE_KEY = "AuthorizationCacheEnabled"


async def _use_cache(charge_point, configure, *, remote: bool) -> None:
    """Configuration state of every Cache case: the cache on, cached ids used without asking (LocalPreAuthorize), and
    for remote starts, RemoteStartTransaction authorized like a local start (AuthorizeRemoteTxRequests)."""
    conf = await charge_point.call("GetConfiguration", {"key": [CACHE_KEY]})
    if CACHE_KEY in (conf.get("unknownKey") or []):
        pytest.skip(NOT_APPLICABLE_PREFIX + f"the charge point has no Authorization Cache ({CACHE_KEY} is unknown)")
    keys = {CACHE_KEY: True, "LocalPreAuthorize": True}
    if remote:
        keys["AuthorizeRemoteTxRequests"] = True
    await configure(**keys)


async def _cache_id_tag(charge_point, iut, connector, id_tag) -> None:
    """OCTT memory state "IdTag cached": a transaction started and stopped with `id_tag`, whose idTagInfo the Charge
    Point keeps in its Authorization Cache (OCPP 1.6 §3.5.1)."""
    session = await start_charging(charge_point, iut, connector, id_tag)
    since = charge_point.mark_now()
    await iut.present_id_tag(id_tag, connector)
    await charge_point.expect("StopTransaction", after=since, transactionId=session.transaction_id,
                              requirement="The idTag that started a transaction stops it (OCPP 1.6 §4.10).")
    await iut.unplug(connector)
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Available",
                              requirement="With the transaction over and the cable removed the connector is Available.")


async def _start(charge_point, iut, connector, id_tag, *, remote: bool):
    """Plug in, then start with `id_tag` presented locally or sent in RemoteStartTransaction.req; returns the mark
    before the stimulus and the StartTransaction.req."""
    since = charge_point.mark_now()
    await iut.plug_in(connector)
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Preparing",
                              requirement="Plugging in a cable makes the connector Preparing (OCPP 1.6 §4.9).")
    if remote:
        conf = await charge_point.call("RemoteStartTransaction", {"idTag": id_tag, "connectorId": connector})
        assert conf.status == "Accepted", (
            f"[behaviour] RemoteStartTransaction for {id_tag} on connector {connector} was answered {conf.status!r}")
    else:
        await iut.present_id_tag(id_tag, connector)
    start = await charge_point.expect("StartTransaction", after=since, connectorId=connector, idTag=id_tag,
                                      requirement="An authorized idTag on a connector with a cable starts a "
                                                  "transaction (OCPP 1.6 §4.8).")
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Charging",
                              requirement="A running transaction with an EV taking energy is Charging (§4.9).")
    return since, start


def _authorizations_before(charge_point, since, start, id_tag):
    return [f for f in charge_point.frames("Authorize", after=since)
            if f.seq < start.seq and (f.payload or {}).get("idTag") == id_tag]


async def _cached_start(charge_point, iut, configure, connector, id_tag, *, remote: bool) -> None:
    await _use_cache(charge_point, configure, remote=remote)
    await _cache_id_tag(charge_point, iut, connector, id_tag)
    since, start = await _start(charge_point, iut, connector, id_tag, remote=remote)
    asked = _authorizations_before(charge_point, since, start, id_tag)
    assert not asked, (
        f"[behaviour] the charge point sent Authorize.req (#{asked[0].seq}) for {id_tag}, which is in its Authorization "
        "Cache; with LocalPreAuthorize true it SHALL start from the cache without asking the Central System "
        "(OCPP 1.6 §3.5, §9.1)")


async def _start_after_clear_cache(charge_point, iut, configure, connector, id_tag, *, remote: bool) -> None:
    await _use_cache(charge_point, configure, remote=remote)
    await _cache_id_tag(charge_point, iut, connector, id_tag)
    conf = await charge_point.call("ClearCache", {}, requirement="The Charge Point clears its cache on request (§5.4).")
    assert conf.status == "Accepted", f"[behaviour] ClearCache was answered {conf.status!r}; the cache is enabled"
    since, start = await _start(charge_point, iut, connector, id_tag, remote=remote)
    assert _authorizations_before(charge_point, since, start, id_tag), (
        f"[behaviour] the charge point started a transaction (#{start.seq}) for {id_tag} without Authorize.req after "
        "ClearCache; the cleared cache cannot authorize it, so it SHALL ask the Central System (OCPP 1.6 §5.4, §3.5)")


@case("TC_007_1_CS", "Regular Start Charging Session – Cached Id - Local",
      spec="OCPP 1.6 §3.5, §4.8, §9.1 (AuthorizationCacheEnabled, LocalPreAuthorize)",
      requirement="With the Authorization Cache enabled and LocalPreAuthorize true, a locally presented idTag that is "
                  "cached as Accepted SHALL start a transaction without Authorize.req to the Central System.")
async def test_cached_id_local(charge_point, iut, configure, available_connector, id_tags):
    await _cached_start(charge_point, iut, configure, available_connector, id_tags.valid, remote=False)


@case("TC_007_2_CS", "Regular Start Charging Session – Cached Id - Remote",
      spec="OCPP 1.6 §3.5, §5.11, §9.1 (AuthorizeRemoteTxRequests, LocalPreAuthorize)",
      requirement="With AuthorizeRemoteTxRequests true a RemoteStartTransaction.req is authorized like a local start: "
                  "with LocalPreAuthorize true an idTag cached as Accepted SHALL start the transaction without "
                  "Authorize.req.")
async def test_cached_id_remote(charge_point, iut, configure, available_connector, id_tags):
    await _cached_start(charge_point, iut, configure, available_connector, id_tags.valid, remote=True)


@case("TC_061_1_CS", "Clear Authorization Data in Authorization Cache - Local",
      spec="OCPP 1.6 §5.4, §3.5, §4.1",
      requirement="ClearCache.req SHALL empty the Authorization Cache (status Accepted): a locally presented idTag "
                  "that was cached is then authorized again with Authorize.req before the transaction starts.")
async def test_clear_cache_local(charge_point, iut, configure, available_connector, id_tags):
    await _start_after_clear_cache(charge_point, iut, configure, available_connector, id_tags.valid, remote=False)


@case("TC_061_2_CS", "Clear Authorization Data in Authorization Cache - Remote",
      spec="OCPP 1.6 §5.4, §5.11, §3.5, §4.1",
      requirement="ClearCache.req SHALL empty the Authorization Cache (status Accepted): with AuthorizeRemoteTxRequests "
                  "true the idTag of a RemoteStartTransaction.req is then authorized again with Authorize.req.")
async def test_clear_cache_remote(charge_point, iut, configure, available_connector, id_tags):
    await _start_after_clear_cache(charge_point, iut, configure, available_connector, id_tags.valid, remote=True)
