"""The fixtures of the firmware management and diagnostics cases: the suite's own file servers for a charge point
under test."""

from conformance.ocpp16.firmware import file_servers  # noqa: F401
