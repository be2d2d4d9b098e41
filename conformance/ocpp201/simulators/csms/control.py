"""HTTP control API of the 2.0.1 reference CSMS, and `ocpp-conformance simulate csms-2.0.1`.

The conventions are those of the 1.6 simulators (what the suite's `http` driver speaks): `POST /{station_id}/{action}`
and `POST /api/octt/2.0.1/{station_id}/{action}` with the OCPP payload (action as `GetVariables`, `get-variables` or
`get_variables`): the CSMS sends that request and answers 200 with the station's reply (404 unknown station, 501
unknown action, 400 bad payload, 502 the station answered CALLERROR, 504 no answer in time; `?wait=0`: 202 once the
CALL is on the wire). Operator actions: `POST /add-id-tag`, `/remove-id-tag` (`{"idTag": ...}`), `/set-boot-status`
(`{"status": "Pending", "stationId": ...}`), also as `POST [/api/octt/2.0.1]/{station_id}/{operator action}`;
`GET /status`, `GET /{station_id}`.
"""

from __future__ import annotations

import argparse
from typing import Any

from websockets.exceptions import ConnectionClosed

from conformance.ocpp201.simulators import faults as fault_registry
from conformance.ocpp201.simulators.csms.records import UnknownAction, UnknownStation
from conformance.ocpp201.simulators.csms.server import ReferenceCsms201
from conformance.ocpp201.simulators.rpc import CallError, CallTimeout
from conformance.simulation import (
    ControlServer,
    Handler,
    HttpError,
    failure_reply,
    pick,
    required,
    run_simulator,
    simulate_command,
    station_command,
    tcp_port,
    wait_for_end,
)

CSMS_OPERATOR_ACTIONS = ("add-id-tag", "remove-id-tag", "set-boot-status", "set-security-profile")
_OCTT_PREFIX = ["api", "octt", "2.0.1"]
ROLE = "csms-2.0.1"


def http_failure(exc: Exception, station_id: str | None = None) -> tuple[int, Any]:
    """The control API's answer to what a simulator raised."""
    return failure_reply(exc, station_id, call_error=CallError, call_timeout=CallTimeout,
                         unknown_station=UnknownStation, unknown_action=UnknownAction)


def csms_handler(csms: ReferenceCsms201) -> Handler:
    async def operator(action: str, params: dict) -> tuple[int, Any]:
        token = pick(params, "idTag", "id_tag", "idToken")
        if action == "add-id-tag":
            await csms.add_id_tag(required(token, "idTag"), params.get("status", "Accepted"))
        elif action == "remove-id-tag":
            await csms.remove_id_tag(required(token, "idTag"))
        elif action == "set-security-profile":
            await csms.set_security_profile(required(pick(params, "stationId", "station_id"), "stationId"),
                                            int(required(pick(params, "profile"), "profile")))
        else:
            status = params.get("status", "Accepted")
            if status not in ("Accepted", "Pending", "Rejected"):
                raise ValueError(f"status must be Accepted, Pending or Rejected, got {status!r}")
            station = pick(params, "stationId", "station_id")
            if station:
                csms.boot_status_overrides[station] = status
            else:
                csms.boot_status = status
        return 200, {"ok": True, "action": action}

    async def handle(method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        segments = [s for s in path.split("/") if s]
        if method == "GET" and segments in (["status"], []):
            return 200, csms.snapshot()
        if method == "POST" and len(segments) == 1 and segments[0] in CSMS_OPERATOR_ACTIONS:
            try:
                return await operator(segments[0], body if isinstance(body, dict) else {})
            except ValueError as exc:
                raise HttpError(400, str(exc)) from None
        if segments[:3] == _OCTT_PREFIX:
            segments = segments[3:]
        if method == "POST" and len(segments) == 2 and segments[1] in CSMS_OPERATOR_ACTIONS:
            params = {**(body if isinstance(body, dict) else {}), "stationId": segments[0]}  # the suite's http driver
            try:
                return await operator(segments[1], params)
            except ValueError as exc:
                raise HttpError(400, str(exc)) from None
        if len(segments) == 1 and method == "GET":
            try:
                return 200, csms.station(segments[0]).to_dict(csms.transactions.values())
            except UnknownStation as exc:
                raise HttpError(404, str(exc)) from None
        if len(segments) != 2:
            raise HttpError(404, f"no such endpoint {path}; use POST /<station>/<action> or "
                                 "/api/octt/2.0.1/<station>/<action>")
        if method != "POST":
            raise HttpError(405, "use POST to send a request")
        if body is not None and not isinstance(body, dict):
            raise HttpError(400, "the body must be the OCPP payload as a JSON object")
        station_id, action = segments
        try:
            return await station_command(csms, station_id, action, body, query)
        except (UnknownStation, ValueError, ConnectionError, ConnectionClosed, CallError, CallTimeout) as exc:
            return http_failure(exc, station_id)

    return handle



def _token(text: str) -> tuple[str, str]:
    token, sep, status = text.partition("=")
    if not token:
        raise argparse.ArgumentTypeError(f"expected TOKEN or TOKEN=STATUS, got {text!r}")
    return token.strip(), (status or "Accepted").strip()


def add_simulate_arguments(commands: Any) -> argparse.ArgumentParser:
    """Add `simulate csms-2.0.1` to the CLI's `simulate` command; returns its parser."""
    _, roles = simulate_command(
        commands, help="run a reference simulator (an OCPP charge point, charging station or CSMS)",
        description="Run a reference OCPP simulator with an HTTP control API.")
    csms = roles.add_parser(ROLE, help="an OCPP 2.0.1 CSMS charging stations connect to",
                            description="Run the reference OCPP 2.0.1 CSMS with an HTTP control API. Faults:\n"
                                        + fault_registry.describe("csms"),
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    csms.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    csms.add_argument("--port", type=tcp_port, default=9000, help="listen port (default 9000, 0 = any free port)")
    csms.add_argument("--path", default="/ocpp", help="endpoint path; stations connect to <path>/<identity>")
    csms.add_argument("--token", action="append", type=_token, default=[], metavar="TOKEN[=STATUS]",
                      help="token database entry (repeatable), e.g. ABC=Accepted")
    csms.add_argument("--heartbeat-interval", type=int, default=300, help="interval answered in BootNotification")
    csms.add_argument("--boot-status", choices=["Accepted", "Pending", "Rejected"], default="Accepted")
    csms.add_argument("--response-timeout", type=float, default=30.0, help="seconds to wait for a station's reply")
    csms.add_argument("--control-host", default="127.0.0.1", help="control API address (default 127.0.0.1)")
    csms.add_argument("--control-port", type=tcp_port, default=0, help="control API port (default: any free one)")
    csms.add_argument("--fault", action="append", default=[], metavar="NAME", help="switch on a named fault")
    csms.add_argument("--duration", type=float, help="stop after this many seconds (default: until interrupted)")
    csms.add_argument("--verbose", "-v", action="store_true", help="log every frame")
    csms.set_defaults(handler=run_simulate)
    return csms


def run_simulate(args: argparse.Namespace) -> int:
    """Entry point of `ocpp-conformance simulate csms-2.0.1 ...`; returns the process exit code."""
    return run_simulator(lambda: run_csms(args), verbose=args.verbose)


async def run_csms(args: argparse.Namespace) -> None:
    csms = ReferenceCsms201(host=args.host, port=args.port, path=args.path, faults=args.fault,
                            tokens=dict(args.token), heartbeat_interval=args.heartbeat_interval,
                            boot_status=args.boot_status, response_timeout=args.response_timeout)
    port = await csms.start()
    control = ControlServer(csms_handler(csms), host=args.control_host, port=args.control_port)
    try:
        await control.start()
    except OSError:
        await csms.stop()
        raise
    print(f"OCPP 2.0.1 CSMS listening on {csms.url}/<identity> (port {port}); control API {control.url}", flush=True)
    try:
        await wait_for_end(args.duration)
    finally:
        await control.stop()
        await csms.stop()
