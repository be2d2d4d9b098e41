"""The OCPP 1.6 Core profile for a CSMS under test: the suite's charge-point model, the reference CSMS's command faults,
and the whole profile against the reference CSMS (all pass; the run time is printed)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance.cli import catalogue
from conformance.iut import load_descriptor
from conformance.ocpp16.roles.charge_point import ChargePointResponder16, SuiteTransaction
from conformance.ocpp16.simulators.csms import ReferenceCsms, Station
from conformance.peer import CallErrorReply
from tests.suite_runner import ROOT, run_suite, verdicts

REFERENCE_CSMS = ROOT / "fixtures/iut/reference-csms.yaml"
# OCPP 1.6 §9.1: the Core keys a charge point must have, and whether the Central System may write them.
REQUIRED_CORE_KEYS = {
    "AuthorizeRemoteTxRequests": None, "ClockAlignedDataInterval": False, "ConnectionTimeOut": False,
    "ConnectorPhaseRotation": False, "GetConfigurationMaxKeys": True, "HeartbeatInterval": False,
    "LocalAuthorizeOffline": False, "LocalPreAuthorize": False, "MeterValuesAlignedData": False,
    "MeterValuesSampledData": False, "MeterValueSampleInterval": False, "NumberOfConnectors": True,
    "ResetRetries": False, "StopTransactionOnEVSideDisconnect": False, "StopTransactionOnInvalidId": False,
    "StopTxnAlignedData": False, "StopTxnSampledData": False, "SupportedFeatureProfiles": True,
    "TransactionMessageAttempts": False, "TransactionMessageRetryInterval": False,
    "UnlockConnectorOnEVSideDisconnect": False,
}


class _Rec:
    """The bits of a wire Record the responder reads."""

    def __init__(self, action: str, uid: str = "u1") -> None:
        self.action, self.unique_id = action, uid


@pytest.fixture
def model() -> ChargePointResponder16:
    return ChargePointResponder16(load_descriptor(REFERENCE_CSMS))


async def ask(model: ChargePointResponder16, action: str, payload: dict) -> dict | CallErrorReply:
    return await model.answer(action, payload, _Rec(action))  # type: ignore[arg-type]


# ================================================================================= the suite's charge point model
async def test_get_configuration_lists_every_required_core_key_with_its_accessibility(model) -> None:
    reply = await ask(model, "GetConfiguration", {})
    keys = {e["key"]: e for e in reply["configurationKey"]}
    for key, readonly in REQUIRED_CORE_KEYS.items():
        assert key in keys, f"Core key {key} missing"
        if readonly is not None:
            assert keys[key]["readonly"] is readonly, key
    assert keys["NumberOfConnectors"]["value"] == "2"
    assert "Core" in keys["SupportedFeatureProfiles"]["value"].split(",")


async def test_get_configuration_of_named_keys(model) -> None:
    reply = await ask(model, "GetConfiguration", {"key": ["heartbeatinterval", "NoSuchKey"]})
    assert reply["configurationKey"] == [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
    assert reply["unknownKey"] == ["NoSuchKey"]


@pytest.mark.parametrize("key,value,status", [
    ("NoSuchKey", "1", "NotSupported"),
    ("NumberOfConnectors", "4", "Rejected"),        # read-only
    ("HeartbeatInterval", "-5", "Rejected"),        # not a non-negative integer
    ("LocalPreAuthorize", "yes", "Rejected"),       # not a boolean
    ("MeterValuesSampledData", "Voltage,Speed", "Rejected"),  # Speed is no measurand
    ("ConnectorPhaseRotation", "0.RST,1.XYZ", "Rejected"),
    ("HeartbeatInterval", "60", "Accepted"),
    ("LocalPreAuthorize", "TRUE", "Accepted"),
    ("MeterValuesSampledData", "Voltage, Energy.Active.Import.Register", "Accepted"),
])
async def test_change_configuration(model, key: str, value: str, status: str) -> None:
    assert (await ask(model, "ChangeConfiguration", {"key": key, "value": value}))["status"] == status


async def test_change_configuration_stores_normalised_values(model) -> None:
    await ask(model, "ChangeConfiguration", {"key": "localpreauthorize", "value": "TRUE"})
    assert model.config("LocalPreAuthorize") == "true"


async def test_case_settings_are_restored_but_the_central_systems_changes_stay(model) -> None:
    model.set_for_case("ConnectionTimeOut", 2)
    model.set_for_case("MeterValueSampleInterval", 120)
    await ask(model, "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "60"})
    model.fixed_cable = True
    model.restore_case()
    assert model.config("ConnectionTimeOut") == "60" and model.config("MeterValueSampleInterval") == "60"
    assert model.fixed_cable is False


async def test_remote_start_is_refused_where_no_transaction_can_start(model) -> None:
    assert (await ask(model, "RemoteStartTransaction", {"idTag": "T", "connectorId": 0}))["status"] == "Rejected"
    assert (await ask(model, "RemoteStartTransaction", {"idTag": "T", "connectorId": 3}))["status"] == "Rejected"
    model.connectors[1].transaction = SuiteTransaction(connector=1, id_tag="T", meter_start=0, started_at="x")
    assert (await ask(model, "RemoteStartTransaction", {"idTag": "T", "connectorId": 1}))["status"] == "Rejected"
    assert (await ask(model, "RemoteStartTransaction", {"idTag": "T"}))["status"] == "Accepted"  # connector 2 is free


async def test_remote_stop_only_for_a_running_transaction(model) -> None:
    assert (await ask(model, "RemoteStopTransaction", {"transactionId": 7}))["status"] == "Rejected"
    model.connectors[2].transaction = SuiteTransaction(connector=2, id_tag="T", meter_start=0, started_at="x",
                                                       transaction_id=7)
    assert (await ask(model, "RemoteStopTransaction", {"transactionId": 7}))["status"] == "Accepted"


async def test_unlock_connector_answers(model) -> None:
    assert (await ask(model, "UnlockConnector", {"connectorId": 1}))["status"] == "Unlocked"
    assert (await ask(model, "UnlockConnector", {"connectorId": 3}))["status"] == "NotSupported"
    model.unlock_fails.add(1)
    assert (await ask(model, "UnlockConnector", {"connectorId": 1}))["status"] == "UnlockFailed"
    model.fixed_cable = True
    assert (await ask(model, "UnlockConnector", {"connectorId": 2}))["status"] == "NotSupported"


async def test_clear_cache_empties_the_authorization_cache(model) -> None:
    model.remember("TAG", {"status": "Accepted"})
    assert model.cached("tag") is not None
    assert (await ask(model, "ClearCache", {}))["status"] == "Accepted"
    assert model.cached("TAG") is None


async def test_expired_cache_entries_do_not_authorize(model) -> None:
    model.remember("OLD", {"status": "Accepted", "expiryDate": "2020-01-01T00:00:00Z"})
    model.remember("BAD", {"status": "Blocked"})
    assert model.cached("OLD") is None and model.cached("BAD") is None


async def test_unknown_and_unsupported_actions(model) -> None:
    unknown = await ask(model, "FlyToTheMoon", {})
    unsupported = await ask(model, "Heartbeat", {})  # known to 1.6, but the charge point's own message
    assert isinstance(unknown, CallErrorReply) and unknown.code == "NotImplemented"
    assert isinstance(unsupported, CallErrorReply) and unsupported.code == "NotSupported"


async def test_without_a_link_accepted_commands_only_get_their_reply(model) -> None:
    reply = await model.answer("Reset", {"type": "Hard"}, _Rec("Reset", "r1"))  # type: ignore[arg-type]
    assert reply == {"status": "Accepted"}
    assert model.reaction_future("r1").done() and model.reaction_future("r1").result() is None


# ================================================================================= the reference CSMS
@pytest.mark.parametrize("fault,action,payload,sent", [
    ("remote-start-connector-zero", "RemoteStartTransaction", {"idTag": "A", "connectorId": 2}, {"idTag": "A", "connectorId": 0}),
    ("remote-stop-wrong-transaction", "RemoteStopTransaction", {"transactionId": 5}, {"transactionId": 6}),
    ("reset-type-swapped", "Reset", {"type": "Hard"}, {"type": "Soft"}),
    ("unlock-wrong-connector", "UnlockConnector", {"connectorId": 1}, {"connectorId": 2}),
    ("get-configuration-key-list-dropped", "GetConfiguration", {"key": ["A"]}, {}),
    ("change-configuration-value-number", "ChangeConfiguration", {"key": "K", "value": "60"}, {"key": "K", "value": 60}),
    ("change-configuration-value-number", "ChangeConfiguration", {"key": "K", "value": "true"}, {"key": "K", "value": True}),
    (None, "UnlockConnector", {"connectorId": 1}, {"connectorId": 1}),
])
def test_reference_csms_command_faults(fault: str | None, action: str, payload: dict, sent: dict) -> None:
    csms = ReferenceCsms(faults=[fault] if fault else [])
    assert csms._faulty_command(action, dict(payload)) == sent


def test_reference_csms_remembers_the_reported_configuration() -> None:
    station = Station("CP1")
    ReferenceCsms._remember_configuration(station, "GetConfiguration", {}, {
        "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]})
    ReferenceCsms._remember_configuration(station, "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"},
                                          {"status": "Accepted"})
    ReferenceCsms._remember_configuration(station, "ChangeConfiguration", {"key": "X", "value": "1"}, {"status": "Rejected"})
    assert station.configuration == {"HeartbeatInterval": {"value": "60", "readonly": False}}


# ================================================================================= the profile, end to end
def core_csms_cases() -> list[str]:
    return [c["id"] for c in catalogue(ROOT / "profiles")
            if c["profile"] == "core" and c["sut"] == "csms" and c["ocpp_version"] in ("1.6", "any")]


def test_the_core_csms_profile_passes_against_the_reference_csms(tmp_path: Path) -> None:
    ids = core_csms_cases()
    # OCTT's 34 Core cases and TC_088_CSMS (OCPP-J, so it runs with them); the suite's own (SUITE_*) run too
    assert len([i for i in ids if i.startswith("TC_")]) == 34 + 1, ids
    began = time.monotonic()
    code, summary, output = run_suite(tmp_path, "--iut", str(REFERENCE_CSMS), *[a for i in ids for a in ("--case", i)])
    elapsed = time.monotonic() - began
    got = verdicts(summary)
    bad = [f"{i}: {got.get(('reference-csms', i), {}).get('verdict')} {got.get(('reference-csms', i), {}).get('message')}"
           for i in ids if got.get(("reference-csms", i), {}).get("verdict") != "passed"]
    assert not bad, "\n".join(bad) + output[-3000:]
    assert code == 0
    print(f"\nCore _CSMS profile: {len(ids)} cases against the reference CSMS in {elapsed:.1f} s "
          f"(suite process, including start-up)")


def test_a_reused_transaction_id_fails_the_later_transaction(tmp_path: Path) -> None:
    code, summary, output = run_suite(tmp_path, "--sim-fault", "transaction-id-reused",
                                      "--case", "TC_003_CSMS", "--case", "TC_004_1_CSMS")
    got = verdicts(summary)
    assert got[("reference-csms", "TC_003_CSMS")]["verdict"] == "passed", output[-3000:]
    later = got[("reference-csms", "TC_004_1_CSMS")]
    assert later["verdict"] == "failed" and "was already given to an earlier transaction" in later["message"], later
