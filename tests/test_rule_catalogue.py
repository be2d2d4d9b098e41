"""The rule catalogue is complete and honest: every rule ID the source can cite in a verdict is in it, cases warn
only under SHOULD rules, and every SHOULD rule says why it is not a MUST."""

from __future__ import annotations

from conformance.rules import RULES
from conformance.wire import Level
from tests.rule_ids import rule_id_literals, warn_calls


def test_every_rule_id_in_the_source_is_in_the_catalogue() -> None:
    missing = {rule: where for rule, where in rule_id_literals().items() if rule not in RULES}
    assert not missing, "rule IDs used in the source but missing from conformance/rules/catalogue.py: " + "; ".join(
        f"{rule} ({', '.join(where)})" for rule, where in sorted(missing.items()))


def test_every_catalogue_rule_is_cited_somewhere() -> None:
    unused = sorted(set(RULES) - set(rule_id_literals()))
    assert not unused, f"catalogue rules nothing in conformance/ or profiles/ can raise: {unused}"


def test_cases_warn_only_under_should_rules_named_literally() -> None:
    calls = warn_calls()
    assert calls, "no warn() call found: the scanner is broken"
    for where, rule in calls:
        if where.startswith("conformance/session.py"):
            continue  # the definition's own docstring example, if any
        assert isinstance(rule, str) and rule in RULES, f"{where}: warn() names {rule!r}, not a catalogue rule ID"
        assert RULES[rule].level is Level.SHOULD, (
            f"{where}: warn() under {rule}, a MUST rule; a MUST requirement is an assertion")


def test_every_should_rule_quotes_its_sentence_or_says_why() -> None:
    for rule in RULES.values():
        if rule.level is Level.SHOULD:
            assert '"' in rule.requirement or "A warning only" in rule.requirement, (
                f"{rule.id} is SHOULD; quote the specification's SHOULD sentence in its requirement, or say why the "
                "matter is disputed ('A warning only: ...')")
