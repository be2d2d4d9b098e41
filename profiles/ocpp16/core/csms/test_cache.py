"""OCTT 3.3 — Cache (the suite plays the charge point)."""

from conformance import case
from conformance.ocpp16.roles.station import operator_command

SECTION = "Cache"


@case("TC_007_CSMS", "Regular Start Charging Session – Cached Id",
      spec="OCPP 1.6 §3.5.1, §4.8, §9.1 LocalPreAuthorize",
      requirement="When the charge point starts a transaction for an id tag from its Authorization Cache without "
                  "asking Authorize first, the Central System SHALL accept it in StartTransaction with a transactionId "
                  "of its own; the expiryDate it gave the cached tag must not be in the past.")
async def test_cached_id(csms, booted, station, id_tags, available_connector):
    c = available_connector
    station.configure(AuthorizationCacheEnabled=True, LocalPreAuthorize=False)
    await station.authorize(id_tags.valid)  # Before: the tag was authorized online, so it is in the cache
    station.configure(LocalPreAuthorize=True)
    await station.plug_in(c)
    since = csms.wire.last_seq
    info = await station.present_id_tag(id_tags.valid, c)  # from the cache: StartTransaction straight away
    asked = [r for r in csms.wire.after(since) if not r.from_iut and r.action == "Authorize"]
    assert not asked, "the suite's charge point asked Authorize although the id tag was cached"
    tx = station.transaction(c)
    assert info["status"] == "Accepted" and tx is not None and tx.id_tag_info["status"] == "Accepted", (
        f"[behaviour] StartTransaction of the cached valid id tag answered {tx and tx.id_tag_info}")


@case("TC_061_CSMS", "Clear Authorization Data in Authorization Cache",
      spec="OCPP 1.6 §3.5.1, §5.4",
      requirement="The Central System SHALL be able to make a charge point clear its Authorization Cache with "
                  "ClearCache.req.")
async def test_clear_cache(csms, booted, station, iut, id_tags, timeouts):
    station.configure(AuthorizationCacheEnabled=True)
    await station.authorize(id_tags.valid)  # something in the cache to clear
    req = await operator_command(iut, csms, "ClearCache", {}, within=timeouts.expect,
                                 requirement="The Central System sends ClearCache.req when asked to (OCPP 1.6 §5.4).")
    await station.reaction(req)  # answered Accepted, the cache is empty
    assert not station.model.auth_cache, "the suite's charge point did not clear its cache"
