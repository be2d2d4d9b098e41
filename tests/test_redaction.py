"""Credentials never reach a report: the redaction of conformance.redaction, and a full security run whose report
folder is searched, file by file, for the passwords it used and for private keys."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
import yaml

from conformance import redaction
from conformance.credentials import authorization_key, basic_token, new_password, password_bytes, split_basic
from conformance.wire import Kind, Record, Role, render_jsonl, render_text
from tests.suite_runner import ROOT, run_suite

PASSWORD = "Zq7-conf-pass-0042!x"  # 20 bytes: what the descriptors of the run below configure


@pytest.fixture(autouse=True)
def clean_registry():
    redaction.forget_all()
    yield
    redaction.forget_all()


def _frame(raw: str) -> Record:
    return Record(seq=1, kind=Kind.FRAME, t_mono=0.0, t_wall="2026-01-01T00:00:00.000Z", segment="s", connection=1,
                  sender=Role.CSMS, raw=raw, size=len(raw))


def test_a_password_is_taken_out_in_every_form_it_takes() -> None:
    redaction.register_password(PASSWORD, ["CP1"])
    key = authorization_key(PASSWORD)
    text = f"plain {PASSWORD} hex {key} lower {key.lower()} token {basic_token('CP1', PASSWORD)} json {json.dumps(PASSWORD)}"
    clean = redaction.redact(text)
    for secret in (PASSWORD, key, key.lower(), basic_token("CP1", PASSWORD)):
        assert secret not in clean
    assert clean.count(redaction.MARK) == 5


def test_an_authorization_key_is_taken_out_of_frames_by_its_place_whoever_set_it() -> None:
    unknown = authorization_key(new_password())
    change = _frame(json.dumps([2, "1", "ChangeConfiguration", {"key": "AuthorizationKey", "value": unknown}]))
    listed = _frame(json.dumps([3, "2", {"configurationKey": [{"key": "authorizationkey", "readonly": False,
                                                               "value": "short"}]}]))
    for rec in (change, listed):
        shown = render_text([rec]) + render_jsonl([rec])
        assert redaction.MARK in shown
        assert unknown not in shown and "short" not in render_jsonl([listed])
    assert json.loads(json.loads(render_jsonl([change]))["raw"])[3]["value"] == redaction.MARK  # still JSON
    assert redaction.redact(f"elsewhere {unknown.lower()}") == f"elsewhere {redaction.MARK}"  # learnt from the frame
    assert change.raw is not None and unknown in change.raw  # the verdict logic keeps the real frame


def test_a_201_basic_auth_password_is_taken_out_of_set_variables_by_its_place() -> None:
    secret = "Shh-201-password-abc"
    item = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}, "attributeValue": secret}
    other = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}, "attributeValue": "60"}
    change = _frame(json.dumps([2, "1", "SetVariables", {"setVariableData": [item, other]}]))
    shown = render_text([change]) + render_jsonl([change])
    assert secret not in shown and redaction.MARK in shown and '"60"' in render_text([change])
    assert redaction.redact(f"elsewhere {secret}") == f"elsewhere {redaction.MARK}"  # learnt from the frame
    assert redaction.redact_payload({"setVariableData": [item]})["setVariableData"][0]["attributeValue"] == \
        redaction.MARK


def test_url_passwords_and_private_keys_are_taken_out() -> None:
    text = ("GetLog to ftp://ocpp:9f8e7d6c@127.0.0.1:2121/upload and a key -----BEGIN PRIVATE KEY-----\\nMIGHAg\\n"
            "-----END PRIVATE KEY----- then -----BEGIN EC PRIVATE KEY-----\nMHcC")
    clean = redaction.redact(text)
    assert "9f8e7d6c" not in clean and "MIGHAg" not in clean and "MHcC" not in clean
    assert "ftp://ocpp:[redacted]@127.0.0.1:2121/upload" in clean


def test_basic_credentials_carry_the_bytes_an_authorization_key_stands_for() -> None:
    key = "4F43415F4F4354545F61646D696E5F74657374"
    assert password_bytes(key) == b"OCA_OCTT_admin_test"
    assert password_bytes("0123456789abcdef0123") == b"0123456789abcdef0123"  # 20 characters: the password itself
    header = "Basic " + base64.b64encode(b"CP1:OCA_OCTT_admin_test").decode()
    assert split_basic(header) == ("CP1", b"OCA_OCTT_admin_test")
    assert basic_token("CP1", key) == header[6:]


def _descriptor(tmp: Path, name: str) -> Path:
    data = yaml.safe_load((ROOT / "fixtures" / "iut" / f"{name}.yaml").read_text(encoding="utf-8"))
    data["name"] = f"{name}-secret"
    data["security"]["password"] = PASSWORD
    if "firmware_image" in data["security"]:
        data["security"]["firmware_image"] = str(ROOT / "fixtures" / "firmware" / "reference-firmware.bin")
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_no_report_of_a_security_run_holds_a_credential(tmp_path: Path) -> None:
    """Both roles at security profile 2: the password is changed and put back, logs go over FTP with a password in
    the URL, and two faults make cases fail, so frames with credentials land in failure messages too."""
    reports = tmp_path / "reports"
    args = ["--iut", str(_descriptor(tmp_path, "reference-charge-point-sp2")),
            "--iut", str(_descriptor(tmp_path, "reference-csms-sp2")),
            "--sim-fault", "authorization-key-not-applied", "--sim-fault", "password-update-not-stored"]
    for case in ("TC_073_CS", "TC_085_CS", "TC_079_CS", "TC_073_CSMS", "TC_085_CSMS", "SUITE_SEC_101", "TC_079_CSMS"):
        args += ["--case", case]
    code, summary, output = run_suite(reports, *args)
    verdicts = {(c["iut"], c["id"]): c["verdict"] for c in summary.get("cases", [])}
    assert verdicts[("reference-charge-point-sp2-secret", "TC_073_CS")] == "failed", output[-3000:]
    assert verdicts[("reference-csms-sp2-secret", "TC_073_CSMS")] == "failed", output[-3000:]
    assert verdicts[("reference-csms-sp2-secret", "TC_085_CSMS")] == "passed", output[-3000:]

    secrets = {PASSWORD, authorization_key(PASSWORD), authorization_key(PASSWORD).lower(),
               basic_token("REFCP001", PASSWORD), basic_token("REFCP002", PASSWORD), json.dumps(PASSWORD)[1:-1]}
    files = [p for p in reports.rglob("*") if p.is_file()]
    assert len(files) > 10 and any("allure-results" in p.parts for p in files)
    marks = 0
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        found = [s for s in secrets if s in text]
        assert not found, f"{path.relative_to(reports)} holds a password"
        assert "PRIVATE KEY-----" not in text, f"{path.relative_to(reports)} holds a private key"
        assert not re.search(r"ftp://[^/\s:@\"]+:(?!\[redacted\]@)[^@/\s\"]+@", text), (
            f"{path.relative_to(reports)} holds a URL with a password")
        marks += text.count(redaction.MARK)
    assert marks > 0, "nothing was redacted: the run did not exercise the redaction"
    # and it was done where the reports are written, not by the final sweep over the report folder
    assert "took credentials out of" not in output, output[-2000:]
    # every AuthorizationKey value in the machine-readable wire logs is redacted, also the new random passwords
    for log in reports.glob("wire/*/*.jsonl"):
        for line in log.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line).get("raw") or ""
            if "AuthorizationKey" in raw:
                message = json.loads(raw)
                payload = message[3] if message[0] == 2 else message[2]
                values = [payload.get("value")] if "value" in payload else [
                    e.get("value") for e in payload.get("configurationKey") or [] if e.get("key") == "AuthorizationKey"]
                assert all(v in (None, redaction.MARK) for v in values), f"{log.name}: {raw}"
