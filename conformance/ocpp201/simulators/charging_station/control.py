"""HTTP control API of the 2.0.1 reference charging station, and `ocpp-conformance simulate charging-station`.

The conventions are those of the 1.6 simulators (what the suite's `http` driver speaks): `POST /{action-kebab}` with
a JSON body, e.g. `POST /plug-in {"evseId": 1}` (`connectorId` is read as the EVSE too), `POST /present-id-tag
{"idTag": "ABC", "evseId": 1}`, `POST /go-offline`; `GET /status`.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from typing import Any

from conformance.ocpp201.simulators import faults as fault_registry
from conformance.ocpp201.simulators.charging_station.driver import CHARGING_STATION_ACTIONS
from conformance.ocpp201.simulators.charging_station.station import ReferenceChargingStation
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
    snake,
    tcp_port,
    wait_for_end,
)


def _failure(exc: Exception) -> tuple[int, Any]:
    return failure_reply(exc, call_error=CallError, call_timeout=CallTimeout)


def charging_station_handler(cs: ReferenceChargingStation) -> Handler:
    async def handle(method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        segments = [s for s in path.split("/") if s]
        if method == "GET" and segments in (["status"], []):
            return 200, cs.snapshot()
        known = ", ".join(a.replace("_", "-") for a in CHARGING_STATION_ACTIONS)
        if len(segments) != 1:
            raise HttpError(404, f"no such endpoint {path}; use POST /<action> with one of: {known}")
        if method != "POST":
            raise HttpError(405, "use POST for charging station actions")
        action = snake(segments[0])
        if action not in CHARGING_STATION_ACTIONS:
            raise HttpError(501, f"unknown charging station action {segments[0]!r}; known: {known}")
        if body is not None and not isinstance(body, dict):
            raise HttpError(400, "the body must be a JSON object")
        params = body or {}
        evse = pick(params, "evseId", "evse_id", "connectorId", "connector_id", "connector")
        try:
            if action == "unplug":
                await cs.unplug(required(evse, "evseId"), str(params.get("side", "ev")))
            elif action in ("plug_in", "clear_fault", "raise_fault", "suspend_ev", "resume_ev", "park", "leave_bay"):
                await getattr(cs, action)(required(evse, "evseId"))
            elif action == "cable_locked":
                return 200, await cs.cable_locked(required(evse, "evseId"))
            elif action == "present_id_tag":
                reply = await cs.present_id_tag(required(pick(params, "idTag", "id_tag", "idToken"), "idTag"), evse)
                return 200, reply
            else:
                await getattr(cs, action)()
        except (ValueError, ConnectionError, CallError, CallTimeout, asyncio.TimeoutError) as exc:
            return _failure(exc)
        return 200, {"ok": True, "action": segments[0]}

    return handle


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def add_simulate_arguments(subparsers: Any) -> argparse.ArgumentParser:
    """Add `simulate charging-station` (OCPP 2.0.1) to the CLI's `simulate` command; returns its parser."""
    _, roles = simulate_command(
        subparsers, help="run a reference simulator (an OCPP charge point, charging station or CSMS)",
        description="Run a reference OCPP simulator with an HTTP control API.")
    cs = roles.add_parser(
        "charging-station", help="an OCPP 2.0.1 charging station connecting to a CSMS",
        description="Run the reference OCPP 2.0.1 charging station with an HTTP control API. Faults:\n"
                    + fault_registry.describe("charge_point"),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    cs.add_argument("--csms", required=True, metavar="URL", help="CSMS endpoint, e.g. ws://127.0.0.1:9000/ocpp (the "
                                                                 "identity is appended)")
    cs.add_argument("--identity", required=True, help="charging station identity, e.g. CS001")
    cs.add_argument("--evses", type=int, default=1, help="number of EVSEs, one connector each (default 1)")
    cs.add_argument("--password", help="HTTP Basic password (security profile 1)")
    cs.add_argument("--variable", action="append", type=_key_value, default=[], metavar="COMPONENT.VARIABLE=VALUE",
                    help="a variable's value as installed (repeatable), e.g. OCPPCommCtrlr.HeartbeatInterval=60")
    cs.add_argument("--no-evse-reset", action="store_true", help="refuse to reset a single EVSE")
    cs.add_argument("--response-timeout", type=float, default=30.0, help="seconds to wait for a reply to our calls")
    cs.add_argument("--control-host", default="127.0.0.1", help="control API address (default 127.0.0.1)")
    cs.add_argument("--control-port", type=tcp_port, default=0, help="control API port (default: any free one)")
    cs.add_argument("--fault", action="append", default=[], metavar="NAME", help="switch on a named fault")
    cs.add_argument("--duration", type=float, help="stop after this many seconds (default: until interrupted)")
    cs.add_argument("--verbose", "-v", action="store_true", help="log every frame")
    cs.set_defaults(handler=run_simulate)
    return cs


def run_simulate(args: argparse.Namespace) -> int:
    """Entry point of `ocpp-conformance simulate charging-station ...`; returns the process exit code."""
    return run_simulator(lambda: run_charging_station(args), verbose=args.verbose, ports="--control-port")


async def run_charging_station(args: argparse.Namespace) -> None:
    if not re.match(r"^ws://", args.csms):
        raise ValueError(f"--csms must be a ws:// URL (the 2.0.1 reference station runs at security profiles 0 and "
                         f"1), got {args.csms!r}")
    if args.evses < 1:
        raise ValueError("--evses must be at least 1")
    cs = ReferenceChargingStation(csms_url=args.csms, identity=args.identity, evses=(1,) * args.evses,
                                  password=args.password, security_profile=1 if args.password else 0,
                                  faults=args.fault, variables=dict(args.variable),
                                  reset_evse=not args.no_evse_reset, response_timeout=args.response_timeout)
    control = ControlServer(charging_station_handler(cs), host=args.control_host, port=args.control_port)
    await control.start()
    await cs.start()
    print(f"OCPP 2.0.1 charging station {args.identity} -> {cs.url}; control API {control.url}", flush=True)
    try:
        await wait_for_end(args.duration)
    finally:
        await control.stop()
        await cs.stop()
