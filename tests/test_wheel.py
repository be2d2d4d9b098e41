"""The wheel is a complete tool: built from the project's files, installed into a fresh virtual environment and run
from an empty folder, it lists every case of the checkout and runs cases against its built-in reference IUTs, with
the profiles, reference descriptors and schema errata it carries inside the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from conformance.cli import catalogue
from tests.suite_runner import ROOT

# What the wheel is built from (everything pyproject.toml and setup.py read). A copy, so the build leaves no build/
# folder in the checkout and no stale file of an earlier build can slip into the wheel.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "conformance", "profiles", "fixtures")

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          env=dict(env, CI="true", PYTHONUNBUFFERED="1"))
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding only the wheel; its dependencies are those of the running environment,
    reached through a .pth file (a path line adds the folder only: the checkout's editable install stays out)."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, src / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(src)], work)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    wheel = next((work / "dist").glob("ocpp_conformance-*.whl"))

    venv = work / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    done = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], work)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work)
                .stdout.strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "running-environment.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    empty = work / "empty"
    empty.mkdir()
    return venv


def test_the_installed_package_is_the_wheel(installed: Path) -> None:
    where = _run([str(installed / "bin" / "python"), "-c",
                  "import conformance, conformance.suite_files as f; print(conformance.__file__); print(f.ROOT)"],
                 installed.parent / "empty")
    module, root = where.stdout.split()
    assert Path(module).is_relative_to(installed), module
    assert Path(root) == Path(module).parent, "the profiles and fixtures must come from inside the installed package"


def test_list_from_an_empty_folder_gives_the_checkout_catalogue(installed: Path) -> None:
    listed = _run([str(installed / "bin" / "ocpp-conformance"), "list", "--format", "json"], installed.parent / "empty")
    assert listed.returncode == 0, listed.stderr[-3000:]
    assert json.loads(listed.stdout) == catalogue(ROOT / "profiles")


def test_run_from_an_empty_folder_uses_the_carried_descriptors_and_errata(installed: Path) -> None:
    report_dir = installed.parent / "report"
    ran = _run([str(installed / "bin" / "ocpp-conformance"), "run", "--case", "TC_001", "--no-html", "--report-dir",
                str(report_dir)], installed.parent / "empty")
    output = ran.stdout[-3000:] + ran.stderr[-3000:]
    assert ran.returncode == 0, output
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    got = {(c["iut"], c["id"]): c["verdict"] for c in summary["cases"]}
    assert got == {("reference-charge-point", "TC_001_CS"): "passed", ("reference-csms", "TC_001_CSMS"): "passed"}, output
    assert all(Path(i["descriptor"]).is_relative_to(installed) for i in summary["iuts"]), summary["iuts"]
    errata = summary["run"]["schema_errata"]
    assert errata and all(Path(e["file"]).is_relative_to(installed) for e in errata), errata
    assert all(c["nodeid"].startswith("profiles/") for c in summary["cases"])
    assert list((installed.parent / "empty").glob("*report*")) == []
