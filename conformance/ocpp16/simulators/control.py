"""HTTP control API of the reference simulators, and the `ocpp-conformance simulate` command.

Vendor convention (what the suite's `http` driver speaks):

* charge point: `POST /{action-kebab}` with a JSON body, e.g. `POST /plug-in {"connectorId": 1}`,
  `POST /present-id-tag {"idTag": "ABC", "connectorId": 1}`, `POST /go-offline`; `GET /status`.
* CSMS: `POST /{station_id}/{action-kebab}` and the OCTT convention
  `POST /api/octt/1.6/{station_id}/{action-kebab}` with the OCPP payload as body: the CSMS sends that command
  to the charge point and answers 200 with the reply payload. 404 unknown station, 501 unknown action,
  400 bad payload, 502 the charge point answered CALLERROR, 504 no answer in time. With `?wait=0` it answers
  202 as soon as the CALL is on the wire. `GET /status`; `POST /add-id-tag`, `/remove-id-tag` (`{"idTag": ...}`),
  `/set-boot-status` (`{"status": "Pending"}`), `/offer-firmware` (`{"path": "image.bin"}`: the firmware its
  UpdateFirmware points at from now on) and `PUT|DELETE /id-tags/{token}` are operator actions; `GET /status` shows
  its firmware and diagnostics locations and the uploads it received.

The server itself is `conformance.simulation.ControlServer`.
"""

from __future__ import annotations

import argparse
import logging
import re
import ssl
from typing import Any

from websockets.exceptions import ConnectionClosed

from conformance.ocpp16.simulators import faults as fault_registry
from conformance.ocpp16.simulators.charge_point import ReferenceChargePoint
from conformance.ocpp16.simulators.csms import ReferenceCsms, UnknownAction, UnknownStation
from conformance.ocpp16.simulators.rpc import CallError, CallTimeout
from conformance.simulation import (
    ControlServer,
    Handler,
    HttpError,
    failure_reply,
    pick,
    required,
    run_simulator,
    simulate_command,
    snake,
    station_command,
    tcp_port,
    wait_for_end,
)

LOGGER = logging.getLogger("conformance.ocpp16.simulators.control")

# --------------------------------------------------------------------------- routing
CHARGE_POINT_ACTIONS = (
    "plug_in", "unplug", "present_id_tag", "power_cycle", "reboot", "go_offline", "come_online", "raise_fault",
    "clear_fault", "make_lock_fail", "make_unlock_fail", "suspend_ev", "resume_ev", "data_transfer",
    "set_security_profile",
)


def _failure(exc: Exception, station_id: str | None = None) -> tuple[int, Any]:
    return failure_reply(exc, station_id, call_error=CallError, call_timeout=CallTimeout,
                         unknown_station=UnknownStation, unknown_action=UnknownAction)


def charge_point_handler(cp: ReferenceChargePoint) -> Handler:
    async def handle(method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        segments = [s for s in path.split("/") if s]
        if method == "GET" and segments in (["status"], []):
            return 200, cp.snapshot()
        if len(segments) != 1:
            raise HttpError(404, f"no such endpoint {path}; use POST /<action> with one of: {', '.join(a.replace('_', '-') for a in CHARGE_POINT_ACTIONS)}")
        if method != "POST":
            raise HttpError(405, "use POST for charge point actions")
        action = snake(segments[0])
        if action not in CHARGE_POINT_ACTIONS:
            raise HttpError(501, f"unknown charge point action {segments[0]!r}; known: {', '.join(a.replace('_', '-') for a in CHARGE_POINT_ACTIONS)}")
        if body is not None and not isinstance(body, dict):
            raise HttpError(400, "the body must be a JSON object")
        params = body or {}
        connector = pick(params, "connectorId", "connector_id", "connector")
        try:
            if action in ("plug_in", "unplug", "suspend_ev", "resume_ev", "clear_fault"):
                await getattr(cp, action)(required(connector, "connectorId"))
            elif action == "present_id_tag":
                await cp.present_id_tag(required(pick(params, "idTag", "id_tag"), "idTag"), connector)
            elif action == "raise_fault":
                await cp.raise_fault(required(connector, "connectorId"), pick(params, "errorCode", "error_code", default="OtherError"))
            elif action in ("make_lock_fail", "make_unlock_fail"):
                await getattr(cp, action)(required(connector, "connectorId"), bool(pick(params, "fail", default=True)))
            elif action == "data_transfer":
                reply = await cp.data_transfer(
                    required(pick(params, "vendorId", "vendor_id"), "vendorId"),
                    pick(params, "messageId", "message_id"),
                    pick(params, "data"),
                )
                return 200, reply
            elif action == "set_security_profile":
                await cp.set_security_profile(int(required(pick(params, "profile"), "profile")))
            else:
                await getattr(cp, action)()
        except (ValueError, ConnectionError, CallError, CallTimeout) as exc:
            return _failure(exc)
        return 200, {"ok": True, "action": segments[0]}

    return handle


_OCTT_PREFIX = ["api", "octt", "1.6"]


CSMS_OPERATOR_ACTIONS = ("add-id-tag", "remove-id-tag", "set-boot-status", "offer-firmware")


def csms_handler(csms: ReferenceCsms) -> Handler:
    async def operator(action: str, params: dict) -> tuple[int, Any]:
        token = pick(params, "idTag", "id_tag")
        if action == "add-id-tag":
            await csms.add_id_tag(required(token, "idTag"), params.get("status", "Accepted"),
                                  pick(params, "expiryDate", "expiry_date"), pick(params, "parentIdTag", "parent_id_tag"))
        elif action == "remove-id-tag":
            await csms.remove_id_tag(required(token, "idTag"))
        elif action == "offer-firmware":
            return 200, {"ok": True, "action": action, "location": csms.offer_firmware(required(params.get("path"), "path"))}
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
        if segments[:1] == ["id-tags"] and len(segments) == 2:
            token = segments[1]
            if method in ("PUT", "POST"):
                params = body if isinstance(body, dict) else {}
                await csms.add_id_tag(
                    token,
                    params.get("status", "Accepted"),
                    pick(params, "expiryDate", "expiry_date"),
                    pick(params, "parentIdTag", "parent_id_tag"),
                )
                return 200, {"ok": True, "idTag": token}
            if method == "DELETE":
                await csms.remove_id_tag(token)
                return 200, {"ok": True, "idTag": token}
            raise HttpError(405, "use PUT or DELETE on /id-tags/<token>")
        if segments[:3] == _OCTT_PREFIX:
            segments = segments[3:]
        if len(segments) == 1 and method == "GET":
            try:
                station = csms.station(segments[0])
            except UnknownStation as exc:
                raise HttpError(404, str(exc)) from None
            return 200, station.to_dict(csms.transactions.values())
        if len(segments) != 2:
            raise HttpError(404, f"no such endpoint {path}; use POST /<station>/<action> or /api/octt/1.6/<station>/<action>")
        if method != "POST":
            raise HttpError(405, "use POST to send a command")
        if body is not None and not isinstance(body, dict):
            raise HttpError(400, "the body must be the OCPP payload as a JSON object")
        station_id, action = segments
        if action == "set-security-profile":  # an operator setting, not an OCPP command
            profile = pick(body or {}, "profile")
            if not isinstance(profile, int) or not 0 <= profile <= 3:
                raise HttpError(400, "give the security profile as {\"profile\": 0..3}")
            await csms.set_security_profile(station_id, profile)
            return 200, {"ok": True, "action": action}
        try:
            return await station_command(csms, station_id, action, body, query)
        except (UnknownStation, ValueError, ConnectionError, ConnectionClosed, CallError, CallTimeout) as exc:
            return _failure(exc, station_id)

    return handle


# --------------------------------------------------------------------------- CLI
def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def _id_tag_spec(text: str) -> tuple[str, dict]:
    """TOKEN[=STATUS[,EXPIRY[,PARENT]]]"""
    token, _, rest = text.partition("=")
    if not token:
        raise argparse.ArgumentTypeError(f"expected TOKEN[=STATUS[,EXPIRY[,PARENT]]], got {text!r}")
    parts = rest.split(",") if rest else []
    status = parts[0] if parts and parts[0] else "Accepted"
    if status not in ("Accepted", "Blocked", "Expired", "Invalid"):
        raise argparse.ArgumentTypeError(f"id tag status must be Accepted, Blocked, Expired or Invalid, got {status!r}")
    entry: dict = {"status": status}
    if len(parts) > 1 and parts[1]:
        entry["expiryDate"] = parts[1]
    if len(parts) > 2 and parts[2]:
        entry["parentIdTag"] = parts[2]
    return token, entry


def add_simulate_arguments(subparsers: Any) -> argparse.ArgumentParser:
    """Add `simulate charge-point|csms` to the CLI's subparsers; returns the `simulate` parser."""
    parser, roles = simulate_command(
        subparsers,
        help="run a reference simulator (an OCPP charge point, charging station or CSMS), optionally with faults",
        description="Run a reference OCPP simulator with an HTTP control API. OCPP 1.6 faults:\n"
                    + fault_registry.describe(),
    )

    cp = roles.add_parser("charge-point", help="a charge point connecting to a Central System")
    cp.add_argument("--csms", required=True, metavar="URL", help="Central System endpoint, e.g. ws://127.0.0.1:9000/ocpp (the identity is appended, or put in place of {identity}: ws://127.0.0.1:9000/ws/{identity}/)")
    cp.add_argument("--identity", required=True, help="charge point identity, e.g. CP001")
    cp.add_argument("--connectors", type=int, default=2, help="number of connectors (default 2)")
    cp.add_argument("--password", help="HTTP Basic password (AuthorizationKey)")
    cp.add_argument("--ca-file", help="CA bundle to verify a wss:// Central System")
    cp.add_argument("--config", action="append", type=_key_value, default=[], metavar="KEY=VALUE", help="configuration key override (repeatable)")
    cp.add_argument("--id-tag", action="append", default=[], metavar="TOKEN", help="idTag known to the local authorization cache (repeatable)")
    cp.add_argument("--response-timeout", type=float, default=30.0, help="seconds to wait for a reply to our calls")
    cp.add_argument("--late-reply-delay", type=float, help="delay of the late-reply fault (default: response timeout + 2)")
    _common(cp)

    cs = roles.add_parser("csms", help="a Central System charge points connect to")
    cs.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    cs.add_argument("--port", type=tcp_port, default=9000, help="listen port (default 9000, 0 = any free port)")
    cs.add_argument("--path", default="/ocpp", help="endpoint path; charge points connect to <path>/<identity>, or to the path with "
                    "{identity} replaced when it holds one (e.g. /ws/ocpp/{identity}/)")
    cs.add_argument("--id-tag", action="append", type=_id_tag_spec, default=[], metavar="TOKEN[=STATUS[,EXPIRY[,PARENT]]]", help="token database entry (repeatable)")
    cs.add_argument("--reject-unknown", action="store_true", help="answer 404 to identities not given with --station or --basic-auth")
    cs.add_argument("--station", action="append", default=[], metavar="IDENTITY", help="a known charge point identity (repeatable)")
    cs.add_argument("--basic-auth", action="append", type=_key_value, default=[], metavar="IDENTITY=PASSWORD", help="require HTTP Basic auth for this identity (repeatable)")
    cs.add_argument("--heartbeat-interval", type=int, default=300, help="interval answered in BootNotification (default 300)")
    cs.add_argument("--boot-status", choices=["Accepted", "Pending", "Rejected"], default="Accepted")
    cs.add_argument("--tls-cert", help="PEM certificate chain: serve wss://")
    cs.add_argument("--tls-key", help="PEM private key for --tls-cert")
    cs.add_argument("--firmware", metavar="FILE", help="the firmware image UpdateFirmware points at (default: a generated test image)")
    cs.add_argument("--uploads-dir", metavar="DIR", help="where diagnostics uploads are kept (default: a temporary folder)")
    cs.add_argument("--file-address", metavar="HOST", help="the address charge points reach its file servers at (default: --host, "
                    "or 127.0.0.1 when --host listens everywhere)")
    cs.add_argument("--response-timeout", type=float, default=30.0, help="seconds to wait for a charge point's reply")
    cs.add_argument("--late-reply-delay", type=float, help="delay of the late-reply fault (default: response timeout + 2)")
    _common(cs)
    parser.set_defaults(handler=run_simulate)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--control-host", default="127.0.0.1", help="control API address (default 127.0.0.1)")
    parser.add_argument("--control-port", type=tcp_port, default=0, help="control API port (default: any free port, printed)")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME", help="switch on a named fault (repeatable)")
    parser.add_argument("--duration", type=float, help="stop after this many seconds (default: run until interrupted)")
    parser.add_argument("--verbose", "-v", action="store_true", help="log every frame")


def run_simulate(args: argparse.Namespace) -> int:
    """Entry point of `ocpp-conformance simulate ...`; returns the process exit code."""
    runner = run_charge_point if args.simulate_role == "charge-point" else run_csms
    return run_simulator(lambda: runner(args), verbose=getattr(args, "verbose", False),
                         errors=(ValueError, ssl.SSLError))


async def run_charge_point(args: argparse.Namespace) -> None:
    if not re.match(r"^wss?://", args.csms):
        raise ValueError(f"--csms must be a ws:// or wss:// URL, got {args.csms!r}")
    ssl_context = None
    if args.csms.startswith("wss://"):
        ssl_context = ssl.create_default_context(cafile=args.ca_file) if args.ca_file else ssl.create_default_context()
    cp = ReferenceChargePoint(
        csms_url=args.csms,
        identity=args.identity,
        connectors=args.connectors,
        password=args.password,
        ssl_context=ssl_context,
        faults=args.fault,
        config=dict(args.config),
        known_id_tags=args.id_tag,
        response_timeout=args.response_timeout,
        late_reply_delay=args.late_reply_delay,
    )
    control = ControlServer(charge_point_handler(cp), host=args.control_host, port=args.control_port)
    await control.start()
    await cp.start()
    await _serve(cp, control, args, f"charge point {args.identity} -> {cp.url}")


async def run_csms(args: argparse.Namespace) -> None:
    ssl_context = None
    if args.tls_cert:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.minimum_version = ssl.TLSVersion.TLSv1_2
        ssl_context.load_cert_chain(args.tls_cert, args.tls_key)
    csms = ReferenceCsms(
        host=args.host,
        port=args.port,
        path=args.path,
        faults=args.fault,
        id_tags=dict(args.id_tag),
        accept_unknown_chargers=not args.reject_unknown,
        stations=args.station,
        basic_auth=dict(args.basic_auth),
        ssl_context=ssl_context,
        heartbeat_interval=args.heartbeat_interval,
        boot_status=args.boot_status,
        response_timeout=args.response_timeout,
        late_reply_delay=args.late_reply_delay,
        firmware=args.firmware,
        uploads_dir=args.uploads_dir,
        file_address=args.file_address,
    )
    port = await csms.start()
    control = ControlServer(csms_handler(csms), host=args.control_host, port=args.control_port)
    try:
        await control.start()
    except OSError:
        await csms.stop()
        raise
    await _serve(csms, control, args, f"CSMS listening on {csms.url}/<identity> (port {port})")


async def _serve(simulator: Any, control: ControlServer, args: argparse.Namespace, banner: str) -> None:
    """Run a started simulator and its control API until interrupted (or --duration), then stop both."""
    print(f"{banner}; control API {control.url}", flush=True)
    try:
        await wait_for_end(args.duration)
    finally:
        await control.stop()
        await simulator.stop()
