"""In-process driver of the 2.0.1 reference charging station, and how to start one from an IUT descriptor.

`start_simulator(descriptor)` builds the station a ``driver.type: simulator`` descriptor of a charging station stands
for, connecting to where the suite's CSMS listens, starts it and returns it with its driver. Every driver action maps
to the station's method of the same name; the `connector` of an action names the EVSE.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING, Any

from conformance.drivers.base import ChargePointDriver, DriverError, NeedsManualAction
from conformance.ocpp201.simulators.charging_station.station import ReferenceChargingStation
from conformance.ocpp201.simulators.faults import faults_for_side
from conformance.ocpp201.simulators.rpc import CallError, CallTimeout
from conformance.ocpp201.simulators.settings import driver_options, late_reply_delay
from conformance.pki import test_pki_for
from conformance.tls_contexts import client_context

if TYPE_CHECKING:
    from conformance.iut import Descriptor
    from conformance.wire import Wire

CHARGING_STATION_ACTIONS = ("plug_in", "unplug", "present_id_tag", "power_cycle", "reboot", "go_offline",
                            "come_online", "raise_fault", "clear_fault", "set_security_profile", "suspend_ev",
                            "resume_ev", "park", "leave_bay", "cable_locked")

_STATION_OPTIONS = {"variables", "late_reply_delay", "boot_retry_interval", "reconnect_delay", "power_off_time",
                    "vendor", "model", "serial_number", "firmware_version", "response_timeout"}


class SimulatorChargingStationDriver(ChargePointDriver):
    """Drives an in-process `ReferenceChargingStation`."""

    kind = "simulator"

    def __init__(self, descriptor: "Descriptor", *, wire: "Wire | None" = None,
                 simulator: ReferenceChargingStation) -> None:
        super().__init__(descriptor, wire=wire)
        self.simulator = simulator

    def can(self, action: str) -> bool:
        return action in CHARGING_STATION_ACTIONS

    async def unplug(self, connector: int, side: str = "ev") -> None:
        """The cable comes out at the EV (`side` "ev") or at the station ("station")."""
        await self.perform("unplug", connector=self._connector(connector), side=side)

    async def _perform(self, action: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if action not in CHARGING_STATION_ACTIONS:
            raise NeedsManualAction(f"the reference charging station has no action {action!r}")
        params.pop("fail", None)
        try:
            result = await getattr(self.simulator, action)(**params)
        except (ValueError, TypeError, ConnectionError, CallError, CallTimeout, asyncio.TimeoutError) as exc:
            raise DriverError(f"{action}: {exc}") from None
        return {"reply": result} if isinstance(result, dict) else None


def station_tls(descriptor: "Descriptor", faults: frozenset[str]) -> ssl.SSLContext | None:
    """The client TLS context of a station at security profile 2, or below it with the suite's test PKI (ready for an
    upgrade, A05): it trusts the root of the suite's test PKI (the CSMS root it was installed with). The faults that weaken it: `tls-1.1-accepted` takes TLS 1.0 and 1.1 too,
    `tls-wrong-cipher-suites` offers none of A00's TLS 1.2 suites, `server-certificate-not-checked` trusts any
    certificate."""
    sec = descriptor.security
    if sec.profile < 2 and not sec.generate:
        return None
    if sec.profile > 2 or not sec.generate:
        raise ValueError(f"{descriptor.label}: security: the 2.0.1 reference charging station runs at security "
                         "profiles 0 to 2, with the suite's test PKI at 2 — use profile 2 with tls: {generate: true}")
    pki = test_pki_for(descriptor)
    if "tls-1.1-accepted" in faults:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.load_verify_locations(pki.ca_cert)
    elif "tls-wrong-cipher-suites" in faults:
        ctx = client_context(pki.ca_cert, server_name=sec.server_name, maximum_version=ssl.TLSVersion.TLSv1_2,
                             ciphers=("ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"))
    else:
        ctx = client_context(pki.ca_cert, server_name=sec.server_name)
    if "server-certificate-not-checked" in faults:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def build_charging_station(descriptor: "Descriptor") -> ReferenceChargingStation:
    options = driver_options(descriptor, _STATION_OPTIONS)
    faults = faults_for_side(descriptor.driver.get("faults") or (), "charge_point")
    host = "127.0.0.1" if descriptor.listen_host in ("0.0.0.0", "::", "") else descriptor.listen_host
    url = f"{descriptor.scheme}://{host}:{descriptor.listen_port}{descriptor.listen_path}"
    # The descriptor's `Component.Variable` configuration entries are the station's values as installed.
    variables = {k: v for k, v in descriptor.configuration.items() if "." in k}
    variables.update(options.pop("variables", {}) or {})
    tags = descriptor.id_tags
    tokens = [t for t in (tags.valid, tags.valid_2, tags.invalid, tags.blocked, tags.expired, tags.parent_id_tag,
                          tags.child_id_tag, tags.sibling_id_tag) if t]
    facts = descriptor.device_model
    return ReferenceChargingStation(
        csms_url=url,
        identity=descriptor.identity,
        evses=descriptor.evses or (1,),
        password=descriptor.security.password,
        security_profile=descriptor.security.profile,
        ssl_context=station_tls(descriptor, faults),
        csms_roots=[test_pki_for(descriptor).ca_cert] if descriptor.security.generate else [],
        tls_server_name=descriptor.security.server_name,
        faults=faults,
        variables=variables,
        token_types={t: descriptor.id_token_type(t) for t in tokens},
        report_bases=(facts.report_bases if facts and facts.report_bases else
                      ("ConfigurationInventory", "FullInventory")),  # the descriptor's default: the required ones
        reset_evse="reset_evse" in descriptor.optional_features,
        fixed_cable=descriptor.fixed_cable,
        rejected_keeps_connection="rejected_keeps_connection" in descriptor.optional_features,
        response_timeout=float(options.pop("response_timeout", descriptor.timeouts.response)),
        late_reply_delay=late_reply_delay(descriptor, options),
        **options,
    )


async def start_simulator(descriptor: "Descriptor", *, wire: "Wire | None" = None
                          ) -> tuple[ReferenceChargingStation, SimulatorChargingStationDriver]:
    station = build_charging_station(descriptor)
    await station.start()
    return station, SimulatorChargingStationDriver(descriptor, wire=wire, simulator=station)


def create(descriptor: "Descriptor", *, wire: "Wire | None" = None, simulator: Any = None
           ) -> SimulatorChargingStationDriver:
    if simulator is None:
        raise DriverError(f"driver 'simulator' needs a running reference charging station ({descriptor.label})")
    return SimulatorChargingStationDriver(descriptor, wire=wire, simulator=simulator)


async def stop_simulator(simulator: Any) -> None:
    """Stop a station started by `start_simulator` (bounded: never hangs)."""
    try:
        await asyncio.wait_for(simulator.stop(), 10)
    except asyncio.TimeoutError:
        simulator.logger.warning("the reference charging station did not stop within 10 s")
