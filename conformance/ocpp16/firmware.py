"""Firmware management and diagnostics of a charge point under test (OCPP 1.6 §5.19, §4.5, §5.9, §4.4).

The suite runs its own HTTP and FTP servers for each case (`CaseFiles`, the `file_servers` fixture) at the address
the descriptor's ``file_transfer`` block gives: they serve firmware images (the descriptor's, or the suite's generated
test image) and keep what the charger uploads as the case's evidence, in ``wire/<iut>/<case>.files/`` of the report
folder. What the servers saw is the proof the charger really transferred a file; the checks the cases share — status
notifications in the order the specification gives them, transfer attempts that keep to retries and retryInterval —
are here too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Iterable

import pytest

from conformance import session
from conformance.errors import Broken, ExpectationFailed
from conformance.file_transfer import FileServers, TransferRecord, make_installable_image
from conformance.iut import GENERATED_IMAGE
from conformance.ocpp16.steps import check_interval
from conformance.session import measure
from conformance.timestamps import parse_iso
from conformance.wire import Record

GENERATED_IMAGE_SIZE = 300_000  # a few hundred kB: real transfers, still a fast run
GENERATED_VERSION = "1.0.1-conformance"  # the version the generated test image announces in its header

# The order OCPP 1.6 gives the statuses of one transfer (§4.4, §4.5): (status, fewest, most) times in a row.
Pattern = tuple[tuple[str, int, int | None], ...]
INSTALLED: Pattern = (("Downloading", 1, None), ("Downloaded", 1, 1), ("Installing", 1, 1), ("Installed", 1, 1))
INSTALLATION_FAILED: Pattern = (("Downloading", 1, None), ("Downloaded", 1, 1), ("Installing", 0, 1),
                                ("InstallationFailed", 1, 1))
DOWNLOAD_FAILED: Pattern = (("Downloading", 0, None), ("DownloadFailed", 1, 1))  # may fail before it began
UPLOADED: Pattern = (("Uploading", 1, None), ("Uploaded", 1, 1))
UPLOAD_FAILED: Pattern = (("Uploading", 0, None), ("UploadFailed", 1, 1))

FIRMWARE_FINAL = frozenset({"Installed", "InstallationFailed", "DownloadFailed"})
DIAGNOSTICS_FINAL = frozenset({"Uploaded", "UploadFailed"})
CLOCK_SLACK_S = 0.05  # the wire log and the file servers stamp times from the same clock, to the millisecond


@dataclass(frozen=True)
class ServedImage:
    """A firmware image on the suite's servers."""

    name: str
    sha256: str
    size: int


class CaseFiles:
    """The suite's HTTP and FTP servers during one case of a charge point under test (the `file_servers` fixture)."""

    def __init__(self, servers: FileServers, protocol: str, report_dir: Path) -> None:
        self.servers = servers
        self.protocol = protocol  # the descriptor's first: the one the cases use
        self.report_dir = report_dir

    async def serve(self, source: Path | str, *, intact: bool = True) -> ServedImage:
        """Put a firmware image on the servers: the descriptor's file, or with GENERATED_IMAGE the suite's test image
        (`intact=False`: with a wrong SHA-256 trailer, so a charger that checks it refuses to install it)."""
        name = "conformance-test-firmware.bin" if intact else "conformance-test-firmware-corrupt.bin"
        target = self.servers.served_dir / (Path(source).name if source != GENERATED_IMAGE else name)
        if source == GENERATED_IMAGE:
            sha = await asyncio.to_thread(make_installable_image, target, GENERATED_IMAGE_SIZE, 44,
                                          version=GENERATED_VERSION, intact=intact)
        else:
            await asyncio.to_thread(shutil.copyfile, source, target)
            sha = await asyncio.to_thread(_sha256, target)
        image = ServedImage(target.name, sha, target.stat().st_size)
        measure("firmware_image", {"name": image.name, "bytes": image.size, "sha256": image.sha256})
        return image

    def firmware_url(self, image: ServedImage) -> str:
        return self.servers.firmware_url(image.name, self.protocol)  # type: ignore[arg-type]

    def missing_url(self) -> str:
        return self.servers.missing_url(self.protocol)  # type: ignore[arg-type]

    def upload_url(self) -> str:
        return self.servers.upload_url(self.protocol)  # type: ignore[arg-type]

    def mark(self) -> int:
        return self.servers.mark()

    def transfers(self, direction: str, *, since: int, name: str | None = None,
                  until: Record | None = None) -> list[TransferRecord]:
        """The finished downloads or uploads (of `name`) since position `since`, begun before the frame `until`."""
        limit = _frame_time(until) if until is not None else None
        events = self.servers.events[since:]
        return [e for e in events if isinstance(e, TransferRecord) and e.direction == direction and e.finished
                and name in (None, e.name) and (limit is None or e.started <= limit + _slack())]

    async def expect_no_transfer(self, direction: str, *, final: Record, during: float, requirement: str,
                                 name: str = "") -> None:
        """No further download of `name` (or upload) ends within `during` seconds of the notification `final` that
        ended the transfer: the charger is done, or has given up."""
        seen = self.mark()
        try:
            if direction == "download":
                found = await self.servers.wait_for_download(name, within=during, since=seen)
            else:
                found = await self.servers.wait_for_upload(within=during, since=seen)
        except TimeoutError:
            return
        raise ExpectationFailed(f"the charge point made another {direction} after it had reported "
                                f"{(final.payload or {}).get('status')} (#{final.seq}): {found.describe()}",
                                f"  requirement: {requirement}\n")

    def evidence(self, record: TransferRecord) -> str | None:
        """Where an upload the servers kept lies, relative to the report folder (for the summary)."""
        if record.stored_path is None:
            return None
        try:
            return str(record.stored_path.relative_to(self.report_dir))
        except ValueError:
            return str(record.stored_path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _frame_time(rec: Record) -> dt.datetime:
    moment = parse_iso(rec.t_wall)
    assert moment is not None, f"wire record #{rec.seq} has no time"
    return moment


def _slack() -> dt.timedelta:
    return dt.timedelta(seconds=CLOCK_SLACK_S)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


@pytest.fixture
async def file_servers(conformance_iut: Any, conformance_links: Any) -> AsyncIterator[CaseFiles]:
    """The suite's HTTP and FTP servers for this case, where the descriptor's file_transfer block says the charger
    reaches them; uploads are kept in ``wire/<iut>/<case>.files/`` of the report folder."""
    link = conformance_iut
    block = link.descriptor.file_transfer
    if block is None or session.current is None:
        raise Broken("the file_servers fixture needs a charge point descriptor with a file_transfer block (declare "
                     "needs=('file_transfer',) in the case)")
    report_dir = Path(conformance_links.report_dir)
    evidence = report_dir / "wire" / _safe(link.name) / f"{_safe(session.current.info.id)}.files"
    served = Path(tempfile.mkdtemp(prefix="ocpp-conformance-firmware-"))
    servers = FileServers(served, evidence, host=link.descriptor.listen_host, reachable_address=block.reachable_address,
                          http_port=block.http_port, ftp_port=block.ftp_port, user=block.ftp_user,
                          password=block.ftp_password)
    try:
        await servers.start()
    except OSError as exc:
        shutil.rmtree(served, ignore_errors=True)
        raise Broken(f"the suite's file servers cannot listen on {link.descriptor.listen_host} ({exc.strerror or exc}) — "
                     "free the ports or change file_transfer.http_port / ftp_port", category="suite") from None
    # every login and transfer goes into the wire log as it ends, between the frames it explains
    stop_observing = servers.observe(lambda event: link.wire.event(
        "file", **{"transfer" if isinstance(event, TransferRecord) else "login": event.describe()}))
    try:
        yield CaseFiles(servers, block.protocols[0], report_dir)
    finally:
        stop_observing()
        await servers.stop()
        shutil.rmtree(served, ignore_errors=True)
        if evidence.is_dir() and not any(evidence.iterdir()):
            evidence.rmdir()


# ----------------------------------------------------------------------------------------------------- the checks


async def expect_final_status(charge_point: Any, action: str, finals: Iterable[str], *, after: Record, within: float,
                              requirement: str) -> Record:
    """The notification that ends a transfer (any of `finals`), whichever it is: the case then judges which."""
    wanted = frozenset(finals)

    def final(status: Any) -> bool:
        return status in wanted

    final.__doc__ = " or ".join(sorted(wanted))
    return await charge_point.expect(action, within=within, after=after, status=final, requirement=requirement)


def reported(charge_point: Any, action: str, *, after: Record, upto: Record) -> list[Record]:
    return [r for r in charge_point.frames(action, after=after) if r.seq <= upto.seq]


def check_sequence(notes: list[Record], pattern: Pattern, action: str, spec: str) -> None:
    """The statuses of `notes` come in the order `pattern` gives, each as often as it allows."""
    statuses = [(r.payload or {}).get("status") for r in notes]
    runs: list[tuple[Any, int]] = []
    for status in statuses:
        if runs and runs[-1][0] == status:
            runs[-1] = (status, runs[-1][1] + 1)
        else:
            runs.append((status, 1))
    position = 0
    fits = True
    for status, fewest, most in pattern:
        if position < len(runs) and runs[position][0] == status:
            count = runs[position][1]
            fits = fits and count >= fewest and (most is None or count <= most)
            position += 1
        elif fewest > 0:
            fits = False
    if fits and position == len(runs):
        return
    seen = " → ".join(f"{(r.payload or {}).get('status')} (#{r.seq})" for r in notes) or "none"
    expected = " → ".join(status if fewest else f"[{status}]" for status, fewest, _ in pattern)
    idle = " (Idle is only sent in answer to a TriggerMessage)" if "Idle" in statuses else ""
    raise AssertionError(f"[behaviour] {action} statuses came as {seen}; {spec} orders them {expected} "
                         f"([…]: may be left out){idle}")


def check_attempts(attempts: list[TransferRecord], *, retries: int, retry_interval: float, timeouts: Any,
                   what: str, final: Record, spec: str) -> None:
    """A failing transfer is tried at least `retries` times (at least once) and at most once plus `retries` times,
    the tries `retry_interval` seconds apart or more (OCPP 1.6 §5.19, §5.9 retries / retryInterval)."""
    measure(f"{what}_attempts", len(attempts))
    gaps = [(later.started - (earlier.ended or earlier.started)).total_seconds()
            for earlier, later in zip(attempts, attempts[1:])]
    measure(f"{what}_retry_gaps_s", [round(gap, 3) for gap in gaps])
    status = (final.payload or {}).get("status")
    if not attempts:
        raise AssertionError(f"[behaviour] the charge point reported {status} (#{final.seq}) without trying the "
                             f"{what}: the suite's file servers saw none")
    least, most = max(1, retries), retries + 1
    tries = "; ".join(a.describe() for a in attempts[-4:])
    if len(attempts) < least:
        raise AssertionError(f"[behaviour] the charge point tried the {what} {len(attempts)} time(s) before reporting "
                             f"{status} (#{final.seq}); retries {retries} asks for {least} tries or more before it "
                             f"gives up ({spec}). Tries: {tries}")
    if len(attempts) > most:
        raise AssertionError(f"[behaviour] the charge point tried the {what} {len(attempts)} times; retries {retries} "
                             f"allows the first try and {retries} retries, {most} in all ({spec}). Tries: {tries}")
    tolerance = timeouts.interval_tolerance(retry_interval)
    for number, gap in enumerate(gaps, start=2):
        check_interval(gap, retry_interval, tolerance, f"the {what} was tried again (try {number}) after the previous "
                       "try had ended", late=False)


def check_after_transfer(note: Record, record: TransferRecord, what: str) -> None:
    """A status that says a transfer is done comes after the servers saw it done."""
    if record.ended is not None and _frame_time(note) + _slack() < record.ended:
        raise AssertionError(f"[behaviour] the charge point reported {(note.payload or {}).get('status')} (#{note.seq}) "
                             f"before the {what} had ended ({record.describe()})")


async def settle_transfers(link: Any) -> None:
    """After a case of a charge point under test that asked for a firmware update or a diagnostics upload: wait until
    the charger reported the transfer's end (bounded by file_transfer.transfer_timeout), so the next case does not
    meet a charger still downloading, installing or rebooting. A case's file servers are gone by then, so a transfer
    still under way fails soon. Never raises."""
    block = link.descriptor.file_transfer
    if block is None or not link.peer.connected:
        return
    records = link.wire.segment_records(link.wire.segment)
    for command, action, finals in (("UpdateFirmware", "FirmwareStatusNotification", FIRMWARE_FINAL),
                                    ("GetDiagnostics", "DiagnosticsStatusNotification", DIAGNOSTICS_FINAL)):
        asked = [r for r in records if r.is_call and not r.from_iut and r.action == command]
        if not asked:
            continue

        def ended(rec: Record, action: str = action, finals: frozenset[str] = finals) -> bool:
            return rec.is_call and rec.action == action and (rec.payload or {}).get("status") in finals

        if any(r.from_iut and r.seq > asked[-1].seq and ended(r) for r in records):
            continue
        if await link.peer._wait_for(ended, asked[-1].seq, block.transfer_timeout) is None:
            link.wire.event("note", restore_failed=f"the charge point did not report the end of the {command} "
                                                   f"transfer within {block.transfer_timeout:g} s")
