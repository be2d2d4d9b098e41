"""Write `conformance/catalogue/reference-durations.json`: how long each case takes against each built-in reference
simulator, read from the summary of a default run. `ocpp-conformance run` starts the longest shares of the built-in
simulators' cases first with it, so a run is not left waiting on one long share started last; a stale or missing
figure only changes that order, never a verdict.

    ocpp-conformance run --no-html --report-dir /tmp/durations
    python benchmarks/reference_durations.py /tmp/durations/summary.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "conformance" / "catalogue" / "reference-durations.json"


def main(summary_path: str) -> int:
    summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    durations: dict[str, dict[str, float]] = {}
    for case in summary["cases"]:
        durations.setdefault(case["iut"], {})[case["id"]] = round(float(case.get("duration_s") or 0.0), 2)
    ordered = {iut: dict(sorted(cases.items())) for iut, cases in sorted(durations.items())}
    TARGET.write_text(json.dumps(ordered, indent=1) + "\n", encoding="utf-8")
    total = sum(sum(c.values()) for c in ordered.values())
    print(f"{TARGET}: {sum(len(c) for c in ordered.values())} cases of {len(ordered)} IUTs, {total:.1f} s in all")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
