"""OCTT 2.0.1 E — Retry sending transaction messages when failed (Part 2 E13, OCPPCommCtrlr.MessageAttempts and
MessageAttemptInterval of instance TransactionEvent) on a charging station under test (the suite plays the CSMS). The
suite's CSMS fails to process a TransactionEvent (CALLERROR, or no answer within the station's message timeout);
MessageAttempts and MessageAttemptInterval are set small for the case (and put back after it)."""

from conformance import case
from conformance.ocpp201 import transaction_steps as tx
from conformance.peer import SILENT, CallErrorReply

SECTION = "Transactions"
ATTEMPTS = 3
MAX_ATTEMPTS = 2  # the case that exhausts them: a retry after 1 s, the next would be due 2 s later
INTERVAL_S = 1
REQ_RETRY = ("A TransactionEventRequest the CSMS failed to process (CALLERROR, or no answer) SHALL be sent again "
             "after MessageAttemptInterval times the number of attempts so far, MessageAttempts times in all, then "
             "dropped (E13).")
FAILURE = CallErrorReply("InternalError", "the CSMS fails on purpose")


async def configure(set_variables, attempts: int = ATTEMPTS) -> None:
    await set_variables(("OCPPCommCtrlr", "MessageAttempts", attempts, "TransactionEvent"),
                        ("OCPPCommCtrlr", "MessageAttemptInterval", INTERVAL_S, "TransactionEvent"))


async def start(charging_station, iut, evse: int, token: str):
    since = charging_station.mark_now()
    await iut.plug_in(evse)
    await iut.present_id_tag(token, evse)
    return since


async def attempts(charging_station, since, count: int, within: float):
    """`count` transmissions of the same Started event (same transaction, seqNo 0)."""
    first = await tx.event(charging_station, since, "Started", requirement=REQ_RETRY)
    sent = [first]
    for number in range(2, count + 1):
        sent.append(await tx.event(
            charging_station, since, "Started", tx_id=tx.tx_id_of(first), within=within * (number - 1) + within,
            requirement=REQ_RETRY + f" Attempt {number} of {count} is due after {INTERVAL_S * (number - 1)} s."))
    for earlier, later in zip(sent, sent[1:]):
        assert later.payload == earlier.payload, (
            f"the retry #{later.seq} of TransactionEvent #{earlier.seq} differs from it: a retry sends the same "
            "message again (E13)")
    return sent


@case("TC_E_50_CS", "Retry sending transaction message when failed - Max retry count reached - CallError",
      spec="OCPP 2.0.1 Part 2 E13", requirement=REQ_RETRY)
async def test_max_attempts_callerror(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await configure(set_variables, MAX_ATTEMPTS)
    charging_station.respond("TransactionEvent", FAILURE)
    since = await start(charging_station, iut, available_evse, id_tags.valid)
    sent = await attempts(charging_station, since, MAX_ATTEMPTS, INTERVAL_S + timeouts.settle + 1)
    await charging_station.expect_no(
        "TransactionEvent", during=INTERVAL_S * MAX_ATTEMPTS + 0.5, after=sent[-1], seqNo=0,
        requirement=f"After MessageAttempts ({MAX_ATTEMPTS}) failed attempts the message is dropped (E13).")


@case("TC_E_51_CS", "Retry sending transaction message when failed - Success before reaching the max retry count - "
                    "CallError",
      spec="OCPP 2.0.1 Part 2 E13", requirement=REQ_RETRY)
async def test_retry_success_callerror(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await configure(set_variables)
    charging_station.respond("TransactionEvent", FAILURE, times=1)
    since = await start(charging_station, iut, available_evse, id_tags.valid)
    sent = await attempts(charging_station, since, 2, INTERVAL_S + timeouts.settle + 1)
    await charging_station.expect_no(
        "TransactionEvent", during=INTERVAL_S * 2 + 0.5, after=sent[-1], seqNo=0,
        requirement="A message the CSMS processed is not sent again (E13).")


@case("TC_E_42_CS", "Retry sending transaction message when failed - Success before reaching the max retry count",
      spec="OCPP 2.0.1 Part 2 E13; Part 4 §4.1.1 (message timeout)", requirement=REQ_RETRY)
async def test_retry_success_timeout(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await configure(set_variables)
    charging_station.respond("TransactionEvent", SILENT, times=1)
    since = await start(charging_station, iut, available_evse, id_tags.valid)
    sent = await attempts(charging_station, since, 2, INTERVAL_S + timeouts.response * 2 + 1)
    await charging_station.expect_no(
        "TransactionEvent", during=INTERVAL_S * 2 + 0.5, after=sent[-1], seqNo=0,
        requirement="A message the CSMS processed is not sent again (E13).")


@case("TC_E_41_CS", "Retry sending transaction message when failed - Max retry count reached",
      spec="OCPP 2.0.1 Part 2 E13; Part 4 §4.1.1 (message timeout)", requirement=REQ_RETRY)
async def test_max_attempts_timeout(charging_station, available_evse, set_variables, iut, id_tags, timeouts):
    await configure(set_variables, MAX_ATTEMPTS)
    charging_station.respond("TransactionEvent", SILENT)
    since = await start(charging_station, iut, available_evse, id_tags.valid)
    sent = await attempts(charging_station, since, MAX_ATTEMPTS, INTERVAL_S + timeouts.response * 2 + 1)
    # A further attempt would wait the station's message timeout, then MessageAttemptInterval times the attempts so
    # far: the gap between the first two attempts (timeout + 1 interval) plus one interval more.
    gap = sent[1].t_mono - sent[0].t_mono
    await charging_station.expect_no(
        "TransactionEvent", during=gap + INTERVAL_S + 0.5, after=sent[-1], seqNo=0,
        requirement=f"After MessageAttempts ({MAX_ATTEMPTS}) unanswered attempts the message is dropped (E13).")
