"""What the suite does in OCPP 2.0.1: the roles it plays (`roles`), its preconditions and fixtures, and its
reference simulators (`simulators`), in the same shape as `conformance.ocpp16`; `SUPPORT` is what the core asks of
it (`conformance.versions.VersionSupport`)."""

from conformance.ocpp201.support import SUPPORT

__all__ = ["SUPPORT"]
