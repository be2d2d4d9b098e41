"""Building the Allure HTML report with Allure 3 (npm package `allure`, pure Node.js).

The tool lives in `<project>/.tools/allure/` (installed by `scripts/install-allure.sh` or `install_allure`),
never globally. The report is written as ONE self-contained `index.html` (Allure 3's single-file mode) so it
opens from file:// and can be archived; the tracking snippet Allure embeds is removed so opening the
report contacts nothing.

Command line used:
    node <project>/.tools/allure/node_modules/allure/cli.js generate --config <tmp>/allurerc.json \
        --output <out_dir> <results_dir>
with allurerc.json = {"name": …, "plugins": {"awesome": {"options": {"singleFile": true,
    "groupBy": ["parentSuite", "suite", "subSuite"], …}}}, "categories": [...]}.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Sequence

from . import ReportError

ALLURE_VERSION = "3.18.0"
MIN_NODE = (20, 19)  # the allure 3.x packages declare node >= 20.19
TOOLS_SUBDIR = Path(".tools") / "allure"
NODE_MISSING = (
    "Node.js not found: install Node.js ≥ 20 (e.g. apt-get install nodejs npm) to build the Allure HTML report"
)
# Tree of the report: OCPP version → feature profile → OCTT section (labels set by the plugin).
GROUP_BY = ("parentSuite", "suite", "subSuite")
DEFAULT_TIMEOUT_S = 300.0
INSTALL_TIMEOUT_S = 600.0



class AllureUnavailable(ReportError):
    """The Allure HTML report cannot be built here (no Node.js, tool not installed, generation failed)."""


_ANALYTICS = re.compile(
    r"\s*<script async src=\"https://www\.googletagmanager\.com/[^\"]*\"></script>\s*"
    r"<script>\s*window\.dataLayer[\s\S]*?</script>",
)


def default_project_root() -> Path:
    """The checkout this package lives in when it has `.tools/`, else the current directory."""
    here = Path(__file__).resolve().parents[2]
    if (here / TOOLS_SUBDIR).exists() or (here / "scripts" / "install-allure.sh").exists():
        return here
    return Path.cwd()


def node_executable() -> Path:
    """Path of `node`, checked to be recent enough; ReportError with the install hint otherwise."""
    node = shutil.which("node")
    if not node:
        raise AllureUnavailable(NODE_MISSING)
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        raise AllureUnavailable(NODE_MISSING) from None
    match = re.match(r"v?(\d+)\.(\d+)", out.strip())
    if not match or (int(match[1]), int(match[2])) < MIN_NODE:
        raise AllureUnavailable(
            f"Node.js {out.strip() or '(unknown version)'} is too old: install Node.js ≥ "
            f"{MIN_NODE[0]}.{MIN_NODE[1]} to build the Allure HTML report"
        )
    return Path(node)


def installed_version(project_root: str | os.PathLike[str]) -> str | None:
    package_json = Path(project_root) / TOOLS_SUBDIR / "node_modules" / "allure" / "package.json"
    try:
        return json.loads(package_json.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError):
        return None


def _allure_bin(project_root: Path) -> Path:
    return project_root / TOOLS_SUBDIR / "node_modules" / ".bin" / "allure"


def install_allure(project_root: str | os.PathLike[str] | None = None, timeout: float = INSTALL_TIMEOUT_S) -> Path:
    """Install the pinned Allure into `<project>/.tools/allure/` with npm (what scripts/install-allure.sh does)."""
    root = Path(project_root) if project_root else default_project_root()
    node_executable()
    npm = shutil.which("npm")
    if not npm:
        raise AllureUnavailable(NODE_MISSING)
    prefix = root / TOOLS_SUBDIR
    prefix.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error",
           f"allure@{ALLURE_VERSION}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise AllureUnavailable(f"npm install allure@{ALLURE_VERSION} timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise AllureUnavailable(f"npm install allure@{ALLURE_VERSION} failed: {_last_line(proc.stderr or proc.stdout)}")
    return ensure_allure(root)


def ensure_allure(project_root: str | os.PathLike[str] | None = None, *, install: bool = False) -> Path:
    """The Allure executable under `<project>/.tools/allure/`, at the pinned version.

    With `install=True` a missing or different version is installed with npm; otherwise ReportError tells
    the user to run scripts/install-allure.sh.
    """
    root = Path(project_root) if project_root else default_project_root()
    node_executable()
    exe = _allure_bin(root)
    version = installed_version(root)
    if exe.exists() and version == ALLURE_VERSION:
        return exe
    if install:
        return install_allure(root)
    found = f"allure {version} is installed" if version else "Allure is not installed"
    raise AllureUnavailable(
        f"{found} in {root / TOOLS_SUBDIR}: run scripts/install-allure.sh to install allure {ALLURE_VERSION}"
    )


def allure_config(name: str = "OCPP conformance", *, single_file: bool = True,
                  categories: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The Allure 3 configuration (allurerc) used to build the report."""
    if categories is None:
        from .allure_env import CATEGORIES

        categories = CATEGORIES
    # Allure 3 accepts the Allure 2 category keys; "description" is not one of its keys.
    rules = [{k: v for k, v in c.items() if k in ("name", "matchedStatuses", "messageRegex", "traceRegex", "flaky")}
             for c in categories]
    return {
        "name": name,
        "plugins": {
            "awesome": {
                "options": {
                    "reportName": name,
                    "singleFile": single_file,
                    "groupBy": list(GROUP_BY),
                    "reportLanguage": "en",
                    "theme": "light",
                }
            }
        },
        "categories": rules,
    }


def _results_categories(results_dir: Path) -> list[dict[str, Any]] | None:
    try:
        data = json.loads((results_dir / "categories.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, list) and all(isinstance(c, dict) and c.get("name") for c in data) else None


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in re.sub(r"\x1b\[[0-9;]*m", "", text or "").splitlines() if ln.strip()]
    return lines[-1] if lines else "(no output)"


def strip_analytics(index_html: Path) -> None:
    """Remove the third-party tracking snippet Allure writes into the page: an archived report must load nothing."""
    text = index_html.read_text(encoding="utf-8")
    cleaned = _ANALYTICS.sub("", text)
    if cleaned != text:
        index_html.write_text(cleaned, encoding="utf-8")


def build_allure_report(
    results_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    project_root: str | os.PathLike[str] | None = None,
    allure: str | os.PathLike[str] | None = None,
    name: str = "OCPP conformance",
    single_file: bool = True,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Path:
    """Generate the Allure HTML report from `results_dir` into `out_dir`; returns `out_dir/index.html`.

    A report too large for single-file mode is written as a multi-file site instead (serve it over HTTP).
    """
    results_dir = Path(results_dir).resolve()
    out_dir = Path(out_dir).resolve()
    if not results_dir.is_dir():
        raise AllureUnavailable(f"{results_dir}: Allure results directory not found (run the suite with --alluredir)")
    node = node_executable()
    exe = Path(allure) if allure else ensure_allure(project_root)
    script = exe.resolve()  # .bin/allure links to cli.js; run it with the node found above
    categories = _results_categories(results_dir)
    try:
        return _generate(node, script, results_dir, out_dir, name, single_file, categories, timeout)
    except _TooLarge:
        return _generate(node, script, results_dir, out_dir, name, False, categories, timeout)


class _TooLarge(Exception):
    pass


def _generate(node: Path, script: Path, results_dir: Path, out_dir: Path, name: str, single_file: bool,
              categories: list[dict[str, Any]] | None, timeout: float) -> Path:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    with tempfile.TemporaryDirectory(prefix="allure-config-") as tmp:
        config = Path(tmp) / "allurerc.json"
        config.write_text(json.dumps(allure_config(name, single_file=single_file, categories=categories)),
                          encoding="utf-8")
        cmd = [str(node), str(script), "generate", "--config", str(config), "--output", str(out_dir),
               str(results_dir)]
        env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"}
        try:
            proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise AllureUnavailable(
                f"Allure report generation timed out after {timeout:.0f} s (results: {results_dir})"
            ) from None
    output = (proc.stdout or "") + (proc.stderr or "")
    if single_file and "too large to be generated in the single file mode" in output:
        raise _TooLarge()
    index = out_dir / "index.html"
    if proc.returncode != 0 or not index.exists():
        raise AllureUnavailable(f"Allure report generation failed (exit {proc.returncode}): {_last_line(output)}")
    strip_analytics(index)
    return index
