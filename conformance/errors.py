"""How a case ends when it does not pass.

A deviation of the IUT is an `IutDeviation` (an AssertionError: pytest and Allure report it as *failed*). Its first
line starts with a category in brackets, e.g. ``[no-response]``, which the reports use to sort failures.
A case that cannot be judged because of the suite or the environment raises `Broken` (Allure: *broken*).
A case whose starting state the IUT could not be brought into raises `Inconclusive` (OCTT's "inconc"): its own
requirement was not judged; the plugin reports it as a skip whose reason starts with "inconclusive: ".
A case whose stimulus needs an action the configured driver cannot do is `not applicable` (a pytest skip).
"""

from __future__ import annotations

CATEGORIES = ("schema", "framing", "timing", "callerror", "no-response", "behaviour", "unreachable", "suite",
              "precondition")


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


class Inconclusive(Exception):
    """The IUT could not be brought into the case's starting state (a precondition), so the case's requirement was
    not judged. Names the precondition, what the suite tried, and the frame that shows why (if one does).

    `own_violations`: whether MUST violations the IUT committed in this case still make it *failed* (they do, unless
    the suite only probed whether a silent IUT still answers: its silence was judged where it first showed)."""

    category = "precondition"

    def __init__(self, precondition: str, why: str, *, tried: tuple[str, ...] | list[str] = (),
                 frame_seq: int | None = None, category: str | None = None, own_violations: bool = True,
                 explained_by: dict | None = None) -> None:
        if category:
            self.category = category
        self.precondition = precondition
        self.tried = tuple(tried)
        self.frame_seq = frame_seq
        self.own_violations = own_violations
        self.explained_by = explained_by  # filled by the run state when it knows an earlier case to blame
        self.headline = f'precondition "{precondition}" not reached: {why}'
        if self.tried:
            self.headline += "; tried: " + ", ".join(self.tried)
        super().__init__(self.headline)


NOT_APPLICABLE_PREFIX = "not applicable: "
INCONCLUSIVE_PREFIX = "inconclusive: "
