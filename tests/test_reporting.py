"""Self-tests of conformance.reporting: summary file, Allure environment/categories, HTML report, matrix."""

from __future__ import annotations

import colorsys
import copy
import hashlib
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conformance.reporting import VERDICT_LABELS, VERDICTS, ReportError
from conformance.reporting.allure_env import CATEGORIES, environment_entries, write_categories, write_environment
from conformance.reporting.html import FRAME_DISPLAY_LIMIT, overall, render_conformance_report, render_wire_log
from conformance.reporting.matrix import render_matrix, run_matrix
from conformance.reporting.summary import (
    exit_code,
    load_summary,
    parse_fail_on,
    sha256_of,
    validate_summary,
    verdict_totals,
    write_summary,
)

DATA = Path(__file__).parent / "data"
INCONCLUSIVE = "case-reference-charge-point-TC_028_CS"  # its precondition failed after TC_026_CS
EXPLAINING = "case-reference-charge-point-TC_026_CS"


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    """A copy of the sample run's report directory (summary.json + wire logs)."""
    dest = tmp_path / "reports"
    shutil.copytree(DATA / "reports", dest)
    return dest


@pytest.fixture
def summary(report_dir: Path) -> dict:
    return load_summary(report_dir / "summary.json")


# ---------------------------------------------------------------------------------------------- summary


def test_sample_summaries_match_the_schema():
    for path in (DATA / "reports" / "summary.json", DATA / "summary_base.json", DATA / "summary_other_iut.json"):
        assert validate_summary(json.loads(path.read_text(encoding="utf-8"))) == [], path


def test_schema_rejects_a_bad_verdict_and_missing_fields(summary):
    bad = copy.deepcopy(summary)
    bad["cases"][0]["verdict"] = "ok"
    del bad["cases"][1]["id"]
    del bad["run"]
    errors = validate_summary(bad)
    assert any(e.startswith("cases/0/verdict:") for e in errors)
    assert any(e.startswith("cases/1:") and "'id'" in e for e in errors)
    assert any("'run'" in e for e in errors)


def _inconclusive(summary: dict) -> dict:
    return next(c for c in summary["cases"] if c["verdict"] == "inconclusive")


def test_schema_holds_an_inconclusive_case_to_its_contract(summary):
    assert validate_summary(summary) == []
    at = f"cases/{summary['cases'].index(_inconclusive(summary))}"
    for change, expected in (
        ({"category": "behaviour"}, f"{at}/category: 'behaviour' is not one of ['precondition', 'unreachable']"),
        ({"category": "unreachable"}, None),
        ({"message": ""}, f"{at}/message: '' should be non-empty"),
        ({"explained_by": None}, None),
        ({"explained_by": {}}, f"{at}/explained_by: {{}} should be non-empty"),
        ({"explained_by": {"frame_seq": "602"}}, f"{at}/explained_by/frame_seq: '602' is not of type"),
        ({"explained_by": {"frame_seq": 602}}, None),
    ):
        bad = copy.deepcopy(summary)
        _inconclusive(bad).update(change)
        errors = validate_summary(bad)
        assert (errors == []) if expected is None else any(e.startswith(expected) for e in errors), (change, errors)
    del _inconclusive(summary)["category"]
    assert any(e.startswith(f"{at}: 'category' is a required property") for e in validate_summary(summary))


def test_schema_still_reads_totals_written_before_inconclusive(summary):
    del summary["totals"]["inconclusive"]
    summary["cases"].remove(_inconclusive(summary))
    assert validate_summary(summary) == []


def test_write_summary_is_stable_and_round_trips(tmp_path, summary):
    shuffled = dict(reversed(list(summary.items())))
    shuffled["cases"] = [dict(reversed(list(c.items()))) for c in summary["cases"]]
    first = write_summary(tmp_path / "a", summary).read_bytes()
    second = write_summary(tmp_path / "b", shuffled).read_bytes()
    assert first == second  # same data, same bytes whatever the key order it was built in
    assert first.endswith(b"\n")
    text = first.decode("utf-8")
    assert list(json.loads(text)) == ["format", "suite", "run", "iuts", "totals", "cases"]
    assert "–" in text  # UTF-8, not \u escapes
    assert load_summary(tmp_path / "a" / "summary.json") == summary
    assert load_summary(tmp_path / "a") == summary  # a report directory is accepted too
    explained = next(c for c in json.loads(text)["cases"] if c.get("explained_by"))
    assert list(explained)[12:14] == ["message", "explained_by"]
    assert list(explained["explained_by"]) == ["case", "nodeid", "frame_seq", "message"]


def test_write_summary_rejects_nan_and_objects(tmp_path, summary):
    summary["cases"][0]["measurements"] = {"x": float("nan")}
    with pytest.raises(ReportError, match="cannot be written as JSON"):
        write_summary(tmp_path, summary)
    summary["cases"][0]["measurements"] = {"x": object()}
    with pytest.raises(ReportError, match="cannot be written as JSON"):
        render_conformance_report(summary, tmp_path)


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "summary file not found"),
        ("{not json", "invalid JSON at line 1"),
        ("[1, 2]", "not an ocpp-conformance summary"),
        ('{"format": 99, "cases": []}', "summary format 99 is not supported"),
        ('{"format": 1, "cases": {}}', "'cases' must be a list"),
    ],
)
def test_load_summary_errors_are_one_line_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "summary.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportError) as info:
        load_summary(path)
    message = str(info.value)
    assert expected in message and str(path) in message and "\n" not in message


def test_sha256_of(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert sha256_of(path) == hashlib.sha256(b"abc").hexdigest()


def test_verdict_totals_and_exit_code(summary):
    totals = verdict_totals(summary["cases"])
    assert list(totals) == list(VERDICTS)
    assert totals == summary["totals"]
    assert exit_code(summary) == 1
    assert exit_code(summary, fail_on=("broken",)) == 1
    ok = copy.deepcopy(summary)
    ok["cases"] = [c for c in ok["cases"] if c["verdict"] not in ("failed", "broken")]
    assert exit_code(ok) == 0
    assert exit_code(ok, fail_on=("failed", "broken", "passed_with_warnings")) == 1
    assert exit_code({"cases": []}) == 0
    with pytest.raises(ReportError, match="unknown verdict"):
        exit_code(ok, fail_on=("fail",))


def test_exit_code_fails_on_inconclusive_only_when_asked(summary):
    unjudged = copy.deepcopy(summary)
    unjudged["cases"] = [c for c in unjudged["cases"] if c["verdict"] in ("passed", "inconclusive")]
    assert exit_code(unjudged) == 0  # the default gate stays failed,broken
    assert exit_code(unjudged, fail_on=("inconclusive",)) == 1
    assert exit_code(unjudged, fail_on=parse_fail_on("failed, inconclusive")) == 1
    judged = copy.deepcopy(unjudged)
    judged["cases"] = [c for c in judged["cases"] if c["verdict"] != "inconclusive"]
    assert exit_code(judged, fail_on=("inconclusive",)) == 0


def test_parse_fail_on():
    assert parse_fail_on(" failed, inconclusive ,failed,") == ("failed", "inconclusive")
    assert parse_fail_on("") == ()
    with pytest.raises(ReportError) as info:
        parse_fail_on("failed,inconclusiv")
    assert str(info.value) == f"unknown verdict(s) inconclusiv: choose from {', '.join(VERDICTS)}"


def test_fail_on_option_is_checked_before_anything_runs(capsys):
    from conformance.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["run"]).fail_on == "failed,broken"
    assert parser.parse_args(["run", "--fail-on", "inconclusive, failed"]).fail_on == "inconclusive,failed"
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["run", "--fail-on", "failed,bogus"])
    assert info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "error: argument --fail-on: unknown verdict(s) bogus: choose from passed, passed_with_warnings, "
        "not_applicable, waived, inconclusive, failed, broken")


def test_reporting_imports_without_pytest_and_cheaply():
    code = (
        "import sys; import conformance.reporting.summary, conformance.reporting.html, "
        "conformance.reporting.compare, conformance.reporting.matrix, conformance.reporting.allure_env, "
        "conformance.reporting.merge, "
        "conformance.reporting.allure_cli, conformance.waivers; "
        "heavy = [m for m in ('pytest', 'jsonschema', 'yaml', 'selenium', 'allure') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1]).stdout.strip()
    assert out == ""


# ---------------------------------------------------------------------------------------------- allure env


def _read_properties(path: Path) -> dict[str, str]:
    """Decode a .properties file the way Java does (enough for what write_environment writes)."""
    out = {}
    for line in path.read_text(encoding="ascii").splitlines():
        key, value, i, escaped = [], [], 0, False
        target = key
        while i < len(line):
            ch = line[i]
            if escaped:
                if ch == "u":
                    target.append(chr(int(line[i + 1:i + 5], 16)))
                    i += 4
                else:
                    target.append({"n": "\n", "t": "\t", "r": "\r"}.get(ch, ch))
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == "=" and target is key:
                target = value
            else:
                target.append(ch)
            i += 1
        out["".join(key)] = "".join(value).encode("utf-16", "surrogatepass").decode("utf-16")
    return out


def test_environment_properties_single_iut(tmp_path, summary):
    summary["iuts"][0]["boot"]["chargePointModel"] = "Wallbox W22 = µ:x"
    props = _read_properties(write_environment(tmp_path, summary))
    assert props["IUT.vendor"] == "ACME Energy"
    assert props["IUT.model"] == "Wallbox W22 = µ:x"
    assert props["IUT.serial"] == "W22-000417"
    assert props["IUT.firmware"] == "1.4.2"
    assert props["IUT.endpoint"] == "ws://127.0.0.1:19600/ocpp/REFCP001"
    assert props["OCPP.version"] == "1.6"
    assert props["Security.profile"] == "0"
    assert props["Suite"] == "ocpp-conformance 0.1.0"


def test_environment_properties_prefixes_each_iut_when_several(tmp_path, summary):
    other = json.loads((DATA / "summary_other_iut.json").read_text(encoding="utf-8"))["iuts"][0]
    summary["iuts"].append(other)
    props = _read_properties(write_environment(tmp_path, summary))
    assert props["reference-charge-point.IUT.vendor"] == "ACME Energy"
    assert props["volt-cp.IUT.vendor"] == "Volt & Co <b>"
    assert props["volt-cp.IUT.firmware"] == "7.0.0-rc2"
    assert "IUT.vendor" not in props


def test_environment_entries_skip_missing_boot(summary):
    summary["iuts"][0]["boot"] = None
    keys = dict(environment_entries(summary))
    assert "IUT.vendor" not in keys and keys["IUT.name"] == "reference-charge-point"


@pytest.mark.parametrize(
    "message, status, expected",
    [
        ("AssertionError: [schema] SCH-001 Heartbeat.conf: 'currentTime' is required\nline 2", "failed",
         "Schema violation"),
        ("[framing] RPC-008 response for unknown id", "failed", "Framing violation"),
        ("AssertionError: [timing] BEH-009 too slow", "failed", "Timing violation"),
        ("AssertionError: [callerror] InternalError", "failed", "Unexpected CALLERROR"),
        ("AssertionError: [no-response] nothing within 30 s", "failed", "No response"),
        ("AssertionError: [behaviour] expected StatusNotification(status=Preparing) within 10 s", "failed",
         "Wrong behaviour"),
        ("conformance.errors.IUTUnreachable: [unreachable] charge point did not connect to ws://x", "broken",
         "IUT unreachable"),
        ("AssertionError: something [schema] inside", "failed", None),
        ("[unreachable] x", "failed", None),  # unreachable is a broken case, not a product failure
        ('Skipped: inconclusive: precondition "connector 1 Available" not reached: ChangeAvailability\nx', "skipped",
         "Inconclusive (precondition not reached)"),
        ("_pytest.outcomes.Skipped: inconclusive: the IUT went away", "skipped",
         "Inconclusive (precondition not reached)"),
        ("inconclusive: precondition not reached", "skipped", "Inconclusive (precondition not reached)"),
        ("Skipped: IUT descriptor does not declare feature profile Reservation", "skipped", None),  # not applicable
        ("Skipped: see inconclusive: later", "skipped", None),
        ("AssertionError: inconclusive: x", "failed", None),  # only a skipped case is inconclusive
    ],
)
def test_categories_sort_messages(tmp_path, message, status, expected):
    categories = json.loads(write_categories(tmp_path).read_text(encoding="utf-8"))
    assert categories == CATEGORIES
    # Allure 2 matches the whole message (Java String.matches); Allure 3 searches: both must agree.
    full = [c["name"] for c in categories
            if status in c["matchedStatuses"] and re.fullmatch(c["messageRegex"], message)]
    searched = [c["name"] for c in categories
                if status in c["matchedStatuses"] and re.search(c["messageRegex"], message)]
    assert full == searched == ([expected] if expected else [])


# ---------------------------------------------------------------------------------------------- HTML report


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def test_report_is_one_self_contained_file(report_dir, summary):
    path = render_conformance_report(summary, report_dir)
    assert path == report_dir / "conformance-report.html"
    html = path.read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), tag
        assert "src" not in attrs, (tag, attrs)
    assert not re.search(r"https?://(?!127\.0\.0\.1|json-schema)", html.replace("ws://", "")), "no remote URL"
    assert "@import" not in html and "url(" not in html
    assert len(parser.scripts) == 1  # the report's own script only


def test_report_states_identity_totals_and_sha(report_dir, summary):
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    for text in ("ACME Energy", "Wallbox W22", "W22-000417", "1.4.2", "ws://127.0.0.1:19600/ocpp/REFCP001",
                 "REFCP001", "ocpp-conformance 0.1.0", "2026-11-21 10:00:00 UTC", "2 min 18 s",
                 "NOT CONFORMANT", "Security profile"):
        assert text in html, text
    digest = sha256_of(report_dir / "summary.json")
    assert f'id="summary-sha256">{digest}<' in html


def test_report_hash_matches_the_data_it_was_rendered_from(tmp_path, summary):
    # No summary.json yet: the renderer writes it, then quotes its hash.
    html = render_conformance_report(summary, tmp_path).read_text(encoding="utf-8")
    assert sha256_of(tmp_path / "summary.json") in html
    # A stale summary.json is replaced by the data actually rendered.
    changed = copy.deepcopy(summary)
    changed["cases"][0]["verdict"] = "failed"
    html = render_conformance_report(changed, tmp_path).read_text(encoding="utf-8")
    assert load_summary(tmp_path / "summary.json")["cases"][0]["verdict"] == "failed"
    assert sha256_of(tmp_path / "summary.json") in html


def test_report_matrix_links_every_case_to_its_section(report_dir, summary):
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(html)
    ids = {a.get("id") for _, a in parser.tags if a.get("id")}
    cells = [a for t, a in parser.tags if t == "a" and "cell" in (a.get("class") or "")]
    assert len(cells) == len(summary["cases"])
    for cell in cells:
        assert cell["href"].startswith("#") and cell["href"][1:] in ids
    assert 'class="cell v-failed"' in html and 'class="cell v-waived"' in html


def test_report_case_sections_show_the_evidence(report_dir, summary):
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    section = html[html.index('id="case-reference-charge-point-TC_010_CS"'):]
    section = section[:section.index("</details></div></details>")]
    assert "Remote Start Charging Session – Cable Plugged in First" in section
    assert "[schema] SCH-001 RemoteStartTransaction.conf" in section
    assert "The Charge Point SHALL reply with RemoteStartTransaction.conf" in section
    assert "OCPP 1.6 §5.11, §4.8" in section
    assert "Expected vs actual" in section and "nearest candidates" in section
    assert "response_time_s" in section
    # wire log: colour classes by direction and message type, timestamps, violations under their frame
    assert 'class="mt mt-CALLRESULT"' in section and 'class="mt mt-CALL"' in section
    assert 'class="mt mt-INVALID"' in section and "10:00:24.288" in section
    frame = section.index('id="case-reference-charge-point-TC_010_CS-f204"')
    violation = section.index("SCH-001</b> (IUT)", frame)
    next_frame = section.index('id="case-reference-charge-point-TC_010_CS-f205"')
    assert frame < violation < next_frame
    assert 'href="#case-reference-charge-point-TC_010_CS-f204"' in section  # violations table links the frame
    # failed cases are open without JavaScript
    assert re.search(r'<details class="case k-failed" id="case-reference-charge-point-TC_010_CS"[^>]* open>', html)


def test_report_truncates_huge_frames_and_states_the_size(report_dir, summary):
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    assert "A" * FRAME_DISPLAY_LIMIT not in html
    assert "frame truncated" in html and "20,061 bytes in total" in html


def test_report_escapes_everything_from_the_iut(report_dir, summary):
    evil = "<script>alert('x')</script>"
    summary["iuts"][0]["boot"]["chargePointVendor"] = evil
    summary["iuts"][0]["identity"] = '"><img src=x onerror=alert(1)>'
    summary["cases"][2]["message"] = evil
    summary["cases"][2]["details"] = "</pre>" + evil
    summary["cases"][2]["measurements"] = {"<b>k</b>": evil}
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(html)
    assert len(parser.scripts) == 1 and "alert" not in parser.scripts[0]
    assert not any(t == "img" for t, _ in parser.tags)
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html  # from the wire log frame
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    # and the policy only lets the report's own script run
    policy = next(a["content"] for t, a in parser.tags if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy and "unsafe-inline'; script" not in policy


def test_report_waiver_and_expired_waiver_are_stated(report_dir, summary):
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    assert "firmware 1.4 sends local time without offset" in html and "expires 2027-06-30" in html
    summary["cases"][2]["waiver"] = {"reason": "known erratum", "expires": "2026-01-01", "matched": "case",
                                     "expired": True}
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    assert "Waiver expired on 2026-01-01" in html


def _case_section(html: str, anchor_id: str) -> str:
    section = html[html.index(f'id="{anchor_id}"'):]
    return section[:section.index("</details></div></details>")]


def test_report_inconclusive_case_names_its_precondition_and_links_the_explanation(report_dir, summary):
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(html)
    ids = {a.get("id") for _, a in parser.tags if a.get("id")}
    section = _case_section(html, INCONCLUSIVE)
    assert '<span class="badge v-inconclusive">Inconclusive</span>' in section
    assert "<h4>Precondition not reached</h4>" in section
    assert ("precondition &quot;connector 1 Available&quot; not reached: ChangeAvailability Operative answered "
            "Rejected; RemoteStopTransaction 17 answered Rejected") in section
    assert "The case's own requirement was not judged." in section
    assert "<dt>Category</dt><dd>precondition</dd>" in section
    assert re.search(rf'<details class="case k-inconclusive" id="{INCONCLUSIVE}"[^>]* open>', html)
    # the explanation links the earlier case and the frame in its wire log
    links = {a["class"]: a["href"] for t, a in parser.tags if t == "a" and "explained-by" in (a.get("class") or "")}
    assert links == {"explained-by": f"#{EXPLAINING}", "explained-by-frame": f"#{EXPLAINING}-f602"}
    assert {EXPLAINING, f"{EXPLAINING}-f602"} <= ids
    assert "connector busy&#x27;; connector 1 stayed occupied" in section
    assert '<span class="badge v-failed">Failed</span>' in section  # the explaining case's verdict
    # every other place a verdict shows
    assert 'NOT CONFORMANT<small>4 failed, 1 broken, 1 inconclusive</small>' in html
    assert '<div class="total v-inconclusive"><b>1</b><span>Inconclusive</span></div>' in html
    assert f'<a class="cell v-inconclusive" href="#{INCONCLUSIVE}"' in html
    assert '<input type="checkbox" data-verdict="inconclusive" checked> Inconclusive' in html


def test_report_explanation_outside_the_report_in_the_case_itself_or_by_nodeid(report_dir, summary):
    case = _inconclusive(summary)
    nodeid = next(c["nodeid"] for c in summary["cases"] if c["id"] == "TC_026_CS")
    for explained_by, present, absent in (
        ({"case": "TC_099_CS", "frame_seq": 1003, "message": "<b>gone</b>"},
         ['TC_099_CS <span class="note">(not in this report)</span>', f'href="#{INCONCLUSIVE}-f1003">#1003</a>',
          ": &lt;b&gt;gone&lt;/b&gt;"], ['class="explained-by"', "<b>gone</b>"]),
        ({"frame_seq": 1005}, ["Explained by frame #1005"], ["-f1005"]),  # an event row has no anchor
        ({"frame_seq": 99999}, ["Explained by frame #99999"], ["explained-by-frame"]),
        ({"case": "TC_000_CS", "nodeid": nodeid}, [f'class="explained-by" href="#{EXPLAINING}"'], ["TC_000_CS"]),
        ({"message": "IUT went away"}, ["<p>Explained by: IUT went away</p>"], ["explained-by"]),
        (None, ["Precondition not reached"], ["Explained by"]),
    ):
        case["explained_by"] = explained_by
        section = _case_section(render_conformance_report(summary, report_dir).read_text(encoding="utf-8"),
                                INCONCLUSIVE)
        for text in present:
            assert text in section, (explained_by, text)
        for text in absent:
            assert text not in section, (explained_by, text)


def test_overall_headline_with_inconclusive_cases():
    assert overall({"passed": 3, "inconclusive": 1}) == (
        "warn", "INCONCLUSIVE", "1 case(s) could not reach their starting state")
    assert overall({"passed": 3, "failed": 1, "inconclusive": 2}) == (
        "bad", "NOT CONFORMANT", "1 failed, 2 inconclusive")
    assert overall({"passed": 3}) == ("ok", "PASSED", "all 3 applicable cases passed")


def _contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _hue_distance(a: str, b: str) -> float:
    hues = [colorsys.rgb_to_hls(*(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)))[0] * 360 for c in (a, b)]
    distance = abs(hues[0] - hues[1])
    return min(distance, 360 - distance)


def test_inconclusive_colours_are_readable_and_distinct():
    css = (Path(__file__).parents[1] / "conformance" / "reporting" / "report.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    assert _contrast(var["inconc"], var["inconc-bg"]) >= 4.5  # badge text
    assert _contrast("#ffffff", var["inconc-cell"]) >= 4.5  # matrix cell text
    alpha = float(re.search(r"--inconc-stripes:[^;]*rgba\(255, 255, 255, ([\d.]+)\)", css).group(1))
    stripe = "#" + "".join(f"{round(int(var['inconc-cell'][i:i + 2], 16) * (1 - alpha) + 255 * alpha):02x}"
                           for i in (1, 3, 5))
    assert _contrast("#ffffff", stripe) >= 4.5  # on the lighter stripe too
    for failure in ("warn", "fail", "broken"):  # far in hue from the colours that mean "something is wrong"
        assert _hue_distance(var["inconc-cell"], var[f"{failure}-cell"]) >= 90, failure
    assert _contrast(var["inconc-cell"], var["na-cell"]) >= 2  # and much darker than not applicable
    for selector in (".v-inconclusive {", ".cell.v-inconclusive", ".case.k-inconclusive"):
        assert selector in css, selector


def test_report_survives_missing_or_hostile_wire_log_paths(report_dir, summary):
    summary["cases"][0]["wire_log"] = "wire/nope.jsonl"
    summary["cases"][1]["wire_log"] = "../../../../etc/passwd"
    (report_dir / "wire" / "reference-charge-point" / "TC_019_CS.jsonl").write_text("garbage\n{}\n")
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    assert "wire log wire/nope.jsonl not found" in html
    assert "outside the report directory" in html and "root:" not in html
    assert "1 unreadable line(s)" in html


def test_wire_log_event_binary_and_timer_violation():
    records = [
        {"seq": 1, "kind": "event", "t_wall": "2026-11-21T10:00:00.000Z", "event": "close", "connection": 2,
         "data": {"code": 1006, "reason": "<x>"}},
        {"seq": 2, "kind": "frame", "t_wall": "2026-11-21T10:00:01.000Z", "from_iut": True, "opcode": "binary",
         "raw": "00ff", "size": 2, "message_type": None, "parse_error": "binary frame"},
    ]
    html = render_wire_log(records, [{"rule_id": "BEH-001", "level": "MUST", "message": "no Heartbeat",
                                      "seq": None, "by_iut": True}])
    assert "close" in html and "code=1006" in html and "&lt;x&gt;" in html and "[conn 2]" in html
    assert "binary frame, 2 bytes" in html and "00ff" in html
    assert html.index("BEH-001") > html.index("00ff")  # timer findings come after the frames
    assert "empty" in render_wire_log([])


def test_report_with_several_iuts_has_one_column_each(report_dir, summary):
    other = json.loads((DATA / "summary_other_iut.json").read_text(encoding="utf-8"))
    summary["iuts"] += other["iuts"]
    summary["cases"] += other["cases"]
    html = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    assert html.count('class="iutcol"') == 2
    assert "2 implementations under test" in html
    assert "Volt &amp; Co &lt;b&gt;" in html


# ---------------------------------------------------------------------------------------------- matrix


def test_matrix_compares_implementations(tmp_path, summary):
    other = json.loads((DATA / "summary_other_iut.json").read_text(encoding="utf-8"))
    out = render_matrix([summary, other], tmp_path / "m" / "matrix.html")
    html = out.read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(html)
    assert not parser.scripts and not any("src" in a for _, a in parser.tags)
    assert html.count('class="iutcol"') == 2
    for text in ("reference-charge-point", "volt-cp", "ACME Energy Wallbox W22", "Volt &amp; Co &lt;b&gt; VX-7",
                 "firmware 7.0.0-rc2", "TC_043_CS", "OCPP 1.6 · local_auth_list"):
        assert text in html, text
    row = html[html.index('<td class="cid">TC_010_CS</td>'):]
    row = row[:row.index("</tr>")]
    assert row.count("cell v-failed") == 2
    row = html[html.index('<td class="cid">TC_043_CS</td>'):]
    row = row[:row.index("</tr>")]
    assert "cell v-not_applicable" in row and "cell missing" in row
    row = html[html.index('<td class="cid">TC_028_CS</td>'):]
    row = row[:row.index("</tr>")]
    assert 'class="cell v-inconclusive" title="precondition &quot;connector 1 Available&quot; not reached' in row
    assert "cell missing" in row
    assert "<b>1</b> inconclusive" in html
    assert f'<span class="badge v-inconclusive">{VERDICT_LABELS["inconclusive"]}</span>' in html  # the legend
    assert html.index("TC_001_CS") < html.index("TC_010_CS") < html.index("TC_043_CS")


def test_reports_group_a_2x_case_by_certification_profile_and_functional_block(tmp_path, report_dir, summary):
    station = copy.deepcopy(summary["cases"][0])
    station.update(id="TC_B_01_CS", title="Cold Boot Charging Station - Accepted", ocpp_version="2.0.1",
                   profile="core", block="b_provisioning", section="Provisioning")
    summary["cases"].append(station)
    matrix = render_matrix([summary], tmp_path / "m" / "matrix.html").read_text(encoding="utf-8")
    assert "OCPP 2.0.1 · core · B Provisioning" in matrix
    report = render_conformance_report(summary, report_dir).read_text(encoding="utf-8")
    assert "OCPP 2.0.1 · core · B Provisioning" in report
    assert "OCPP <b>2.0.1</b> · profile <b>core · B Provisioning</b>" in report


def test_run_matrix_cli(tmp_path, capsys):
    out = tmp_path / "matrix.html"
    assert run_matrix([DATA / "reports", DATA / "summary_other_iut.json"], out) == 0
    assert out.exists() and "matrix written" in capsys.readouterr().out
    html = out.read_text(encoding="utf-8")
    assert sha256_of(DATA / "summary_other_iut.json") in html
    assert run_matrix([tmp_path / "missing.json"], out) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    with pytest.raises(ReportError):
        render_matrix([], out)


def test_overall_headline_of_an_interrupted_run():
    assert overall({"passed": 3}, interrupted=True) == ("warn", "INTERRUPTED", "the run was stopped after 3 case(s)")
    assert overall({"passed": 3, "failed": 1}, interrupted=True) == (
        "bad", "NOT CONFORMANT", "1 failed; run interrupted")
