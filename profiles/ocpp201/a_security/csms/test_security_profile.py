"""OCTT A — Upgrade Charging Station Security Profile (the suite plays the charging station; Part 2 A05)."""

from urllib.parse import urlsplit

from conformance import case
from conformance.errors import ExpectationFailed
from conformance.ocpp201.csms_checks import check_variables_as_asked
from conformance.pki import ssl_context_for
from conformance.transport import HandshakeRefused, TlsFailure

SECTION = "Security"

REQ_UPGRADE = ("To raise a charging station's security profile the CSMS SHALL send SetNetworkProfileRequest with the "
               "higher securityProfile, make that configuration slot the first of NetworkConfigurationPriority "
               "(SetVariablesRequest) and reset the station; it SHALL accept the station's connection with the new "
               "profile and from then on SHALL NOT accept a connection with a lower one (Part 2 A05, B09, B10).")
SLOT = 1


def priority(value):
    return {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"},
            "attributeValue": value}


@case("TC_A_19_CSMS", "Upgrade Charging Station Security Profile - Accepted", profile="core",
      spec="OCPP 2.0.1 Part 2 A05 (Upgrade Charging Station Security Profile), B09, B10",
      requirement=REQ_UPGRADE,
      needs=("security_profile:2", "tls_material", "driver:set_security_profile"))
async def test_upgrade_security_profile(conformance_iut, booted, station, operator, iut, descriptor):
    link = conformance_iut
    old, new = descriptor.security.profile, descriptor.security.profile + 1
    data = {"ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": descriptor.endpoint,
            "messageTimeout": 30, "securityProfile": new, "ocppInterface": "Wired0"}
    try:
        request = await operator("SetNetworkProfile", {"configurationSlot": SLOT, "connectionData": data},
                                 as_asked=("configurationSlot",), requirement=REQ_UPGRADE)
        sent = request.payload.get("connectionData") or {}
        for name, value in data.items():
            same = (urlsplit(str(sent.get(name, ""))) == urlsplit(value)) if name == "ocppCsmsUrl" else \
                sent.get(name) == value
            assert same, (f"[behaviour] SetNetworkProfileRequest (#{request.seq}) has connectionData.{name} "
                          f"{sent.get(name)!r}, the operator asked for {value!r}")
        await station.reaction(request)
        asked = [priority(f"{SLOT},0")]
        request = await operator("SetVariables", {"setVariableData": asked}, requirement=REQ_UPGRADE)
        check_variables_as_asked(request, "setVariableData", asked, values=True)
        await station.reaction(request)
        request = await operator("Reset", {"type": "Immediate"}, as_asked=("type",), requirement=REQ_UPGRADE)
        try:
            await station.reaction(request)  # reboots, connects with the new profile, boots
        except (HandshakeRefused, TlsFailure) as exc:
            raise ExpectationFailed(f"the CSMS refused the station's connection with security profile {new}: {exc}",
                                    f"  requirement: {REQ_UPGRADE}") from None
        assert link.endpoint.profile == new and station.model.registration == "Accepted", (
            f"[suite] the station did not reconnect with security profile {new}")
        try:  # a connection as before the upgrade: TLS without a client certificate, HTTP Basic authentication
            ws = await link.endpoint.connect(attach=False, ssl_context=ssl_context_for(link.descriptor, profile=old),
                                             password=link.endpoint.password)
        except (HandshakeRefused, TlsFailure) as exc:
            link.wire.event("note", refused=f"security profile {old} after the upgrade: {exc}"[:300])
            return
        await ws.close()
        raise AssertionError(f"[behaviour] after the station connected with security profile {new} the CSMS still "
                             f"accepted a connection with profile {old}\n  requirement: {REQ_UPGRADE}")
    finally:
        await iut.set_security_profile(old)  # OCPP only raises it: the operator puts it back
        link.endpoint.configure(profile=old)
        station.model.model.variable("SecurityCtrlr", "SecurityProfile").attributes["Actual"].value = str(old)
        station.model.registration = None
        if station.peer.connected:
            await link.endpoint.disconnect()
        await link.endpoint.connect()
        await station.boot_now()
