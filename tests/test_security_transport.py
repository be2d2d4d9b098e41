"""Security profiles 1–3 on the wire, both roles, against the reference simulators: Basic auth on every connection,
TLS 1.2+ with the generated test PKI, client certificates for profile 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.suite_runner import ROOT, run_suite

PASSWORD = "0123456789abcdef0123"  # 20 bytes, as OCPP-J 1.6 §6.2.2 allows


def _descriptors(tmp: Path, profile: int) -> list[Path]:
    out = []
    for name in ("reference-charge-point", "reference-csms"):
        data = yaml.safe_load((ROOT / "fixtures" / "iut" / f"{name}.yaml").read_text(encoding="utf-8"))
        data["name"] = f"{name}-sp{profile}"
        data["security"] = {"profile": profile}
        if profile in (1, 2):
            data["security"]["password"] = PASSWORD
        if profile >= 2:
            data["security"]["tls"] = {"generate": True}
            if "endpoint" in data:
                data["endpoint"] = data["endpoint"].replace("ws://", "wss://")
        path = tmp / f"{data['name']}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        out.append(path)
    return out


def _handshakes(report_dir: Path, iut: str, case: str) -> list[dict]:
    lines = (report_dir / "wire" / iut / f"{case}.jsonl").read_text(encoding="utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r.get("event") == "handshake"]


@pytest.mark.parametrize("profile", [1, 2, 3])
def test_cold_boot_over_security_profile(profile: int, tmp_path: Path) -> None:
    args = []
    for path in _descriptors(tmp_path, profile):
        args += ["--iut", str(path)]
    code, summary, output = run_suite(tmp_path / "reports", *args, "--case", "TC_001_CS", "--case", "TC_001_CSMS")
    verdicts = {(c["iut"], c["id"]): c["verdict"] for c in summary.get("cases", [])}
    assert verdicts == {
        (f"reference-charge-point-sp{profile}", "TC_001_CS"): "passed",
        (f"reference-csms-sp{profile}", "TC_001_CSMS"): "passed",
    }, output[-3000:]
    iuts = {i["name"]: i for i in summary["iuts"]}
    scheme = "wss://" if profile >= 2 else "ws://"
    assert all(i["endpoint"].startswith(scheme) for i in iuts.values())
    assert all(i["security_profile"] == profile for i in iuts.values())
    cp_handshakes = _handshakes(tmp_path / "reports", f"reference-charge-point-sp{profile}", "TC_001_CS")
    assert cp_handshakes and all(h["data"]["status"] == 101 for h in cp_handshakes)
    assert all(h["data"]["basic_auth"] is (profile in (1, 2)) for h in cp_handshakes)


async def test_suite_central_system_checks_basic_auth_before_upgrading() -> None:
    """SWP A00.FR.202: the server validates the Authorization header before the upgrade (401 otherwise)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    from conformance.iut import descriptor_from_dict
    from conformance.link import Link
    from conformance.transport import basic_auth_header

    descriptor = descriptor_from_dict({
        "name": "auth-check", "sut": "charge_point", "ocpp_version": "1.6", "identity": "CPAUTH",
        "listen": {"host": "127.0.0.1", "port": 0, "path": "/ocpp"},
        "security": {"profile": 1, "password": PASSWORD}, "driver": {"type": "manual"},
    })
    link = Link(descriptor, interactive=False)
    await link.start()
    try:
        url = link.endpoint.url
        for headers in ({}, {"Authorization": basic_auth_header("CPAUTH", "wrong-password-000000")},
                        {"Authorization": basic_auth_header("OTHERCP", PASSWORD)}):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(url, subprotocols=["ocpp1.6"], additional_headers=headers, open_timeout=5):
                    pass
            assert refused.value.response.status_code == 401
        async with connect(url, subprotocols=["ocpp1.6"], open_timeout=5,
                           additional_headers={"Authorization": basic_auth_header("CPAUTH", PASSWORD)}) as ws:
            assert ws.subprotocol == "ocpp1.6"
        statuses = [r.data.get("status") for r in link.wire.records if r.event == "handshake"]
        assert statuses == [401, 401, 401, 101]
    finally:
        await link.stop()


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
async def test_suite_central_system_refuses_tls_below_1_2(tmp_path: Path) -> None:
    """SWP A00.FR.312+: TLS 1.2 or higher only."""
    import ssl

    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    from conformance.iut import descriptor_from_dict
    from conformance.link import Link
    from conformance.pki import test_pki_for
    from conformance.tls_contexts import weak_client_context

    descriptor = descriptor_from_dict({
        "name": "tls-check", "sut": "charge_point", "ocpp_version": "1.6", "identity": "CPTLS",
        "listen": {"host": "127.0.0.1", "port": 0, "path": "/ocpp"},
        "security": {"profile": 2, "password": PASSWORD, "tls": {"generate": True}}, "driver": {"type": "manual"},
    })
    link = Link(descriptor, interactive=False)
    await link.start()
    try:
        ca = test_pki_for(descriptor).ca_cert
        old = weak_client_context(ca)  # offers TLS 1.1 and nothing newer (and can: its security level allows it)
        with pytest.raises((ssl.SSLError, ConnectionResetError)) as refused:
            async with connect(link.endpoint.url, ssl=old, subprotocols=["ocpp1.6"], open_timeout=5):
                pass
        assert "NO_CIPHERS_AVAILABLE" not in str(refused.value)  # refused by the server, not by our own client
        # the same client allowed TLS 1.2 gets through the TLS handshake: the version was the reason
        current = ssl.create_default_context(cafile=str(ca))
        current.check_hostname = False
        with pytest.raises(InvalidStatus, match="401"):  # no Basic credentials: refused only after TLS
            async with connect(link.endpoint.url, ssl=current, subprotocols=["ocpp1.6"], open_timeout=5):
                pass
    finally:
        await link.stop()


def _security_descriptor(tmp: Path, name: str, **tls: object) -> Path:
    data = yaml.safe_load((ROOT / "fixtures" / "iut" / f"{name}.yaml").read_text(encoding="utf-8"))
    data["name"] = f"{name}-{'-'.join(str(v) for v in tls.values())}".replace(".", "-")
    data["security"]["tls"].update(tls)
    if "firmware_image" in data["security"]:
        data["security"]["firmware_image"] = str(ROOT / "fixtures" / "firmware" / "reference-firmware.bin")
    path = tmp / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _events(report_dir: Path, iut: str, case: str, event: str) -> list[dict]:
    lines = (report_dir / "wire" / iut / f"{case}.jsonl").read_text(encoding="utf-8").splitlines()
    return [r["data"] for r in map(json.loads, lines) if r.get("event") == event]


def test_rsa_keys_and_the_server_name_in_both_roles(tmp_path: Path) -> None:
    """tls.key_type rsa gives RSA certificates (the white paper's RSA suites), tls.server_name is what the reference
    charger asks for (SNI) and checks, and what the suite checks in the reference Central System's certificate."""
    name = "csms.conformance.test"
    cp = _security_descriptor(tmp_path, "reference-charge-point-sp2", key_type="rsa", server_name=name)
    cs = _security_descriptor(tmp_path, "reference-csms-sp2", key_type="rsa", server_name=name)
    code, summary, output = run_suite(tmp_path / "reports", "--iut", str(cp), "--iut", str(cs),
                                      "--case", "TC_086_CS", "--case", "TC_086_CSMS")
    verdicts = {c["id"]: c["verdict"] for c in summary.get("cases", [])}
    assert verdicts == {"TC_086_CS": "passed", "TC_086_CSMS": "passed"}, output[-3000:]
    served = [e for e in _events(tmp_path / "reports", cp.stem, "TC_086_CS", "tls") if e["outcome"] == "established"]
    assert served and all(e["server_name"] == name for e in served)  # the charger sent the server name
    seen = [h["tls"] for h in _events(tmp_path / "reports", cs.stem, "TC_086_CSMS", "handshake") if h.get("tls")]
    assert seen and all(t["peer_certificate"]["key"].startswith("RSA") and f"CN={name}" in t["peer_certificate"]["subject"]
                        for t in seen)


def test_tls_refusals_of_the_reference_simulators_are_evidence(tmp_path: Path) -> None:
    """Against real peers: the reference charger refuses a Central System speaking only TLS 1.1 and one with an
    expired or foreign certificate; the reference Central System refuses a charger offering only TLS 1.1 and client
    certificates that expired or come from a foreign CA. Each refusal is on the wire, and the cases pass."""
    cases = ["SUITE_SEC_001", "SUITE_SEC_002", "TC_078_CS", "SUITE_SEC_102", "SUITE_SEC_103"]
    code, summary, output = run_suite(tmp_path / "reports", *[a for c in cases for a in ("--case", c)])
    passed = {c["id"] for c in summary.get("cases", []) if c["verdict"] == "passed"}
    assert set(cases) <= passed, output[-3000:]
    reports = tmp_path / "reports"
    for case in ("SUITE_SEC_001", "SUITE_SEC_002", "TC_078_CS"):
        refused = [e for e in _events(reports, "reference-charge-point-sp2", case, "tls")
                   if e["outcome"] in ("refused", "broken off")]
        assert refused, f"{case}: no refused TLS handshake on the wire"
    notes = [e.get("refused", "") for e in _events(reports, "reference-csms-sp2", "SUITE_SEC_102", "note")]
    assert any(n.startswith("TLS 1.1: ") for n in notes)
    notes = [e.get("refused", "") for e in _events(reports, "reference-csms-sp3", "SUITE_SEC_103", "note")]
    assert any("expired" in n for n in notes) and any("does not trust" in n for n in notes)


def test_security_profile_1_charger_upgraded_to_2(tmp_path: Path) -> None:
    """A charger at security profile 1 (Basic auth over ws://): its password cases, and the upgrade to profile 2,
    where it moves to wss:// with the Central System root it holds and does not fall back to ws://."""
    data = yaml.safe_load((ROOT / "fixtures" / "iut" / "reference-charge-point-sp2.yaml").read_text(encoding="utf-8"))
    data["name"] = "reference-charge-point-sp1"
    data["security"]["profile"] = 1
    data["security"]["firmware_image"] = str(ROOT / "fixtures" / "firmware" / "reference-firmware.bin")
    path = tmp_path / "sp1.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, summary, output = run_suite(tmp_path / "reports", "--iut", str(path), "--case", "TC_073_CS",
                                      "--case", "TC_083_CS", "--case", "TC_085_CS")
    verdicts = {c["id"]: c["verdict"] for c in summary.get("cases", [])}
    assert verdicts == {"TC_073_CS": "passed", "TC_083_CS": "passed", "TC_085_CS": "passed"}, output[-3000:]
    handshakes = _events(tmp_path / "reports", "reference-charge-point-sp1", "TC_083_CS", "handshake")
    upgraded = [h for h in handshakes if h.get("status") == 101 and h.get("tls")]
    assert upgraded and upgraded[0]["basic_auth"] is True  # profile 2: TLS and Basic auth
