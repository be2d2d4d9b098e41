"""IdTokens of one group in a transaction at the CSMS (the suite plays the charging station; Part 2 C09, E06). OCTT
has no Core case for the CSMS's side of a group; this case uses the suite's own ID (SUITE_*)."""

import pytest

from conformance import case
from conformance.errors import NOT_APPLICABLE_PREFIX
from conformance.ocpp201.roles.station import REQ_GROUP
from conformance.ocpp201.roles.transactions import REQ_TX_EVENT

SECTION = "Transactions"
EVSE = 1


@case("SUITE_AUTH_002", "Stop a transaction with another IdToken of its group", profile="core",
      spec="OCPP 2.0.1 Part 2 C09 (Authorization by GroupId), E06",
      requirement=REQ_GROUP + " " + REQ_TX_EVENT,
      needs=("id_tags.parent",))
async def test_stop_by_another_token_of_the_group(booted, transactions, id_tags):
    start, stop = id_tags.child_id_tag, id_tags.sibling_id_tag
    if not stop:
        pytest.skip(NOT_APPLICABLE_PREFIX + "the case needs a second IdToken of the group: set id_tags.parent.id_tag_2 in the IUT "
                            "descriptor to an Accepted token whose group is id_tags.parent.parent_id_tag")
    tx = await transactions.start_authorized(EVSE, start)  # groupIdToken judged in every IdTokenInfo
    await transactions.authorize(stop)  # the same groupIdToken: this token may stop the transaction
    await transactions.finish(tx, "StopAuthorized", "Local", token=stop)
