"""Self-tests of conformance.schemas: catalogue, drafts, errata overlays, error lists, field paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.schemas import DEFAULT_ERRATA_DIR, ErrataError, SchemaSet, applied_errata, load_errata, schema_at_paths

TIME = "2024-05-01T12:00:00Z"


@pytest.mark.parametrize("version, calls, sends", [("1.6", 39, []), ("2.0.1", 64, []),
                                                   ("2.1", 90, ["NotifyPeriodicEventStream"])])
def test_actions_per_version(version: str, calls: int, sends: list[str]) -> None:
    schemas = SchemaSet.for_version(version)
    assert len(schemas.actions()) == calls and schemas.send_actions() == sends
    assert schemas.has_action("BootNotification") and not schemas.has_action("BootNotificationResponse")


def test_file_names() -> None:
    assert SchemaSet.for_version("1.6").file_name("Heartbeat", False) == "Heartbeat"
    assert SchemaSet.for_version("1.6").file_name("Heartbeat", True) == "HeartbeatResponse"
    assert SchemaSet.for_version("2.0.1").file_name("Heartbeat", False) == "HeartbeatRequest"
    assert SchemaSet.for_version("2.1").file_name("NotifyPeriodicEventStream", False) == "NotifyPeriodicEventStream"
    with pytest.raises(KeyError, match="no response schema"):
        SchemaSet.for_version("2.1").file_name("NotifyPeriodicEventStream", True)
    with pytest.raises(KeyError, match="no request schema for action 'Nope'"):
        SchemaSet.for_version("1.6").errors("Nope", False, {})


def test_each_file_keeps_its_draft() -> None:
    v16 = SchemaSet.for_version("1.6")
    assert v16.draft("Heartbeat", False) == "draft-04"
    assert v16.draft("SignCertificate", False) == "draft-06"  # white-paper back-port
    assert SchemaSet.for_version("2.0.1").draft("Heartbeat", False) == "draft-06"
    # the visible difference: 1.0 is an integer in draft-06 only
    assert v16.errors("Heartbeat", True, {"currentTime": TIME}) == []
    assert [e.keyword for e in v16.errors("StartTransaction", False, {
        "connectorId": 1.0, "idTag": "A", "meterStart": 0, "timestamp": TIME})] == ["type"]
    assert SchemaSet.for_version("2.0.1").errors("BootNotification", True, {
        "currentTime": TIME, "interval": 1.0, "status": "Accepted"}) == []


def test_validators_are_compiled_once() -> None:
    schemas = SchemaSet.for_version("2.0.1")
    assert schemas.validator("Heartbeat", False) is schemas.validator("Heartbeat", False)
    assert SchemaSet.for_version("2.0.1") is schemas


def test_errors_list_every_failure_with_path_and_keyword() -> None:
    errors = SchemaSet.for_version("1.6").errors("MeterValues", False, {
        "connectorId": "1", "meterValue": [{"timestamp": "2024-05-01 12:00", "sampledValue": [
            {"value": "1", "unit": "Furlong"}]}], "extra": True})
    found = {(e.path, e.keyword) for e in errors}
    assert found == {("$.connectorId", "type"), ("$.meterValue[0].timestamp", "format"),
                     ("$.meterValue[0].sampledValue[0].unit", "enum"), ("$", "additionalProperties")}
    assert all(e.message for e in errors)
    assert str(errors[0]).startswith("$")


def test_formats_are_checked() -> None:
    v16 = SchemaSet.for_version("1.6")
    assert [e.keyword for e in v16.errors("GetDiagnostics", False, {"location": "not a uri"})] == ["format"]
    assert v16.errors("GetDiagnostics", False, {"location": "ftp://example.com/diag"}) == []


def test_stop_transaction_hertz_erratum_is_applied_and_listed() -> None:
    v16 = SchemaSet.for_version("1.6")
    payload = {"meterStop": 1, "timestamp": TIME, "transactionId": 1,
               "transactionData": [{"timestamp": TIME, "sampledValue": [{"value": "50", "unit": "Hertz"}]}]}
    assert v16.errors("StopTransaction", False, payload) == []
    assert v16.reference_errors("StopTransaction", False, payload) == []
    (erratum,) = [e for e in v16.errata if e.schema == "StopTransaction"]
    assert "3.84" in erratum.source and "Hertz" in erratum.reason
    assert erratum.to_dict()["file"].endswith(".yaml")
    assert erratum in applied_errata()
    assert any(e.schema == "StopTransaction" for e in load_errata(DEFAULT_ERRATA_DIR))


def _overlay(tmp_path: Path, text: str) -> Path:
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    return tmp_path


GOOD = """
id: test
version: "1.6"
schema: Heartbeat
reason: a reason long enough to read
source: nowhere
patches:
  - op: set
    path: /properties/extra
    value: {"type": "string"}
"""


def test_overlay_ops(tmp_path: Path) -> None:
    schemas = SchemaSet(version="1.6", errata_dir=_overlay(tmp_path, GOOD))
    assert schemas.schema("Heartbeat", False)["properties"]["extra"] == {"type": "string"}
    assert schemas.errata[0].id == "test"


@pytest.mark.parametrize("text, fragment", [
    ("id: [unclosed", "not readable YAML"),
    (GOOD.replace("reason: a reason long enough to read\n", ""), '"reason" is a required property'),
    (GOOD.replace("op: set", "op: explode"), "$.patches[0].op"),
    (GOOD.replace("source: nowhere", "source: 2024-01-01"), "quote dates"),
    ("", "$: null is not of type"),
    (GOOD.replace("schema: Heartbeat", "schema: Heartbeats"), "schema: 'Heartbeats' is not a 1.6 schema file"),
    (GOOD.replace("/properties/extra", "/nothing/here"), "'nothing' does not exist in Heartbeat.json"),
])
def test_bad_overlays_fail_in_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ErrataError) as raised:
        SchemaSet(version="1.6", errata_dir=_overlay(tmp_path, text)).schema("Heartbeat", False)
    message = str(raised.value)
    assert str(tmp_path / "x.yaml") in message and fragment in message and "\n" not in message


def test_field_paths() -> None:
    v201 = SchemaSet.for_version("2.0.1")
    assert set(v201.field_paths("TransactionEvent", False, "date-time")) == {
        ("timestamp",), ("meterValue", "*", "timestamp")}
    v16 = SchemaSet.for_version("1.6")
    assert ("chargePointVendor",) in v16.field_paths("BootNotification", False, "cistring")
    assert v16.field_paths("SignCertificate", False, "cistring") == ()  # white-paper strings are not CiStrings
    with pytest.raises(ValueError, match="unknown field kind"):
        v16.field_paths("Heartbeat", False, "colour")


def test_schema_at_paths() -> None:
    assert schema_at_paths([("a",), ("b", "*", "c")], {"pattern": "x"}) == {
        "properties": {"a": {"pattern": "x"}, "b": {"items": {"properties": {"c": {"pattern": "x"}}}}}}


def test_unknown_version() -> None:
    with pytest.raises(ValueError, match="unknown OCPP version '3.0'"):
        SchemaSet.for_version("3.0")
