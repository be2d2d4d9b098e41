"""pytest plugin: options, collection by IUT, segments per case, verdicts and reports.

Inert unless the session collects conformance cases, so it costs nothing in other test runs.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from conformance.case import case_info
from conformance.options import OPTIONS


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ocpp-conformance")
    for opt, ini, kind, help_text in OPTIONS:
        dest = ini
        if kind == "append":
            group.addoption(opt, action="append", dest=dest, default=None, help=help_text)
            parser.addini(ini, help_text + " (ini twin)", type="linelist", default=[])
        elif kind == "bool":
            group.addoption(opt, action="store_true", dest=dest, default=None, help=help_text)
            parser.addini(ini, help_text + " (ini twin)", type="bool", default=False)
        else:
            group.addoption(opt, action="store", dest=dest, default=None, help=help_text)
            parser.addini(ini, help_text + " (ini twin)", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance_case: an OCPP conformance case (set by @case)")
    from conformance import pytest_fixtures
    from conformance.runstate import STATE, RunState

    state = RunState(config)
    config.stash[STATE] = state
    config.pluginmanager.register(pytest_fixtures, "ocpp_conformance_fixtures")
    config.pluginmanager.register(_InterruptWatch(state), "ocpp_conformance_interrupts")
    config.pluginmanager.register(_ReportRedaction(), "ocpp_conformance_redaction")
    if state.iut_paths or state.faults:
        state.descriptors()  # a mistake in a named descriptor or fault is one line, before collection starts


def _state(config: pytest.Config) -> Any:
    from conformance.runstate import STATE

    return config.stash[STATE]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    info = case_info(metafunc.function)
    if info is None:
        return
    state = _state(metafunc.config)
    located = info.located(Path(str(metafunc.definition.path)), getattr(metafunc.module, "SECTION", None))
    names = [d.name for d in state.descriptors() if state.runs_against(located, d)]
    if names:
        metafunc.parametrize("conformance_iut", names, ids=names, indirect=True)
    else:
        metafunc.parametrize("conformance_iut", [None], ids=["no-iut"], indirect=True)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    state = _state(config)
    keep, drop = [], []
    for item in items:
        info = case_info(getattr(item, "function", None))
        if info is None:
            keep.append(item)
            continue
        located = info.located(Path(str(item.path)), getattr(item.module, "SECTION", None))
        iut = item.callspec.params.get("conformance_iut") if hasattr(item, "callspec") else None
        if iut is None or not state.selected(located.id):
            drop.append(item)
            continue
        state.register_item(item, located, iut)
        _label(item, located)
        keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


SPEC_URL = "https://openchargealliance.org/protocols/open-charge-point-protocol/"


def _label(item: pytest.Item, info: Any) -> None:
    """Allure labels at collection: suites version -> profile -> OCTT section, case ID, system under test, spec."""
    version = f"OCPP {info.ocpp_version}" if info.ocpp_version else "OCPP-J"
    profile = info.profile or "transport"
    mark = pytest.mark
    for value, kind in ((version, "parentSuite"), (profile, "suite"), (info.section or profile, "subSuite"),
                        (version, "epic"), (profile, "feature"), (info.section or profile, "story"), (info.id, "as_id")):
        item.add_marker(mark.allure_label(value, label_type=kind))
    item.add_marker(mark.allure_label(str(info.sut or "any"), label_type="tag"))
    item.add_marker(mark.allure_description(f"{info.title}\n\nRequirement: {info.requirement}\n\nSpecification: {info.spec}"))
    item.add_marker(mark.allure_link(SPEC_URL, link_type="link", name=info.spec))
    item.obj.__allure_display_name__ = f"{info.id} {info.title}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    try:
        return (yield)
    except asyncio.CancelledError as exc:
        _stop_if_interrupted(item, exc)
        raise
    except Exception as exc:
        _settle(item, exc)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    try:
        return (yield)
    except asyncio.CancelledError as exc:
        _stop_if_interrupted(item, exc)
        raise
    except Exception as exc:
        _settle(item, exc)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    try:
        return (yield)
    except asyncio.CancelledError as exc:
        _stop_if_interrupted(item, exc)
        raise


def _stop_if_interrupted(item: pytest.Item, exc: asyncio.CancelledError) -> None:
    """Ctrl-C ends the run even when asyncio lets the cancellation through instead of a KeyboardInterrupt.

    On Ctrl-C asyncio's Runner cancels the running case and normally raises KeyboardInterrupt once the case has
    unwound; when the case's task was cancelled twice (a timeout expiring at the same moment) it raises the
    CancelledError itself, and pytest would go on with the next case on a loop in an unknown state. Only the runner
    knows it saw the interrupt (its counter); a CancelledError without one is a cancelled wait inside the case."""
    request = getattr(item, "_request", None)
    for name in getattr(item, "fixturenames", ()) if request is not None else ():
        if name.endswith("_scoped_runner"):
            try:
                runner = request.getfixturevalue(name)
            except pytest.FixtureLookupError:
                continue
            if getattr(runner, "_interrupt_count", 0) > 0:
                raise KeyboardInterrupt from exc


def _settle(item: pytest.Item, exc: Exception) -> None:
    """Raise what a case's exception amounts to as a verdict (see RunState.outcome), if that is another one."""
    outcome = _state(item.config).outcome(item, exc)
    if outcome is not exc:
        raise outcome from exc


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    state = _state(item.config)
    if state.is_case(item):
        state.on_report(item, call, report)
    return report


def pytest_collection_finish(session: pytest.Session) -> None:
    state = _state(session.config)
    if not state.has_cases:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        for note in state.declaration_notes():
            reporter.write_line(note)
    _stop_on_sigterm(session)


class _InterruptWatch:
    """What a stop (Ctrl-C, SIGTERM) interrupted. The case running then is left out of the reports: it was cut short,
    or the interrupt disturbed it. The stop is also noted before pytest reports it, because on Python 3.11 that report
    can fail (a frame the signal interrupted may have no line number) and the reports must still say the run stopped."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.running: str | None = None
        self.cut_short: set[str] = set()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        self.running = item.nodeid
        result = yield
        self.running = None  # not reached when the interrupt ends the run inside this case
        return result

    def stopped(self) -> None:
        self.state.interrupted = True
        if self.running is not None:
            self.cut_short.add(self.running)

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.stopped()


def _stop_on_sigterm(session: pytest.Session) -> None:
    """SIGTERM (a CI timeout, `kill`) ends the run as Ctrl-C does, so the cases that finished are still reported: by
    default it would end the process with no report at all."""
    if threading.current_thread() is not threading.main_thread():
        return
    watch = session.config.pluginmanager.get_plugin("ocpp_conformance_interrupts")

    def on_sigterm(signum: int, frame: object) -> None:
        watch.stopped()
        session.shouldstop = "interrupted by SIGTERM"  # stops after this case even if the case swallows the interrupt
        on_sigint = signal.getsignal(signal.SIGINT)
        if callable(on_sigint):  # asyncio's (cancels the running case, then raises KeyboardInterrupt) or Python's
            on_sigint(signal.SIGINT, frame)
        else:  # SIGINT ignored, as in a background job of a script
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    session.config.add_cleanup(lambda: signal.signal(signal.SIGTERM, previous))


class _ReportRedaction:
    """Innermost wrapper of the report hook: what a report says (failure text, captured output) loses its credentials
    before any reporter (JUnit, Allure, the terminal) sees it."""

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        from conformance.redaction import redact

        report = yield
        if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
            path, line, reason = report.longrepr
            report.longrepr = (path, line, redact(str(reason)))
        elif report.longrepr is not None:
            text = str(report.longrepr)
            clean = redact(text)
            if clean != text:
                report.longrepr = clean
        report.sections = [(title, redact(content)) for title, content in report.sections]
        return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if state.has_cases:
        watch = session.config.pluginmanager.get_plugin("ocpp_conformance_interrupts")
        try:
            state.write_reports(interrupted=exitstatus == pytest.ExitCode.INTERRUPTED or state.interrupted,
                                cut_short=watch.cut_short)
        except Exception as exc:  # reports must not hide the verdicts; say what went wrong in one line
            sys.stderr.write(f"ocpp-conformance: writing reports failed: {exc!r}\n")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Every report file is written by now (JUnit at session finish, Allure's results as each case ends): none of
    them keeps a credential, whichever tool wrote it."""
    from conformance.runstate import STATE

    state = config.stash.get(STATE, None)
    if state is None or not state.touched:
        return
    from conformance.redaction import scrub_files

    folders = [Path(f) for f in (state.report_dir, getattr(config.option, "allure_report_dir", None)) if f]
    changed = sum(scrub_files(folder, since=state.started.timestamp() - 1) for folder in folders)
    junit = getattr(config.option, "xmlpath", None)
    if junit and Path(junit).is_file() and not any(Path(junit).resolve().is_relative_to(f.resolve()) for f in folders):
        changed += _scrub_one(Path(junit))
    if changed:  # what wrote them did not redact: worth knowing, though nothing leaked
        sys.stderr.write(f"ocpp-conformance: took credentials out of {changed} report file(s) after the run\n")


def _scrub_one(path: Path) -> int:
    from conformance.redaction import redact

    text = path.read_text(encoding="utf-8", errors="replace")
    clean = redact(text)
    if clean != text:
        path.write_text(clean, encoding="utf-8")
        return 1
    return 0


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = _state(config)
    if state.has_cases:
        state.terminal_summary(terminalreporter)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = _state(config)
    try:
        descs = state.descriptors()
    except pytest.UsageError:
        return None
    return [f"ocpp-conformance IUT: {d.name} ({d.sut}, OCPP {d.ocpp_version}, {d.path})" for d in descs] if state.touched else None


