"""OCTT B — Set new NetworkConnectionProfile (the suite plays the charging station; Part 2 B09)."""

from urllib.parse import urlsplit

from conformance import case

SECTION = "Provisioning"

REQ_PROFILE = ("The CSMS SHALL send SetNetworkProfileRequest with the configurationSlot and the connectionData "
               "(OCPP version, transport, CSMS URL, message timeout, security profile, interface) the operator asked "
               "for (Part 2 B09).")
REQ_FAILED = ("A network connection profile the charging station failed to store (SetNetworkProfileResponse Failed) "
              "does not exist on the station: the CSMS SHALL NOT make the station use it by naming its slot in "
              "NetworkConfigurationPriority (Part 2 B09, B10).")
SLOT = 1


def connection_data(descriptor):
    url = descriptor.endpoint
    return {"ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": url, "messageTimeout": 30,
            "securityProfile": descriptor.security.profile, "ocppInterface": "Wired0"}


async def set_network_profile(operator, descriptor):
    asked = {"configurationSlot": SLOT, "connectionData": connection_data(descriptor)}
    request = await operator("SetNetworkProfile", asked, as_asked=("configurationSlot",), requirement=REQ_PROFILE)
    sent = request.payload.get("connectionData") or {}
    for name, value in asked["connectionData"].items():
        if name == "ocppCsmsUrl":
            same = urlsplit(str(sent.get(name, ""))) == urlsplit(value)
        else:
            same = sent.get(name) == value
        assert same, (f"[behaviour] SetNetworkProfileRequest (#{request.seq}) has connectionData.{name} "
                      f"{sent.get(name)!r}, the operator asked for {value!r}")
    return request


@case("TC_B_42_CSMS", "Set new NetworkConnectionProfile - Accepted", profile="core",
      spec="OCPP 2.0.1 Part 2 B09",
      requirement=REQ_PROFILE)
async def test_network_profile_accepted(booted, station, operator, descriptor):
    request = await set_network_profile(operator, descriptor)
    await station.reaction(request)
    assert SLOT in station.model.network_profiles, "the suite's charging station did not store the profile"


@case("TC_B_44_CSMS", "Set new NetworkConnectionProfile - Failed", profile="core",
      spec="OCPP 2.0.1 Part 2 B09, B10",
      requirement=REQ_PROFILE + " " + REQ_FAILED)
async def test_network_profile_failed(csms, booted, station, operator, descriptor, timeouts):
    station.model.network_profile_fails = True  # the station answers Failed
    request = await set_network_profile(operator, descriptor)
    await station.reaction(request)

    def names_the_slot(items):
        return any(isinstance(i, dict) and (i.get("variable") or {}).get("name") == "NetworkConfigurationPriority"
                   and str(SLOT) in str(i.get("attributeValue", "")).split(",") for i in items or [])

    await csms.expect_no("SetVariables", timeouts.settle, after=request, requirement=REQ_FAILED,
                         setVariableData=names_the_slot)
