"""Configuration keys a charge point does not have or does not let change (the suite plays the Central System).
OCTT's Core cases change an unknown key and set an invalid value; these cases, with the suite's own IDs (SUITE_*),
ask for an unknown key and change a read-only one."""

from conformance import case
from conformance.ocpp16.preconditions import not_applicable

SECTION = "Configuration keys"
KNOWN_KEY = "HeartbeatInterval"  # a required Core key (OCPP 1.6 §9.1)


def _entries(conf) -> dict:
    """configurationKey entries by key, keys folded (configuration keys are CiString50: case-insensitive)."""
    return {str(e.get("key")).lower(): e for e in (conf.get("configurationKey") or []) if isinstance(e, dict)}


def _other_value(value: str) -> str:
    """A value the key does not hold, of the kind it holds where that can be told."""
    if value.strip().isdigit():
        return str(int(value) + 1)
    if value.strip().lower() in ("true", "false"):
        return "false" if value.strip().lower() == "true" else "true"
    return value + "X"


@case("SUITE_CONFIG_001", "GetConfiguration of an unknown key reports it in unknownKey",
      spec="OCPP 1.6 §5.8",
      requirement="GetConfiguration.req with a list of keys SHALL return the recognized keys with their values and "
                  "read-only state, and place the keys it does not recognize in unknownKey (\"Unrecognized keys SHALL "
                  "be placed in the response PDU as part of the optional unknown key list element\").",
      needs=("configuration.unsupported_key",))
async def test_get_configuration_unknown_key(charge_point, descriptor):
    unknown = descriptor.configuration.get("unsupported_key") or "ConformanceUnsupportedKey"
    conf = await charge_point.call("GetConfiguration", {"key": [KNOWN_KEY, unknown]},
                                   requirement="The Charge Point answers GetConfiguration.req (OCPP 1.6 §5.8).")
    reported = [str(k).lower() for k in conf.get("unknownKey") or []]
    entries = _entries(conf)
    assert unknown.lower() in reported, (
        f"[behaviour] GetConfiguration for [{KNOWN_KEY}, {unknown}] has unknownKey {conf.get('unknownKey')!r}; the key "
        f"the charge point does not recognize SHALL be listed there (OCPP 1.6 §5.8) — if the charger does support "
        f"{unknown}, name another key in configuration.unsupported_key of {descriptor.path or 'the IUT descriptor'}")
    assert unknown.lower() not in entries, (
        f"[behaviour] GetConfiguration lists {unknown} both as a configuration key and in unknownKey")
    assert KNOWN_KEY.lower() in entries and KNOWN_KEY.lower() not in reported, (
        f"[behaviour] GetConfiguration for [{KNOWN_KEY}, {unknown}] returned keys {sorted(entries)} and unknownKey "
        f"{reported}; {KNOWN_KEY}, a required Core key, belongs in configurationKey")


@case("SUITE_CONFIG_002", "ChangeConfiguration of a read-only key is Rejected",
      spec="OCPP 1.6 §5.3, §9.1",
      requirement="The Charge Point SHALL answer ChangeConfiguration.req of a key it reports read-only with Rejected "
                  "(\"If the Charge Point did not set the configuration, and none of the previous statuses applies, "
                  "the Charge Point SHALL respond with status 'Rejected'\") and keep the key's value.",
      needs=("configuration.read_only_key",))
async def test_change_read_only_key(charge_point, descriptor):
    key = descriptor.configuration.get("read_only_key")
    where = descriptor.path or "the IUT descriptor"
    if not key:
        not_applicable(f"no read-only configuration key is named: set configuration.read_only_key in {where} "
                       "(e.g. NumberOfConnectors)")
    before = _entries(await charge_point.call("GetConfiguration", {"key": [key]})).get(key.lower())
    if before is None or before.get("readonly") is not True:
        state = "does not report it" if before is None else "reports it writable (readonly false)"
        not_applicable(f"configuration.read_only_key is {key}, but the charge point {state}; name a key it reports "
                       f"read-only in {where}")
    value = str(before.get("value", ""))
    new = _other_value(value)
    conf = await charge_point.call("ChangeConfiguration", {"key": key, "value": new},
                                   requirement="The Charge Point answers ChangeConfiguration.req (OCPP 1.6 §5.3).")
    assert conf.status == "Rejected", (
        f"[behaviour] ChangeConfiguration of the read-only key {key} ({value!r} -> {new!r}) was answered "
        f"{conf.status!r}; a change the Charge Point does not make SHALL be Rejected (OCPP 1.6 §5.3)")
    after = _entries(await charge_point.call("GetConfiguration", {"key": [key]})).get(key.lower()) or {}
    assert after.get("value") == before.get("value"), (
        f"[behaviour] after rejecting {key}={new!r} the charge point reports {key}={after.get('value')!r}, not its "
        f"value {value!r}")
