"""The fixtures of the OCPP 1.6 Smart Charging cases (the charge point under test's charging profiles)."""

from conformance.ocpp16.smart_charging_steps import profiles  # noqa: F401
