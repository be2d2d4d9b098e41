"""Self-tests of conformance.frames: strict JSON, UTF-8, and the two parse paths agreeing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import frames
from conformance.frames import StrictJSONError, StrictParser, decode_utf8, parse_strict, salvage_message_id
from conformance.protocol import PROTOCOLS


@pytest.mark.parametrize("text, value", [
    ('[2,"1","Heartbeat",{}]', [2, "1", "Heartbeat", {}]),
    (' \t\r\n{"a": [1, 2.5, -0, true, false, null]} \n', {"a": [1, 2.5, 0, True, False, None]}),
    ('"\\ud83d\\ude00"', "😀"),
    ('{"a":"\\u0000\\u007f"}', {"a": "\x00\x7f"}),
    ("1e400", float("inf")),  # valid JSON; beyond double range, as every double-based parser reads it
])
def test_valid_json(text: str, value: object) -> None:
    assert parse_strict(text) == (value, [])


@pytest.mark.parametrize("text, reason", [
    ("NaN", "NaN is not a JSON value"),
    ('{"a":Infinity}', "Infinity is not a JSON value"),
    ("[-Infinity]", "-Infinity is not a JSON value"),
    ("", "no JSON text"),
    ("   ", "no JSON text"),
    ("[1,]", "at char"),
    ("[1] [2]", "extra data after the JSON value"),
    ("\ufeff[]", "byte order mark"),
    ("{'a': 1}", "at char"),
    ('"tab\there"', "at char"),
    ("[" * 100_000, "nested too deeply"),
    ("\u00a0[]", "expecting a value"),
])
def test_not_json(text: str, reason: str) -> None:
    with pytest.raises(StrictJSONError) as raised:
        parse_strict(text)
    assert reason in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize("text, problem", [
    ('{"a":1,"a":2}', "duplicate object key 'a'"),
    ('[{"x":{"k":1,"j":2,"k":3}}]', "duplicate object key 'k'"),
    ('{"\\u0061":1,"a":2}', "duplicate object key 'a'"),
    ('"\\ud800"', "unpaired UTF-16 surrogate"),
    ('"\\udc00x"', "unpaired UTF-16 surrogate"),
    ('"\\ude00\\ud83d"', "unpaired UTF-16 surrogate"),
    ('{"\\ud800":1}', "unpaired UTF-16 surrogate"),
    ('["a\ud800"]', "unpaired surrogate character"),
])
def test_problems_json_tolerates(text: str, problem: str) -> None:
    _, problems = parse_strict(text)
    assert len(problems) == 1 and problem in problems[0]


def test_escaped_backslash_is_not_a_surrogate_escape() -> None:
    assert parse_strict('{"a":"\\\\ud800"}') == ({"a": "\\ud800"}, [])


def test_huge_integers_are_json() -> None:
    value, problems = parse_strict("[" + "7" * 5000 + "]")
    assert problems == [] and value == [Decimal("7" * 5000)]


def test_decode_utf8() -> None:
    assert decode_utf8("é".encode()) == "é"
    with pytest.raises(StrictJSONError, match="invalid UTF-8 at byte 1"):
        decode_utf8(b"a\xff")
    with pytest.raises(StrictJSONError, match="invalid UTF-8 at byte 0"):
        decode_utf8(b"\xed\xa0\x80")  # an encoded surrogate is not UTF-8


@pytest.mark.parametrize("text, expected", [
    ('[2,"abc-1","Heartbeat",{', "abc-1"),
    (' [ 2 , "x" , ', "x"),
    ('[2,"no-end', None),
    ("{", None),
])
def test_salvage_message_id(text: str, expected: str | None) -> None:
    assert salvage_message_id(text) == expected


def test_error_code_tables() -> None:
    assert "OccurenceConstraintViolation" in PROTOCOLS["1.6"].error_codes
    assert "FormationViolation" in PROTOCOLS["1.6"].error_codes
    assert "RpcFrameworkError" not in PROTOCOLS["1.6"].error_codes
    assert {"FormatViolation", "OccurrenceConstraintViolation", "RpcFrameworkError",
            "MessageTypeNotSupported"} <= PROTOCOLS["2.0.1"].error_codes
    for version in PROTOCOLS.values():
        assert set(version.error_code_aliases.values()) <= version.error_codes
        assert not set(version.error_code_aliases) & version.error_codes


# -- the optional fast parser must agree with the strict stdlib parser on everything -----------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5),
    max_leaves=30,
)
json_ish = st.one_of(
    json_values.map(lambda v: json.dumps(v, ensure_ascii=False)),
    json_values.map(json.dumps),
    st.text(alphabet='[]{}",:0123456789.eE+-tnrufalsNIiy \\ud83dx', max_size=40),
    st.text(max_size=40),
    st.builds(lambda key, a, b: f'{{"{key}":{a},"{key}":{b}}}', st.text(alphabet="ab", min_size=1, max_size=2),
              st.integers(), st.integers()),
    st.sampled_from(['"\\ud800"', '"\\udfff"', '"\\ud83d\\ude00"', '"\\ud83d"', "1e400", "-0", "[1e-400]"]),
)


@pytest.mark.skipif(frames._jiter_from_json is None, reason="jiter is not installed")
@settings(max_examples=400, deadline=None)
@given(json_ish)
def test_fast_and_strict_parsers_agree(text: str) -> None:
    fast, strict = StrictParser(fast=True), StrictParser(fast=False)
    try:
        expected = strict.parse(text)
    except StrictJSONError:
        with pytest.raises(StrictJSONError):
            fast.parse(text)
        return
    value, problems = fast.parse(text)
    assert problems == expected[1]
    assert json.dumps(value, sort_keys=True, default=str) == json.dumps(expected[0], sort_keys=True, default=str)
