"""Versioned permalinks: a citation serves the version it names, retention, 410 and 404.

Five real publications of the budget dataset (DJPK exports in ../shared) with
``versions: {keep: 3}``: Kota Malang's figures change after the second, so the live site
and the cited version disagree, and the first version is pruned by retention.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import invoke_cli, site_get

from terbuka.metadata import DescriptorError, load_descriptor
from terbuka.pipelines.runner import run_dataset
from terbuka.publish import swap, versions

REGIONS = ("Kota_Malang", "Batu", "Blitar", "Bangkalan", "Gresik", "Jember")
CITED = "/budget/budget_lines?region=Kota+Malang&_lang=en"


def descriptor_with(tmp: Path, block: str) -> Path:
    folder = tmp / "budget"
    shutil.copytree(Path(__file__).parents[1] / "metadata" / "budget", folder)
    with open(folder / "dataset.yml", "a", encoding="utf-8") as handle:
        handle.write("\n" + block)
    return folder


def citation_link(page: str) -> str:
    """The URL in the panel's "how to cite" text."""
    found = re.findall(r"(https?://[^\s<\"]*/-/terbuka/v/[^\s<\"]*)", html.unescape(page))
    assert found, "no versioned link in the page"
    return found[0]


@pytest.fixture(scope="module")
def five(shared_data, tmp_path_factory):
    base = tmp_path_factory.mktemp("versions")
    descriptor = descriptor_with(base, "versions:\n  keep: 3\n")
    djpk = shared_data / "budget" / "apbd-jatim-djpk" / "2023"
    out = base / "site"
    runs, cited = [], {}
    for number in range(1, 6):
        source = base / f"src{number}" / "2023"
        source.mkdir(parents=True)
        for name in REGIONS[: number + 1]:
            shutil.copy(djpk / f"{name}.csv", source)
        if number >= 3:  # Kota Malang's revenue revised: the live figures now differ
            path = source / "Kota_Malang.csv"
            text = path.read_text("utf-8")
            revised = re.sub(
                r'^(" Pendapatan Daerah",")([\d.,]+) M"', r'\g<1>9.999,99 M"', text, flags=re.M
            )
            assert revised != text
            path.write_text(revised, "utf-8")
        record = run_dataset(str(descriptor), [str(source.parent)], out, show_progress=False)
        assert record["status"] == "published", record.get("error")
        runs.append(record["run_id"])
        if number == 2:  # a journalist cites the Kota Malang lines of version 2
            page, rows = site_get(
                out, CITED, "/budget/budget_lines.json?region=Kota+Malang&_shape=array&_size=max"
            )
            cited = {"link": citation_link(page.text), "rows": rows.json()}
    return out, runs, cited


def version_pages(five, *wanted: tuple[int, str]) -> list:
    """The site's answers for ``(run index, rest of the path)`` pairs of the budget versions."""
    out, runs, _ = five
    return site_get(out, *(f"/-/terbuka/v/budget/{runs[n]}{rest}" for n, rest in wanted))


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_the_citation_names_the_version_and_still_returns_the_cited_rows(five):
    out, runs, cited = five
    link = path_of(cited["link"])
    assert link.startswith(f"/-/terbuka/v/budget/{runs[1]}/budget_lines?")
    page_json, live = site_get(
        out,
        link.replace("/budget_lines?", "/budget_lines.json?") + "&_size=1000",
        "/budget/budget_lines.json?region=Kota+Malang&_shape=array&_size=max",
    )
    assert page_json.status_code == 200
    served = page_json.json()
    assert served["rows"] == cited["rows"]  # three publications later, the same rows
    assert served["older"] is True and served["latest"] == "/budget"
    assert live.json() != cited["rows"]  # while the live figures changed
    revenue = [r for r in served["rows"] if r["account_name"] == "Pendapatan Daerah"]
    assert revenue and revenue[0]["planned"] != 9_999_990_000_000


def test_older_and_current_versions_carry_their_banner(five):
    runs = five[1]
    older, current = version_pages(five, (2, "?_lang=en"), (4, "?_lang=en"))
    assert older.status_code == current.status_code == 200
    assert "This is an older version of budget" in older.text and 'href="/budget"' in older.text
    assert "This is the current version of budget" in current.text
    assert (
        "budget_lines" in current.text and f"/-/terbuka/v/budget/{runs[4]}/_changes" in current.text
    )


def test_retention_keeps_three_previous_versions_and_the_pruned_one_is_gone(five):
    out, runs, _ = five
    assert swap.publications(out, "budget") == runs[1:]
    gone, csv = version_pages(
        five, (0, "/budget_lines?_lang=en"), (1, "/budget_lines.csv?region=Kota+Malang")
    )
    assert gone.status_code == 410
    assert "is no longer available: removed by the retention rule (keep the newest 3)" in gone.text
    # the note links the current version's permanent address, not the live page
    assert f'href="/-/terbuka/v/budget/{runs[4]}"' in gone.text
    assert f"See the current version (run {runs[4]})" in gone.text
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("line_id,")


@pytest.mark.parametrize(
    "path, status",
    [
        ("/-/terbuka/v/budget/20200101T000000Z-abcdef", 404),
        ("/-/terbuka/v/budget/20200101T000000Z-abcdef/budget_lines.json", 404),
        ("/-/terbuka/v/nosuch/20200101T000000Z-abcdef", 404),
        ("/-/terbuka/v/Budget%2Fx/20200101T000000Z-abcdef", 404),
    ],
)
def test_unknown_versions_are_404(five, path, status):
    out, _, _ = five
    [response] = site_get(out, path)
    assert response.status_code == status


def test_unknown_table_and_column_answer_cleanly(five):
    table, column = version_pages(five, (4, "/nosuch"), (4, "/budget_lines?nosuch=1"))
    assert table.status_code == 404 and column.status_code == 400
    assert "Traceback" not in table.text + column.text


def test_the_diff_page_shows_what_changed_in_this_version(five):
    page, data = version_pages(
        five, (2, "/_changes?_lang=en"), (2, "/_changes.json?change=changed&_size=1000")
    )
    assert page.status_code == 200 and "What changed in this version" in page.text
    changed = data.json()["rows"]
    assert changed and all(r["previous_run_id"] == five[1][1] for r in changed)
    assert any("planned" in json.loads(r["columns"]) for r in changed)


def test_a_withdrawn_version_answers_410_at_once(five):
    """Runs last: withdraws the live version (rolling back to the previous one)."""
    result = invoke_cli("withdraw", "budget", "--out", str(five[0]), "--rollback")
    assert result.returncode == 0, result.stderr
    withdrawn, restored = version_pages(five, (4, "?_lang=en"), (3, ".json?_lang=en"))
    assert withdrawn.status_code == 410 and "withdrawn by the publisher" in withdrawn.text
    assert restored.json()["older"] is False  # the restored version is the current one again
    # the note links the version that replaced it: the restored one, by its permalink
    assert f'href="/-/terbuka/v/budget/{five[1][3]}"' in withdrawn.text


NOW = datetime(2026, 12, 5, tzinfo=UTC)


def run_at(days_ago: int, suffix: str = "aaaaaa") -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y%m%dT%H%M%SZ") + f"-{suffix}"


@pytest.mark.parametrize(
    "retention, ages, pruned",
    [
        (versions.Retention(), list(range(20, 0, -1)), list(range(20, 10, -1))),
        (versions.Retention(keep=2), [30, 20, 10], [30]),
        (versions.Retention(keep=0), [30, 20], [30, 20]),
        (versions.Retention(keep=None), [900, 30], []),
        (versions.Retention(keep=1, keep_days=25), [40, 20, 10, 5], [40]),
        (versions.Retention(keep=0, keep_monthly_after_days=365), [500, 499, 420, 10], [500, 10]),
    ],
    ids=["default-10", "keep-2", "keep-0", "keep-all", "keep-days", "monthly-after-a-year"],
)
def test_retention_rules(retention, ages, pruned):
    runs = [run_at(a, f"{a:06d}") for a in ages]
    assert versions.to_prune(runs, retention, NOW) == [run_at(a, f"{a:06d}") for a in pruned]


@pytest.mark.parametrize(
    "block, ok",
    [
        ({"keep": "all"}, True),
        ({"keep": 5, "keep_days": 30}, True),
        ({"keep": "some"}, False),
        ({"forever": True}, False),
    ],
)
def test_the_versions_block_is_validated(tmp_path, block, ok):
    import yaml

    folder = descriptor_with(tmp_path, yaml.safe_dump({"versions": block}))
    if ok:
        assert load_descriptor(folder).get("versions") == block
        assert versions.Retention.from_descriptor(block).keeps_all is (block.get("keep") == "all")
    else:
        with pytest.raises(DescriptorError):
            load_descriptor(folder)
