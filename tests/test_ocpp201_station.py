"""The OCPP 2.0.1 charging station side without a run: how SUPPORT dispatches (a CSMS under test is refused in one
line until its half is written), the reference station's control API, its certificate store, and `simulate`."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from conformance import certificates as certs
from conformance.iut import load_descriptor
from conformance.ocpp201.simulators.charging_station.control import charging_station_handler
from conformance.ocpp201.simulators.charging_station.station import ReferenceChargingStation
from conformance.simulation import HttpError
from conformance.versions import VersionNotSupported, support
from tests.suite_runner import ROOT

STATION = ROOT / "fixtures" / "iut" / "reference-charging-station.yaml"


def test_support_plays_the_csms_towards_a_charging_station() -> None:
    descriptor = load_descriptor(STATION)
    responder = support("2.0.1").responder_for(descriptor)
    assert type(responder).__name__ == "CsmsResponder201"
    assert support("2.0.1").liveness_probe(descriptor)[0] == "GetVariables"


def test_a_csms_under_test_is_refused_in_one_line_until_its_half_exists(tmp_path) -> None:
    path = tmp_path / "csms.yaml"
    path.write_text('name: c\nsut: csms\nocpp_version: "2.0.1"\nidentity: CS1\nendpoint: ws://127.0.0.1:9/ocpp\n'
                    "features: [core]\nid_tags: {valid: ABC}\ndriver: {type: manual}\n", encoding="utf-8")
    try:
        import conformance.ocpp201.csms_side  # noqa: F401
    except ModuleNotFoundError:
        with pytest.raises(VersionNotSupported) as refused:
            support("2.0.1").responder_for(load_descriptor(path))
        assert "\n" not in str(refused.value) and "sut: charge_point" in str(refused.value)


def test_needs_of_2x_cases_are_read_from_the_descriptor() -> None:
    descriptor = load_descriptor(STATION)
    version = support("2.0.1")
    assert version.unmet_need("optional_feature:reset_evse", descriptor) is None
    assert "reset_evse" in version.unmet_need("no_optional_feature:reset_evse", descriptor)
    assert version.unmet_need("no_report_base:SummaryInventory", descriptor) is None
    assert "security.profile" in version.unmet_need("security_profile:1|2", descriptor)
    with pytest.raises(ValueError):
        version.unmet_need("no_such_need:x", descriptor)


def test_control_api_drives_the_station_and_refuses_unknown_actions() -> None:
    async def scenario() -> None:
        cs = ReferenceChargingStation(csms_url="ws://127.0.0.1:9/ocpp", identity="CTRL", evses=(1, 1))
        handle = charging_station_handler(cs)
        assert (await handle("POST", "/plug-in", {}, {"evseId": 2}))[0] == 200
        status, snapshot = await handle("GET", "/status", {}, None)
        assert status == 200 and [e["plugged"] for e in snapshot["evses"]] == [False, True]
        with pytest.raises(HttpError) as unknown:
            await handle("POST", "/fly-away", {}, {})
        assert unknown.value.status == 501
        with pytest.raises(HttpError) as missing:
            await handle("POST", "/plug-in", {}, {})
        assert missing.value.status == 400

    asyncio.run(scenario())


def test_the_station_installs_and_deletes_csms_roots() -> None:
    cs = ReferenceChargingStation(csms_url="ws://127.0.0.1:9/ocpp", identity="ROOTS")
    root = certs.throwaway_root("a new CSMS root", "ocpp-conformance")
    assert cs.install_root(certs.pem([root])) == "Accepted"
    assert cs.install_root("not a certificate") == "Rejected"
    assert cs.delete_root(certs.certificate_hash_data(root, root)) == "Accepted"
    assert cs.delete_root(certs.certificate_hash_data(root, root)) == "NotFound"


def test_simulate_charging_station_is_a_role_of_the_simulate_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", "simulate", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "charging-station" in proc.stdout and "charge-point" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "conformance.cli", "simulate", "charging-station", "--csms",
                          "ws://127.0.0.1:9/ocpp", "--identity", "X", "--fault", "no-such-fault"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
