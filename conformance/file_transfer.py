"""Real file transfers for firmware downloads and diagnostics or log uploads, both ends, version-neutral.

OCPP 1.6 UpdateFirmware makes a charge point download a firmware image from a URL; GetDiagnostics makes it upload a
diagnostics file into a directory URL; the security white paper's SignedUpdateFirmware and GetLog work the same way.
This module carries no OCPP message logic. It offers:

- ``FileServers``: an HTTP(S) server (aiohttp) and an FTP server (aioftp) that serve firmware images from a folder,
  receive uploads into an evidence folder, refuse wrong credentials for real (FTP 530, HTTP 401), and keep an event
  log of every login and transfer (who, path, bytes, outcome, times, sha256 of the bytes) that a case can await.
- ``download`` and ``upload``: the client side the suite's charge point and the reference simulator use to perform
  the transfers a CSMS asks for, over http, https and ftp (passive mode), raising ``TransferError`` with one line.
- ``make_firmware_image``: a deterministic pseudo-random image for byte-for-byte checks.
- ``make_installable_image`` and ``check_installable_image``: the suite's test firmware format (a header naming it
  and its version, pseudo-random content, a SHA-256 trailer), which the reference charge point installs when intact
  and refuses when not, so an installation can succeed or fail for a reason the image itself carries.

The FTP side uses aioftp rather than pyftpdlib because it runs on the suite's own asyncio loop beside the OCPP peers
and ships the FTP client the suite's charge point needs, so one library serves both ends without threads.

Both servers stream: files are read and written one block at a time, never whole, and the sha256 in a record is of
the bytes that went over the wire, also when a transfer broke off.

FTP layout: ``/firmware/<name>`` is the served folder (read only), ``/upload/<name>`` stores into the evidence folder
(write only, one new file per upload: an upload never overwrites or appends to earlier evidence). HTTP uses the same
paths: ``GET /firmware/<name>``; ``PUT`` or ``POST /upload/<name>`` with a raw body, ``POST /upload`` with a
multipart form or a raw body (file name from Content-Disposition).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import io
import ipaddress
import logging
import os
import random
import secrets
import shutil
import ssl
import tempfile
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal, Self

import aioftp
import aiohttp
from aiohttp import payload as aiohttp_payload
from aiohttp import web
from aiohttp.multipart import BodyPartReader, content_disposition_filename, parse_content_disposition
from yarl import URL

logger = logging.getLogger(__name__)

# Large enough that per-block overhead (thread hop, hash update) is small, small enough to stay far below any image.
BLOCK_SIZE = 256 * 1024

FIRMWARE_AREA = "firmware"
UPLOAD_AREA = "upload"

Scheme = Literal["http", "https", "ftp"]
Credentials = bool | Literal["wrong"]
Direction = Literal["download", "upload"]
Outcome = Literal["complete", "missing", "refused", "aborted"]
HttpUploadForm = Literal["put", "post", "multipart"]

# Why a client transfer failed: TransferError.reason, and the words after 'failed:' in its message.
UNREACHABLE = "unreachable"
LOGIN_REFUSED = "login refused"
MISSING_FILE = "missing file"
REFUSED = "refused"
TIMEOUT = "timeout"
CONNECTION_LOST = "connection lost"
TLS_FAILED = "TLS handshake failed"
BAD_URL = "bad URL"
FAILED = "failed"
BROKEN_OFF = "broken off"  # the client gave up on purpose (``stop_after``), as a link that drops would


# ---------------------------------------------------------------------------------------------------------- records


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _clock(moment: dt.datetime | None) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z") if moment else "…"


@dataclass
class TransferRecord:
    """One download or upload seen by the file servers; ``outcome`` is None while the transfer runs."""

    protocol: Scheme
    direction: Direction
    client: str
    user: str | None
    path: str
    started: dt.datetime = field(default_factory=_utc_now)
    ended: dt.datetime | None = None
    size: int = 0
    sha256: str = hashlib.sha256().hexdigest()
    outcome: Outcome | None = None
    detail: str = ""
    stored_path: Path | None = None

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def describe(self) -> str:
        who = f"{self.client}" + (f" (user {self.user!r})" if self.user else "")
        over = f"over {self.protocol.upper()}"
        span = f"{_clock(self.started)} – {_clock(self.ended)}"
        stored = f", stored as {self.stored_path}" if self.stored_path else ""
        if self.outcome == "complete":
            verb = "downloaded" if self.direction == "download" else "uploaded"
            return f"{who} {verb} {self.path} {over}: {self.size} bytes, sha256 {self.sha256}{stored}, {span}"
        state = self.outcome or "in progress"
        moved = f"; {self.size} bytes, sha256 {self.sha256}" if self.size else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{who} {self.direction} of {self.path} {over}: {state}{detail}{moved}{stored}, {span}"

    __str__ = describe


@dataclass(frozen=True)
class LoginRecord:
    """One login attempt (FTP USER/PASS, or an HTTP request while Basic auth is on)."""

    protocol: Scheme
    client: str
    user: str | None
    accepted: bool
    detail: str
    at: dt.datetime = field(default_factory=_utc_now)

    finished = True

    def describe(self) -> str:
        verdict = "accepted" if self.accepted else "refused"
        return f"{self.protocol.upper()} login of {self.user!r} from {self.client} {verdict} ({self.detail}) at {_clock(self.at)}"

    __str__ = describe


Event = TransferRecord | LoginRecord


class _EventLog:
    """Ordered log of logins and transfers with waits that wake on the event itself."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.observers: list[Callable[[Event], None]] = []
        self._waiters: list[tuple[Callable[[Event], bool], asyncio.Future[Event]]] = []

    def add(self, event: Event) -> None:
        self.events.append(event)
        if event.finished:
            self._settled(event)

    def finish(self, record: TransferRecord, outcome: Outcome, detail: str) -> None:
        record.outcome = outcome
        record.detail = detail
        record.ended = _utc_now()
        self._settled(record)

    def abandon(self, record: TransferRecord, detail: str) -> None:
        """Finish a record the transfer left unfinished (cancelled, or failed in a way no branch answered)."""
        if not record.finished:
            self.finish(record, "aborted", detail)

    @contextlib.contextmanager
    def settling(self, record: TransferRecord) -> Iterator[TransferRecord]:
        """Add ``record``; whatever ends the block, the record ends finished."""
        self.add(record)
        try:
            yield record
        except BaseException as exc:
            self.abandon(record, f"ended by {type(exc).__name__}: {_one_line(exc)}".rstrip(": "))
            raise
        self.abandon(record, "ended without an outcome")

    def _settled(self, event: Event) -> None:
        logger.info("file servers: %s", event.describe())
        for observer in list(self.observers):
            observer(event)
        for match, future in self._waiters:
            if not future.done() and match(event):
                future.set_result(event)

    async def wait(self, match: Callable[[Event], bool], *, within: float, since: int, what: str) -> Event:
        for event in self.events[since:]:
            if event.finished and match(event):
                return event
        future: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        waiter = (match, future)
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(within):
                return await future
        except TimeoutError:
            seen = [event.describe() for event in self.events[since:][-3:]]
            summary = "; ".join(seen) if seen else "no login and no transfer"
            raise TimeoutError(f"no {what} within {within:g} s; the file servers saw: {summary}") from None
        finally:
            self._waiters.remove(waiter)


# ------------------------------------------------------------------------------------------------------ file helpers


def _safe_name(name: str) -> str | None:
    """The bare file name a request may use, or None when it names no plain file (empty, '.', '..', a folder)."""
    if not name or "/" in name or "\\" in name or "\0" in name or name in {".", ".."}:
        return None
    return name


def _create_evidence_file(directory: Path, name: str) -> tuple[Path, BinaryIO]:
    """Open a new file for an upload; a name taken before gets a counter, so earlier evidence is never overwritten."""
    stem, suffix = os.path.splitext(name)
    for attempt in range(1, 10_000):
        candidate = directory / (name if attempt == 1 else f"{stem}-{attempt}{suffix}")
        try:
            return candidate, open(candidate, "xb")
        except FileExistsError:
            continue
    raise FileExistsError(f"{directory} holds 10000 uploads named {name!r}")


def _write_hashed(sink: BinaryIO, block: bytes, sha: Any) -> None:
    sink.write(block)
    sha.update(block)


def _read_hashed(source: BinaryIO, size: int, sha: Any) -> bytes:
    block = source.read(size)
    sha.update(block)
    return block


def make_firmware_image(path: str | Path, size_bytes: int, seed: int) -> str:
    """Write ``size_bytes`` deterministic pseudo-random bytes (same seed, same bytes) to ``path``; return their sha256."""
    if size_bytes < 0:
        raise ValueError(f"make_firmware_image: size_bytes is {size_bytes}; give 0 or more bytes")
    generator = random.Random(seed)
    sha = hashlib.sha256()
    remaining = size_bytes
    with open(path, "wb") as sink:
        while remaining:
            # A fixed block size keeps the byte sequence independent of how the image is written.
            block = generator.randbytes(min(BLOCK_SIZE, remaining))
            _write_hashed(sink, block, sha)
            remaining -= len(block)
    return sha.hexdigest()



IMAGE_MAGIC = b"OCPP-CONFORMANCE-TEST-FIRMWARE"
_DIGEST_SIZE = 32


@dataclass(frozen=True)
class ImageCheck:
    """What a charger finds in a test firmware image: its version, and why it refuses to install it (None: intact)."""

    version: str | None
    problem: str | None


def make_installable_image(path: str | Path, size_bytes: int, seed: int, *, version: str, intact: bool = True) -> str:
    """Write a test firmware image to ``path`` and return the sha256 of the whole file.

    Layout: one header line ``OCPP-CONFORMANCE-TEST-FIRMWARE <version> <size_bytes>``, ``size_bytes`` deterministic
    pseudo-random bytes, then the 32-byte SHA-256 of header and content. With ``intact=False`` the trailer is wrong,
    so a charger that checks the image refuses to install it."""
    if size_bytes < 0:
        raise ValueError(f"make_installable_image: size_bytes is {size_bytes}; give 0 or more bytes")
    if not version or any(ch.isspace() for ch in version):
        raise ValueError(f"make_installable_image: version {version!r} must be one word")
    generator = random.Random(seed)
    content = hashlib.sha256()
    whole = hashlib.sha256()
    header = IMAGE_MAGIC + f" {version} {size_bytes}\n".encode()
    with open(path, "wb") as sink:
        for block in _image_blocks(header, generator, size_bytes):
            content.update(block)
            _write_hashed(sink, block, whole)
        trailer = content.digest()
        if not intact:
            trailer = bytes(b ^ 0xFF for b in trailer)
        _write_hashed(sink, trailer, whole)
    return whole.hexdigest()


def _image_blocks(header: bytes, generator: random.Random, size_bytes: int) -> Iterator[bytes]:
    yield header
    remaining = size_bytes
    while remaining:
        block = generator.randbytes(min(BLOCK_SIZE, remaining))
        remaining -= len(block)
        yield block


def check_installable_image(path: str | Path) -> ImageCheck:
    """Read a test firmware image as a charger verifies it before installing (streamed, never whole)."""
    with open(path, "rb") as source:
        header = source.readline(len(IMAGE_MAGIC) + 200)
        parts = header.rstrip(b"\n").split(b" ")
        if len(parts) != 3 or parts[0] != IMAGE_MAGIC or not parts[2].isdigit() or not header.endswith(b"\n"):
            return ImageCheck(None, "it is not an ocpp-conformance test firmware image (no valid header)")
        version, size = parts[1].decode("ascii", "replace"), int(parts[2])
        total = os.fstat(source.fileno()).st_size
        if total != len(header) + size + _DIGEST_SIZE:
            return ImageCheck(version, f"it holds {total} bytes, its header announces {len(header) + size + _DIGEST_SIZE}")
        sha = hashlib.sha256(header)
        remaining = size
        while remaining:
            block = source.read(min(BLOCK_SIZE, remaining))
            sha.update(block)
            remaining -= len(block)
        if not hmac.compare_digest(source.read(_DIGEST_SIZE), sha.digest()):
            return ImageCheck(version, "its SHA-256 trailer does not match its content")
    return ImageCheck(version, None)

# -------------------------------------------------------------------------------------------------------- FTP server


def _endpoint(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _ftp_peer(connection: aioftp.Connection) -> str:
    return _endpoint(connection.client_host, connection.client_port)


def _ftp_user(connection: aioftp.Connection) -> str | None:
    return connection.user.login if connection.future.user.done() else None


class _RecordingFtpServer(aioftp.Server):
    """aioftp server whose logins, RETR and STOR go through the event log and the refusal knobs of its owner."""

    def __init__(self, owner: FileServers, users: list[aioftp.User], **options: Any) -> None:
        super().__init__(users, **options)
        self._owner = owner
        # Firmware is read only and uploads are write once: nothing may delete, rename, append to or restructure them.
        for command in ("appe", "dele", "rnfr", "rnto", "mkd", "rmd"):
            self.commands_mapping.pop(command)

    # aioftp declares get_paths static; every caller reaches it through the server instance, which this one needs.
    def get_paths(self, connection: aioftp.Connection, path: str | PurePosixPath) -> tuple[Path, PurePosixPath]:  # type: ignore[override]
        _, virtual = super().get_paths(connection, path)
        return self._owner._real_path(virtual), virtual

    async def user(self, connection: aioftp.Connection, rest: str) -> bool:
        await super().user(connection, rest)
        if not connection.future.user.done():
            self._owner._log.add(LoginRecord("ftp", _ftp_peer(connection), rest, False, "FTP 530 unknown user"))
        return True

    async def pass_(self, connection: aioftp.Connection, rest: str) -> bool:
        if self._owner.refuse_logins and connection.future.user.done() and not connection.future.logged.done():
            connection.response("530", "logins are refused")
            self._owner._log.add(LoginRecord("ftp", _ftp_peer(connection), _ftp_user(connection), False, "FTP 530 logins refused"))
            return True
        was_logged = connection.future.logged.done()
        await super().pass_(connection, rest)
        if connection.future.user.done() and not was_logged:
            accepted = connection.future.logged.done()
            detail = "FTP 230" if accepted else "FTP 530 wrong password"
            self._owner._log.add(LoginRecord("ftp", _ftp_peer(connection), _ftp_user(connection), accepted, detail))
        return True

    @aioftp.ConnectionConditions(  # type: ignore[arg-type]  # aioftp types its decorators for the base class only
        aioftp.ConnectionConditions.login_required,
        aioftp.ConnectionConditions.passive_server_started,
    )
    async def retr(self, connection: aioftp.Connection, rest: str | PurePosixPath) -> bool:
        real, virtual = self.get_paths(connection, rest)
        record = TransferRecord("ftp", "download", _ftp_peer(connection), _ftp_user(connection), str(virtual))
        self._owner._log.add(record)
        if self._owner._area_of(virtual) != FIRMWARE_AREA or not await asyncio.to_thread(real.is_file):
            self._owner._log.finish(record, "missing", "FTP 550 file not found")
            connection.response("550", "file not found")
            return True
        offset = connection.restart_offset
        self._start_worker(connection, self._send(connection, real, offset, record), record)
        connection.response("150", "data transfer started")
        return True

    @aioftp.ConnectionConditions(  # type: ignore[arg-type]  # aioftp types its decorators for the base class only
        aioftp.ConnectionConditions.login_required,
        aioftp.ConnectionConditions.passive_server_started,
    )
    async def stor(self, connection: aioftp.Connection, rest: str | PurePosixPath, mode: str = "wb") -> bool:
        _, virtual = self.get_paths(connection, rest)
        record = TransferRecord("ftp", "upload", _ftp_peer(connection), _ftp_user(connection), str(virtual))
        self._owner._log.add(record)
        refusal = None
        if self._owner.refuse_uploads:
            refusal = ("553", "uploads are refused")
        elif virtual.parent != PurePosixPath("/", UPLOAD_AREA) or _safe_name(virtual.name) is None:
            refusal = ("553", f"file name not allowed: uploads go to /{UPLOAD_AREA}/<name>")
        elif connection.restart_offset:
            refusal = ("554", "resumed uploads are not supported: send the file from its start")
        if refusal:
            self._owner._log.finish(record, "refused", f"FTP {refusal[0]} {refusal[1]}")
            connection.response(*refusal)
            return True
        self._start_worker(connection, self._receive(connection, virtual.name, record), record)
        connection.response("150", "data transfer started")
        return True

    def _start_worker(self, connection: aioftp.Connection, work: Coroutine[Any, Any, None], record: TransferRecord) -> None:
        task = asyncio.create_task(work)
        # A worker cancelled before its first step never runs its own handlers; its end settles the record then.
        task.add_done_callback(lambda _: self._owner._log.abandon(record, "FTP session closed before the transfer ended"))
        connection.extra_workers.add(task)

    async def _data_connection(self, connection: aioftp.Connection, record: TransferRecord) -> aioftp.ThrottleStreamIO | None:
        try:
            async with asyncio.timeout(connection.wait_future_timeout):
                stream: aioftp.ThrottleStreamIO = await asyncio.shield(connection.future.data_connection)
        except TimeoutError:
            self._owner._log.finish(record, "aborted", "FTP 425 no data connection")
            connection.response("425", "can't open data connection")
            return None
        del connection.data_connection
        return stream

    async def _send(self, connection: aioftp.Connection, real: Path, offset: int, record: TransferRecord) -> None:
        stream = await self._data_connection(connection, record)
        if stream is None:
            return
        sha = hashlib.sha256()
        try:
            async with stream:
                with open(real, "rb") as source:
                    source.seek(offset)
                    while block := await asyncio.to_thread(source.read, BLOCK_SIZE):
                        await stream.write(block)
                        # Hashed after the write so the record covers exactly what reached the socket.
                        sha.update(block)
                        record.size += len(block)
        except asyncio.CancelledError:
            self._finish_aborted(connection, record, sha, "FTP 426 transfer aborted by ABOR or connection close")
            return
        except OSError as exc:
            self._finish_aborted(connection, record, sha, f"FTP 426 data connection lost: {exc}")
            return
        record.sha256 = sha.hexdigest()
        detail = "FTP 226" + (f" (from offset {offset})" if offset else "")
        self._owner._log.finish(record, "complete", detail)
        connection.response("226", "data transfer done")

    async def _receive(self, connection: aioftp.Connection, name: str, record: TransferRecord) -> None:
        stream = await self._data_connection(connection, record)
        if stream is None:
            return
        sha = hashlib.sha256()
        try:
            # Opened on the loop, not in a thread: a cancelled thread hop would leave an open file nobody closes.
            stored, sink = _create_evidence_file(self._owner.evidence_dir, name)
        except OSError as exc:
            stream.close()
            self._owner._log.finish(record, "aborted", f"FTP 451 evidence folder not writable: {exc}")
            connection.response("451", "local error: cannot store the file")
            return
        record.stored_path = stored
        try:
            async with stream:
                with sink:
                    async for block in stream.iter_by_block(BLOCK_SIZE):
                        # Written on the loop: a cancel then never lands between the disk, the hash and the count.
                        _write_hashed(sink, block, sha)
                        record.size += len(block)
        except asyncio.CancelledError:
            self._finish_aborted(connection, record, sha, "FTP 426 transfer aborted by ABOR or connection close")
            return
        except OSError as exc:
            self._finish_aborted(connection, record, sha, f"FTP 426 data connection lost: {exc}")
            return
        record.sha256 = sha.hexdigest()
        self._owner._log.finish(record, "complete", "FTP 226")
        connection.response("226", "data transfer done")

    def _finish_aborted(self, connection: aioftp.Connection, record: TransferRecord, sha: Any, detail: str) -> None:
        record.sha256 = sha.hexdigest()
        self._owner._log.finish(record, "aborted", detail)
        connection.response("426", "transfer aborted")
        connection.response("226", "abort done")


# ------------------------------------------------------------------------------------------------------ the servers


class FileServers:
    """HTTP(S) and FTP servers for firmware downloads and diagnostics/log uploads, with an awaitable event log.

    ``served_dir`` holds the firmware images (it must exist); uploads are stored into ``evidence_dir`` (created when
    missing). The servers bind ``host`` on ephemeral ports unless ports are given; URLs carry ``reachable_address``
    (default: ``host``), the address a charger on the network reaches this machine at. ``user``/``password`` are the
    FTP login (password: random per instance unless given) and, with ``http_basic_auth``, the HTTP Basic login. With
    ``tls`` an HTTPS server runs beside the HTTP one.

    Knobs to provoke failures for real: ``refuse_logins`` (FTP 530; HTTP 401 while Basic auth is on),
    ``refuse_uploads`` (FTP 553, HTTP 403), ``delete(name)`` and ``missing_url()``.
    """

    def __init__(
        self,
        served_dir: str | Path,
        evidence_dir: str | Path,
        *,
        host: str = "127.0.0.1",
        reachable_address: str | None = None,
        http_port: int = 0,
        https_port: int = 0,
        ftp_port: int = 0,
        user: str = "ocpp",
        password: str | None = None,
        http_basic_auth: bool = False,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.served_dir = Path(served_dir)
        if not self.served_dir.is_dir():
            raise ValueError(f"FileServers: served_dir {self.served_dir} is not a folder; create it or pass the folder holding the firmware images")
        self.evidence_dir = Path(evidence_dir)
        if _unspecified(host) and reachable_address is None:
            raise ValueError(f"FileServers: host {host} listens on every interface; pass reachable_address=<the address chargers reach this machine at>")
        for label, port in (("http_port", http_port), ("https_port", https_port), ("ftp_port", ftp_port)):
            if not 0 <= port <= 65535:
                raise ValueError(f"FileServers: {label} is {port}; give 0 (any free port) or a port from 1 to 65535")
        if ":" in user:
            raise ValueError(f"FileServers: user {user!r} contains ':', which Basic auth cannot carry; choose a user name without it")
        self.host = host
        self.reachable_address = reachable_address or host
        self.user = user
        self.password = password if password is not None else secrets.token_hex(8)
        self.http_basic_auth = http_basic_auth
        self.tls = tls
        self.refuse_logins = False
        self.refuse_uploads = False
        self._requested_ports = {"http": http_port, "https": https_port, "ftp": ftp_port}
        self._ports: dict[str, int] = {}
        self._log = _EventLog()
        self._root: Path | None = None
        self._runner: web.AppRunner | None = None
        self._ftp: _RecordingFtpServer | None = None

    # ---------------------------------------------------------------------------------------------- life cycle

    async def start(self) -> Self:
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        # The FTP root "/" needs a real folder; it holds only the two area names so a LIST of "/" shows them.
        self._root = Path(tempfile.mkdtemp(prefix="ocpp-file-servers-"))
        for area in (FIRMWARE_AREA, UPLOAD_AREA):
            (self._root / area).mkdir()
        try:
            await self._start_http()
            await self._start_ftp()
        except BaseException:
            await self.stop()
            raise
        return self

    async def _start_http(self) -> None:
        app = web.Application(middlewares=[self._basic_auth])
        app.router.add_get("/firmware/{name}", self._serve_download, allow_head=False)
        app.router.add_route("HEAD", "/firmware/{name}", self._serve_head)
        app.router.add_put("/upload/{name}", self._serve_upload)
        app.router.add_post("/upload/{name}", self._serve_upload)
        app.router.add_post("/upload", self._serve_upload)
        app.router.add_post("/upload/", self._serve_upload)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sites = [("http", None)] + ([("https", self.tls)] if self.tls else [])
        for scheme, context in sites:
            site = web.TCPSite(self._runner, self.host, self._requested_ports[scheme], ssl_context=context)
            await site.start()
            # The runner lists the bound addresses site by site; the last one is the site just started.
            self._ports[scheme] = self._runner.addresses[-1][1]

    async def _start_ftp(self) -> None:
        assert self._root is not None
        account = aioftp.User(
            self.user,
            self.password,
            base_path=self._root,
            home_path="/",
            permissions=[aioftp.Permission("/", readable=True, writable=False)],
        )
        forced_pasv = self.reachable_address if _is_ipv4(self.reachable_address) and self.reachable_address != self.host else None
        self._ftp = _RecordingFtpServer(
            self,
            [account],
            block_size=BLOCK_SIZE,
            # A charger on a slow link may open the data connection late.
            wait_future_timeout=30,
            ipv4_pasv_forced_response_address=forced_pasv,
        )
        await self._ftp.start(self.host, self._requested_ports["ftp"])
        self._ports["ftp"] = self._ftp.address[1]

    async def stop(self) -> None:
        if self._ftp is not None and hasattr(self._ftp, "server"):
            await self._ftp.close()
        self._ftp = None
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
        self._root = None
        self._ports.clear()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------------------------------------------- URLs

    def port(self, scheme: Scheme) -> int:
        if scheme not in self._ports:
            if not self._ports:
                raise RuntimeError("FileServers: not started; use 'async with FileServers(...)' or await start() first")
            raise ValueError(f"FileServers: no {scheme} server runs; pass tls=<ssl.SSLContext> for https")
        return self._ports[scheme]

    def firmware_url(self, name: str, scheme: Scheme = "http", credentials: Credentials = True) -> str:
        """URL of a served firmware image (the ``location`` of UpdateFirmware)."""
        if _safe_name(name) is None:
            raise ValueError(f"firmware_url: name {name!r} is not a plain file name inside served_dir")
        return self._url(scheme, f"/{FIRMWARE_AREA}/{name}", credentials)

    def upload_url(self, scheme: Scheme = "ftp", credentials: Credentials = True) -> str:
        """Directory URL uploads go into (the ``location`` of GetDiagnostics, the ``remoteLocation`` of GetLog)."""
        return self._url(scheme, f"/{UPLOAD_AREA}", credentials)

    def missing_url(self, scheme: Scheme = "http", credentials: Credentials = True) -> str:
        """URL of a firmware image that does not exist, so a download fails for real (HTTP 404, FTP 550)."""
        while True:
            name = f"absent-{secrets.token_hex(4)}.bin"
            if not (self.served_dir / name).exists():
                return self.firmware_url(name, scheme, credentials)

    def _url(self, scheme: Scheme, path: str, credentials: Credentials) -> str:
        port = self.port(scheme)
        user = password = None
        if credentials not in (True, False, "wrong"):
            raise ValueError(f"credentials is {credentials!r}; give True, False or 'wrong'")
        authenticated = scheme == "ftp" or self.http_basic_auth
        if credentials == "wrong" and not authenticated:
            raise ValueError(f"credentials='wrong' on an {scheme} URL needs FileServers(http_basic_auth=True)")
        if credentials and authenticated:
            user = self.user
            password = self.password if credentials is True else f"{self.password}-wrong"
        host = self.reachable_address
        return str(URL.build(scheme=scheme, user=user, password=password, host=host, port=port, path=path, encoded=False))

    # ------------------------------------------------------------------------------------------------ knobs, log

    def delete(self, name: str) -> None:
        """Remove a served firmware image, so the next download of it fails for real."""
        if _safe_name(name) is None:
            raise ValueError(f"delete: name {name!r} is not a plain file name inside served_dir")
        (self.served_dir / name).unlink()

    @property
    def events(self) -> list[Event]:
        """Every login and transfer in the order they began."""
        return list(self._log.events)

    @property
    def transfers(self) -> list[TransferRecord]:
        return [event for event in self._log.events if isinstance(event, TransferRecord)]

    @property
    def logins(self) -> list[LoginRecord]:
        return [event for event in self._log.events if isinstance(event, LoginRecord)]

    def mark(self) -> int:
        """Position in the event log; pass it as ``since`` to wait only for what happens after this point."""
        return len(self._log.events)

    def observe(self, observer: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``observer`` with every login and transfer as it ends (e.g. to write it into a wire log as it
        happens); returns the function that stops it."""
        self._log.observers.append(observer)

        def stop() -> None:
            if observer in self._log.observers:
                self._log.observers.remove(observer)

        return stop

    async def wait_for_download(
        self, name: str, *, within: float, outcome: Outcome | None = None, since: int = 0
    ) -> TransferRecord:
        """First finished download of ``name`` (of ``outcome``, when given) from position ``since`` of the log on."""

        def match(event: Event) -> bool:
            return isinstance(event, TransferRecord) and event.direction == "download" and event.name == name and outcome in (None, event.outcome)

        what = f"download of {name}" + (f" ending {outcome}" if outcome else "")
        found = await self._log.wait(match, within=within, since=since, what=what)
        assert isinstance(found, TransferRecord)
        return found

    async def wait_for_upload(
        self, *, within: float, name: str | None = None, outcome: Outcome | None = None, since: int = 0
    ) -> TransferRecord:
        """First finished upload (of ``name`` and ``outcome``, when given) from position ``since`` of the log on."""

        def match(event: Event) -> bool:
            return (
                isinstance(event, TransferRecord)
                and event.direction == "upload"
                and name in (None, event.name)
                and outcome in (None, event.outcome)
            )

        what = "upload" + (f" of {name}" if name else "") + (f" ending {outcome}" if outcome else "")
        found = await self._log.wait(match, within=within, since=since, what=what)
        assert isinstance(found, TransferRecord)
        return found

    async def wait_for_login(
        self, *, within: float, accepted: bool | None = None, protocol: Scheme | None = None, since: int = 0
    ) -> LoginRecord:
        """First login attempt (accepted or refused, over ``protocol``, when given) from position ``since`` on."""

        def match(event: Event) -> bool:
            return isinstance(event, LoginRecord) and accepted in (None, event.accepted) and protocol in (None, event.protocol)

        verdict = {None: "", True: " accepted", False: " refused"}[accepted]
        what = f"{protocol.upper() + ' ' if protocol else ''}login{verdict}"
        found = await self._log.wait(match, within=within, since=since, what=what)
        assert isinstance(found, LoginRecord)
        return found

    # ---------------------------------------------------------------------------------------------- internals

    def _area_of(self, virtual: PurePosixPath) -> str | None:
        parts = virtual.parts[1:]
        return parts[0] if parts and parts[0] in (FIRMWARE_AREA, UPLOAD_AREA) else None

    def _real_path(self, virtual: PurePosixPath) -> Path:
        """Where a path of the FTP view lives on disk: the two areas map onto the served and evidence folders."""
        assert self._root is not None
        parts = virtual.parts[1:]
        area = self._area_of(virtual)
        if area == FIRMWARE_AREA:
            return self.served_dir.joinpath(*parts[1:])
        if area == UPLOAD_AREA:
            return self.evidence_dir.joinpath(*parts[1:])
        return self._root.joinpath(*parts)

    # -------------------------------------------------------------------------------------------------- HTTP

    def _http_protocol(self, request: web.Request) -> Scheme:
        return "https" if request.secure else "http"

    @staticmethod
    def _http_peer(request: web.Request) -> str:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if not peer:
            return request.remote or "unknown"
        return _endpoint(peer[0], peer[1])

    @staticmethod
    def _http_user(request: web.Request) -> str | None:
        try:
            return aiohttp.BasicAuth.decode(request.headers["Authorization"]).login
        except (KeyError, ValueError):
            return None

    @web.middleware
    async def _basic_auth(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        if not self.http_basic_auth:
            return await handler(request)
        protocol, peer = self._http_protocol(request), self._http_peer(request)
        try:
            given = aiohttp.BasicAuth.decode(request.headers["Authorization"])
        except KeyError:
            given, reason = None, "no credentials"
        except ValueError:
            given, reason = None, "malformed Authorization header"
        if given is not None:
            matches = hmac.compare_digest(given.login.encode(), self.user.encode()) & hmac.compare_digest(
                given.password.encode(), self.password.encode()
            )
            reason = "logins refused" if self.refuse_logins else "wrong user or password"
            if matches and not self.refuse_logins:
                self._log.add(LoginRecord(protocol, peer, given.login, True, "HTTP Basic accepted"))
                return await handler(request)
        self._log.add(LoginRecord(protocol, peer, given.login if given else None, False, f"HTTP 401 {reason}"))
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Basic realm="ocpp-conformance"'}, text=f"{reason}\n")

    def _served_file(self, request: web.Request) -> Path | None:
        name = _safe_name(request.match_info["name"])
        path = self.served_dir / name if name else None
        return path if path is not None and path.is_file() else None

    async def _serve_head(self, request: web.Request) -> web.StreamResponse:
        path = self._served_file(request)
        if path is None:
            raise web.HTTPNotFound()
        return web.Response(headers={"Content-Length": str(path.stat().st_size), "Content-Type": "application/octet-stream"})

    async def _serve_download(self, request: web.Request) -> web.StreamResponse:
        record = TransferRecord(self._http_protocol(request), "download", self._http_peer(request), self._http_user(request), request.path)
        with self._log.settling(record):
            return await self._send_http(request, record)

    async def _send_http(self, request: web.Request, record: TransferRecord) -> web.StreamResponse:
        path = await asyncio.to_thread(self._served_file, request)
        if path is None:
            self._log.finish(record, "missing", "HTTP 404 not found")
            raise web.HTTPNotFound(text="no such firmware image\n")
        # Streamed by hand, not with FileResponse's sendfile, so the record's byte count and sha256 are of the bytes
        # actually written to the socket, also when the charger breaks off.
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        sha = hashlib.sha256()
        try:
            with open(path, "rb") as source:
                response.content_length = os.fstat(source.fileno()).st_size
                await response.prepare(request)
                while block := await asyncio.to_thread(source.read, BLOCK_SIZE):
                    await response.write(block)
                    sha.update(block)
                    record.size += len(block)
            await response.write_eof()
        except asyncio.CancelledError:
            record.sha256 = sha.hexdigest()
            raise
        except OSError as exc:
            # The charger went away: the record says so; there is nobody left to answer.
            record.sha256 = sha.hexdigest()
            self._log.finish(record, "aborted", f"HTTP connection lost: {_one_line(exc) or type(exc).__name__}")
            return response
        record.sha256 = sha.hexdigest()
        self._log.finish(record, "complete", "HTTP 200")
        return response

    async def _serve_upload(self, request: web.Request) -> web.StreamResponse:
        protocol, peer, user = self._http_protocol(request), self._http_peer(request), self._http_user(request)
        if self.refuse_uploads:
            record = TransferRecord(protocol, "upload", peer, user, request.path)
            self._log.add(record)
            self._log.finish(record, "refused", "HTTP 403 uploads refused")
            raise web.HTTPForbidden(text="uploads are refused\n")
        status = 201 if request.method == "PUT" else 200
        if request.method == "POST" and request.content_type == "multipart/form-data":
            stored = await self._store_multipart(request, protocol, peer, user, status)
        else:
            name = request.match_info.get("name") or _disposition_filename(request.headers.get("Content-Disposition"))
            path = request.path if request.match_info.get("name") else f"{request.path.rstrip('/')}/{name or 'upload.bin'}"
            stored = [await self._store_stream(request.content.read, name or "upload.bin", protocol, peer, user, path, status)]
        if not stored:
            record = TransferRecord(protocol, "upload", peer, user, request.path)
            self._log.add(record)
            self._log.finish(record, "refused", "HTTP 400 multipart form without a file part")
            raise web.HTTPBadRequest(text="the multipart form holds no file part\n")
        lines = "".join(f"{record.name} {record.size} {record.sha256}\n" for record in stored)
        return web.Response(status=status, text=lines)

    async def _store_multipart(
        self, request: web.Request, protocol: Scheme, peer: str, user: str | None, status: int
    ) -> list[TransferRecord]:
        stored: list[TransferRecord] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.filename is None:
                continue
            path = f"{request.path.rstrip('/')}/{part.filename}"
            stored.append(await self._store_stream(part.read_chunk, part.filename, protocol, peer, user, path, status))
        return stored

    async def _store_stream(
        self,
        read_block: Callable[[int], Awaitable[bytes]],
        name: str,
        protocol: Scheme,
        peer: str,
        user: str | None,
        path: str,
        status: int,
    ) -> TransferRecord:
        """Store one body (raw request body or multipart part) into a new evidence file; ``read_block`` gives b'' at its end."""
        record = TransferRecord(protocol, "upload", peer, user, path)
        with self._log.settling(record):
            return await self._receive_http(read_block, name, record, status)

    async def _receive_http(
        self, read_block: Callable[[int], Awaitable[bytes]], name: str, record: TransferRecord, status: int
    ) -> TransferRecord:
        safe = _safe_name(PurePosixPath(name).name)
        if safe is None:
            self._log.finish(record, "refused", f"HTTP 400 file name {name!r} not allowed")
            raise web.HTTPBadRequest(text=f"file name {name!r} not allowed\n")
        sha = hashlib.sha256()
        # Opened on the loop, not in a thread: a cancelled thread hop would leave an open file nobody closes.
        stored, sink = _create_evidence_file(self.evidence_dir, safe)
        record.stored_path = stored
        try:
            with sink:
                while block := await read_block(BLOCK_SIZE):
                    # Written on the loop: a cancel then never lands between the disk, the hash and the count.
                    _write_hashed(sink, block, sha)
                    record.size += len(block)
        except asyncio.CancelledError:
            record.sha256 = sha.hexdigest()
            raise
        except (OSError, aiohttp.ClientPayloadError) as exc:
            record.sha256 = sha.hexdigest()
            self._log.finish(record, "aborted", f"HTTP body broken off: {_one_line(exc) or type(exc).__name__}")
            raise web.HTTPBadRequest(text="the upload was broken off\n") from None
        record.sha256 = sha.hexdigest()
        self._log.finish(record, "complete", f"HTTP {status}")
        return record


def _disposition_filename(header: str | None) -> str | None:
    if not header:
        return None
    _, params = parse_content_disposition(header)
    return content_disposition_filename(params, "filename")


def _unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host == ""


def _is_ipv4(address: str) -> bool:
    try:
        return isinstance(ipaddress.ip_address(address), ipaddress.IPv4Address)
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------------------- clients


class TransferError(Exception):
    """A client transfer failed; ``reason`` is one of the reason constants and leads the one-line message."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class TransferResult:
    """What a client transfer moved: its byte count and the sha256 of those bytes."""

    size: int
    sha256: str


class _Failure(Exception):
    """Raised inside a transfer; ``_bounded`` turns it into the TransferError naming the URL."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def redacted(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        parsed = URL(url)
        if parsed.password is not None:
            return str(parsed.with_password("***"))
    except (ValueError, TypeError):
        pass
    return url if "@" not in url else url.split("//", 1)[0] + "//***@" + url.rsplit("@", 1)[1]


def _parse(url: str, action: str) -> URL:
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise TransferError(BAD_URL, f"{action} of {redacted(url)} failed: {BAD_URL} ({exc})") from None
    if parsed.scheme not in ("http", "https", "ftp"):
        raise TransferError(BAD_URL, f"{action} of {redacted(url)} failed: {BAD_URL} (scheme {parsed.scheme!r}; use http, https or ftp)")
    if not parsed.host:
        raise TransferError(BAD_URL, f"{action} of {redacted(url)} failed: {BAD_URL} (no host)")
    return parsed


async def _bounded(work: Awaitable[TransferResult], action: str, url: str, timeout: float) -> TransferResult:
    """Run one transfer within ``timeout`` seconds and turn every network failure into one TransferError line."""
    where = f"{action} of {redacted(url)} failed"
    try:
        async with asyncio.timeout(timeout):
            return await work
    except TimeoutError:
        raise TransferError(TIMEOUT, f"{where}: {TIMEOUT} (not complete within {timeout:g} s)") from None
    except _Failure as failure:
        raise TransferError(failure.reason, f"{where}: {failure.reason} ({failure.detail})") from None
    except (aiohttp.ClientSSLError, ssl.SSLError) as exc:
        raise TransferError(TLS_FAILED, f"{where}: {TLS_FAILED} ({_one_line(exc)})") from None
    except aiohttp.ClientConnectorError as exc:
        raise TransferError(UNREACHABLE, f"{where}: {UNREACHABLE} ({_one_line(exc)})") from None
    except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError, ConnectionError) as exc:
        raise TransferError(CONNECTION_LOST, f"{where}: {CONNECTION_LOST} ({_one_line(exc) or type(exc).__name__})") from None
    except aiohttp.ClientError as exc:
        raise TransferError(FAILED, f"{where}: {FAILED} ({_one_line(exc) or type(exc).__name__})") from None


def _check_stop_after(action: str, stop_after: int | None) -> None:
    if stop_after is not None and (isinstance(stop_after, bool) or not isinstance(stop_after, int) or stop_after < 1):
        raise ValueError(f"{action}: stop_after is {stop_after!r}; give a number of bytes of at least 1, or None")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _ssl_option(ssl_context: ssl.SSLContext | None) -> ssl.SSLContext | bool:
    return ssl_context if ssl_context is not None else True


def _http_failure(response: aiohttp.ClientResponse, action: Direction) -> _Failure | None:
    if response.status < 300:
        return None
    detail = f"HTTP {response.status} {response.reason or ''}".strip()
    if response.status == 401:
        return _Failure(LOGIN_REFUSED, detail)
    if response.status == 403:
        return _Failure(REFUSED, detail)
    if response.status in (404, 410) and action == "download":
        return _Failure(MISSING_FILE, detail)
    return _Failure(FAILED, detail)


def _ftp_failure(exc: aioftp.StatusCodeError, stage: Literal["login", "download", "upload", "end"]) -> _Failure:
    code = str(exc.received_codes[-1]) if exc.received_codes else "?"
    text = " ".join(" ".join(exc.info).split()) if exc.info else ""
    detail = f"FTP {text}" if text.startswith(code) else f"FTP {code} {text}".strip()
    if code == "530":
        return _Failure(LOGIN_REFUSED, detail)
    if stage == "download" and code == "550":
        return _Failure(MISSING_FILE, detail)
    if stage == "upload" and code in ("532", "550", "552", "553", "554"):
        return _Failure(REFUSED, detail)
    if code in ("425", "426"):
        return _Failure(CONNECTION_LOST, detail)
    return _Failure(FAILED, detail)


async def _ftp_session(target: URL) -> aioftp.Client:
    """A logged-in FTP client (passive mode: EPSV, then PASV) for the host, port and credentials of ``target``."""
    client = aioftp.Client(passive_commands=("epsv", "pasv"))
    try:
        try:
            await client.connect(target.host or "", target.port or 21)
        except aioftp.StatusCodeError as exc:
            raise _ftp_failure(exc, "login") from None
        except OSError as exc:
            raise _Failure(UNREACHABLE, _one_line(exc) or type(exc).__name__) from None
        try:
            await client.login(target.user or "anonymous", target.password or "anon@")
        except aioftp.StatusCodeError as exc:
            await _quit_politely(client)
            raise _ftp_failure(exc, "login") from None
    except BaseException:
        # Also on a timeout's cancel, which can land while the greeting or a login reply is awaited.
        client.close()
        raise
    return client


async def _open_data_stream(client: aioftp.Client, command: str) -> aioftp.DataConnectionThrottleStreamIO:
    """Open the passive data connection, then send ``command``; the data connection is closed when it is refused."""
    # aioftp's own get_stream leaves the data connection open when the server refuses the command.
    reader, writer = await client.get_passive_connection("I")
    try:
        await client.command(command, "1xx")
    except BaseException:
        writer.close()
        raise
    return aioftp.DataConnectionThrottleStreamIO(client, reader, writer, throttles={"_": client.throttle}, timeout=client.socket_timeout)


async def _quit_politely(client: aioftp.Client) -> None:
    """End a session the server just answered with QUIT, so the server sees a goodbye and not a dropped line."""
    try:
        await client.quit()
    except (aioftp.StatusCodeError, OSError):
        pass
    finally:
        client.close()


def _broken_off(size: int) -> _Failure:
    return _Failure(BROKEN_OFF, f"the client broke the transfer off after {size} bytes")


def _cut_due(size: int, stop_after: int | None) -> bool:
    return stop_after is not None and size >= stop_after


async def _ftp_download(target: URL, sink: BinaryIO, stop_after: int | None) -> TransferResult:
    sha = hashlib.sha256()
    size = 0
    client = await _ftp_session(target)
    try:
        try:
            stream = await _open_data_stream(client, f"RETR {target.path}")
        except aioftp.StatusCodeError as exc:
            await _quit_politely(client)
            raise _ftp_failure(exc, "download") from None
        try:
            async with stream:
                async for block in stream.iter_by_block(BLOCK_SIZE):
                    await asyncio.to_thread(_write_hashed, sink, block, sha)
                    size += len(block)
                    if _cut_due(size, stop_after):
                        client.close()  # the control connection first: the server must not take this for the end
                        raise _broken_off(size)
        except aioftp.StatusCodeError as exc:
            await _quit_politely(client)
            raise _ftp_failure(exc, "end") from None
        await client.quit()
    finally:
        client.close()
    return TransferResult(size, sha.hexdigest())


async def _ftp_upload(target: URL, source: BinaryIO, name: str, stop_after: int | None) -> TransferResult:
    sha = hashlib.sha256()
    size = 0
    client = await _ftp_session(target)
    try:
        try:
            stream = await _open_data_stream(client, f"STOR {target.path.rstrip('/')}/{name}")
        except aioftp.StatusCodeError as exc:
            await _quit_politely(client)
            raise _ftp_failure(exc, "upload") from None
        try:
            async with stream:
                while block := await asyncio.to_thread(_read_hashed, source, _block_size(size, stop_after), sha):
                    await stream.write(block)
                    size += len(block)
                    if _cut_due(size, stop_after):
                        client.close()  # FTP has no length: only a lost control connection tells the server
                        raise _broken_off(size)
        except aioftp.StatusCodeError as exc:
            await _quit_politely(client)
            raise _ftp_failure(exc, "end") from None
        await client.quit()
    finally:
        client.close()
    return TransferResult(size, sha.hexdigest())


def _block_size(moved: int, stop_after: int | None) -> int:
    """The next block to send: whole blocks, or what is left up to the cut-off point."""
    return BLOCK_SIZE if stop_after is None else max(1, min(BLOCK_SIZE, stop_after - moved))


async def _http_download(
    target: URL, sink: BinaryIO, ssl_context: ssl.SSLContext | None, stop_after: int | None
) -> TransferResult:
    sha = hashlib.sha256()
    size = 0
    async with aiohttp.ClientSession() as session:
        async with session.get(target, ssl=_ssl_option(ssl_context)) as response:
            if failure := _http_failure(response, "download"):
                raise failure
            async for block in response.content.iter_chunked(BLOCK_SIZE):
                await asyncio.to_thread(_write_hashed, sink, block, sha)
                size += len(block)
                if _cut_due(size, stop_after):
                    response.close()  # drops the connection: the server sees the body cut short
                    raise _broken_off(size)
    return TransferResult(size, sha.hexdigest())


class _CutOff(OSError):
    """Raised by a request body that was told to stop: aiohttp then abandons the request and its connection."""


class _HashingReader(io.BufferedReader):
    """A file aiohttp streams a request body from; hashes and counts what it hands out, afresh when rewound to 0.
    With ``stop_after`` it refuses to hand out more once that many bytes went (the request is then broken off)."""

    def __init__(self, path: Path, stop_after: int | None = None) -> None:
        super().__init__(io.FileIO(path, "rb"), buffer_size=BLOCK_SIZE)
        self.sha = hashlib.sha256()
        self.count = 0
        self.stop_after = stop_after
        self.cut = False

    def read(self, size: int | None = -1) -> bytes:
        if _cut_due(self.count, self.stop_after):
            self.cut = True
            raise _CutOff(f"stopped after {self.count} bytes")
        if self.stop_after is not None:
            size = _block_size(self.count, self.stop_after) if size is None or size < 0 else min(size, _block_size(self.count, self.stop_after))
        block = super().read(size)
        self.sha.update(block)
        self.count += len(block)
        return block

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        # aiohttp rewinds a body to send it again (after a redirect); the hash must then cover that second sending.
        position = super().seek(offset, whence)
        if position == 0:
            self.sha = hashlib.sha256()
            self.count = 0
        return position


async def _http_upload(
    target: URL, source_path: Path, name: str, form: HttpUploadForm, ssl_context: ssl.SSLContext | None,
    stop_after: int | None,
) -> TransferResult:
    with _HashingReader(source_path, stop_after) as reader:
        try:
            return await _send_http_upload(target, reader, name, form, ssl_context)
        except (aiohttp.ClientError, OSError) as exc:
            if reader.cut:
                raise _broken_off(reader.count) from None
            raise exc


async def _send_http_upload(
    target: URL, reader: _HashingReader, name: str, form: HttpUploadForm, ssl_context: ssl.SSLContext | None
) -> TransferResult:
    directory = target.with_path(target.path.rstrip("/") or "/", keep_query=True)
    body = aiohttp_payload.BufferedReaderPayload(reader, filename=name, content_type="application/octet-stream")
    async with aiohttp.ClientSession() as session:
        if form == "multipart":
            with aiohttp.MultipartWriter("form-data") as multipart:
                part = multipart.append_payload(body)
                part.set_content_disposition("form-data", name="file", filename=name)
                request = session.post(directory, data=multipart, ssl=_ssl_option(ssl_context))
        else:
            file_url = directory.with_path(f"{directory.path.rstrip('/')}/{name}", keep_query=True)
            method = session.put if form == "put" else session.post
            request = method(file_url, data=body, ssl=_ssl_option(ssl_context))
        async with request as response:
            if failure := _http_failure(response, "upload"):
                raise failure
            await response.read()
    return TransferResult(reader.count, reader.sha.hexdigest())


async def download(
    url: str,
    dest_path: str | Path,
    *,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
    stop_after: int | None = None,
) -> TransferResult:
    """Download ``url`` (http, https, ftp with ``user:password@``) into ``dest_path``, streamed, within ``timeout`` s.

    The bytes land in ``<dest_path>.part`` and are renamed into place only when complete, so a failed download leaves
    no file. Raises TransferError (reason: unreachable, login refused, missing file, timeout, …) with one line.
    ``stop_after``: break the download off once at least that many bytes arrived, as a link that drops would
    (reason ``broken off``): a charger whose download fails for real.
    """
    target = _parse(url, "download")
    _check_stop_after("download", stop_after)
    destination = Path(dest_path)
    partial = destination.with_name(destination.name + ".part")
    try:
        with open(partial, "wb") as sink:
            if target.scheme == "ftp":
                result = await _bounded(_ftp_download(target, sink, stop_after), "download", url, timeout)
            else:
                result = await _bounded(_http_download(target, sink, ssl_context, stop_after), "download", url, timeout)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, destination)
    return result


async def upload(
    url: str,
    src_path: str | Path,
    *,
    timeout: float,
    name: str | None = None,
    http_form: HttpUploadForm = "put",
    ssl_context: ssl.SSLContext | None = None,
    stop_after: int | None = None,
) -> TransferResult:
    """Upload ``src_path`` into the directory URL ``url`` as ``name`` (default: the file's own name), within ``timeout`` s.

    OCPP gives a directory (GetDiagnostics ``location``, GetLog ``remoteLocation``): FTP stores to ``<url>/<name>``;
    HTTP sends ``PUT <url>/<name>`` (``http_form="put"``), ``POST <url>/<name>`` with the raw body (``"post"``) or
    ``POST <url>`` with a multipart form whose ``file`` part carries the name (``"multipart"``). Streamed; raises
    TransferError with one line. ``stop_after``: break the upload off once that many bytes went (reason ``broken
    off``), as a link that drops would.
    """
    target = _parse(url, "upload")
    source_path = Path(src_path)
    file_name = name or source_path.name
    if _safe_name(file_name) is None:
        raise ValueError(f"upload: name {file_name!r} is not a plain file name; give one without '/'")
    if http_form not in ("put", "post", "multipart"):
        raise ValueError(f"upload: http_form is {http_form!r}; give 'put', 'post' or 'multipart'")
    _check_stop_after("upload", stop_after)
    if target.scheme == "ftp":
        with open(source_path, "rb") as source:
            return await _bounded(_ftp_upload(target, source, file_name, stop_after), "upload", url, timeout)
    return await _bounded(_http_upload(target, source_path, file_name, http_form, ssl_context, stop_after), "upload", url,
                          timeout)
