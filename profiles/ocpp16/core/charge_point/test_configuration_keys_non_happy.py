"""OCTT 2.15 — Core Profile - Configuration Keys Non-Happy Flow (the suite plays the Central System)."""

from conformance import case

SECTION = "Core Profile - Configuration Keys Non-Happy Flow"
INVALID_VALUE = ("MeterValueSampleInterval", "-1")  # an interval in seconds cannot be negative


def _value(conf, key):
    for entry in conf.get("configurationKey") or []:
        if isinstance(entry, dict) and entry.get("key") == key:
            return entry.get("value")
    return None


@case("TC_040_1_CS", "Configuration key - NotSupported",
      spec="OCPP 1.6 §5.3",
      requirement="The Charge Point SHALL answer ChangeConfiguration.req for a key it does not support with "
                  "NotSupported.",
      needs=("configuration.unsupported_key",))
async def test_change_unknown_key(charge_point, descriptor):
    key = descriptor.configuration.get("unsupported_key") or "ConformanceUnsupportedKey"
    conf = await charge_point.call("ChangeConfiguration", {"key": key, "value": "true"})
    assert conf.status == "NotSupported", (
        f"[behaviour] ChangeConfiguration of the unsupported key {key!r} was answered {conf.status!r}; it SHALL be "
        "NotSupported (OCPP 1.6 §5.3) — if the charger does support it, name another key in "
        f"configuration.unsupported_key of {descriptor.path or 'the IUT descriptor'}")


@case("TC_040_2_CS", "Configuration key - Invalid value",
      spec="OCPP 1.6 §5.3, §9.1",
      requirement="The Charge Point SHALL answer ChangeConfiguration.req with a value that is not valid for the key "
                  "with Rejected and keep the key's value.")
async def test_change_invalid_value(charge_point):
    key, value = INVALID_VALUE
    before = _value(await charge_point.call("GetConfiguration", {"key": [key]}), key)
    conf = await charge_point.call("ChangeConfiguration", {"key": key, "value": value})
    if conf.status != "Rejected" and before is not None:
        await charge_point.call("ChangeConfiguration", {"key": key, "value": before})  # undo before judging
    assert conf.status == "Rejected", (
        f"[behaviour] ChangeConfiguration {key}={value} was answered {conf.status!r}; a value outside the key's "
        "range SHALL be Rejected (OCPP 1.6 §5.3)")
    after = _value(await charge_point.call("GetConfiguration", {"key": [key]}), key)
    assert after == before, (
        f"[behaviour] after rejecting {key}={value} the charge point reports {key}={after!r}, not its previous "
        f"value {before!r}")
