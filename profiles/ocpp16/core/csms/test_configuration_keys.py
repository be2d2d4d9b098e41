"""OCTT 3.13 — Core Profile: configuration keys, non-happy flow (the suite plays the charge point)."""

from conformance import case
from conformance.ocpp16.roles.station import operator_command

SECTION = "Core Profile - Configuration Keys Non-Happy Flow"
REQ_CHANGE = "The Central System sends ChangeConfiguration.req with the key and value asked for, the value as a " \
             "string (OCPP 1.6 §5.3)."


async def _change(csms, iut, timeouts, key, value):
    req = await operator_command(iut, csms, "ChangeConfiguration", {"key": key, "value": value}, within=timeouts.expect,
                                 requirement=REQ_CHANGE)
    assert str(req.payload.get("key", "")).lower() == key.lower() and req.payload.get("value") == value, (
        f"[behaviour] ChangeConfiguration.req (#{req.seq}) is {req.payload}, the operator asked for {key} = {value!r}")
    return req


@case("TC_040_1_CSMS", "Configuration keys",
      spec="OCPP 1.6 §5.3",
      requirement="The Central System SHALL handle a charge point answering ChangeConfiguration.req for a key it does "
                  "not support with NotSupported.",
      needs=("configuration.unsupported_key",))
async def test_configuration_key_not_supported(csms, booted, station, iut, descriptor, timeouts):
    key = descriptor.configuration.get("unsupported_key") or "ConformanceUnsupportedKey"
    req = await _change(csms, iut, timeouts, key, "true")
    await station.reaction(req)  # NotSupported: the suite's charger has no such key
    assert station.model.config_entry(key) is None


@case("TC_040_2_CSMS", "Configuration keys",
      spec="OCPP 1.6 §5.3",
      requirement="The Central System SHALL handle a charge point answering ChangeConfiguration.req with Rejected "
                  "when it fails to set the value.")
async def test_configuration_key_rejected(csms, booted, station, iut, timeouts):
    before = station.model.config("MeterValueSampleInterval")
    csms.respond("ChangeConfiguration", {"status": "Rejected"})  # the charger fails to store the value
    await _change(csms, iut, timeouts, "MeterValueSampleInterval", "30")
    assert station.model.config("MeterValueSampleInterval") == before
