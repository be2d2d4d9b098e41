"""OCTT 2.0.1 B — Network connection profiles (Part 2 B09) of a charging station under test (the suite plays the
CSMS)."""

import itertools

from conformance import case
from conformance import certificates as certs
from conformance.connections import connection_handshake, next_connection, serving
from conformance.ocpp201.steps import collect_report
from conformance.pki import bad_certificate, foreign_authority, test_pki_for
from conformance.tls_contexts import server_context

SECTION = "Provisioning"
_REQUEST_IDS = itertools.count(2090)


async def configuration_slots(charging_station, timeouts) -> set[int]:
    """The configuration slots the station has: the valuesList of OCPPCommCtrlr.NetworkConfigurationPriority in its
    FullInventory (empty when it gives none)."""
    request_id = next(_REQUEST_IDS)
    since = charging_station.mark_now()
    reply = await charging_station.call("GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"})
    if reply.payload.get("status") != "Accepted":
        return set()
    entries = await collect_report(charging_station, request_id, after=since, timeouts=timeouts,
                                  requirement="The Charging Station sends the FullInventory it accepted (B07).")
    for entry in entries:
        if ((entry.get("component") or {}).get("name"), (entry.get("variable") or {}).get("name")) == (
                "OCPPCommCtrlr", "NetworkConfigurationPriority"):
            listed = (entry.get("variableCharacteristics") or {}).get("valuesList") or ""
            return {int(s) for s in listed.split(",") if s.strip().isdigit()}
    return set()


@case("TC_B_43_CS", "Set new NetworkConnectionProfile - Rejected",
      spec="OCPP 2.0.1 Part 2 B09",
      requirement="A SetNetworkProfileRequest for a configuration slot the Charging Station does not have (not in the "
                  "valuesList of OCPPCommCtrlr.NetworkConfigurationPriority) SHALL be answered Rejected.")
async def test_set_network_profile_rejected(charging_station, conformance_iut, timeouts):
    slots = await configuration_slots(charging_station, timeouts)
    slot = max(slots, default=98) + 1
    reply = await charging_station.call("SetNetworkProfile", {"configurationSlot": slot, "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": conformance_iut.endpoint_url.rsplit("/", 1)[0],
        "messageTimeout": 30, "securityProfile": conformance_iut.descriptor.security.profile,
        "ocppInterface": "Wired0"}}, requirement="The Charging Station SHALL answer SetNetworkProfileRequest (B09).")
    status = reply.payload.get("status")
    assert status == "Rejected", (
        f"SetNetworkProfile of configuration slot {slot} (#{reply.record.seq}), which the station does not have "
        f"(its slots: {sorted(slots) or 'not reported'}), was answered {status!r}, expected Rejected (B09)")


def connection_data(url: str, security_profile: int) -> dict:
    return {"ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": url, "messageTimeout": 30,
            "securityProfile": security_profile, "ocppInterface": "Wired0"}


async def priority(charging_station) -> str:
    reply = await charging_station.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"}}]})
    return str(((reply.payload.get("getVariableResult") or [{}])[0]).get("attributeValue") or "0")


async def install_profile(charging_station, slot: int, url: str, security_profile: int) -> None:
    reply = await charging_station.call("SetNetworkProfile", {
        "configurationSlot": slot, "connectionData": connection_data(url, security_profile)},
        requirement="The Charging Station SHALL answer SetNetworkProfileRequest (B09).")
    assert reply.payload.get("status") == "Accepted", (
        f"SetNetworkProfile of configuration slot {slot} (#{reply.record.seq}) was answered "
        f"{reply.payload.get('status')!r}, expected Accepted (a valid profile for a slot the station has, B09)")


async def reset_idle(charging_station):
    sent = await charging_station.call("Reset", {"type": "OnIdle"})
    assert sent.payload.get("status") == "Accepted", (
        f"Reset OnIdle (#{sent.record.seq}) of an idle station was answered {sent.payload.get('status')!r}")
    return sent.record


@case("TC_B_45_CS", "Migrate to new ConnectionProfile - Success - Same CSMS Root",
      spec="OCPP 2.0.1 Part 2 B09, B10",
      requirement="Given a new network profile (SetNetworkProfile Accepted) listed first in NetworkConfigurationPriority, "
                  "the Charging Station SHALL connect with that profile after its reset: its BootNotificationRequest "
                  "(reason RemoteReset) comes on a connection to the new profile's ocppCsmsUrl.")
async def test_migrate_to_new_profile(charging_station, conformance_iut, set_variables, timeouts):
    link = conformance_iut
    slots = await configuration_slots(charging_station, timeouts)
    spare = min((s for s in slots if s != 0), default=1)
    old_path = link.descriptor.listen_path.rstrip("/")
    new_path = old_path + "-migrated"
    base = link.endpoint.url.rsplit("/", 1)[0]
    url = base[: len(base) - len(old_path)] + new_path
    link.endpoint.also_paths.add(new_path)  # the suite's CSMS serves the new URL too, for the rest of the run
    await install_profile(charging_station, spare, url, link.descriptor.security.profile)
    await set_variables(("OCPPCommCtrlr", "NetworkConfigurationPriority", f"{spare},{await priority(charging_station)}"))
    sent = await reset_idle(charging_station)
    boot = await charging_station.expect(
        "BootNotification", within=timeouts.connect + timeouts.expect, after=sent, reason="RemoteReset",
        requirement="After the reset the Charging Station connects and boots (B11).")
    handshake = connection_handshake(link, boot.connection)
    path = str((handshake.data if handshake else {}).get("path") or "")
    assert path.startswith(new_path + "/"), (
        f"the station booted (#{boot.seq}) on a connection to {path or 'an unknown path'}, not to the new profile's "
        f"{url}: it did not use the network profile NetworkConfigurationPriority lists first (B10)")


@case("TC_B_46_CS", "Migrate to new ConnectionProfile - Fallback mechanism - Same CSMS Root",
      spec="OCPP 2.0.1 Part 2 B09, B10",
      requirement="A Charging Station whose NetworkConfigurationPriority lists first a network profile it cannot "
                  "connect with SHALL, after NetworkProfileConnectionAttempts failed attempts with it, fall back to "
                  "the next profile of the priority and connect with that one (here: the CSMS it came from), booting "
                  "after the reset that made the priority take effect.")
async def test_network_profile_fallback(charging_station, conformance_iut, set_variables, timeouts):
    descriptor = conformance_iut.descriptor
    slots = await configuration_slots(charging_station, timeouts)
    spare = min((s for s in slots if s != 0), default=1)
    dead_url = "ws://127.0.0.1:1/ocpp"  # nothing listens on port 1: every attempt fails at once
    await install_profile(charging_station, spare, dead_url, descriptor.security.profile)
    current = await priority(charging_station)
    await set_variables(("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", 1),
                        ("OCPPCommCtrlr", "NetworkConfigurationPriority", f"{spare},{current}"))
    sent = await reset_idle(charging_station)
    await charging_station.expect(
        "BootNotification", within=timeouts.connect + timeouts.expect, after=sent, reason="RemoteReset",
        requirement="Once the profile first in NetworkConfigurationPriority failed NetworkProfileConnectionAttempts "
                    "times, the Charging Station SHALL connect with the next one (B10) and boot (B11).")


ATTEMPTS = 2  # NetworkProfileConnectionAttempts during TC_B_49_CS


@case("TC_B_49_CS", "Migrate to new ConnectionProfile - Fallback after NetworkProfileConnectionAttempts per "
                    "NetworkConfigurationPriority failed - Same CSMS Root",
      spec="OCPP 2.0.1 Part 2 B10, B09",
      requirement="A Charging Station whose first network profile fails SHALL try it NetworkProfileConnectionAttempts "
                  "times before it falls back to the next profile of NetworkConfigurationPriority, then connect with "
                  "that one and boot (the suite refuses the first profile's URL and counts the attempts).")
async def test_fallback_after_attempts(charging_station, conformance_iut, set_variables, timeouts):
    await fallback_after_attempts(charging_station, conformance_iut, set_variables, timeouts)


async def fallback_after_attempts(charging_station, link, set_variables, timeouts) -> None:
    """A first network profile whose URL the suite's CSMS refuses (HTTP 404), NetworkProfileConnectionAttempts
    ATTEMPTS: after the reset the station tries it at least that often, then boots with the next profile."""
    slots = await configuration_slots(charging_station, timeouts)
    spare = min((s for s in slots if s != 0), default=1)
    old_path = link.descriptor.listen_path.rstrip("/")
    refused_path = old_path + "-refused"  # the suite's CSMS answers it HTTP 404
    base = link.endpoint.url.rsplit("/", 1)[0]
    await install_profile(charging_station, spare, base[: len(base) - len(old_path)] + refused_path,
                          link.descriptor.security.profile)
    current = await priority(charging_station)
    await set_variables(("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", ATTEMPTS),
                        ("OCPPCommCtrlr", "NetworkConfigurationPriority", f"{spare},{current}"))
    sent = await reset_idle(charging_station)
    boot = await charging_station.expect(
        "BootNotification", within=timeouts.connect + timeouts.expect, after=sent, reason="RemoteReset",
        requirement="After the first profile failed, the Charging Station connects with the next one and boots (B10).")
    tries = [r for r in link.wire.after(sent.seq) if r.seq < boot.seq and r.event == "handshake"
             and str(r.data.get("path") or "").startswith(refused_path + "/")]
    assert len(tries) >= ATTEMPTS, (
        f"the station tried the first network profile {len(tries)} time(s) before falling back to the next "
        f"(#{boot.seq}); NetworkProfileConnectionAttempts is {ATTEMPTS} (B10)")


async def install_root(charging_station, root) -> None:
    reply = await charging_station.call("InstallCertificate", {
        "certificateType": "CSMSRootCertificate", "certificate": certs.pem([root])},
        requirement="The Charging Station answers InstallCertificateRequest (M05).")
    assert reply.payload.get("status") == "Accepted", (
        f"InstallCertificate of the new CSMS root (#{reply.record.seq}) was answered {reply.payload.get('status')!r}, "
        "expected Accepted (a valid CA certificate, M05)")


async def delete_root(charging_station, root) -> None:
    await charging_station.call("DeleteCertificate", {"certificateHashData": certs.certificate_hash_data(root, root)})


@case("TC_B_47_CS", "Migrate to new ConnectionProfile - Fallback after NetworkProfileConnectionAttempts per "
                    "NetworkConfigurationPriority failed - New CSMS Root - New CSMS",
      spec="OCPP 2.0.1 Part 2 B10, B09, M05",
      requirement="With the root of a new CSMS installed and that CSMS's network profile listed first, a Charging "
                  "Station that cannot connect to it SHALL try NetworkProfileConnectionAttempts times, then fall back "
                  "to the next profile (its CSMS under the old root) and boot there.",
      needs=("security_profile:2|3", "tls_material:generated"))
async def test_fallback_new_csms(charging_station, conformance_iut, set_variables, timeouts):
    new_root = foreign_authority(test_pki_for(conformance_iut.descriptor)).certificate
    await install_root(charging_station, new_root)
    try:
        await fallback_after_attempts(charging_station, conformance_iut, set_variables, timeouts)
    finally:
        await delete_root(charging_station, new_root)


@case("TC_B_50_CS", "Migrate to new ConnectionProfile - Success - New CSMS Root - New CSMS",
      spec="OCPP 2.0.1 Part 2 B09, B10, M05 (InstallCertificate CSMSRootCertificate), A00",
      requirement="Given the root of a new CSMS (InstallCertificate CSMSRootCertificate Accepted) and a network profile "
                  "for that CSMS listed first in NetworkConfigurationPriority, the Charging Station SHALL connect to "
                  "the new CSMS after its reset, trusting its server certificate under the new root, and boot there.",
      needs=("security_profile:2|3", "tls_material:generated"))
async def test_migrate_to_new_csms(charging_station, conformance_iut, set_variables, timeouts):
    link = conformance_iut
    pki = test_pki_for(link.descriptor)
    new_root = foreign_authority(pki).certificate  # the new CSMS's root: not the one the station was installed with
    await install_root(charging_station, new_root)
    old_path = link.descriptor.listen_path.rstrip("/")
    new_path = old_path + "-new-csms"
    base = link.endpoint.url.rsplit("/", 1)[0]
    url = base[: len(base) - len(old_path)] + new_path
    link.endpoint.also_paths.add(new_path)  # the "new CSMS" is the suite's, at another URL and with another root
    await install_profile(charging_station, 1, url, link.descriptor.security.profile)
    await set_variables(("OCPPCommCtrlr", "NetworkConfigurationPriority", f"1,{await priority(charging_station)}"))
    cert, key = bad_certificate(pki, "server", "foreign_ca")  # a valid server certificate under the new root
    try:
        sent = await reset_idle(charging_station)
        async with serving(link, ssl_context=server_context(cert, key)):
            boot = await charging_station.expect(
                "BootNotification", within=timeouts.connect + timeouts.expect, after=sent, reason="RemoteReset",
                requirement="After the reset the Charging Station connects to the new CSMS and boots (B10).")
            handshake = connection_handshake(link, boot.connection)
            path = str((handshake.data if handshake else {}).get("path") or "")
            assert path.startswith(new_path + "/"), (
                f"the station booted (#{boot.seq}) on a connection to {path or 'an unknown path'}, not to the new "
                f"CSMS at {url} (B10)")
    finally:
        since = link.wire.last_seq
        await next_connection(link, since, within=timeouts.connect)  # back under the suite's own certificate
        await delete_root(charging_station, new_root)
