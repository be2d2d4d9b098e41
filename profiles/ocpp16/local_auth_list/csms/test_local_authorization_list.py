"""OCTT 3.14 — Local Authorization List (the suite plays the charge point).

The suite's charge point keeps a real list with its version (`conformance.ocpp16.roles.local_list`) and judges every
SendLocalList.req the Central System sends it: unique idTags, idTagInfo in every entry of a full list, a differential
version above the list's, at most SendLocalListMaxLength entries, each idTagInfo as the token database has the tag,
and the update type and identifiers the operator asked for. The operator asks for updates without listVersion: the
Central System picks the version, which is part of what is judged.
"""

from conformance import case, warn
from conformance.ocpp16.list_management import entry
from conformance.ocpp16.roles.local_list import judge_list_update
from conformance.ocpp16.roles.station import operator_command

SECTION = "Local Authorization List"

REQ_VERSION = "The Central System sends GetLocalListVersion.req when asked to (OCPP 1.6 §5.10)."
REQ_SEND = "The Central System sends SendLocalList.req when asked to (OCPP 1.6 §5.15)."


async def _ask_version(csms, iut, station, timeouts) -> None:
    req = await operator_command(iut, csms, "GetLocalListVersion", {}, within=timeouts.expect, requirement=REQ_VERSION)
    await station.reaction(req)


async def _ask_update(csms, iut, station, timeouts, update_type: str, items: list[dict]):
    """Make the Central System send the update (it chooses listVersion); judge it; returns what the suite's charge
    point answered (`ListUpdate`)."""
    asked = {"updateType": update_type, "localAuthorizationList": items}
    req = await operator_command(iut, csms, "SendLocalList", asked, within=timeouts.expect, requirement=REQ_SEND)
    return await judge_list_update(station, req, asked=asked)


async def _full_list(csms, iut, station, timeouts, id_tags):
    """OCTT "Memory State": the initial list set with a full update (the valid tag)."""
    update = await _ask_update(csms, iut, station, timeouts, "Full", [entry(id_tags.valid)])
    assert update.status == "Accepted", f"the suite's charge point answered the full list {update.status}"
    return update


@case("TC_042_1_CSMS", "Get Local List Version (not supported)",
      spec="OCPP 1.6 §5.10",
      requirement="The Central System SHALL be able to request the version of a charge point's Local Authorization "
                  "List with GetLocalListVersion.req, and take the answer -1 (the charge point has no list).")
async def test_get_local_list_version_not_supported(csms, booted, station, iut, timeouts):
    station.configure(LocalAuthListEnabled=False)  # for this case the suite's charge point has no list: -1
    await _ask_version(csms, iut, station, timeouts)


@case("TC_042_2_CSMS", "Get Local List Version (empty)",
      spec="OCPP 1.6 §5.10",
      requirement="The Central System SHALL be able to request the version of a charge point's Local Authorization "
                  "List with GetLocalListVersion.req, and take the answer 0 (the list is empty).")
async def test_get_local_list_version_empty(csms, booted, station, iut, timeouts):
    station.model.clear_list()  # the suite's charge point starts this case with an empty list: version 0
    await _ask_version(csms, iut, station, timeouts)


@case("TC_043_1_CSMS", "Send Local Authorization List - NotSupported",
      spec="OCPP 1.6 §5.15, §6.41, §7 AuthorizationData, UpdateStatus",
      requirement="A full SendLocalList.req SHALL carry a listVersion, unique idTags each with its idTagInfo as the "
                  "token database has it, at most SendLocalListMaxLength entries; the Central System takes the answer "
                  "NotSupported of a charge point without a list.")
async def test_send_local_list_not_supported(csms, booted, station, iut, timeouts, id_tags):
    station.configure(LocalAuthListEnabled=False)  # for this case the suite's charge point has no list
    update = await _ask_update(csms, iut, station, timeouts, "Full", [entry(id_tags.valid)])
    assert update.status == "NotSupported", f"the suite's charge point answered {update.status}"


@case("TC_043_3_CSMS", "Send Local Authorization List - Failed",
      spec="OCPP 1.6 §5.15, §6.41, §7 AuthorizationData, UpdateStatus",
      requirement="A differential SendLocalList.req SHALL carry a listVersion above the list's and unique idTags, an "
                  "added one with its idTagInfo; when the charge point answers Failed the Central System SHOULD send "
                  "the full list (updateType Full) — a valid full list holding the identifier the failed update "
                  "added.",
      needs=("id_tags.valid_2",))
async def test_send_local_list_failed(csms, booted, station, iut, timeouts, id_tags):
    await _full_list(csms, iut, station, timeouts, id_tags)
    station.model.fail_next_list_update()
    since = csms.wire.last_seq
    update = await _ask_update(csms, iut, station, timeouts, "Differential", [entry(id_tags.valid_2)])
    assert update.status == "Failed", f"the suite's charge point answered {update.status}"
    retry = None
    try:
        retry = await csms.expect("SendLocalList", within=timeouts.expect, after=since, updateType="Full",
                                  requirement="After a Failed differential update the Central System SHOULD send "
                                              "the full list (OCPP 1.6 §5.15).")
    except AssertionError:
        warn("BEH-021", f"no full SendLocalList.req within {timeouts.expect:g} s after the differential update was "
                        "answered Failed")
    if retry is not None:
        await judge_list_update(station, retry)
        sent = {str(i.get("idTag", "")).lower() for i in retry.payload.get("localAuthorizationList") or []}
        if id_tags.valid_2.lower() not in sent:
            warn("BEH-021", f"the full SendLocalList.req #{retry.seq} sent after the failed differential update "
                            f"lacks {id_tags.valid_2}, the identifier that update added")


@case("TC_043_4_CSMS", "Send Local Authorization List - Full",
      spec="OCPP 1.6 §5.15, §6.41, §7 AuthorizationData",
      requirement="A full SendLocalList.req SHALL carry a listVersion (at least 1 for a list with entries), unique "
                  "idTags each with its idTagInfo as the token database has it (an Accepted one not expired), at most "
                  "SendLocalListMaxLength entries, and the identifiers the operator asked for.")
async def test_send_local_list_full(csms, booted, station, iut, timeouts, id_tags):
    await _full_list(csms, iut, station, timeouts, id_tags)


@case("TC_043_5_CSMS", "Send Local Authorization List - Differential",
      spec="OCPP 1.6 §3.5, §3.7, §5.15, §6.41, §7 AuthorizationData, UpdateStatus",
      requirement="A differential SendLocalList.req SHALL carry a listVersion above the version of the charge point's "
                  "list and only the identifier asked for, with its idTagInfo as the token database has it; the "
                  "identifier then authorizes a session offline, and the Central System accepts the StartTransaction "
                  "queued meanwhile.",
      needs=("id_tags.valid_2",))
async def test_send_local_list_differential(csms, booted, station, iut, timeouts, id_tags, available_connector):
    await _full_list(csms, iut, station, timeouts, id_tags)
    await _ask_version(csms, iut, station, timeouts)
    update = await _ask_update(csms, iut, station, timeouts, "Differential", [entry(id_tags.valid_2)])
    assert update.status == "Accepted", f"the suite's charge point answered {update.status}"
    # the identifier is now on the list: offline it starts a session from there alone
    c, tag = available_connector, id_tags.valid_2
    station.configure(LocalAuthorizeOffline=True, AllowOfflineTxForUnknownId=False, AuthorizationCacheEnabled=False)
    await station.go_offline()
    await station.plug_in(c)
    info = await station.present_id_tag(tag, c)
    assert info.get("status") == "Accepted", (
        f"[behaviour] offline, the list the Central System sent gives {tag} {info}; the identifier it added with "
        "status Accepted authorizes a session (OCPP 1.6 §3.5)")
    tx = station.transaction(c)
    await station.come_online()
    assert tx.transaction_id is not None and tx.id_tag_info.get("status") == "Accepted", (
        f"[behaviour] the StartTransaction of {tag} queued offline was answered {tx.id_tag_info}")
    await station.present_id_tag(tag, c)  # the driver ends the session
    await station.unplug(c)
