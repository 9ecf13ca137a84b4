"""What terbuka says when things go wrong: one line, the right exit code, nothing secret.

Covers the exit-code table in every command's help, ``-q`` keeping the error line, a
full disk (a real tmpfs when root), internal errors, a busy port, 404 for unknown paths,
error messages that describe a value instead of quoting personal data, and the CKAN
token scrubbed from every output even when a server echoes it back.
"""

import asyncio
import errno
import json
import os
import shutil
import socket
import stat
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openpyxl
import pytest
from conftest import demo_copy, free_port, invoke_cli, run_cli, tree_digest
from datasette.app import Datasette

from terbuka.catalogs import secrets
from terbuka.pipelines import runner
from terbuka.pipelines.cli import cli
from terbuka.pipelines.errors import EXIT_CODES_HELP, disk_full_message
from terbuka.pipelines.messages import shown
from terbuka.pipelines.parse import MONTHS  # noqa: F401 - parse registers its words with messages

NIK = "3171011203850001"
PHONE = "081234567890"
TOKEN = "tok-" + "9f3a" * 8

# ------------------------------------------------------------------ exit codes in help


@pytest.mark.parametrize("command", [None, *cli.commands])
def test_every_command_shows_the_exit_code_table(command):
    from click.testing import CliRunner

    args = [command, "--help"] if command else ["--help"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0
    for line in EXIT_CODES_HELP.splitlines()[1:]:
        assert line.strip() in result.output, (command, line)


def test_the_cli_reference_documents_the_table():
    text = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()
    for code, words in [(0, "published or unchanged"), (3, "disk full"), (4, "traceback")]:
        assert f"| {code} |" in text and words in text


# ------------------------------------------------------------------ values in messages


@pytest.mark.parametrize(
    "value, expected",
    [
        ("31/02/2023", "'31/02/2023'"),
        ("12 Februari 2023", "'12 Februari 2023'"),
        ("1.000,50 jt", "'1.000,50 jt'"),
        ("n/a", "'n/a'"),
        (NIK, "a 16-digit number"),
        (f"NIK {NIK} hp {PHONE}", "text of 36 characters with 28 digits"),
        ("0812-3456-7890", "a 12-digit value"),
        ("Budi Santoso", "text of 12 characters"),
        ("budi@example.id", "text of 15 characters with an '@'"),
        ("", "an empty value"),
    ],
)
def test_a_message_quotes_only_harmless_values(value, expected):
    assert shown(value) == expected


def leaky_workbook(path):
    """Two good rows and one whose cells hold a NIK and a phone number where numbers go."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["kd_tender", "nama_paket", "tgl_pengumuman_tender", "hps", "jumlah_peserta",
                  "nama_satker"])  # fmt: skip
    sheet.append(["1001", "Paket A", "2023-01-05", 1000000, 3, "Dinas A"])
    sheet.append(["1002", "Paket B", "2023-01-06", f"hp {PHONE}", f"NIK {NIK}", "Dinas B"])
    sheet.append(["1003", "Paket C", "2023-01-07", 2000000, 4, "Dinas C"])
    book.save(path)
    return path


def every_file(folder):
    return [p for p in Path(folder).rglob("*") if p.is_file()]


def test_unreadable_cells_are_described_not_quoted(tmp_path):
    source = leaky_workbook(tmp_path / "tenders.xlsx")
    out, state = tmp_path / "site", tmp_path / "state"
    result = invoke_cli(
        "run", "procurement", "--source", str(source), "--out", str(out), "--json",
        env={"TERBUKA_STATE_DIR": str(state)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "published"
    for text in (result.stdout, result.stderr):
        assert NIK not in text and PHONE not in text
    for path in every_file(out) + every_file(state):
        data = path.read_bytes()
        assert NIK.encode() not in data and PHONE.encode() not in data, path
    import sqlite3

    with sqlite3.connect(out / "procurement.db") as conn:
        notes = conn.execute(
            "select column_name, message from _quality_notes where check_id = 'unreadable-cell'"
        ).fetchall()
    assert ("hps", "row 3: not a number: text of 15 characters with 12 digits") in notes
    assert ("jumlah_peserta", "row 3: not a number: text of 20 characters with 16 digits") in notes


def test_an_error_line_quoting_an_identifier_is_redacted_everywhere(tmp_path, monkeypatch):
    """The net behind ``shown``: a message from a reader or a library that quotes a cell."""
    from terbuka.pipelines.errors import InputError

    def quoting(*args, **kwargs):
        raise InputError("t.xlsx", f"cannot read the Excel sheet: bad cell 'NIK {NIK} hp {PHONE}'")

    monkeypatch.setattr(runner, "_extract", quoting)
    monkeypatch.setenv("TERBUKA_STATE_DIR", str(tmp_path / "state"))
    source = leaky_workbook(tmp_path / "t.xlsx")
    out = tmp_path / "site"
    record = runner.run_dataset("procurement", [str(source)], out, show_progress=False)
    assert record["exit_code"] == 2
    assert record["error"] == (
        "t.xlsx: cannot read the Excel sheet: bad cell 'NIK <NIK> hp <PHONE_NUMBER>'"
    )
    for path in every_file(out):
        assert NIK.encode() not in path.read_bytes(), path


# ------------------------------------------------------------------ -q, internal errors


def test_quiet_run_that_fails_still_prints_its_one_error_line(tmp_path):
    result = invoke_cli("run", "procurement", "--source", str(tmp_path / "nope.csv"),
                     "--out", str(tmp_path / "site"), "-q")  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: procurement: {tmp_path / 'nope.csv'}: no such file or folder"
    ]


def test_an_internal_error_exits_4_with_a_traceback_file_and_no_value(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError(f"cell holds {NIK}")  # a bug whose message quotes data

    monkeypatch.setattr(runner, "_extract", broken)
    monkeypatch.setenv("TERBUKA_STATE_DIR", str(tmp_path / "state"))
    source = leaky_workbook(tmp_path / "t.xlsx")
    record = runner.run_dataset(
        "procurement", [str(source)], tmp_path / "site", show_progress=False
    )
    assert record["exit_code"] == 4 and record["status"] == "failed"
    assert record["error"].startswith("internal error: ValueError (traceback in ")
    assert NIK not in record["error"]
    log = Path(record["error"].split("traceback in ")[1].rstrip(")"))
    assert "ValueError" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_an_unreachable_source_is_a_fault_of_the_environment(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/tenders.csv"  # nothing listens there
    result = invoke_cli("run", "procurement", "--source", url, "--out", str(tmp_path / "site"), "-q",
                     env={"TERBUKA_HTTP_BACKOFF": "0.01", "TERBUKA_STATE_DIR": str(tmp_path / "s")})  # fmt: skip
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        f"Error: procurement: {url}: connection refused (gave up after 4 attempts)"
    ]


def test_any_command_turns_a_bug_into_one_line_and_exit_4(tmp_path):
    folder = tmp_path / "site"
    (folder / ".feedback").mkdir(parents=True)
    (folder / ".feedback" / "feedback.db").write_bytes(b"not a database " * 100)
    result = run_cli("feedback", str(folder), env={"TMPDIR": str(tmp_path)})
    assert result.returncode == 4
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: internal error: DatabaseError (traceback in ")
    log = Path(line.split("traceback in ")[1].rstrip(")"))
    assert log.parent == tmp_path and "Traceback" in log.read_text()


# ------------------------------------------------------------------ disk full


def tmpfs(folder, size):
    folder.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True)  # fmt: skip
    return mounted.returncode == 0


@pytest.mark.slow  # real CLI subprocesses on a full tmpfs
def test_a_full_disk_is_one_line_exit_3_and_the_publication_untouched(tmp_path, monkeypatch):
    source = leaky_workbook(tmp_path / "t.xlsx")
    mount = tmp_path / "small"
    real = os.geteuid() == 0 and tmpfs(mount, "8m")
    if not real:  # not root: a writer that fails like a full disk once the site exists
        mount.mkdir(exist_ok=True)
    out = mount / "site"
    env = {"TERBUKA_STATE_DIR": str(mount / "state")}
    try:
        # the publication before the disk fills: in this process, its process is not under test
        first = invoke_cli("run", "procurement", "--source", str(source), "--out", str(out),
                           "-q", env=env)  # fmt: skip
        assert first.returncode == 0, first.stderr
        before = tree_digest(out)
        if real:
            free = shutil.disk_usage(mount).free
            with open(mount / "filler", "wb") as filler:  # leave a few kB: not a whole run
                filler.write(b"\0" * (free - 64 * 1024))
            result = run_cli("run", "procurement", "--source", str(source), "--out", str(out),
                             "--force", "--json", env=env)  # fmt: skip
            code, stderr = result.returncode, result.stderr
            record = json.loads(result.stdout) if result.stdout.strip() else {}
        else:
            monkeypatch.setenv("TERBUKA_STATE_DIR", env["TERBUKA_STATE_DIR"])

            def full(path, *args, **kwargs):  # the build database cannot grow
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

            monkeypatch.setattr(runner.database, "open_database", full)
            record = runner.run_dataset("procurement", [str(source)], out, force=True,
                                        show_progress=False)  # fmt: skip
            code, stderr = record["exit_code"], f"Error: {record['error']}"
        assert code == 3, stderr
        lines = [line for line in stderr.splitlines() if line.startswith("Error")]
        assert len(lines) == 1 and "Traceback" not in stderr
        assert "disk full: no space left on" in lines[0] and str(mount) in lines[0]
        assert "while writing" in lines[0] and "previous publication is untouched" in lines[0]
        if record:
            assert record.get("exit_code", 3) == 3
        assert tree_digest(out) == before
    finally:
        if real:
            subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_message_names_device_and_file(tmp_path):
    error = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.db"))
    message = disk_full_message(error)
    assert f"while writing {tmp_path / 'x.db'}" in message and "mounted at /" in message
    import sqlite3

    sqlite_full = sqlite3.OperationalError("database or disk is full")
    assert "while writing /a/b.db" in disk_full_message(sqlite_full, "/a/b.db")
    assert disk_full_message(ValueError("disk is full")) is None


# ------------------------------------------------------------------ serve, 404


@pytest.mark.slow  # a true `terbuka serve` subprocess
def test_serve_on_a_busy_port_is_one_line_and_exit_3(published_demo):
    out, _ = published_demo
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", str(out), "--port", str(port), timeout=60)
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        f"Error: 127.0.0.1:{port}: cannot serve there (already in use); choose another with --port"
    ]


@pytest.mark.parametrize(
    "path", ["/.x/y.z", "/.x", "/a.b/c", "/a/b/c/d/e.f", "/nope", "/procurement/nope.json",
             "/procurement/tenders/1/2/3", "/-/terbuka/nope"],
)  # fmt: skip
def test_an_unknown_path_is_404_not_500(published_demo, path, capsys):
    out, _ = published_demo

    async def fetch():
        ds = Datasette(
            [str(out / "procurement.db")],
            metadata=json.loads((out / "metadata.json").read_text()),
        )
        await ds.invoke_startup()
        return await ds.client.get(path)

    response = asyncio.run(fetch())
    assert response.status_code == 404, response.text[:300]
    assert "show_locals" not in capsys.readouterr().err


# ------------------------------------------------------------------ the CKAN token


class EchoingProxy(BaseHTTPRequestHandler):
    """A CKAN (or a proxy in front of it) that echoes the request headers in a 403 body."""

    def _echo(self):
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        headers = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
        body = json.dumps(
            {"success": False, "error": {"__type": "Authorization Error",
                                         "message": f"Access denied. You sent: {headers}"}}
        ).encode()  # fmt: skip
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _echo

    def log_message(self, *args):
        pass


@pytest.fixture
def echoing():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), EchoingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_token_echoed_back_by_a_server_appears_nowhere(published_demo, tmp_path, echoing):
    site = demo_copy(published_demo, tmp_path / "site", ".catalogs")
    env = {"CKAN_API_TOKEN": TOKEN, "TERBUKA_SITE_URL": "https://data.example.go.id"}
    result = invoke_cli("publish", str(site), "--ckan", echoing, "--retries", "0", "--json",
                     env=env)  # fmt: skip
    assert result.returncode == 2, result.stderr  # refused: the user must fix the token
    assert "Access denied. You sent:" in result.stderr  # the body is shown ...
    assert "Authorization: ***" in result.stderr  # ... with the token scrubbed
    for text in (result.stdout, result.stderr):
        assert TOKEN not in text
    recorded = site / ".catalogs" / "procurement.json"
    assert json.loads(recorded.read_text())[echoing]["status"] == "failed"
    assert stat.S_IMODE(recorded.stat().st_mode) == 0o600
    for path in every_file(site):
        assert TOKEN.encode() not in path.read_bytes(), path


def test_a_ckan_source_echoing_its_token_is_scrubbed_and_exits_3(tmp_path, echoing):
    """Pulling from a CKAN source whose proxy echoes headers in an error body."""
    folder = tmp_path / "descriptors" / "pulled"
    shutil.copytree(Path(__file__).parent.parent / "metadata" / "procurement", folder)
    descriptor = (folder / "dataset.yml").read_text().replace("name: procurement", "name: pulled")
    descriptor += (
        f"\nsources:\n  - id: portal\n    kind: ckan\n    url: {echoing}\n"
        "    datasets: [tenders]\n    token_env: PORTAL_TOKEN\n    retries: 0\n"
    )
    (folder / "dataset.yml").write_text(descriptor)
    out, state = tmp_path / "site", tmp_path / "state"
    env = {"PORTAL_TOKEN": TOKEN, "TERBUKA_STATE_DIR": str(state)}
    result = invoke_cli("run", str(folder), "--out", str(out), "--json", env=env)
    record = json.loads(result.stdout)
    assert result.returncode == 2, result.stderr  # a 403: the token is the user's to fix
    assert record["status"] == "failed"
    for text in (result.stdout, result.stderr):
        assert TOKEN not in text
    for path in every_file(out) + every_file(state):
        assert TOKEN.encode() not in path.read_bytes(), path


def test_scrub_removes_every_form_of_a_remembered_secret(monkeypatch):
    monkeypatch.setattr(secrets, "_known", set())
    monkeypatch.setenv("CKAN_API_TOKEN", "abc/def+ghi=")
    secrets.remember("portal-secret")
    text = "a abc/def+ghi= b abc%2Fdef%2Bghi%3D c portal-secret d"
    assert secrets.scrub(text) == "a *** b *** c *** d"
    assert secrets.scrub_data({"k": ["portal-secret"]}) == {"k": ["***"]}
    secrets.remember("x")  # too short to be a secret: would blank every message
    assert secrets.scrub("x marks") == "x marks"


# ------------------------------------------------------------------ the _quarantine table


@pytest.fixture(scope="module")
def redactor():
    from terbuka.metadata import load_descriptor
    from terbuka.privacy import Redactor, load_policy
    from terbuka.privacy.scanner import TextScanner

    descriptor = load_descriptor("procurement")
    policy = load_policy(descriptor.privacy, descriptor.folder / "privacy.yml")
    return Redactor(policy, TextScanner(), b"k" * 32)


@pytest.mark.parametrize(
    "column, value, expected",
    [
        ("contact_name", "Ratna", None),  # a name the scanner alone would keep: dropped
        ("contact_telephone", "12-34 ext 5", None),  # no phone shape: dropped by policy
        ("name", f"Toko {NIK}", "Toko <NIK>"),  # scanned column: the scanner's work
    ],
)
def test_a_quarantined_value_follows_its_columns_policy(redactor, column, value, expected):
    from terbuka.pipelines.batch import Batch
    from terbuka.pipelines.work import privacy_and_quality

    batch = Batch()
    row = {"id": "p1", "name": "Dinas", column: value}
    batch.reject("parties", "p1", "type-error", "bad", row=row, column=column, value=value)
    [entry] = privacy_and_quality(batch, redactor, {}).quarantine
    assert entry["value"] == expected
