"""The example plugin (tests/example_plugin), installed as a package, works end to end.

It is installed with pip into a temporary folder and found by the real ``terbuka``
command through its entry point (``PYTHONPATH`` points at the folder): no file of
terbuka names it. One run publishes its domain from its reader's files, one pulls them
through its source kind, and one publishes the procurement demo with its red flag on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import OCDS_SCHEMA, ROOT, query, run_cli

from terbuka.pipelines import contracts, plugins
from terbuka.pipelines.cli import cli
from terbuka.pipelines.runner import STAGES, run_dataset

# slow: builds and pip-installs the example plugin, runs the real console script
pytestmark = pytest.mark.slow

PLUGIN_SOURCE = ROOT / "tests" / "example_plugin"
DISTRIBUTION = "terbuka-example-plugin"
PACKAGE = "terbuka_example_plugin"
NISN = "0091234567"  # planted after its cue in a grant's purpose
UNCUED = "5203011234"  # ten digits without a cue: a code, not a student number
STUDENT_PURPOSE = f"Beasiswa untuk siswa berprestasi NISN {NISN} di SMP mitra"
PURPOSE = "Pembinaan remaja masjid, kode kegiatan {code}"
HEADER = "no_hibah|penerima|kecamatan|nilai|tujuan|tanggal"
REGIONS = ("Klojen", "Blimbing", "Lowokwaru", "Sukun")
LARGE_GRANT = 100_000_000  # the descriptor's grants.large_grant


def grant_rows() -> list[str]:
    """40 grants in the plugin's format; H-005 is not in whole thousands, and one row is ragged."""
    rows = [HEADER]
    for number in range(1, 41):
        amount: float = 150_000_000 if number % 7 == 0 else 25_000_000 + number * 1000
        if number == 5:
            amount = 12_345_678.5
        purpose = STUDENT_PURPOSE if number == 3 else PURPOSE.format(code=UNCUED)
        region = REGIONS[number % len(REGIONS)]
        rows.append(
            f"H-{number:03d}|Yayasan Contoh {number}|{region}|{amount}|{purpose}"
            f"|2024-03-{number % 28 + 1:02d}"
        )
    rows.append("H-999|Yayasan Tanpa Kolom|Sukun|1000")
    return rows


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory) -> Path:
    """The plugin installed with pip into its own folder (never into the venv)."""
    base = tmp_path_factory.mktemp("example-plugin")
    source = base / "src"  # a copy: building writes build/ and *.egg-info beside the sources
    shutil.copytree(
        PLUGIN_SOURCE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    site = base / "site"
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
               "--no-build-isolation", "--no-index", "--target", str(site), str(source)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    # setuptools < 70.1 builds wheels only with `wheel` installed (the test extra has it)
    assert result.returncode == 0, f"{result.stderr}\n(missing `wheel`? run .ci/install)"
    assert list(site.glob(f"{PACKAGE}-0.1.0.dist-info/entry_points.txt")), list(site.iterdir())
    return site


@pytest.fixture(scope="session")
def plugin_module(plugin_site):
    """The installed package, imported in this process for direct checks (not registered)."""
    sys.path.insert(0, str(plugin_site))
    try:
        import terbuka_example_plugin

        return terbuka_example_plugin
    finally:
        sys.path.remove(str(plugin_site))


def plugin_env(plugin_site: Path, base: Path) -> dict[str, str]:
    return {
        "PYTHONPATH": str(plugin_site),
        "TERBUKA_STATE_DIR": str(base / "state"),
        "TERBUKA_EXAMPLE_STAGES": str(base / "stages.txt"),
        "TERBUKA_OCDS_SCHEMA": str(OCDS_SCHEMA) if OCDS_SCHEMA.exists() else "",
    }


def copy_descriptor(plugin_site: Path, target: Path) -> Path:
    shutil.copytree(plugin_site / PACKAGE / "descriptor", target)
    return target


@pytest.fixture(scope="session")
def grants_run(plugin_site, tmp_path_factory):
    """The plugin's own descriptor, run by the CLI on a .psv file: (out, record, base)."""
    base = tmp_path_factory.mktemp("grants-run")
    source = base / "hibah-2024.psv"
    source.write_text("\n".join(grant_rows()) + "\n", encoding="utf-8")
    descriptor = plugin_site / PACKAGE / "descriptor"
    out, result = run_with_plugin(plugin_site, base, descriptor, "--source", str(source))
    assert "Traceback" not in result.stderr
    return out, json.loads(result.stdout), base


def run_with_plugin(plugin_site: Path, tmp_path: Path, folder: Path, *args: str):
    """``terbuka run`` of a descriptor folder with the plugin installed: (out, result)."""
    out = tmp_path / "site"
    result = run_cli(
        "run", str(folder), *args, "--out", str(out), "--json", "--quiet",
        env=plugin_env(plugin_site, tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out, result


# --- discovery ---------------------------------------------------------------------------


def test_this_process_does_not_have_the_plugin():
    """What the CLI runs below find, they find through the entry point alone."""
    assert "psv" not in plugins.readers() and "example-grants" not in plugins.pipelines()


def test_terbuka_plugins_lists_the_built_in_units():
    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["kind", "id", "plugin"]
    listed = {tuple(line.split()[:3]) for line in lines[1:]}
    built_in = "terbuka.pipelines.default_plugins"
    assert {("reader", "csv", built_in), ("publisher", "ckan", built_in)} <= listed
    assert len(listed) == len(lines) - 1 >= 30


def test_terbuka_plugins_lists_every_unit_of_the_installed_plugin(plugin_site, tmp_path):
    result = run_cli("plugins", "--json", env=plugin_env(plugin_site, tmp_path))
    assert result.returncode == 0, result.stderr
    found = {
        (row["kind"], row["id"])
        for row in json.loads(result.stdout)
        if row["plugin"] == f"{DISTRIBUTION} 0.1.0"
    }
    assert found == {
        ("reader", "psv"),
        ("pipeline", "example-grants"),
        ("source", "example-inbox"),
        ("check", "multiple-of"),
        ("red-flag", "EX-SLOW-AWARD"),
        ("recognizer", "NisnRecognizer"),
        ("publisher", "example-manifest"),
        ("hook", "before_stage"),
        ("hook", "after_stage"),
    }


# --- one run of the plugin's domain ------------------------------------------------------


def test_the_plugin_reader_reads_the_file_into_the_plugin_domain(grants_run):
    out, record, _ = grants_run
    assert record["status"] == "published"
    assert [(i["reader"], i["kind"], i["records"]) for i in record["inputs"]] == [
        ("psv", "grants", 41)
    ]
    db = out / "example-grants.db"
    assert query(db, "select count(*) from grants") == [(39,)]
    totals = query(db, "select region, grants from grant_totals order by region")
    assert [r for r, _ in totals] == sorted(REGIONS)
    assert sum(n for _, n in totals) == 40  # derived before the gate quarantined H-005
    assert record["tables"]["grants"]["rows"] == 39


def test_the_domain_options_from_the_descriptor_are_applied(grants_run):
    out, _, _ = grants_run
    rows = query(out / "example-grants.db", "select grant_id, amount, currency, large from grants")
    assert {currency for _, _, currency, _ in rows} == {"IDR"}  # grants.currency
    assert all(bool(large) == (amount >= LARGE_GRANT) for _, amount, _, large in rows)
    assert any(large for *_, large in rows) and not all(large for *_, large in rows)
    # grants.columns mapped the file's Indonesian headers onto the domain's fields
    assert ("H-001", 25_001_000.0, "IDR", 0) in rows


def test_the_plugin_check_runs_from_expectations_and_quarantines(grants_run):
    out, record, _ = grants_run
    rule = next(r for r in record["quality"]["rules"] if r["check"] == "multiple-of")
    assert (rule["table"], rule["column"], rule["action"]) == ("grants", "amount", "quarantine")
    assert rule["status"] == "quarantined" and rule["quarantined"] == 1
    assert record["quality"]["quarantined_by_check"] == {"multiple-of": 1, "ragged-row": 1}
    db = out / "example-grants.db"
    assert query(
        db, "select row_key, column_name from _quarantine where check_id = 'multiple-of'"
    ) == [("H-005", "amount")]
    assert query(db, "select count(*) from grants where grant_id in ('H-005', 'H-999')") == [(0,)]
    ragged = query(db, "select source, position from _quarantine where check_id = 'ragged-row'")
    assert ragged == [("hibah-2024.psv", 42)]


def test_the_plugin_recognizer_removes_the_student_number_everywhere(grants_run):
    out, record, _ = grants_run
    assert record["privacy"].get("NISN") == 1
    purpose = query(
        out / "example-grants.db", "select purpose from grants where grant_id = 'H-003'"
    )
    assert purpose == [(STUDENT_PURPOSE.replace(NISN, "<NISN>"),)]
    published = [p for p in out.rglob("*") if p.is_file() and ".runs" not in p.parts]
    assert len(published) > 5
    for path in published:
        assert NISN.encode() not in path.read_bytes(), path
    # without its cue, ten digits are a code and stay
    uncued = query(
        out / "example-grants.db",
        "select count(*) from grants where purpose like ?",
        f"%{UNCUED}%",
    )
    assert uncued[0][0] > 30


def test_stage_hooks_see_every_stage_start_and_end_in_order(grants_run):
    _, _, base = grants_run
    lines = (base / "stages.txt").read_text("utf-8").splitlines()
    assert lines == [
        line
        for stage in STAGES
        for line in (f"example-grants {stage}", f"example-grants {stage} ended")
    ]


@pytest.mark.parametrize(
    "hook, protocol",
    [
        ("register_readers", contracts.Reader),
        ("register_pipelines", contracts.Pipeline),
        ("register_sources", contracts.Source),
        ("register_checks", contracts.Check),
        ("register_red_flags", contracts.RedFlagIndicator),
        ("register_recognizers", contracts.Recognizer),
        ("register_publishers", contracts.Publisher),
    ],
)
def test_every_plugin_unit_keeps_its_contract(plugin_module, hook, protocol):
    [unit] = getattr(plugin_module, hook)()
    assert isinstance(unit, protocol), f"{unit.__name__} lacks part of {protocol.__name__}"


@pytest.mark.parametrize(
    "text, found",
    [
        (f"siswa dengan NISN {NISN} menerima beasiswa", [NISN]),
        (f"Nomor Induk Siswa Nasional: {NISN}", [NISN]),
        (f"NISN dicatat terpisah dari daftar penerima hibah; kode {NISN}", []),  # cue too far
        (f"nomor induk siswa {NISN}", [NISN]),
        (f"kode kegiatan {UNCUED}", []),
        (f"NISN {NISN}1", []),  # eleven digits are something else
        ("NISN 5.203.011.234", []),
    ],
)
def test_the_recognizer_needs_its_cue(plugin_module, text, found):
    from terbuka_example_plugin.recognizer import NisnRecognizer

    results = NisnRecognizer().analyze(text, ["NISN"])
    assert [text[r.start : r.end] for r in results if r.score >= 0.5] == found


# --- the plugin's units in other runs ------------------------------------------------------


@contextmanager
def registered(module):
    """The plugin registered in this process for one fast check (bad input fails early)."""
    plugins.pm.register(module, "example-in-process")
    try:
        yield
    finally:
        plugins.pm.unregister(name="example-in-process")


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            HEADER.replace("|nilai|", "|jumlah|") + "\nH-1|Yayasan|Sukun|1000|Bantuan|2024-01-02\n",
            "hibah.psv, row 1, column 'nilai': the header has no such column (grants.columns)",
        ),
        (
            HEADER + "\nH-1|Yayasan|Sukun|1000|Bantuan \xff|2024-01-02\n",
            "hibah.psv: not UTF-8 text after row 1",
        ),
    ],
    ids=["missing-column", "not-utf-8"],
)
def test_a_broken_plugin_input_is_one_line_naming_file_row_and_column(
    plugin_module, tmp_path, content, expected
):
    source = tmp_path / "hibah.psv"
    source.write_bytes(content.encode("latin-1"))
    with registered(plugin_module):
        record = run_dataset(
            plugin_module.DESCRIPTOR, [str(source)], tmp_path / "out", show_progress=False
        )
    assert (record["status"], record["exit_code"]) == ("failed", 2)
    assert record["error"].startswith(f"{source}".replace("hibah.psv", "") + expected)
    assert "\n" not in record["error"] and "Bantuan" not in record["error"]


def test_a_bad_plugin_option_is_one_line_naming_file_line_and_key(plugin_module, tmp_path):
    """The domain's options schema checks ``grants:`` like terbuka's own keys."""
    folder = copy_descriptor(Path(plugin_module.__file__).parent.parent, tmp_path / "grants")
    path = folder / "dataset.yml"
    text = path.read_text("utf-8")
    path.write_text(text.replace("currency: IDR", "currency: rupiah"), encoding="utf-8")
    line = text.splitlines().index("  currency: IDR") + 1
    with registered(plugin_module):
        result = CliRunner().invoke(
            cli, ["run", str(folder), "--source", str(path), "--out", str(tmp_path / "out"),
                  "--json", "--quiet"],
        )  # fmt: skip
    assert result.exit_code == 2
    record = json.loads(result.stdout)
    assert record["status"] == "failed" and "\n" not in record["error"]
    assert f"dataset.yml:{line}: key 'grants.currency'" in record["error"], record["error"]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "example-grants.db").exists()


@pytest.mark.slow
def test_the_plugin_source_kind_pulls_when_the_descriptor_declares_it(plugin_site, tmp_path):
    folder = copy_descriptor(plugin_site, tmp_path / "grants")
    (folder / "inbox").mkdir()
    (folder / "inbox" / "hibah-2024.psv").write_text("\n".join(grant_rows()) + "\n", "utf-8")
    (folder / "inbox" / "catatan.txt").write_text("not a grants file\n", "utf-8")
    with (folder / "dataset.yml").open("a", encoding="utf-8") as handle:
        handle.write("sources:\n  - kind: example-inbox\n    inbox: inbox\n    suffix: .psv\n")
    out, result = run_with_plugin(plugin_site, tmp_path, folder)
    record = json.loads(result.stdout)
    assert [(s["id"], s["kind"], s["payloads"]) for s in record["pull"]["sources"]] == [
        ("example-inbox", "example-inbox", 1)
    ]
    assert [(i["path"].rsplit("/", 1)[-1], i["reader"]) for i in record["inputs"]] == [
        ("hibah-2024.psv", "psv")
    ]
    assert query(out / "example-grants.db", "select count(*) from grants") == [(39,)]


@pytest.mark.slow
def test_the_plugin_red_flag_is_computed_for_procurement(plugin_site, demo_sources, tmp_path):
    """Red flags are procurement indicators: switched on in a copy of its descriptor."""
    folder = tmp_path / "procurement"
    shutil.copytree(ROOT / "metadata" / "procurement", folder)
    path = folder / "dataset.yml"
    text = path.read_text("utf-8")
    assert text.count("\nred_flags:\n") == 1
    path.write_text(
        text.replace("\nred_flags:\n", "\nred_flags:\n  EX-SLOW-AWARD:\n    max_days: 20\n"),
        "utf-8",
    )
    paths, _ = demo_sources
    sources = [arg for p in paths for arg in ("--source", str(p))]
    out, _ = run_with_plugin(plugin_site, tmp_path, folder, *sources)
    db = out / "procurement.db"
    flagged = query(
        db,
        "select ocid, measure, threshold from red_flags where flag_id = 'EX-SLOW-AWARD' order by ocid",
    )
    # the same rule, recomputed here in SQL from the published tables
    expected = query(
        db,
        """
        select t.ocid, cast(julianday(min(a.date)) - julianday(t.tender_period_end) as integer) as days
        from tenders t join awards a on a.ocid = t.ocid
        where t.tender_period_end is not null and a.date is not null
          and coalesce(t.status, '') != 'cancelled'
        group by t.ocid having days > 20 order by t.ocid
        """,
    )
    assert flagged and [(o, m) for o, m, _ in flagged] == [(o, float(d)) for o, d in expected]
    assert {t for *_, t in flagged} == {20.0}
    indicator = query(
        db, "select flagged, settings from red_flag_indicators where flag_id = 'EX-SLOW-AWARD'"
    )
    assert indicator == [(len(flagged), json.dumps({"max_days": 20}))]


def test_the_plugin_publisher_publishes_a_published_dataset(grants_run, plugin_module, tmp_path):
    from terbuka_example_plugin.publisher import ManifestPublisher

    from terbuka.catalogs.runs import publish_datasets

    out, record, _ = grants_run
    [result] = publish_datasets(out, ["example-grants"], ManifestPublisher(tmp_path))
    assert result["status"] == "published" and result["publisher"] == "example-manifest"
    manifest = json.loads((tmp_path / "example-grants.manifest.json").read_text("utf-8"))
    assert manifest["run_id"] == record["run_id"]
    assert {"grants", "grant_totals"} <= set(manifest["tables"])
