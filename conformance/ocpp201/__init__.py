"""What the suite does in OCPP 2.0.1: the roles it plays (`roles`), its preconditions and fixtures, and its
reference simulators (`simulators`), in the same shape as `conformance.ocpp16`. The core reaches it through
`SUPPORT` (see `conformance.versions`)."""

from conformance.ocpp201.support import SUPPORT

__all__ = ["SUPPORT"]
