"""OCTT 3.7 — Core Profile: configuration, happy flow (the suite plays the charge point)."""

from conformance import case
from conformance.ocpp16.roles.station import operator_command

SECTION = "Core Profile - Configuration Happy flow"
REQ_GET = "The Central System sends GetConfiguration.req when asked to (OCPP 1.6 §5.8)."
REQ_CHANGE = "The Central System sends ChangeConfiguration.req with the key and value asked for (OCPP 1.6 §5.3)."


@case("TC_019_1_CSMS", "Retrieve all configuration keys",
      spec="OCPP 1.6 §5.8, §9.1",
      requirement="The Central System SHALL retrieve every configuration key of a charge point with a "
                  "GetConfiguration.req without a key list, and handle the full answer.")
async def test_get_all_configuration(csms, booted, station, iut, timeouts):
    req = await operator_command(iut, csms, "GetConfiguration", {}, within=timeouts.expect, requirement=REQ_GET)
    assert not req.payload.get("key"), (
        f"[behaviour] GetConfiguration.req (#{req.seq}) asks for the keys {req.payload.get('key')}; to retrieve all "
        "keys the key list is left out or empty")
    await station.reaction(req)  # answered with every Core key and its accessibility


@case("TC_019_2_CSMS", "Retrieve specific configuration key",
      spec="OCPP 1.6 §5.8",
      requirement="The Central System SHALL retrieve one configuration key with a GetConfiguration.req naming it.")
async def test_get_specific_configuration(csms, booted, station, iut, timeouts):
    req = await operator_command(iut, csms, "GetConfiguration", {"key": ["HeartbeatInterval"]}, within=timeouts.expect,
                                 requirement=REQ_GET)
    keys = [str(k).lower() for k in req.payload.get("key") or []]
    assert keys == ["heartbeatinterval"], (
        f"[behaviour] GetConfiguration.req (#{req.seq}) asks for {req.payload.get('key')!r}, the operator asked for "
        "['HeartbeatInterval']")
    await station.reaction(req)


@case("TC_021_CSMS", "Change/set Configuration",
      spec="OCPP 1.6 §5.3, §9.1 MeterValueSampleInterval",
      requirement="The Central System SHALL set a configuration key of a charge point with ChangeConfiguration.req "
                  "carrying the key and the new value as a string.")
async def test_change_configuration(csms, booted, station, iut, timeouts):
    station.configure(MeterValueSampleInterval=120)  # the charger's own value before the change
    req = await operator_command(iut, csms, "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "60"},
                                 within=timeouts.expect, requirement=REQ_CHANGE)
    assert str(req.payload.get("key", "")).lower() == "metervaluesampleinterval" and req.payload.get("value") == "60", (
        f"[behaviour] ChangeConfiguration.req (#{req.seq}) is {req.payload}, the operator asked for "
        "MeterValueSampleInterval = \"60\"")
    await station.reaction(req)  # Accepted
    assert station.model.config("MeterValueSampleInterval") == "60"
