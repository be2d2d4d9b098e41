"""How a case ends when it does not pass.

A deviation of the IUT is an `IutDeviation` (an AssertionError: pytest and Allure report it as *failed*). Its first
line starts with a category in brackets, e.g. ``[no-response]``, which the reports use to sort failures.
A case that cannot be judged because of the suite or the environment raises `Broken` (Allure: *broken*).
A case whose stimulus needs an action the configured driver cannot do is `not applicable` (a pytest skip).
"""

from __future__ import annotations

CATEGORIES = ("schema", "framing", "timing", "callerror", "no-response", "behaviour", "unreachable", "suite")


class IutDeviation(AssertionError):
    """The IUT did not do what the specification requires."""

    category = "behaviour"

    def __init__(self, message: str, details: str = "", *, category: str | None = None) -> None:
        if category:
            self.category = category
        self.headline = message
        self.details = details
        text = f"[{self.category}] {message}"
        if details:
            text += "\n" + details
        super().__init__(text)


class ExpectationFailed(IutDeviation):
    """An expected frame did not arrive in time, or an unwanted one did."""


class NoResponse(IutDeviation):
    category = "no-response"


class UnexpectedCallError(IutDeviation):
    category = "callerror"


class RuleViolations(IutDeviation):
    """The IUT broke MUST rules on the wire during the case."""


class Broken(Exception):
    """The suite or the environment failed; the verdict says nothing about the IUT."""

    category = "suite"

    def __init__(self, message: str, *, category: str | None = None) -> None:
        if category:
            self.category = category
        self.headline = message
        super().__init__(f"[{self.category}] {message}")


class Unreachable(Broken):
    category = "unreachable"


NOT_APPLICABLE_PREFIX = "not applicable: "
