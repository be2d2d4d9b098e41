"""Real file transfers over loopback: the suite's HTTP and FTP file servers against its own transfer clients.

Every transfer goes over a socket on 127.0.0.1; byte-for-byte equality is checked by sha256 on both ends and against
the file on disk. The memory checks bound allocation (tracemalloc), never time, and a calibration case shows the
gauge catches a whole-file load.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aioftp
import aiohttp
import pytest

from conformance.file_transfer import (
    BAD_URL,
    BROKEN_OFF,
    CONNECTION_LOST,
    LOGIN_REFUSED,
    MISSING_FILE,
    REFUSED,
    TIMEOUT,
    TLS_FAILED,
    UNREACHABLE,
    FileServers,
    LoginRecord,
    TransferError,
    TransferRecord,
    check_installable_image,
    download,
    make_firmware_image,
    make_installable_image,
    upload,
)
from conformance.pki import ensure_pki

pytestmark = pytest.mark.timeout(60)

IMAGE = "firmware.bin"
IMAGE_SIZE = 1_048_576 + 17  # not a multiple of any block size, so the last partial block is covered too
LARGE_SIZE = 64 * 1024 * 1024
MEMORY_BOUND = 8 * 1024 * 1024  # far below LARGE_SIZE; a whole-file load overshoots it eightfold
UPLOAD_FORMS = [("ftp", "put"), ("http", "put"), ("http", "post"), ("http", "multipart")]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "served"
    folder.mkdir()
    return folder, make_firmware_image(folder / IMAGE, IMAGE_SIZE, seed=16)


@pytest.fixture
async def servers(tmp_path: Path, served: tuple[Path, str]) -> AsyncIterator[FileServers]:
    async with FileServers(served[0], tmp_path / "evidence") as running:
        yield running


@pytest.fixture
async def basic_auth_servers(tmp_path: Path, served: tuple[Path, str]) -> AsyncIterator[FileServers]:
    async with FileServers(served[0], tmp_path / "evidence", http_basic_auth=True) as running:
        yield running


# ------------------------------------------------------------------------------------------------ byte for byte


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_download_is_byte_for_byte_and_recorded(servers: FileServers, served: tuple[Path, str], tmp_path: Path, scheme: str) -> None:
    expected_sha = served[1]
    dest = tmp_path / "downloaded.bin"

    result = await download(servers.firmware_url(IMAGE, scheme), dest, timeout=20)

    assert (result.size, result.sha256) == (IMAGE_SIZE, expected_sha)
    assert _sha256(dest) == expected_sha
    assert not dest.with_name("downloaded.bin.part").exists()
    record = await servers.wait_for_download(IMAGE, within=5)
    assert (record.protocol, record.outcome, record.size, record.sha256) == (scheme, "complete", IMAGE_SIZE, expected_sha)
    assert record.client.startswith("127.0.0.1:")
    assert record.user == ("ocpp" if scheme == "ftp" else None)
    assert record.ended is not None and record.ended >= record.started
    line = record.describe()
    assert f"downloaded /firmware/{IMAGE} over {scheme.upper()}: {IMAGE_SIZE} bytes, sha256 {expected_sha}" in line


@pytest.mark.parametrize(("scheme", "form"), UPLOAD_FORMS)
async def test_upload_is_byte_for_byte_stored_as_evidence(
    servers: FileServers, served: tuple[Path, str], scheme: str, form: Any
) -> None:
    source, expected_sha = served[0] / IMAGE, served[1]

    result = await upload(servers.upload_url(scheme), source, timeout=20, name="diagnostics.zip", http_form=form)

    assert (result.size, result.sha256) == (IMAGE_SIZE, expected_sha)
    record = await servers.wait_for_upload(within=5, name="diagnostics.zip")
    assert (record.protocol, record.outcome, record.size, record.sha256) == (scheme, "complete", IMAGE_SIZE, expected_sha)
    assert record.stored_path == servers.evidence_dir / "diagnostics.zip"
    assert _sha256(record.stored_path) == expected_sha


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_second_upload_of_same_name_keeps_the_first(servers: FileServers, tmp_path: Path, scheme: str) -> None:
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    first.write_bytes(b"first attempt\n")
    second.write_bytes(b"second attempt, longer\n")

    await upload(servers.upload_url(scheme), first, timeout=10, name="diag.log")
    await upload(servers.upload_url(scheme), second, timeout=10, name="diag.log")

    assert (servers.evidence_dir / "diag.log").read_bytes() == b"first attempt\n"
    assert (servers.evidence_dir / "diag-2.log").read_bytes() == b"second attempt, longer\n"
    assert [record.stored_path.name for record in servers.transfers if record.stored_path] == ["diag.log", "diag-2.log"]


async def test_http_upload_shapes_chargers_use(servers: FileServers) -> None:
    directory = servers.upload_url("http")
    async with aiohttp.ClientSession() as session:
        async with session.post(directory, data=b"raw body", headers={"Content-Disposition": 'attachment; filename="cp.log"'}) as raw:
            assert raw.status == 200
        async with session.post(directory + "/", data=b"no name given") as unnamed:
            assert unnamed.status == 200
        form = aiohttp.FormData({"comment": "no file here"}, default_to_multipart=True)
        async with session.post(directory, data=form) as fileless:
            assert fileless.status == 400
        async with session.put(directory + "/..", data=b"escape") as escape:
            assert escape.status in (400, 404, 405)

    assert (servers.evidence_dir / "cp.log").read_bytes() == b"raw body"
    assert (servers.evidence_dir / "upload.bin").read_bytes() == b"no name given"
    outcomes = [(record.name, record.outcome) for record in servers.transfers]
    assert outcomes == [("cp.log", "complete"), ("upload.bin", "complete"), ("upload", "refused")]
    assert sorted(path.name for path in servers.evidence_dir.iterdir()) == ["cp.log", "upload.bin"]


async def test_http_head_tells_the_size_without_a_transfer(servers: FileServers) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.head(servers.firmware_url(IMAGE, "http")) as found:
            assert (found.status, found.content_length) == (200, IMAGE_SIZE)
        async with session.head(servers.missing_url("http")) as absent:
            assert absent.status == 404
    assert servers.transfers == []


async def test_https_download_with_trusted_ca_and_refusal_without(tmp_path: Path, served: tuple[Path, str]) -> None:
    pki = ensure_pki(tmp_path / "pki", identity="CP-FILES")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(pki.server_cert, pki.server_key)
    trusting = ssl.create_default_context(cafile=str(pki.ca_cert))
    async with FileServers(served[0], tmp_path / "evidence", tls=server_context) as running:
        url = running.firmware_url(IMAGE, "https")
        assert url.startswith(f"https://127.0.0.1:{running.port('https')}/firmware/")

        result = await download(url, tmp_path / "tls.bin", timeout=20, ssl_context=trusting)
        assert result.sha256 == served[1]
        assert (await running.wait_for_download(IMAGE, within=5)).protocol == "https"

        with pytest.raises(TransferError) as refused:
            await download(url, tmp_path / "untrusted.bin", timeout=20, ssl_context=ssl.create_default_context())
        assert refused.value.reason == TLS_FAILED
        assert "\n" not in str(refused.value)


async def test_ftp_restart_offset_sends_the_tail(servers: FileServers, served: tuple[Path, str]) -> None:
    offset = 1000
    tail = (served[0] / IMAGE).read_bytes()[offset:]
    async with aioftp.Client.context("127.0.0.1", servers.port("ftp"), servers.user, servers.password) as client:
        async with client.download_stream(f"/firmware/{IMAGE}", offset=offset) as stream:
            received = b"".join([block async for block in stream.iter_by_block()])
    assert received == tail
    record = await servers.wait_for_download(IMAGE, within=5)
    assert (record.size, record.sha256) == (len(tail), hashlib.sha256(tail).hexdigest())
    assert "from offset 1000" in record.detail


# --------------------------------------------------------------------------------------------- memory (allocation)


async def _peak_allocation(work: Callable[[], Awaitable[object]]) -> int:
    """Peak bytes allocated by Python (all threads) while ``work`` runs, above what was allocated before it."""
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        await work()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - baseline


@pytest.fixture
def large_image(served: tuple[Path, str]) -> tuple[str, str]:
    name = "large.bin"
    return name, make_firmware_image(served[0] / name, LARGE_SIZE, seed=64)


async def test_memory_gauge_catches_a_whole_file_load(served: tuple[Path, str], large_image: tuple[str, str]) -> None:
    async def load_whole() -> bytes:
        return await asyncio.to_thread((served[0] / large_image[0]).read_bytes)

    assert await _peak_allocation(load_whole) >= LARGE_SIZE > MEMORY_BOUND


@pytest.mark.timeout(120)
@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_large_download_streams(servers: FileServers, large_image: tuple[str, str], tmp_path: Path, scheme: str) -> None:
    name, expected_sha = large_image
    dest = tmp_path / "large-copy.bin"

    peak = await _peak_allocation(lambda: download(servers.firmware_url(name, scheme), dest, timeout=100))

    assert _sha256(dest) == expected_sha
    assert peak < MEMORY_BOUND, f"peak allocation {peak} B while moving {LARGE_SIZE} B"


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("scheme", "form"), UPLOAD_FORMS)
async def test_large_upload_streams(
    servers: FileServers, served: tuple[Path, str], large_image: tuple[str, str], scheme: str, form: Any
) -> None:
    name, expected_sha = large_image

    peak = await _peak_allocation(lambda: upload(servers.upload_url(scheme), served[0] / name, timeout=100, http_form=form))

    record = await servers.wait_for_upload(within=5, name=name, outcome="complete")
    assert record.sha256 == expected_sha and record.stored_path is not None and _sha256(record.stored_path) == expected_sha
    assert peak < MEMORY_BOUND, f"peak allocation {peak} B while moving {LARGE_SIZE} B"


# ------------------------------------------------------------------------------------------------ credentials


@pytest.mark.parametrize("credentials", ["wrong", False])
async def test_ftp_refuses_wrong_or_missing_credentials(servers: FileServers, tmp_path: Path, credentials: Any) -> None:
    with pytest.raises(TransferError) as failure:
        await download(servers.firmware_url(IMAGE, "ftp", credentials=credentials), tmp_path / "x.bin", timeout=10)

    assert failure.value.reason == LOGIN_REFUSED
    assert "FTP 530" in str(failure.value) and servers.password not in str(failure.value)
    login = await servers.wait_for_login(within=5, protocol="ftp")
    assert not login.accepted and "530" in login.detail
    assert login.user == ("ocpp" if credentials == "wrong" else "anonymous")
    assert not servers.transfers
    assert not (tmp_path / "x.bin").exists() and not (tmp_path / "x.bin.part").exists()


async def test_http_basic_auth_accepts_right_and_refuses_wrong(basic_auth_servers: FileServers, served: tuple[Path, str], tmp_path: Path) -> None:
    servers = basic_auth_servers
    with pytest.raises(TransferError) as wrong:
        await download(servers.firmware_url(IMAGE, "http", credentials="wrong"), tmp_path / "w.bin", timeout=10)
    assert wrong.value.reason == LOGIN_REFUSED and "HTTP 401" in str(wrong.value)
    with pytest.raises(TransferError) as missing:
        await download(servers.firmware_url(IMAGE, "http", credentials=False), tmp_path / "n.bin", timeout=10)
    assert missing.value.reason == LOGIN_REFUSED

    result = await download(servers.firmware_url(IMAGE, "http"), tmp_path / "ok.bin", timeout=10)

    assert result.sha256 == served[1]
    assert [(login.user, login.accepted) for login in servers.logins] == [("ocpp", False), (None, False), ("ocpp", True)]
    record = await servers.wait_for_download(IMAGE, within=5)
    assert (record.user, record.outcome) == ("ocpp", "complete")


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_refuse_logins_knob_refuses_right_credentials(basic_auth_servers: FileServers, tmp_path: Path, scheme: str) -> None:
    basic_auth_servers.refuse_logins = True

    with pytest.raises(TransferError) as failure:
        await download(basic_auth_servers.firmware_url(IMAGE, scheme), tmp_path / "x.bin", timeout=10)

    assert failure.value.reason == LOGIN_REFUSED
    login = await basic_auth_servers.wait_for_login(within=5, accepted=False)
    assert "refused" in login.detail and login.user == "ocpp"


# --------------------------------------------------------------------------------------------- missing, refused


@pytest.mark.parametrize(("scheme", "code"), [("http", "HTTP 404"), ("ftp", "FTP 550")])
async def test_missing_file_fails_for_real(servers: FileServers, tmp_path: Path, scheme: str, code: str) -> None:
    url = servers.missing_url(scheme)

    with pytest.raises(TransferError) as failure:
        await download(url, tmp_path / "x.bin", timeout=10)

    assert failure.value.reason == MISSING_FILE and code in str(failure.value)
    record = await servers.wait_for_download(url.rsplit("/", 1)[1], within=5)
    assert record.outcome == "missing" and code in record.detail
    assert not (tmp_path / "x.bin.part").exists()


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_deleted_firmware_is_missing_afterwards(servers: FileServers, tmp_path: Path, scheme: str) -> None:
    url = servers.firmware_url(IMAGE, scheme)
    await download(url, tmp_path / "before.bin", timeout=10)
    mark = servers.mark()

    servers.delete(IMAGE)

    with pytest.raises(TransferError) as failure:
        await download(url, tmp_path / "after.bin", timeout=10)
    assert failure.value.reason == MISSING_FILE
    assert (await servers.wait_for_download(IMAGE, within=5, since=mark)).outcome == "missing"


@pytest.mark.parametrize(("scheme", "form", "code"), [("ftp", "put", "FTP 553"), ("http", "put", "HTTP 403"), ("http", "multipart", "HTTP 403")])
async def test_refused_uploads_fail_for_real(servers: FileServers, served: tuple[Path, str], scheme: str, form: Any, code: str) -> None:
    servers.refuse_uploads = True

    with pytest.raises(TransferError) as failure:
        await upload(servers.upload_url(scheme), served[0] / IMAGE, timeout=10, http_form=form)

    assert failure.value.reason == REFUSED and code in str(failure.value)
    record = await servers.wait_for_upload(within=5)
    assert record.outcome == "refused" and code in record.detail
    assert list(servers.evidence_dir.iterdir()) == []


async def test_ftp_areas_are_read_only_and_write_only(servers: FileServers, served: tuple[Path, str], tmp_path: Path) -> None:
    firmware_dir = servers.firmware_url(IMAGE, "ftp").rsplit("/", 1)[0]
    with pytest.raises(TransferError) as into_firmware:
        await upload(firmware_dir, served[0] / IMAGE, timeout=10, name="replaced.bin")
    assert into_firmware.value.reason == REFUSED and "FTP 553" in str(into_firmware.value)
    await upload(servers.upload_url("ftp"), served[0] / IMAGE, timeout=10, name="diag.bin")
    with pytest.raises(TransferError) as read_back:
        await download(servers.upload_url("ftp") + "/diag.bin", tmp_path / "x.bin", timeout=10)
    assert read_back.value.reason == MISSING_FILE
    async with aioftp.Client.context("127.0.0.1", servers.port("ftp"), servers.user, servers.password) as client:
        with pytest.raises(aioftp.StatusCodeError) as delete:
            await client.remove_file(f"/firmware/{IMAGE}")
    assert str(delete.value.received_codes[-1]) == "502"
    assert (served[0] / IMAGE).exists() and not (served[0] / "replaced.bin").exists()


# -------------------------------------------------------------------------------------------- broken transfers


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_download_broken_off_by_the_client_is_recorded_as_aborted(
    servers: FileServers, large_image: tuple[str, str], scheme: str
) -> None:
    name = large_image[0]
    if scheme == "http":
        async with aiohttp.ClientSession() as session:
            async with session.get(servers.firmware_url(name, "http")) as response:
                await response.content.readexactly(4096)
                response.close()
    else:
        client = aioftp.Client()
        await client.connect("127.0.0.1", servers.port("ftp"))
        await client.login(servers.user, servers.password)
        stream = await client.download_stream(f"/firmware/{name}")
        await stream.read(4096)
        client.close()
        stream.close()

    record = await servers.wait_for_download(name, within=20)

    assert record.outcome == "aborted" and 0 < record.size < LARGE_SIZE
    assert "aborted" in record.describe()


async def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    for url in (f"http://127.0.0.1:{closed_port}/firmware/x.bin", f"ftp://u:secret@127.0.0.1:{closed_port}/firmware/x.bin"):
        with pytest.raises(TransferError) as failure:
            await download(url, tmp_path / "x.bin", timeout=10)
        assert failure.value.reason == UNREACHABLE
        assert "\n" not in str(failure.value) and "secret" not in str(failure.value)


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A loopback port that accepts connections and never says a word, until the test ends."""
    done = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await done.wait()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    done.set()
    server.close()
    await server.wait_closed()


async def test_truncated_http_body_is_a_failed_download(tmp_path: Path) -> None:
    async def truncate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"z" * 1000)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(truncate, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(TransferError) as failure:
            await download(f"http://127.0.0.1:{port}/firmware/x.bin", tmp_path / "x.bin", timeout=10)
    finally:
        server.close()
        await server.wait_closed()
    assert failure.value.reason == CONNECTION_LOST and "\n" not in str(failure.value)
    assert not (tmp_path / "x.bin").exists() and not (tmp_path / "x.bin.part").exists()


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_silent_server_gives_a_timeout(silent_port: int, tmp_path: Path, scheme: str) -> None:
    with pytest.raises(TransferError) as failure:
        await download(f"{scheme}://127.0.0.1:{silent_port}/firmware/x.bin", tmp_path / "x.bin", timeout=0.5)
    assert failure.value.reason == TIMEOUT and "within 0.5 s" in str(failure.value)
    assert not (tmp_path / "x.bin.part").exists()


@pytest.mark.parametrize("url", ["gopher://127.0.0.1/x", "http:///no-host", "ftp://[::1/broken"])
async def test_bad_url_is_one_line(tmp_path: Path, url: str) -> None:
    with pytest.raises(TransferError) as failure:
        await download(url, tmp_path / "x.bin", timeout=5)
    assert failure.value.reason == BAD_URL and "\n" not in str(failure.value)


# -------------------------------------------------------------------------------------------------- the log


async def test_wait_times_out_with_a_clear_message(servers: FileServers, tmp_path: Path) -> None:
    with pytest.raises(TransferError):
        await download(servers.firmware_url(IMAGE, "ftp", credentials="wrong"), tmp_path / "x.bin", timeout=10)

    with pytest.raises(TimeoutError) as waited:
        await servers.wait_for_download(IMAGE, within=0.2)

    message = str(waited.value)
    assert message.startswith(f"no download of {IMAGE} within 0.2 s; the file servers saw: FTP login of 'ocpp'")
    assert "refused (FTP 530 wrong password)" in message and "\n" not in message


async def test_waits_see_earlier_events_and_since_skips_them(servers: FileServers, tmp_path: Path) -> None:
    await download(servers.firmware_url(IMAGE, "http"), tmp_path / "a.bin", timeout=10)
    mark = servers.mark()

    earlier = await servers.wait_for_download(IMAGE, within=1)
    assert earlier.outcome == "complete"
    with pytest.raises(TimeoutError):
        await servers.wait_for_download(IMAGE, within=0.2, since=mark)

    waiter = asyncio.create_task(servers.wait_for_download(IMAGE, within=10, since=mark))
    await download(servers.firmware_url(IMAGE, "ftp"), tmp_path / "b.bin", timeout=10)
    later = await waiter
    assert later is not earlier and later.protocol == "ftp"
    assert [type(event) for event in servers.events] == [TransferRecord, LoginRecord, TransferRecord]


async def test_waits_filter_by_outcome(servers: FileServers, tmp_path: Path) -> None:
    servers.delete(IMAGE)
    with pytest.raises(TransferError):
        await download(servers.firmware_url(IMAGE, "http"), tmp_path / "x.bin", timeout=10)

    assert (await servers.wait_for_download(IMAGE, within=1)).outcome == "missing"
    with pytest.raises(TimeoutError, match="ending complete"):
        await servers.wait_for_download(IMAGE, within=0.2, outcome="complete")


# ---------------------------------------------------------------------------------------------------- URLs


async def test_urls_carry_the_reachable_address(tmp_path: Path, served: tuple[Path, str]) -> None:
    # 192.0.2.10 is a documentation address: it only appears in URLs and the PASV reply, nothing connects to it.
    async with FileServers(served[0], tmp_path / "evidence", reachable_address="192.0.2.10", http_basic_auth=True) as running:
        http, ftp = running.port("http"), running.port("ftp")
        assert running.firmware_url(IMAGE) == f"http://ocpp:{running.password}@192.0.2.10:{http}/firmware/{IMAGE}"
        assert running.firmware_url(IMAGE, "ftp", credentials=False) == f"ftp://192.0.2.10:{ftp}/firmware/{IMAGE}"
        assert running.upload_url("ftp", credentials="wrong") == f"ftp://ocpp:{running.password}-wrong@192.0.2.10:{ftp}/upload"
        reader, writer = await asyncio.open_connection("127.0.0.1", ftp)
        try:
            await reader.readline()
            for command in (f"USER {running.user}", f"PASS {running.password}", "PASV"):
                writer.write(f"{command}\r\n".encode())
                reply = (await reader.readline()).decode()
            assert reply.startswith("227") and "(192,0,2,10," in reply
        finally:
            writer.close()


async def test_user_mistakes_are_one_line(tmp_path: Path, served: tuple[Path, str]) -> None:
    with pytest.raises(ValueError, match="served_dir .* is not a folder"):
        FileServers(tmp_path / "nowhere", tmp_path / "evidence")
    with pytest.raises(ValueError, match="pass reachable_address="):
        FileServers(served[0], tmp_path / "evidence", host="0.0.0.0")
    with pytest.raises(ValueError, match="ftp_port is 70000"):
        FileServers(served[0], tmp_path / "evidence", ftp_port=70000)
    idle = FileServers(served[0], tmp_path / "evidence")
    with pytest.raises(RuntimeError, match="not started"):
        idle.firmware_url(IMAGE)
    async with idle:
        with pytest.raises(ValueError, match="pass tls="):
            idle.firmware_url(IMAGE, "https")
        with pytest.raises(ValueError, match="http_basic_auth=True"):
            idle.firmware_url(IMAGE, "http", credentials="wrong")


# ------------------------------------------------------------------------------------------------ images


def test_firmware_image_is_deterministic(tmp_path: Path) -> None:
    first = make_firmware_image(tmp_path / "a.bin", 300_001, seed=5)
    again = make_firmware_image(tmp_path / "b.bin", 300_001, seed=5)
    other = make_firmware_image(tmp_path / "c.bin", 300_001, seed=6)

    assert first == again == _sha256(tmp_path / "a.bin") != other
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    assert (tmp_path / "a.bin").stat().st_size == 300_001
    with pytest.raises(ValueError, match="size_bytes is -1"):
        make_firmware_image(tmp_path / "d.bin", -1, seed=1)


async def test_http_upload_broken_off_is_recorded_as_aborted(servers: FileServers) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", servers.port("http"))
    head = f"PUT /upload/cut.log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {10 * 1024 * 1024}\r\n\r\n"
    writer.write(head.encode() + b"x" * 100_000)
    await writer.drain()
    writer.close()
    await writer.wait_closed()

    record = await servers.wait_for_upload(within=20, name="cut.log")

    # aiohttp drops what it buffered once it sees the body cut short, so the record holds what reached the disk.
    assert record.outcome == "aborted" and "broken off" in record.detail
    assert record.stored_path is not None and _sha256(record.stored_path) == record.sha256
    assert record.stored_path.stat().st_size == record.size < 10 * 1024 * 1024


async def test_ftp_upload_whose_session_drops_is_recorded_as_aborted(servers: FileServers) -> None:
    client = aioftp.Client()
    await client.connect("127.0.0.1", servers.port("ftp"))
    await client.login(servers.user, servers.password)
    stream = await client.upload_stream("/upload/cut.log")
    await stream.write(b"y" * 100_000)
    client.close()

    record = await servers.wait_for_upload(within=20, name="cut.log")

    stream.close()
    assert record.outcome == "aborted" and record.size <= 100_000


# -------------------------------------------------------------------------------- transfers a client breaks off


@pytest.mark.parametrize("scheme", ["http", "ftp"])
async def test_download_stopped_by_the_client_fails_for_real(
    servers: FileServers, served: tuple[Path, str], tmp_path: Path, scheme: str
) -> None:
    with pytest.raises(TransferError) as failure:
        await download(servers.firmware_url(IMAGE, scheme), tmp_path / "x.bin", timeout=10, stop_after=1)

    record = await servers.wait_for_download(IMAGE, within=20)
    assert failure.value.reason == BROKEN_OFF and "\n" not in str(failure.value)
    assert not (tmp_path / "x.bin").exists() and not (tmp_path / "x.bin.part").exists()
    # the bytes went over the wire before the client gave up; the server saw the transfer end early
    assert record.outcome == "aborted" and 0 < record.size


@pytest.mark.parametrize("scheme,form", UPLOAD_FORMS)
async def test_upload_stopped_by_the_client_fails_for_real(servers: FileServers, served: tuple[Path, str], scheme: str,
                                                         form: Any) -> None:
    with pytest.raises(TransferError) as failure:
        await upload(servers.upload_url(scheme), served[0] / IMAGE, timeout=10, http_form=form, stop_after=1000)

    record = await servers.wait_for_upload(within=20)
    assert failure.value.reason == BROKEN_OFF and "after 1000 bytes" in str(failure.value)
    # FTP has no length: a server may take the short file for a whole one; it never holds more than was sent
    assert record.size <= 1000 and (scheme == "ftp" or record.outcome == "aborted")


async def test_stop_after_beyond_the_file_changes_nothing(servers: FileServers, served: tuple[Path, str],
                                                          tmp_path: Path) -> None:
    result = await download(servers.firmware_url(IMAGE), tmp_path / "x.bin", timeout=10, stop_after=IMAGE_SIZE + 1)
    assert result.sha256 == served[1]
    with pytest.raises(ValueError, match="stop_after is 0"):
        await download(servers.firmware_url(IMAGE), tmp_path / "y.bin", timeout=10, stop_after=0)


# ------------------------------------------------------------------------------------- installable test images


def test_installable_image_is_checked_as_a_charger_does(tmp_path: Path) -> None:
    sha = make_installable_image(tmp_path / "good.bin", 300_000, seed=3, version="2.0.0")
    make_installable_image(tmp_path / "bad.bin", 300_000, seed=3, version="2.0.0", intact=False)
    (tmp_path / "short.bin").write_bytes((tmp_path / "good.bin").read_bytes()[:-1])

    assert sha == _sha256(tmp_path / "good.bin")
    check = check_installable_image(tmp_path / "good.bin")
    assert check.version == "2.0.0" and check.problem is None
    assert "does not match" in (check_installable_image(tmp_path / "bad.bin").problem or "")
    assert "announces" in (check_installable_image(tmp_path / "short.bin").problem or "")
    make_firmware_image(tmp_path / "random.bin", 1000, seed=1)
    assert check_installable_image(tmp_path / "random.bin").version is None
    with pytest.raises(ValueError, match="one word"):
        make_installable_image(tmp_path / "x.bin", 10, seed=1, version="two words")


async def test_observers_see_every_event_as_it_ends(servers: FileServers, tmp_path: Path) -> None:
    seen: list[str] = []
    stop = servers.observe(lambda event: seen.append(event.describe()))
    await download(servers.firmware_url(IMAGE, "ftp"), tmp_path / "x.bin", timeout=10)
    stop()
    await download(servers.firmware_url(IMAGE, "http"), tmp_path / "y.bin", timeout=10)

    assert len(seen) == 2 and "login" in seen[0] and "downloaded /firmware/" in seen[1]
