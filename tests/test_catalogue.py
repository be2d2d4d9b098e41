"""Lint of the case catalogue: every case carries an official OCTT ID and title (or an own ID for transport cases),
sits in the folder of its version, profile and system under test, and appears once."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conformance.cli import catalogue

ROOT = Path(__file__).resolve().parent.parent
OCTT_16 = yaml.safe_load((ROOT / "conformance/catalogue/octt-1.6.yaml").read_text(encoding="utf-8"))["cases"]
OFFICIAL = {c["id"]: c for c in OCTT_16}
OCTT_201 = yaml.safe_load((ROOT / "conformance/catalogue/octt-2.0.1.yaml").read_text(encoding="utf-8"))["cases"]
OFFICIAL_201 = {c["id"]: c for c in OCTT_201}
CASES = catalogue(ROOT / "profiles")


def test_catalogue_file_counts_match_the_2026_02_edition():
    counts = Counter(c["sut"] for c in OCTT_16)
    assert counts == {"charge_point": 107, "csms": 77}
    core = Counter(c["sut"] for c in OCTT_16 if c["profile"] == "core")
    assert core == {"charge_point": 51, "csms": 34}


def test_case_ids_are_unique():
    dupes = [k for k, n in Counter((c["id"], c["sut"]) for c in CASES).items() if n > 1]
    assert not dupes


# Cases of a version for which OCTT has none carry the suite's own IDs: SUITE_<AREA>_<NNN>.
OWN_ID = re.compile(r"SUITE_[A-Z]+_\d{3}")


@pytest.mark.parametrize("entry", [c for c in CASES if c["ocpp_version"] == "1.6" and not OWN_ID.fullmatch(c["id"])],
                         ids=lambda c: c["id"])
def test_ocpp16_case_matches_the_official_catalogue(entry):
    official = OFFICIAL.get(entry["id"])
    assert official is not None, f"{entry['id']} is not an OCTT 1.6 test case ID"
    assert entry["title"] == official["title"], f"{entry['id']}: title differs from the OCTT catalogue"
    assert entry["sut"] == official["sut"], f"{entry['id']}: lives under {entry['sut']}, OCTT says {official['sut']}"
    expected = official.get("suite_profile", official["profile"])  # where the suite runs it, when it differs from OCTT
    assert entry["profile"] == expected, f"{entry['id']}: in profile folder {entry['profile']}, expected {expected}"
    assert entry["section"] == official["section"], f"{entry['id']}: SECTION {entry['section']!r}, OCTT says {official['section']!r}"


@pytest.mark.parametrize("entry", [c for c in CASES if OWN_ID.fullmatch(c["id"])], ids=lambda c: c["id"])
def test_own_version_cases_sit_in_a_profile_folder(entry):
    assert entry["id"] not in OFFICIAL
    assert entry["ocpp_version"] != "any" and entry["sut"] != "any", (
        "SUITE_ cases belong to a version, profile and system under test; transport cases use OCPPJ_ IDs")
    assert entry["section"], "SUITE_ cases name their SECTION"


@pytest.mark.parametrize("entry", [c for c in CASES if c["ocpp_version"] == "any"], ids=lambda c: c["id"])
def test_own_cases_use_own_ids(entry):
    assert re.fullmatch(r"OCPPJ_[A-Z]+_\d{3}", entry["id"]), "transport cases use IDs OCPPJ_<AREA>_<NNN>"
    assert entry["id"] not in OFFICIAL


@pytest.mark.parametrize("entry", CASES, ids=lambda c: c["id"])
def test_every_case_states_spec_and_requirement(entry):
    assert entry["spec"].strip(), "spec reference missing"
    assert len(entry["requirement"]) > 30, "requirement sentence missing or too short"


def test_catalogue_lists_what_each_case_needs():
    by_id = {c["id"]: c for c in CASES}
    assert by_id["TC_023_3_CSMS"]["needs"] == ["id_tags.blocked"]
    assert by_id["TC_069_CS"]["needs"] == ["id_tags.parent", "id_tags.valid_2"]
    assert by_id["TC_017_2_CS"]["needs"] == ["fixed_cable"]
    assert by_id["TC_001_CSMS"]["needs"] == []


def test_subprotocol_negotiation_runs_for_every_csms():
    entry = next(c for c in CASES if c["id"] == "TC_088_CSMS")
    assert (entry["profile"], entry["section"], entry["title"]) == ("core", "Security", "WebSocket Subprotocol negotiation")


@pytest.mark.parametrize("entry", [c for c in CASES if c["ocpp_version"] == "2.0.1" and not OWN_ID.fullmatch(c["id"])],
                         ids=lambda c: c["id"])
def test_ocpp201_case_matches_the_official_catalogue(entry):
    official = OFFICIAL_201.get(entry["id"])
    assert official is not None, f"{entry['id']} is not an OCTT 2.0.1 test case ID"
    assert entry["title"] == official["title"], f"{entry['id']}: title differs from the OCTT catalogue"
    assert entry["sut"] == official["sut"], f"{entry['id']}: lives under {entry['sut']}, OCTT says {official['sut']}"
    assert entry["block"] == official["block"], f"{entry['id']}: in block folder {entry['block']}, OCTT says {official['block']}"
    assert entry["section"] == official["section"], f"{entry['id']}: SECTION {entry['section']!r}, OCTT says {official['section']!r}"
    assert not official["profiles"] or entry["profile"] in official["profiles"], (
        f"{entry['id']}: certification profile {entry['profile']}, OCTT lists {official['profiles']}")
