"""The "report a problem" form under hostile input, and ``terbuka feedback`` for stewards."""

import hashlib
import json
import re
import socket

import httpx
import pytest
from conftest import demo_copy, feedback_reports, invoke_cli, serving

FORM = "/-/terbuka/feedback"


@pytest.fixture(scope="module")
def site(published_demo, tmp_path_factory):
    """A copy of the published demo, served by its own Datasette (reports are written)."""
    with serving(demo_copy(published_demo, tmp_path_factory.mktemp("feedback") / "site")) as served:
        yield served


@pytest.fixture
def fresh_site(published_demo, tmp_path):
    with serving(demo_copy(published_demo, tmp_path / "site", ".feedback")) as served:
        yield served


def client(site):
    """A browser-like client: it has loaded a table page, so it holds a CSRF token."""
    session = httpx.Client(base_url=site.url, timeout=30)
    html = session.get("/procurement/tenders?_size=1").text  # the form, not the rows
    token = re.search(r'name="csrftoken" value="([^"]+)"', html).group(1)
    return session, token


def report(session, token, message, **fields):
    data = {"csrftoken": token, "dataset": "procurement", "table": "tenders",
            "page": "/procurement/tenders?status=active", "message": message, **fields}  # fmt: skip
    return session.post(FORM + "?_lang=en", data=data)


def test_form_on_every_table_page_asks_for_no_personal_data(site):
    tables = [
        t["name"] for t in httpx.get(site.url + "/procurement.json", timeout=30).json()["tables"]
    ]
    assert "tenders" in tables, tables
    for table in tables:
        # one row per page: the form is in the panel, whatever the rows
        html = httpx.get(f"{site.url}/procurement/{table}?_size=1", timeout=30).text
        form = re.search(r'<form method="post" action="/-/terbuka/feedback.*?</form>', html, re.S)
        assert form, table
        names = set(re.findall(r'name="([^"]+)"', form.group(0)))
        assert names == {"csrftoken", "dataset", "table", "page", "website", "message"}, table
        assert 'type="email"' not in form.group(0) and 'for="tbk-message"' in form.group(0)


def test_script_tags_are_stored_as_text_and_shown_escaped(site):
    session, token = client(site)
    before = hashlib.sha256((site.folder / "procurement.db").read_bytes()).hexdigest()
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> harga salah \x1b[31mmerah'
    response = report(session, token, hostile)
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    assert "Thank you" in response.text
    rows = feedback_reports(site.folder)
    assert rows[-1]["message"].startswith('<script>alert("x")</script>')
    assert "\x1b" not in rows[-1]["message"], "control characters are dropped"
    assert rows[-1]["page"] == "/procurement/tenders?status=active" and rows[-1]["lang"] == "en"
    assert set(rows[-1]) >= {"dataset", "table_name", "message"} and "ip" not in rows[-1]
    after = hashlib.sha256((site.folder / "procurement.db").read_bytes()).hexdigest()
    assert before == after, "the published database never receives reports"
    databases = httpx.get(site.url + "/-/databases.json", timeout=30).json()
    assert [d["name"] for d in databases] == ["procurement"], "the feedback store is not served"


def test_bad_reports_are_refused_with_a_reason(site):
    session, token = client(site)
    count = len(feedback_reports(site.folder))
    too_long = report(session, token, "x" * 2001)
    assert too_long.status_code == 400 and "too long" in too_long.text
    assert report(session, token, "   ").status_code == 400
    assert report(session, token, "hi", dataset="nope").status_code == 400
    assert report(session, token, "hi", table="sqlite_master; drop table x").status_code == 400
    many = {"csrftoken": token, "dataset": "procurement", "message": "hi"}
    many.update({f"extra{i}": "x" for i in range(40)})
    assert session.post(FORM, data=many).status_code == 400
    no_token = session.post(FORM, data={"dataset": "procurement", "message": "hi"})
    assert no_token.status_code == 403, "Datasette's CSRF protection applies"
    robot = report(session, token, "buy now", website="http://spam.example")
    assert robot.status_code == 200 and len(feedback_reports(site.folder)) == count, (
        "honeypot: not stored"
    )
    elsewhere = report(session, token, "link elsewhere", page="https://evil.example/x")
    assert elsewhere.status_code == 200
    assert feedback_reports(site.folder)[-1]["page"] == "/procurement", (
        "only pages of this site are kept"
    )


def test_oversized_bodies_are_refused_before_they_are_read(site):
    session, token = client(site)
    big = {"csrftoken": token, "dataset": "procurement", "message": "x" * 100_000}
    assert session.post(FORM, data=big).status_code == 413

    def chunks():  # no Content-Length: the limit still holds
        yield b"message="
        for _ in range(100):
            yield b"x" * 1024

    response = session.post(
        FORM, content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as raw:
        raw.sendall(
            f"POST {FORM} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\nmessage=hi".encode()
        )
        status_line = raw.recv(200).split(b"\r\n", 1)[0]
    assert status_line.split()[1] in (b"400", b"413"), status_line


def test_a_flood_is_rate_limited(fresh_site):
    session, token = client(fresh_site)
    codes = [report(session, token, f"report {i}").status_code for i in range(8)]
    assert codes[:5] == [200] * 5 and set(codes[5:]) == {429}
    assert len(feedback_reports(fresh_site.folder)) == 5
    limited = report(session, token, "one more")
    assert "Too many reports" in limited.text


def test_steward_lists_and_handles_reports(fresh_site):
    session, token = client(fresh_site)
    report(session, token, "Nilai kontrak\x1b]0;pwned\x07 salah")
    report(session, token, "Tanggal salah", table="awards", page="/procurement/awards")
    folder = str(fresh_site.folder)
    listing = invoke_cli("feedback", folder)
    assert listing.returncode == 0
    assert "#1" in listing.stdout and "procurement/tenders" in listing.stdout
    assert "Nilai kontrak]0;pwned salah" in listing.stdout and "\x1b" not in listing.stdout
    as_json = json.loads(invoke_cli("feedback", folder, "--json").stdout)
    assert [r["status"] for r in as_json] == ["open", "open"]
    handled = invoke_cli("feedback", folder, "--handled", "1")
    assert handled.returncode == 0
    remaining = json.loads(invoke_cli("feedback", folder, "--json").stdout)
    assert [r["id"] for r in remaining] == [2]
    everything = json.loads(invoke_cli("feedback", folder, "--json", "--all").stdout)
    assert [r["status"] for r in everything] == ["handled", "open"] and everything[0]["handled"]
    unknown = invoke_cli("feedback", folder, "--handled", "99")
    assert unknown.returncode == 2 and "no report with id 99" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_feedback_on_an_empty_folder(tmp_path):
    result = invoke_cli("feedback", str(tmp_path))
    assert result.returncode == 0 and "No open reports." in result.stderr
    missing = invoke_cli("feedback", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
