"""Id tag groups (parentIdTag) at the Central System (the suite plays the charge point). OCTT has no Core case for
the Central System's side of a group; these cases use the suite's own IDs (SUITE_*)."""

from conformance import case
from conformance.ocpp16.preconditions import not_applicable

SECTION = "Id tag groups"


@case("SUITE_AUTH_001", "Stop a transaction with another id tag of its group",
      spec="OCPP 1.6 §3.10, §4.1, §4.8, §4.10, §6.50",
      requirement="The Central System SHALL name the group of an id tag (parentIdTag) in its idTagInfo: in "
                  "Authorize.conf and StartTransaction.conf of a tag of the group, and when another tag of the same "
                  "group stops the transaction it SHALL accept that StopTransaction and answer it with that tag's "
                  "idTagInfo (\"two idTags are considered to be in the same group if their ParentId Tags match\").",
      needs=("id_tags.parent",))
async def test_stop_by_another_tag_of_the_group(csms, booted, station, id_tags, available_connector):
    sibling = id_tags.sibling_id_tag
    if not sibling:
        not_applicable("the case needs a second tag of the group: set id_tags.parent.id_tag_2 in the IUT descriptor "
                       "to an Accepted tag whose parentIdTag is id_tags.parent.parent_id_tag")
    c = available_connector
    station.configure(LocalPreAuthorize=False)  # every card is asked about, so every answer is judged
    tx = await station.charging(c, id_tags.child_id_tag)  # Authorize, StartTransaction: parentIdTag judged
    since = csms.wire.last_seq
    info = await station.present_id_tag(sibling, c)  # Authorize (parentIdTag judged), then StopTransaction
    assert info["status"] == "Accepted", f"[behaviour] Authorize of {sibling} answered {info['status']!r}"
    stops = [r for r in csms.wire.after(since) if not r.from_iut and r.is_call and r.action == "StopTransaction"]
    assert station.transaction(c) is None and stops and stops[0].payload.get("idTag") == sibling, (
        f"the suite's charge point did not stop transaction {tx.transaction_id} with {sibling}")
    await station.unplug(c)  # Available
