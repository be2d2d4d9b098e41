"""OCTT 2.17 — Local Authorization List (the suite plays the Central System).

The list is judged by its version (GetLocalListVersion) and by what it authorizes: with LocalPreAuthorize true an
identifier on the list starts a transaction without Authorize.req, and offline (LocalAuthorizeOffline true, unknown
identifiers not allowed) exactly the identifiers on the list start one. OCPP 1.6 has no message to read the entries
back. A case that filled the charger's list leaves it empty again (`restore_idle`).
"""

import math

from conformance import case
from conformance.errors import Inconclusive
from conformance.ocpp16.list_management import (
    MAX_UPDATES,
    accepted,
    entry,
    expect_version,
    list_limits,
    list_version,
    new_id_tag,
    removal,
    send_list,
    update,
)
from conformance.ocpp16.preconditions import configured, not_applicable
from conformance.ocpp16.queued_messages import hold

SECTION = "Local Authorization List"

LIST_ENABLED = "LocalAuthListEnabled"


async def _list_in_use(charge_point, configure) -> int:
    """OCTT "Configuration State": LocalAuthListEnabled true. Returns the list's version as found."""
    await configure(**{LIST_ENABLED: True})
    return await list_version(charge_point)


async def _no_list(charge_point, configure) -> None:
    """LocalAuthListEnabled false: the charger has no Local Authorization List in use."""
    await configured(charge_point, configure, **{LIST_ENABLED: False})


async def _unknown_ids_refused_offline(charge_point, configure) -> None:
    """AllowOfflineTxForUnknownId false, or the key absent (the charger has no Unknown Offline Authorization)."""
    if await configure.optional(AllowOfflineTxForUnknownId=False):
        return
    conf = await charge_point.call("GetConfiguration", {"key": ["AllowOfflineTxForUnknownId"]})
    held = {e.get("key"): e.get("value") for e in (conf.get("configurationKey") or []) if isinstance(e, dict)}
    if str(held.get("AllowOfflineTxForUnknownId", "false")).lower() != "false":
        not_applicable("the case needs AllowOfflineTxForUnknownId false (offline, only the list may authorize); the "
                       "charge point holds true and refused to change it")


def _not_supported(conf, what: str) -> None:
    if conf.error_code:
        assert conf.error_code == "NotSupported", (
            f"[behaviour] {what} was answered with CALLERROR {conf.error_code}; a Charge Point without a Local "
            "Authorization List answers it as not supported (OCPP-J 1.6 §4.2.3 NotSupported)")


@case("TC_042_1_CS", "Get Local List Version (not supported)",
      spec="OCPP 1.6 §5.10, §9.4 (LocalAuthListEnabled)",
      requirement="A Charge Point without a Local Authorization List in use (LocalAuthListEnabled false) SHALL answer "
                  "GetLocalListVersion.req with listVersion -1, the version that says it has no list (or refuse the "
                  "request with CALLERROR NotSupported).")
async def test_get_local_list_version_not_supported(charge_point, configure, booted):
    await _no_list(charge_point, configure)
    conf = await charge_point.call("GetLocalListVersion", {}, error_ok=True)
    _not_supported(conf, "GetLocalListVersion.req")
    if not conf.error_code:
        assert conf.list_version == -1, (
            f"[behaviour] GetLocalListVersion.conf has listVersion {conf.list_version} with LocalAuthListEnabled "
            "false; -1 SHALL be used to indicate that the Charge Point has no Local Authorization List (OCPP 1.6 "
            "§5.10)")


@case("TC_042_2_CS", "Get Local List Version (empty)",
      spec="OCPP 1.6 §5.10, §5.15",
      requirement="A full SendLocalList.req without entries empties the list; GetLocalListVersion.conf SHALL then "
                  "carry listVersion 0, the version of an empty list, whatever version the update carried.")
async def test_get_local_list_version_empty(charge_point, configure, booted):
    await _list_in_use(charge_point, configure)
    await accepted(charge_point, update(1, "Full"), "a full update without entries only empties the list")
    await expect_version(charge_point, 0, "the list is empty, and for an empty list")


@case("TC_043_CS", "Send Local Authorization List",
      spec="OCPP 1.6 §3.5, §5.15, §7 AuthorizationData, §9.1 (LocalAuthorizeOffline, AllowOfflineTxForUnknownId)",
      requirement="The Charge Point SHALL accept a full and then differential SendLocalList.req, take each update's "
                  "listVersion as its list's version, add an entry with idTagInfo and remove one without; offline it "
                  "then authorizes exactly the identifiers on the list: one kept from the full update and one added "
                  "start a transaction (delivered after reconnecting), the removed one does not.")
async def test_send_local_list(charge_point, iut, configure, available_connector, timeouts, id_tags):
    base = max(await _list_in_use(charge_point, configure), 0)
    await configure(LocalAuthorizeOffline=True)
    await configure.optional(AuthorizationCacheEnabled=False)
    await _unknown_ids_refused_offline(charge_point, configure)
    await charge_point.call("ClearCache")  # offline, only the list may know an identifier
    kept, added, removed = id_tags.valid, new_id_tag(), new_id_tag()
    await accepted(charge_point, update(base + 1, "Full", [entry(kept), entry(removed)]), "a valid full list")
    await expect_version(charge_point, base + 1, "the full update carried that version, so")
    await accepted(charge_point, update(base + 2, "Differential", [entry(added)]),
                   "a differential update above the list's version")
    await expect_version(charge_point, base + 2, "the differential update carried that version, so")
    await accepted(charge_point, update(base + 3, "Differential", [removal(removed)]),
                   "a differential update above the list's version")
    await expect_version(charge_point, base + 3, "the differential update carried that version, so")

    connector = available_connector
    since = charge_point.mark_now()
    await iut.go_offline()
    for tag in (removed, added, kept):  # a session each: card, card again (stops it), cable out
        await iut.plug_in(connector)
        await iut.present_id_tag(tag, connector)
        await hold(timeouts.settle)
        await iut.present_id_tag(tag, connector)
        await hold(timeouts.settle)
        await iut.unplug(connector)
        await hold(timeouts.settle)
    await iut.come_online()
    for tag, how in ((added, "added by a differential update"), (kept, "sent in the full update and kept")):
        await charge_point.expect(
            "StartTransaction", within=timeouts.connect + timeouts.response, after=since, idTag=tag,
            requirement=f"Offline, an identifier {how} is authorized from the Local Authorization List "
                        "(LocalAuthorizeOffline) and its transaction reported after reconnecting (OCPP 1.6 §3.5, "
                        "§3.7).")
    wrong = [f for f in charge_point.frames("StartTransaction", after=since)
             if (f.payload or {}).get("idTag") == removed]
    assert not wrong, (
        f"[behaviour] StartTransaction #{wrong[0].seq} for {removed}, which a differential update without idTagInfo "
        "removed from the list: the entry SHALL be deleted, and offline an identifier the charger does not know "
        "does not start a transaction (AllowOfflineTxForUnknownId false) (OCPP 1.6 §7 AuthorizationData, §3.5)")


@case("TC_043_1_CS", "Send Local Authorization List - NotSupported",
      spec="OCPP 1.6 §5.15, §5.10, §9.4 (LocalAuthListEnabled)",
      requirement="A Charge Point without a Local Authorization List in use (LocalAuthListEnabled false) SHALL answer "
                  "SendLocalList.req with status NotSupported (or CALLERROR NotSupported) and keep having no list "
                  "(GetLocalListVersion -1).")
async def test_send_local_list_not_supported(charge_point, configure, booted, id_tags):
    await _no_list(charge_point, configure)
    conf = await charge_point.call("SendLocalList", update(1, "Full", [entry(id_tags.valid)]), error_ok=True)
    _not_supported(conf, "SendLocalList.req")
    if not conf.error_code:
        assert conf.status == "NotSupported", (
            f"[behaviour] SendLocalList.conf is {conf.status!r} with LocalAuthListEnabled false; an update of a list "
            "the Charge Point does not have is NotSupported (OCPP 1.6 §5.15, UpdateStatus)")
    after = await charge_point.call("GetLocalListVersion", {}, error_ok=True)
    _not_supported(after, "GetLocalListVersion.req")
    if not after.error_code:
        assert after.list_version == -1, (
            f"[behaviour] after the refused update GetLocalListVersion.conf has listVersion {after.list_version}; "
            "the Charge Point still has no list (-1, OCPP 1.6 §5.10)")


@case("TC_043_2_CS", "Send Local Authorization List - VersionMismatch",
      spec="OCPP 1.6 §5.15, §5.10, §7 UpdateStatus",
      requirement="A differential SendLocalList.req whose listVersion is equal to or lower than the version of the "
                  "Charge Point's list SHALL be answered VersionMismatch and leave the list and its version as they "
                  "were; full updates and differential ones above the version are Accepted.")
async def test_send_local_list_version_mismatch(charge_point, configure, booted, id_tags):
    base = max(await _list_in_use(charge_point, configure), 0)
    await accepted(charge_point, update(base + 2, "Full", [entry(id_tags.valid)]), "a valid full list")
    await expect_version(charge_point, base + 2, "the full update carried that version, so")
    await accepted(charge_point, update(base + 5, "Differential", [entry(new_id_tag())]),
                   "a differential update above the list's version")
    await expect_version(charge_point, base + 5, "the differential update carried that version, so")
    for version, how in ((base + 5, "equal to"), (base + 3, "lower than")):
        conf = await send_list(charge_point, update(version, "Differential", [entry(new_id_tag())]))
        assert conf.status == "VersionMismatch", (
            f"[behaviour] a differential SendLocalList.req with listVersion {version}, {how} the list's version "
            f"{base + 5}, was answered {conf.status!r}; it SHALL be VersionMismatch (OCPP 1.6 §7 UpdateStatus)")
    await expect_version(charge_point, base + 5, "the mismatched updates changed nothing, so")


@case("TC_043_3_CS", "Send Local Authorization List - Failed",
      spec="OCPP 1.6 §5.15, §9.4 (LocalAuthListMaxLength, SendLocalListMaxLength), §7 UpdateStatus",
      requirement="A SendLocalList.req the Charge Point cannot apply — one that would hold more identifiers than its "
                  "LocalAuthListMaxLength — SHALL be answered Failed and leave the list and its version as they "
                  "were; every update up to that length is Accepted.")
async def test_send_local_list_failed(charge_point, configure, booted):
    base = max(await _list_in_use(charge_point, configure), 0)
    capacity, per_update = await list_limits(charge_point)
    needed = math.ceil(capacity / per_update) + 1
    if needed > MAX_UPDATES:
        raise Inconclusive(f"the Local Authorization List is full ({capacity} identifiers)",
                           f"filling it {per_update} at a time takes {needed} SendLocalList.req, more than "
                           f"{MAX_UPDATES}")
    stored, version = 0, base
    while stored < capacity:
        items = [entry(new_id_tag()) for _ in range(min(per_update, capacity - stored))]
        version += 1
        kind = "Full" if stored == 0 else "Differential"
        conf = await send_list(charge_point, update(version, kind, items))
        assert conf.status == "Accepted", (
            f"[behaviour] a {kind} SendLocalList.req bringing the list to {stored + len(items)} identifiers was "
            f"answered {conf.status!r}; its LocalAuthListMaxLength is {capacity}, so the update fits and is Accepted "
            "(OCPP 1.6 §5.15, §9.4)")
        stored += len(items)
    await expect_version(charge_point, version, "the last update carried that version, so")
    conf = await send_list(charge_point, update(version + 1, "Differential", [entry(new_id_tag())]))
    assert conf.status == "Failed", (
        f"[behaviour] a differential SendLocalList.req adding identifier {capacity + 1} to a list whose "
        f"LocalAuthListMaxLength is {capacity} was answered {conf.status!r}; the Charge Point cannot apply it, so it "
        "is Failed (OCPP 1.6 §5.15, UpdateStatus)")
    await expect_version(charge_point, version, "the failed update changed nothing, so")


async def _start_from_list(charge_point, iut, configure, connector, id_tag, *, remote: bool) -> None:
    """OCTT "Configuration State" of TC_008: the list in use and LocalPreAuthorize true (the cache off if it can be,
    and emptied); the identifier is on the list; a local or remote start then needs no Authorize.req."""
    base = max(await _list_in_use(charge_point, configure), 0)
    await configure(LocalPreAuthorize=True)
    await configure.optional(AuthorizationCacheEnabled=False)
    if remote:
        await configured(charge_point, configure, AuthorizeRemoteTxRequests=True)
    await charge_point.call("ClearCache")  # only the list may know the identifier
    await accepted(charge_point, update(base + 1, "Full", [entry(id_tag)]), "a valid full list")
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
                                      requirement="An identifier valid on the Local Authorization List starts a "
                                                  "transaction (OCPP 1.6 §3.5, §4.8).")
    await charge_point.expect("StatusNotification", after=since, connectorId=connector, status="Charging",
                              requirement="A running transaction with an EV taking energy is Charging (§4.9).")
    asked = [f for f in charge_point.frames("Authorize", after=since)
             if f.seq < start.seq and (f.payload or {}).get("idTag") == id_tag]
    assert not asked, (
        f"[behaviour] the charge point sent Authorize.req (#{asked[0].seq}) for {id_tag}, which its Local "
        "Authorization List holds as Accepted; with LocalPreAuthorize true it SHALL start from the list without "
        "asking the Central System (OCPP 1.6 §3.5, §9.1 LocalPreAuthorize)")


@case("TC_008_1_CS", "Regular Start Charging Session – Id in Local Authorization List - Local",
      spec="OCPP 1.6 §3.5, §4.8, §9.1 (LocalPreAuthorize), §9.4 (LocalAuthListEnabled)",
      requirement="With the Local Authorization List in use and LocalPreAuthorize true, a locally presented idTag the "
                  "list holds as Accepted SHALL start a transaction without Authorize.req to the Central System.")
async def test_id_in_local_list_local(charge_point, iut, configure, available_connector, id_tags):
    await _start_from_list(charge_point, iut, configure, available_connector, id_tags.valid, remote=False)


@case("TC_008_2_CS", "Regular Start Charging Session – Id in Local Authorization List - Remote",
      spec="OCPP 1.6 §3.5, §5.11, §9.1 (AuthorizeRemoteTxRequests, LocalPreAuthorize), §9.4",
      requirement="With AuthorizeRemoteTxRequests true a RemoteStartTransaction.req is authorized like a local start: "
                  "with the Local Authorization List in use and LocalPreAuthorize true an idTag the list holds as "
                  "Accepted SHALL start the transaction without Authorize.req.")
async def test_id_in_local_list_remote(charge_point, iut, configure, available_connector, id_tags):
    await _start_from_list(charge_point, iut, configure, available_connector, id_tags.valid, remote=True)

