"""IUT drivers against real things: commands that run, a loopback HTTP server, a pipe standing in for the operator."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shlex
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from conformance import drivers
from conformance.drivers import ChargePointDriver, CsmsDriver, DriverError, NeedsManualAction
from conformance.drivers.base import camel, describe_action, kebab
from conformance.drivers.exec import ExecChargePointDriver, ExecCsmsDriver
from conformance.drivers.http import HttpChargePointDriver, HttpCsmsDriver
from conformance.drivers.manual import ManualChargePointDriver, ManualCsmsDriver, detect_interactive
from conformance.iut import Descriptor, load_descriptor
from conformance.wire import Kind, Wire

CHARGE_POINT = {"name": "cp", "sut": "charge_point", "ocpp_version": "1.6", "identity": "CP001", "listen": {}, "connectors": {"count": 2}}
CSMS = {"name": "csms", "sut": "csms", "ocpp_version": "1.6", "identity": "CP001", "endpoint": "ws://127.0.0.1:9100/ocpp"}


def descriptor(tmp_path: Path, base: dict, **changes: Any) -> Descriptor:
    """Write the descriptor to a file (as a vendor would) and load it."""
    path = tmp_path / "iut.yaml"
    path.write_text(yaml.safe_dump({**base, **changes}, sort_keys=False), encoding="utf-8")
    return load_descriptor(path)


def driver_events(wire: Wire) -> list[dict]:
    return [{"action": r.data["action"], "outcome": r.data["outcome"], **r.data} for r in wire.records if r.kind is Kind.EVENT and r.event == "driver"]


# --------------------------------------------------------------------------------------------------------------------
# create()


async def test_create_picks_the_class_by_role_and_type(tmp_path: Path) -> None:
    exec_cfg = {"type": "exec", "commands": {"plug_in": "true"}}
    http_cfg = {"type": "http", "base_url": "http://127.0.0.1:1"}
    cases = [
        (CHARGE_POINT, {"type": "manual"}, ManualChargePointDriver, ChargePointDriver),
        (CSMS, {"type": "manual"}, ManualCsmsDriver, CsmsDriver),
        (CHARGE_POINT, exec_cfg, ExecChargePointDriver, ChargePointDriver),
        (CSMS, {"type": "exec", "commands": {"send_command": "true"}}, ExecCsmsDriver, CsmsDriver),
        (CHARGE_POINT, http_cfg, HttpChargePointDriver, ChargePointDriver),
        (CSMS, http_cfg, HttpCsmsDriver, CsmsDriver),
    ]
    for base, cfg, cls, role_cls in cases:
        made = drivers.create(descriptor(tmp_path, base, driver=cfg), interactive=False)
        assert type(made) is cls and isinstance(made, role_cls)


async def test_create_takes_the_simulator_driver_from_the_version_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.ocpp16 import SUPPORT

    calls = []
    monkeypatch.setattr(SUPPORT, "simulator_driver",
                        lambda desc, *, wire=None, simulator=None: calls.append((desc, wire, simulator)) or "sim-driver")
    desc = descriptor(tmp_path, CHARGE_POINT, driver={"type": "simulator", "faults": ["no_heartbeat"]})
    wire, sim = Wire(), object()
    assert drivers.create(desc, wire=wire, simulator=sim) == "sim-driver"
    assert calls == [(desc, wire, sim)]


# --------------------------------------------------------------------------------------------------------------------
# manual


async def test_manual_non_interactive_is_not_applicable_at_once(tmp_path: Path) -> None:
    wire = Wire()
    driver = drivers.create(descriptor(tmp_path, CHARGE_POINT), wire=wire, interactive=False)
    assert not driver.can("plug_in")
    with pytest.raises(NeedsManualAction) as info:
        await driver.plug_in(1)
    assert str(info.value) == 'needs a manual action: plug in connector 1 of CP001 (driver "manual", non-interactive run)'
    events = driver_events(wire)
    assert [(e["action"], e["outcome"], e["connector"]) for e in events] == [("plug_in", "started", 1), ("plug_in", "not_applicable", 1)]
    assert events[-1]["reason"] == str(info.value)


async def test_manual_detects_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert detect_interactive() is False
    driver = drivers.create(descriptor(tmp_path, CSMS))
    with pytest.raises(NeedsManualAction, match="make the CSMS send Reset to CP001"):
        await driver.send_command("Reset", {"type": "Soft"}, "CP001")


class _Operator:
    """A pipe standing in for the terminal; writes the answer when the prompt is shown (or never)."""

    def __init__(self, answer: bytes | None = None) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.answer = answer
        self.output = io.StringIO()
        self.prompted = asyncio.Event()

    def write(self, text: str) -> int:
        self.output.write(text)
        if "Operator:" in text:
            self.prompted.set()
            if self.answer is not None:
                os.write(self.write_fd, self.answer)
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def operator() -> Iterator[type[_Operator]]:
    made: list[_Operator] = []

    def make(answer: bytes | None = None) -> _Operator:
        made.append(_Operator(answer))
        return made[-1]

    yield make  # type: ignore[misc]
    for op in made:
        op.close()


def manual(desc: Descriptor, op: _Operator, wire: Wire | None = None) -> Any:
    cls = ManualCsmsDriver if isinstance(desc.sut, str) and desc.sut == "csms" else ManualChargePointDriver
    return cls(desc, wire=wire, interactive=True, input_stream=op.read_fd, output_stream=op)


async def test_manual_interactive_confirmed_with_enter(tmp_path: Path, operator: Any) -> None:
    op = operator(b"\n")
    wire = Wire()
    driver = manual(descriptor(tmp_path, CHARGE_POINT), op, wire)
    assert driver.can("plug_in")
    await driver.plug_in(2)
    assert "Operator: plug in connector 2 of CP001, then press Enter" in op.output.getvalue()
    assert [e["outcome"] for e in driver_events(wire)] == ["started", "done"]


async def test_manual_does_not_block_the_event_loop(tmp_path: Path, operator: Any) -> None:
    op = operator()
    driver = manual(descriptor(tmp_path, CHARGE_POINT), op)
    task = asyncio.create_task(driver.present_id_tag("CONFVALID01", 1))
    # This coroutine runs while the driver waits: the loop is free.
    await asyncio.wait_for(op.prompted.wait(), 5)
    assert "present id tag CONFVALID01 at CP001 on connector 1" in op.output.getvalue()
    os.write(op.write_fd, b"done\n")
    await asyncio.wait_for(task, 5)


async def test_manual_scripted_answers_are_read_one_line_per_prompt(tmp_path: Path, operator: Any) -> None:
    op = operator()
    os.write(op.write_fd, b"\nskip\nfail\n")
    driver = manual(descriptor(tmp_path, CHARGE_POINT), op)
    await driver.go_offline()
    with pytest.raises(NeedsManualAction, match="the operator skipped the manual action: reconnect CP001 to the network"):
        await driver.come_online()
    with pytest.raises(DriverError, match="the operator reported that this failed: cut the power of CP001"):
        await driver.power_cycle()


async def test_manual_times_out(tmp_path: Path, operator: Any) -> None:
    op = operator()  # nobody answers
    driver = manual(descriptor(tmp_path, CHARGE_POINT, timeouts={"manual": 0.3}), op)
    with pytest.raises(DriverError) as info:
        await asyncio.wait_for(driver.reboot(), 5)
    assert str(info.value) == "operator did not confirm within 0.3 s: reboot CP001 (operator-initiated)"


async def test_manual_closed_input_is_not_applicable(tmp_path: Path, operator: Any) -> None:
    op = operator()
    os.close(op.write_fd)
    driver = manual(descriptor(tmp_path, CHARGE_POINT), op)
    with pytest.raises(NeedsManualAction, match="operator input is closed"):
        await asyncio.wait_for(driver.unplug(1), 5)


async def test_manual_drops_keystrokes_typed_before_the_prompt_on_a_terminal(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    try:
        os.write(master, b"\n")  # a stray Enter typed earlier must not confirm the action
        out = io.StringIO()
        desc = descriptor(tmp_path, CHARGE_POINT, timeouts={"manual": 0.5})
        driver = ManualChargePointDriver(desc, interactive=True, input_stream=slave, output_stream=out)
        with pytest.raises(DriverError, match="operator did not confirm within 0.5 s"):
            await asyncio.wait_for(driver.plug_in(1), 5)
        assert "(no confirmation within 0.5 s)" in out.getvalue()
    finally:
        os.close(master)
        os.close(slave)


async def test_manual_csms_prompt(tmp_path: Path, operator: Any) -> None:
    op = operator(b"\n")
    driver = ManualCsmsDriver(descriptor(tmp_path, CSMS), interactive=True, input_stream=op.read_fd, output_stream=op)
    await driver.send_command("RemoteStartTransaction", {"idTag": "CONFVALID01"}, "CP001")
    assert 'Operator: make the CSMS send RemoteStartTransaction to CP001 (payload hints: {"idTag":"CONFVALID01"})' in op.output.getvalue()


# --------------------------------------------------------------------------------------------------------------------
# exec


RECORDER = """
import json, os, sys
out = sys.argv[1]
with open(out, "a", encoding="utf-8") as f:
    f.write(json.dumps({"argv": sys.argv[2:], "cwd": os.getcwd(), "mark": os.environ.get("MARK")}) + "\\n")
"""


def recorder(tmp_path: Path) -> tuple[str, Path]:
    script = tmp_path / "record.py"
    script.write_text(RECORDER, encoding="utf-8")
    out = tmp_path / "calls.jsonl"
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {shlex.quote(str(out))}", out


def calls(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


async def test_exec_runs_the_template_with_values_as_single_arguments(tmp_path: Path) -> None:
    run, out = recorder(tmp_path)
    commands = {
        "plug_in": f"{run} plug {{connector}} {{identity}} {{version}} {{action}}",
        "present_id_tag": f"{run} tag {{id_tag}} --connector={{connector}}",
        "make_lock_fail": f"{run} lock {{connector}} {{fail}} {{payload}}",
    }
    wire = Wire()
    desc = descriptor(tmp_path, CHARGE_POINT, driver={"type": "exec", "commands": commands, "env": {"MARK": "bench-2"}})
    driver = drivers.create(desc, wire=wire)
    assert driver.can("plug_in") and not driver.can("unplug")
    await driver.plug_in(2)
    nasty = "A B;rm -rf $HOME 'x\""
    await driver.present_id_tag(nasty, 1)
    await driver.present_id_tag("NOCONN")
    await driver.make_lock_fail(1, fail=False)
    got = calls(out)
    assert got[0] == {"argv": ["plug", "2", "CP001", "1.6", "plug_in"], "cwd": str(tmp_path.resolve()), "mark": "bench-2"}
    assert got[1]["argv"] == ["tag", nasty, "--connector=1"]
    assert got[2]["argv"] == ["tag", "NOCONN", "--connector="]
    assert got[3]["argv"][:3] == ["lock", "1", "false"] and json.loads(got[3]["argv"][3]) == {"connectorId": 1, "fail": False}
    assert [e["outcome"] for e in driver_events(wire)] == ["started", "done"] * 4
    assert driver_events(wire)[1]["exit_code"] == 0


async def test_exec_shell_quoting_conversion(tmp_path: Path) -> None:
    target = tmp_path / "tag.txt"
    template = f"sh -c 'printf %s {{id_tag!q}} > {shlex.quote(str(target))}'"
    driver = drivers.create(descriptor(tmp_path, CHARGE_POINT, driver={"type": "exec", "commands": {"present_id_tag": template}}))
    await driver.present_id_tag("a b; echo pwned")
    assert target.read_text() == "a b; echo pwned"


async def test_exec_csms_send_command(tmp_path: Path) -> None:
    run, out = recorder(tmp_path)
    commands = {
        "send_command": f"{run} send {{station_id}} {{action}} {{payload}}",
        "RemoteStartTransaction": f"{run} start {{station_id}} {{id_tag}} {{connector}}",
    }
    driver = drivers.create(descriptor(tmp_path, CSMS, driver={"type": "exec", "commands": commands}))
    assert driver.can("Reset") and driver.can("RemoteStartTransaction")
    await driver.send_command("Reset", {"type": "Hard"}, "CP001")
    await driver.send_command("RemoteStartTransaction", {"idTag": "CONFVALID01", "connectorId": 1}, "CP002")
    got = calls(out)
    assert got[0]["argv"][:3] == ["send", "CP001", "Reset"] and json.loads(got[0]["argv"][3]) == {"type": "Hard"}
    assert got[1]["argv"] == ["start", "CP002", "CONFVALID01", "1"]


async def test_exec_missing_template_is_not_applicable(tmp_path: Path) -> None:
    desc = descriptor(tmp_path, CHARGE_POINT, driver={"type": "exec", "commands": {"plug_in": "true"}})
    with pytest.raises(NeedsManualAction) as info:
        await drivers.create(desc).unplug(1)
    assert str(info.value) == f"driver 'exec' has no command for unplug — add driver.commands.unplug to {desc.path}"


async def test_exec_non_zero_exit_is_a_driver_error(tmp_path: Path) -> None:
    code = "import sys; print('warming up', file=sys.stderr); print('relay 1 stuck', file=sys.stderr); sys.exit(3)"
    template = f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"
    wire = Wire()
    driver = drivers.create(descriptor(tmp_path, CHARGE_POINT, driver={"type": "exec", "commands": {"power_cycle": template}}), wire=wire)
    with pytest.raises(DriverError) as info:
        await driver.power_cycle()
    text = str(info.value)
    assert text.startswith("driver 'exec': power_cycle command exited with code 3: relay 1 stuck (")
    assert "\n" not in text
    assert driver_events(wire)[-1]["outcome"] == "failed"


async def test_exec_timeout_kills_the_command(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    template = f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"
    desc = descriptor(tmp_path, CHARGE_POINT, driver={"type": "exec", "timeout": 0.5, "commands": {"reboot": template}})
    with pytest.raises(DriverError, match=r"^driver 'exec': reboot command did not finish within 0.5 s: "):
        await asyncio.wait_for(drivers.create(desc).reboot(), 10)
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def test_exec_command_not_found(tmp_path: Path) -> None:
    desc = descriptor(tmp_path, CHARGE_POINT, driver={"type": "exec", "commands": {"go_offline": "no-such-command-xyz down"}})
    with pytest.raises(DriverError, match=r"command not found: 'no-such-command-xyz' \(driver.commands.go_offline in .*\) — install it"):
        await drivers.create(desc).go_offline()


# --------------------------------------------------------------------------------------------------------------------
# http


class _Api:
    """A loopback test API recording every POST; the path decides the answer."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, Any, dict[str, str]]] = []
        self.release = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"null")
                api.requests.append((self.path, body, dict(self.headers)))
                if "slow" in self.path:
                    api.release.wait(10)
                status, text = 200, b'{"status":"ok"}'
                if "unsupported" in self.path or "reserve-now" in self.path:
                    status, text = 501, b"not implemented"
                elif "clear-cache" in self.path:
                    status, text = 404, b"no such route"
                elif "reset" in self.path:
                    status, text = 500, b"trace...\ndatabase down\n"
                elif "cable-locked" in self.path:
                    text = b'{"locked": false}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the driver under test gave up waiting, as the timeout tests intend

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def api() -> Iterator[_Api]:
    server = _Api()
    yield server
    server.close()


async def test_http_vendor_charge_point(tmp_path: Path, api: _Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIG_TOKEN", "s3cret")
    cfg = {"type": "http", "base_url": api.url + "/test/", "headers": {"Authorization": "Bearer ${RIG_TOKEN}"}}
    wire = Wire()
    driver = drivers.create(descriptor(tmp_path, CHARGE_POINT, driver=cfg), wire=wire)
    await driver.plug_in(1)
    await driver.present_id_tag("CONFVALID01", 2)
    await driver.raise_fault(1, "GroundFailure")
    await driver.make_unlock_fail(2)
    await driver.power_cycle()
    await driver.suspend_ev(1)
    assert [(path, body) for path, body, _ in api.requests] == [
        ("/test/plug-in", {"connectorId": 1}),
        ("/test/present-id-tag", {"idTag": "CONFVALID01", "connectorId": 2}),
        ("/test/raise-fault", {"connectorId": 1, "errorCode": "GroundFailure"}),
        ("/test/make-unlock-fail", {"connectorId": 2, "fail": True}),
        ("/test/power-cycle", {}),
        ("/test/suspend-ev", {"connectorId": 1}),
    ]
    headers = api.requests[0][2]
    assert headers["Authorization"] == "Bearer s3cret" and headers["Content-Type"] == "application/json"
    assert driver_events(wire)[1]["status"] == 200


async def test_http_vendor_csms(tmp_path: Path, api: _Api) -> None:
    driver = drivers.create(descriptor(tmp_path, CSMS, driver={"type": "http", "base_url": api.url + "/api"}))
    payload = {"idTag": "CONFVALID01", "connectorId": 1}
    await driver.send_command("RemoteStartTransaction", payload, "CP001")
    await driver.perform("add_id_tag", id_tag="CONFVALID01")
    assert [(p, b) for p, b, _ in api.requests] == [
        ("/api/CP001/remote-start-transaction", payload),
        ("/api/add-id-tag", {"idTag": "CONFVALID01"}),
    ]


@pytest.mark.parametrize(
    ("version", "action", "path"),
    [
        ("1.6", "RemoteStartTransaction", "/api/octt/1.6/CP001/remote-start-transaction"),
        ("2.0.1", "RequestStartTransaction", "/api/octt/2.0.1/CP001/request-start-transaction"),
        ("2.1", "GetCompositeSchedule", "/api/octt/2.1/CP001/get-composite-schedule"),
    ],
)
async def test_http_octt_convention(tmp_path: Path, api: _Api, version: str, action: str, path: str) -> None:
    desc = descriptor(tmp_path, CSMS, ocpp_version=version, driver={"type": "http", "base_url": api.url, "convention": "octt"})
    await drivers.create(desc).send_command(action, {"hint": 1}, "CP001")
    assert api.requests == [(path, {"hint": 1}, api.requests[0][2])]


async def test_http_station_in_the_path_is_one_encoded_segment(tmp_path: Path, api: _Api) -> None:
    driver = drivers.create(descriptor(tmp_path, CSMS, driver={"type": "http", "base_url": api.url}))
    await driver.send_command("UnlockConnector", {}, "CP|1/2")
    assert api.requests[0][0] == "/CP%7C1%2F2/unlock-connector"


async def test_http_not_offered_is_not_applicable(tmp_path: Path, api: _Api) -> None:
    desc = descriptor(tmp_path, CSMS, driver={"type": "http", "base_url": api.url, "convention": "octt"})
    driver = drivers.create(desc)
    with pytest.raises(NeedsManualAction) as info:
        await driver.send_command("ReserveNow", {}, "CP001")
    assert str(info.value) == f"the test API at {api.url}/api/octt/1.6/CP001/reserve-now does not support reserve-now (HTTP 501)"
    with pytest.raises(NeedsManualAction, match=r"does not support clear-cache \(HTTP 404\)"):
        await driver.send_command("ClearCache", {}, "CP001")


async def test_http_server_error_is_a_driver_error(tmp_path: Path, api: _Api) -> None:
    driver = drivers.create(descriptor(tmp_path, CSMS, driver={"type": "http", "base_url": api.url}))
    with pytest.raises(DriverError) as info:
        await driver.send_command("Reset", {"type": "Soft"}, "CP001")
    assert str(info.value) == f"driver 'http': POST {api.url}/CP001/reset answered HTTP 500: database down"


async def test_http_connection_refused_names_the_url(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    desc = descriptor(tmp_path, CHARGE_POINT, driver={"type": "http", "base_url": f"http://127.0.0.1:{port}", "timeout": 5})
    with pytest.raises(DriverError) as info:
        await asyncio.wait_for(drivers.create(desc).plug_in(1), 10)
    text = str(info.value)
    assert text.startswith(f"driver 'http': POST http://127.0.0.1:{port}/plug-in failed: ") and "is the test API running?" in text


async def test_http_timeout(tmp_path: Path, api: _Api) -> None:
    desc = descriptor(tmp_path, CHARGE_POINT, driver={"type": "http", "base_url": api.url + "/slow", "timeout": 0.5})
    with pytest.raises(DriverError) as info:
        await asyncio.wait_for(drivers.create(desc).come_online(), 10)
    assert str(info.value) == f"driver 'http': POST {api.url}/slow/come-online did not answer within 0.5 s"


# --------------------------------------------------------------------------------------------------------------------
# shared pieces


async def test_connector_out_of_range_is_a_suite_error(tmp_path: Path) -> None:
    driver = drivers.create(descriptor(tmp_path, CHARGE_POINT), interactive=False)
    with pytest.raises(ValueError, match="connector 3 does not exist: cp declares connectors 1..2"):
        await driver.plug_in(3)
    with pytest.raises(ValueError):
        await driver.unplug(0)


def test_names() -> None:
    assert kebab("plug_in") == "plug-in"
    assert kebab("RemoteStartTransaction") == "remote-start-transaction"
    assert kebab("Get15118EVCertificate") == "get15118-ev-certificate"
    assert camel("connector") == "connectorId" and camel("id_tag") == "idTag" and camel("fail") == "fail"
    assert describe_action("make_lock_fail", {"connector": 1, "fail": True}, "CP9") == "make the next connector lock of connector 1 of CP9 fail"
    assert describe_action("custom_thing", {"x": 1}, "CP9") == "perform 'custom_thing' (x=1) for CP9"


async def test_cable_locked_is_an_observation_the_exec_driver_reads_from_its_output(tmp_path: Path) -> None:
    commands = {"cable_locked": f"{shlex.quote(sys.executable)} -c \"print('starting'); print('Locked')\""}
    driver = drivers.create(descriptor(tmp_path, CHARGE_POINT, driver={"type": "exec", "commands": commands}))
    assert await driver.cable_locked(1) is True
    odd = {"cable_locked": f"{shlex.quote(sys.executable)} -c \"print('maybe')\""}
    with pytest.raises(DriverError, match="locked / unlocked"):
        await drivers.create(descriptor(tmp_path, CHARGE_POINT, driver={"type": "exec", "commands": odd})).cable_locked(1)
    with pytest.raises(NeedsManualAction, match="cannot observe the connector lock"):
        await drivers.create(descriptor(tmp_path, CHARGE_POINT, driver={"type": "exec", "commands": {}})).cable_locked(1)


async def test_cable_locked_is_an_observation_the_http_driver_reads_from_the_answer(tmp_path: Path, api: _Api) -> None:
    driver = drivers.create(descriptor(tmp_path, CHARGE_POINT, driver={"type": "http", "base_url": api.url}))
    assert await driver.cable_locked(2) is False
    assert api.requests[-1][:2] == ("/cable-locked", {"connectorId": 2})
