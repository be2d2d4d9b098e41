"""OCTT 2.8 — Core Profile: configuration, happy flow (the suite plays the Central System)."""

from conformance import case

SECTION = "Core Profile - Configuration Happy flow"

# The Core profile keys OCPP 1.6 §9.1 marks required (the optional ones may be absent).
REQUIRED_CORE_KEYS = (
    "AuthorizeRemoteTxRequests", "ClockAlignedDataInterval", "ConnectionTimeOut", "ConnectorPhaseRotation",
    "GetConfigurationMaxKeys", "HeartbeatInterval", "LocalAuthorizeOffline", "LocalPreAuthorize",
    "MeterValuesAlignedData", "MeterValuesSampledData", "MeterValueSampleInterval", "NumberOfConnectors",
    "ResetRetries", "StopTransactionOnEVSideDisconnect", "StopTransactionOnInvalidId", "StopTxnAlignedData",
    "StopTxnSampledData", "SupportedFeatureProfiles", "TransactionMessageAttempts", "TransactionMessageRetryInterval",
    "UnlockConnectorOnEVSideDisconnect",
)
SOME_KEYS = ("HeartbeatInterval", "MeterValueSampleInterval", "ConnectionTimeOut")
CHANGED_KEY = "MeterValueSampleInterval"


def _entries(conf) -> dict:
    return {e.get("key"): e for e in (conf.get("configurationKey") or []) if isinstance(e, dict)}


@case("TC_019_CS", "Retrieve configuration",
      spec="OCPP 1.6 §5.8, §9.1",
      requirement="GetConfiguration.req without keys SHALL return every configuration setting, so all required Core "
                  "keys; with a list of keys it returns exactly those, with the same values.")
async def test_retrieve_configuration(charge_point, descriptor):
    everything = _entries(await charge_point.call(
        "GetConfiguration", {}, requirement="GetConfiguration.req without keys returns all settings (OCPP 1.6 §5.8)."))
    missing = [k for k in REQUIRED_CORE_KEYS if k not in everything]
    assert not missing, (
        f"[behaviour] GetConfiguration without keys left out required Core key(s) {', '.join(missing)} "
        f"({len(everything)} keys returned)")
    connectors = everything["NumberOfConnectors"].get("value")
    assert connectors == str(descriptor.connectors), (
        f"[behaviour] NumberOfConnectors is {connectors!r}; the IUT descriptor declares {descriptor.connectors} "
        "connectors (connectors.count)")
    profiles = [p.strip() for p in (everything["SupportedFeatureProfiles"].get("value") or "").split(",")]
    assert "Core" in profiles, f"[behaviour] SupportedFeatureProfiles {profiles} does not list Core"
    some = await charge_point.call("GetConfiguration", {"key": list(SOME_KEYS)},
                                   requirement="GetConfiguration.req with keys returns those keys (OCPP 1.6 §5.8).")
    chosen = _entries(some)
    assert set(chosen) == set(SOME_KEYS) and not some.get("unknownKey"), (
        f"[behaviour] GetConfiguration for {list(SOME_KEYS)} returned keys {sorted(chosen)}"
        f"{' and unknownKey ' + str(some.get('unknownKey')) if some.get('unknownKey') else ''}")
    differ = [k for k in SOME_KEYS if chosen[k].get("value") != everything[k].get("value")]
    assert not differ, (
        f"[behaviour] {differ[0]} is {chosen[differ[0]].get('value')!r} when asked for, "
        f"{everything[differ[0]].get('value')!r} in the full list")


@case("TC_021_CS", "Change/set Configuration",
      spec="OCPP 1.6 §5.3, §5.8",
      requirement="ChangeConfiguration.req of a writable key SHALL be answered Accepted and the new value applied: "
                  "GetConfiguration.req then returns it.")
async def test_change_configuration(charge_point, configure):
    before = _entries(await charge_point.call("GetConfiguration", {"key": [CHANGED_KEY]})).get(CHANGED_KEY) or {}
    current = before.get("value")
    assert current is not None, f"[behaviour] GetConfiguration has no value for {CHANGED_KEY}, a required Core key"
    await configure(**{CHANGED_KEY: current})  # only registers the key, so the original value is restored afterwards
    new = "17" if current != "17" else "23"
    conf = await charge_point.call("ChangeConfiguration", {"key": CHANGED_KEY, "value": new},
                                   requirement="The Charge Point answers ChangeConfiguration.req (OCPP 1.6 §5.3).")
    assert conf.status in ("Accepted", "RebootRequired"), (
        f"[behaviour] ChangeConfiguration {CHANGED_KEY}={new} was answered {conf.status!r}; the key is writable Core "
        "configuration")
    if conf.status == "RebootRequired":
        return  # the value takes effect after a reboot; nothing to read back now
    after = _entries(await charge_point.call("GetConfiguration", {"key": [CHANGED_KEY]})).get(CHANGED_KEY) or {}
    assert after.get("value") == new, (
        f"[behaviour] after ChangeConfiguration {CHANGED_KEY}={new} was Accepted, GetConfiguration returns "
        f"{after.get('value')!r}")
