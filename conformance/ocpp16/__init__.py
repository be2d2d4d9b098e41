"""What the suite does in OCPP 1.6: the roles it plays (`roles`), the OCTT "Before" states and how it reaches
them (`preconditions`, `fixtures`), steps several cases check alike (`steps`, `queued_messages`), and the
reference simulators (`simulators`). The core reaches it through `SUPPORT` (see `conformance.versions`)."""

from conformance.ocpp16.support import SUPPORT

__all__ = ["SUPPORT"]
