"""Where the suite's own files are: the case profiles, the built-in reference IUT descriptors and the schema errata.

In a source checkout they are the checkout's `profiles/` and `fixtures/`. An installed wheel carries the same trees
inside the package (`conformance/profiles/`, `conformance/fixtures/`, mapped there by setup.py), so a case module keeps
its `profiles/<version>/<profile>/<sut>/` path, from which its version, profile and system under test are read.
Everything that needs one of these folders asks here.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# The wheel's copy when there is one; else the checkout the package is imported from (editable installs, self-tests).
ROOT = _PACKAGE if (_PACKAGE / "profiles").is_dir() else _PACKAGE.parent

PROFILES_DIR = ROOT / "profiles"
IUT_DIR = ROOT / "fixtures" / "iut"
ERRATA_DIR = ROOT / "fixtures" / "errata"
# What a run without --iut tests, in this order: the reference simulators of both roles, of each version.
REFERENCE_IUTS = (IUT_DIR / "reference-charge-point.yaml", IUT_DIR / "reference-csms.yaml",
                  IUT_DIR / "reference-charging-station.yaml", IUT_DIR / "reference-csms-201.yaml")
# Reference simulators in other settings (security profiles 2 and 3): without --iut, each runs the cases the built-in
# IUT of its role cannot run and it can (the first supplement that can, takes a case).
REFERENCE_SUPPLEMENTS = tuple(IUT_DIR / f"reference-{role}-sp{n}.yaml" for role in ("charge-point", "csms") for n in (2, 3)) + (
    IUT_DIR / "reference-charging-station-sp1.yaml", IUT_DIR / "reference-charging-station-sp2.yaml",
    IUT_DIR / "reference-csms-201-sp2.yaml")
