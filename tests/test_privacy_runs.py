"""Privacy in a run: fail-closed cases, k-anonymity on built tables, the privacy report,
retention of unredacted data, and withdrawing a publication (locally and from CKAN)."""

import json
import os
import shutil
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from conftest import ROOT, invoke_cli, leaked
from presidio_analyzer import Pattern, PatternRecognizer

from terbuka.privacy import PrivacyError, Redactor, TextScanner, load_policy
from terbuka.privacy.analyzer import RegexTimeout, build_analyzer
from terbuka.privacy.recognizers.base import IndonesianPatternRecognizer
from terbuka.privacy.retention import purge_expired


class CatastrophicRecognizer(IndonesianPatternRecognizer):
    """A recognizer whose pattern backtracks exponentially: it must time out."""

    ENTITY = "PHONE_NUMBER"
    PATTERNS = [Pattern("catastrophic", r"(a|aa)+$", 0.9)]
    TRIGGER = None


class PresidioCatastrophicRecognizer(PatternRecognizer):
    """The same, as a plain Presidio recognizer: Presidio logs its timeout and skips it."""

    def __init__(self, supported_language="id"):
        super().__init__(
            supported_entity="PHONE_NUMBER",
            patterns=[Pattern("catastrophic", r"(a|aa)+$", 0.9)],
            supported_language=supported_language,
        )


@pytest.mark.parametrize("recognizer", [CatastrophicRecognizer, PresidioCatastrophicRecognizer])
def test_a_regex_timeout_is_a_failure_not_a_skip(monkeypatch, recognizer):
    import presidio_analyzer.pattern_recognizer as pattern_recognizer

    analyzer = build_analyzer(extra_recognizers=(recognizer,))
    monkeypatch.setattr(pattern_recognizer, "REGEX_TIMEOUT_SECONDS", 0.05)
    text = "a" * 40 + "!"
    with pytest.raises(RegexTimeout, match="timed out"):
        analyzer.analyze(text=text, language="id", entities=["PHONE_NUMBER"])
    scanner = TextScanner(analyzer=analyzer)
    with pytest.raises(PrivacyError):
        scanner.scan_many([text + " 0812-3456-7890", "hubungi 0812 3456 7890"])


def test_a_kept_column_holding_nip_stops_the_run():
    policy = load_policy({"columns": {"t.nip_ppk": "keep", "t.kode": "keep"}})
    redactor = Redactor(policy, TextScanner(), b"k")
    rows = [{"kode": "26573548", "nip_ppk": f"19650812199003100{i}"} for i in range(1, 6)]
    with pytest.raises(PrivacyError, match="NIP"):
        redactor.rows("t", rows)


def test_officials_keep_their_names_never_their_nip():
    policy = load_policy({"officials": ["t.ppk"]})
    redactor = Redactor(policy, TextScanner(), b"k")
    rows = [{"ppk": "Budi Santoso, NIP 196508121990031002"}, {"ppk": "Siti Aminah"}]
    redactor.rows("t", rows)
    assert rows == [{"ppk": "Budi Santoso, NIP <NIP>"}, {"ppk": "Siti Aminah"}]
    only_nips = [{"ppk": f"19650812199003100{i}"} for i in range(1, 4)]
    with pytest.raises(PrivacyError, match="officials"):
        Redactor(policy, TextScanner(), b"k").rows("t", only_nips)


def test_unlisted_columns_get_safe_defaults_by_what_they_hold():
    redactor = Redactor(load_policy({"default": "scan"}), TextScanner(), b"k")
    rows = [
        {
            "x1": "3573014508900003",
            "alamat": "Jl. Merdeka No. 5 RT 03/RW 05, Kel. Sukun, Kota Malang",
            "tgl_lahir": "1990-05-17",
            "umur": "37",
            "judul": "Pembangunan Jalan Lingkungan",
        },
        {
            "x1": "3201014508900002",
            "alamat": "Gg. Mawar No. 3, Kec. Klojen",
            "tgl_lahir": "1985-12-01",
            "umur": "52",
            "judul": "Pengadaan Laptop",
        },
    ]
    redactor.rows("t", rows)
    assert rows[0] == {
        "x1": "<NIK>",
        "alamat": "Kel. Sukun, Kota Malang",
        "tgl_lahir": "1990-05",
        "umur": "30-39",
        "judul": "Pembangunan Jalan Lingkungan",
    }
    assert rows[1]["alamat"] == "Kec. Klojen" and rows[1]["umur"] == "50-59"
    assert redactor.report[("t", "x1", "NIK", "replace")] == 2
    assert redactor.report[("t", "alamat", "ADDRESS", "generalise")] == 2


def test_expired_private_data_is_deleted_and_the_rest_made_owner_only(tmp_path):
    state = tmp_path / "state"
    for folder in ("raw", "staging", "quarantine"):
        (state / folder).mkdir(parents=True)
    old, new = state / "raw" / "old-snapshot", state / "staging" / "new.db"
    old.write_text("NIK 3573014508900003")
    new.write_text("x")
    os.chmod(new, 0o644)
    nested = state / "quarantine" / "run-1"
    nested.mkdir()
    (nested / "rows.json").write_text("[]")
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))
    for path in (nested / "rows.json", nested):
        os.utime(path, (ten_days_ago, ten_days_ago))
    result = purge_expired(state, retention_days=7)
    assert result == {"retention_days": 7, "deleted": 2, "kept": 1}
    assert not old.exists() and not nested.exists() and new.exists()
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert stat.S_IMODE((state / "raw").stat().st_mode) == 0o700


@pytest.fixture(scope="module")
def private_descriptor(tmp_path_factory):
    """The procurement descriptor with quasi-identifiers and a short retention."""
    folder = tmp_path_factory.mktemp("descriptor") / "procurement"
    shutil.copytree(ROOT / "metadata" / "procurement", folder)
    privacy = folder / "privacy.yml"
    privacy.write_text(
        privacy.read_text()
        + "quasi_identifiers:\n  tenders: [procurement_method, main_procurement_category]\n"
        + "k: 10\nretention_days: 3\n"
        # 60 processes have no coarser form of these codes: suppression must do it all.
        + "max_suppressed: 0.5\n"
    )
    return folder


@pytest.fixture(scope="module")
def small_sources(tmp_path_factory):
    from terbuka.pipelines.demo import generate_procurement

    return generate_procurement(tmp_path_factory.mktemp("small"), seed=11, processes=60)


def test_a_run_applies_k_anonymity_and_publishes_its_privacy_report(
    private_descriptor, small_sources, tmp_path
):
    from terbuka.pipelines.runner import run_dataset

    paths, planted = small_sources
    out = tmp_path / "site"
    record = run_dataset(str(private_descriptor), [str(p) for p in paths], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    (report,) = record["disclosure"]
    assert report["table"] == "tenders" and report["k"] == 10
    assert report["smallest_group"] < 10 and report["suppressed_values"] > 0
    assert report["smallest_group_after"] >= 10
    db = sqlite3.connect(out / "procurement.db")
    groups = db.execute(
        "select count(*) from tenders where procurement_method is not null "
        "and main_procurement_category is not null "
        "group by procurement_method, main_procurement_category"
    ).fetchall()
    assert groups and min(n for (n,) in groups) >= 10
    published = {
        (t, c, e, o): n
        for t, c, e, o, n in db.execute(
            "select table_name, column_name, entity, operator, count from _privacy"
        )
    }
    detail = {
        (d["table"], d["column"], d["entity"], d["operator"]): d["count"]
        for d in record["privacy_detail"]
    }
    assert published == detail and detail
    report_file = json.loads((out / "procurement" / "privacy.json").read_text())
    assert report_file["run_id"] == record["run_id"] and report_file["hash_key"] in (
        "created",
        "state",
    )
    assert report_file["disclosure"] == record["disclosure"]
    assert record["retention"]["retention_days"] == 3
    text = (out / "procurement" / "privacy.json").read_text() + (
        out / "procurement" / "data" / "_privacy.csv"
    ).read_text()
    assert not leaked(planted.all(), text)


def test_quasi_identifiers_that_are_not_published_stop_the_run(
    private_descriptor, small_sources, tmp_path
):
    from terbuka.pipelines.runner import run_dataset

    broken = tmp_path / "procurement"
    shutil.copytree(private_descriptor, broken)
    privacy = broken / "privacy.yml"
    privacy.write_text(privacy.read_text().replace("main_procurement_category]", "no_such]"))
    paths, _ = small_sources
    out = tmp_path / "site"
    record = run_dataset(str(broken), [str(p) for p in paths], out, show_progress=False)
    assert record["status"] == "stopped" and "no_such" in record["error"]
    assert not (out / "procurement.db").exists()


def _publish_twice(sources, out):
    from terbuka.pipelines.runner import run_dataset

    paths, _ = sources
    first = run_dataset("procurement", [str(p) for p in paths], out, show_progress=False)
    second = run_dataset(
        "procurement", [str(p) for p in paths], out, force=True, show_progress=False
    )
    assert first["status"] == second["status"] == "published"
    return first, second


def test_withdraw_rolls_back_then_takes_down(small_sources, tmp_path):
    out = tmp_path / "site"
    first, second = _publish_twice(small_sources, out)
    state = Path(os.environ["TERBUKA_STATE_DIR"])
    result = invoke_cli("withdraw", "procurement", "--out", str(out), "--rollback", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["publication"]["withdrawn_run_id"] == second["run_id"]
    assert record["publication"]["restored_run_id"] == first["run_id"]
    assert json.loads((out / "procurement" / "run.json").read_text())["run_id"] == first["run_id"]
    kept = state / "withdrawn" / "procurement" / second["run_id"]
    assert (kept / "procurement.db").exists()
    assert stat.S_IMODE((kept / "procurement.db").stat().st_mode) == 0o600
    fragment = json.loads((out / "procurement" / "datasette.json").read_text())
    assert fragment["plugins"]["terbuka"]["run_id"] == first["run_id"]

    result = invoke_cli("withdraw", "procurement", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert not (out / "procurement.db").exists() and not (out / "procurement").exists()
    assert not (out / ".live" / "procurement").exists()
    assert not (out / ".publications" / "procurement" / first["run_id"]).exists()
    assert "databases" not in json.loads((out / "metadata.json").read_text())
    records = list((out / ".runs" / "procurement").glob("*.json"))
    assert {json.loads(p.read_text())["status"] for p in records} >= {"withdrawn", "rolled_back"}

    again = invoke_cli("withdraw", "procurement", "--out", str(out), "--rollback")
    assert again.returncode == 2 and "nothing published" in again.stderr


def test_withdraw_from_a_real_ckan(ckan, tmp_path):
    client = ckan.client()
    organisation = client.action.organization_create(name=f"terbuka-withdraw-{os.getpid()}")
    name = f"terbuka-leak-{os.getpid()}"
    client.action.package_create(name=name, owner_org=organisation["id"], private=False)
    env = {"CKAN_API_TOKEN": ckan.token}
    out = str(tmp_path / "site")
    result = invoke_cli(
        "withdraw", "procurement", "--out", out, "--ckan", ckan.url, "--ckan-id", name, "--json",
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ckan"]["action"] == "made private"
    assert client.action.package_show(id=name)["private"] is True
    assert ckan.token not in result.stdout + result.stderr
    result = invoke_cli(
        "withdraw", "procurement", "--out", out, "--ckan", ckan.url, "--ckan-id", name, "--purge",
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    import ckanapi

    with pytest.raises(ckanapi.NotFound):
        client.action.package_show(id=name)
    refused = invoke_cli(
        "withdraw", "procurement", "--out", out, "--ckan", ckan.url, "--ckan-id", name,
        env={"CKAN_API_TOKEN": "not-a-token"},
    )  # fmt: skip
    assert refused.returncode == 2 and "not-a-token" not in refused.stderr  # fix the token


def test_presidio_is_imported_only_when_text_is_scanned():
    """An unchanged run stops before the privacy stage: it must not pay for spaCy."""
    import subprocess
    import sys

    code = (
        "import sys, terbuka.pipelines.runner, terbuka.privacy; "
        "print('presidio_analyzer' in sys.modules, 'spacy' in sys.modules); "
        "terbuka.privacy.TextScanner; print('presidio_analyzer' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False", "True"]
