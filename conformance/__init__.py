"""ocpp-conformance: an OCPP conformance test suite that plays either side against an implementation under test.

PYTEST_DONT_REWRITE: the command line imports this package before pytest starts, so pytest could not rewrite it
anyway; the marker keeps an installed copy from warning about it.
"""

__version__ = "0.1.0"

from conformance.case import case  # noqa: E402  (the public API of conformance cases)
from conformance.session import measure, warn  # noqa: E402

__all__ = ["case", "measure", "warn", "__version__"]
