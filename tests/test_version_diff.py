"""Diffs between any two kept versions, change reasons, and files shared between versions.

Three real publications of the budget dataset (DJPK exports in ../shared):
1. Kota Malang, Batu, Blitar;
2. Batu's "Retribusi Daerah" revised, Kota Malang dropped — with a note and the reader's
   report it answers;
3. Blitar's "Retribusi Daerah" revised, Bangkalan added — with a note.
The diff ``1..3`` must agree with an independent diff of the two databases and, for rows
changed once, with the diffs ``1..2`` and ``2..3``.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from conftest import invoke_cli, rows, site_get

from terbuka.datasette_plugins import feedback_store
from terbuka.pipelines.record import record_path
from terbuka.pipelines.runner import run_dataset
from terbuka.pipelines.summary import lineage_lines
from terbuka.publish import swap

TABLES = {"budget_lines": "line_id", "budget_accounts": "account_id"}
NOTE_B = "Batu's retribusi revised after the region's correction"
NOTE_C = "Blitar's retribusi revised"


def revise(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new), "utf-8")


@pytest.fixture(scope="module")
def three(shared_data, tmp_path_factory):
    base = tmp_path_factory.mktemp("version-diff")
    djpk = shared_data / "budget" / "apbd-jatim-djpk" / "2023"
    out = base / "site"
    plans = [
        (("Kota_Malang", "Batu", "Blitar"), None, {}),
        (("Batu", "Blitar"), ("Batu", '" Retribusi Daerah","25,71 M"', '" Retribusi Daerah","26,71 M"'), {"note": NOTE_B}),
        (("Batu", "Blitar", "Bangkalan"), ("Blitar", '" Retribusi Daerah","26,32 M"', '" Retribusi Daerah","27,32 M"'), {"note": NOTE_C}),
    ]  # fmt: skip
    records = []
    for number, (regions, _edit, reason) in enumerate(plans):
        folder = base / f"src{number}" / "2023"
        folder.mkdir(parents=True)
        for name in regions:
            shutil.copy(djpk / f"{name}.csv", folder)
        for earlier in plans[1 : number + 1]:  # every revision so far stays
            if earlier[1] and (folder / f"{earlier[1][0]}.csv").exists():
                revise(folder / f"{earlier[1][0]}.csv", *earlier[1][1:])
        if number == 1:  # a reader reported the Batu figure; this run answers the report
            report_id, _ = feedback_store.add(out, "budget", "budget_lines", None, "Batu?", "en")
            reason = {**reason, "answers": str(report_id)}
        record = run_dataset("budget", [str(folder.parent)], out, show_progress=False, **reason)
        assert record["status"] == "published", record.get("error")
        records.append(record)
    return out, records


def db_of(out: Path, record: dict) -> Path:
    return swap.publications_dir(out, "budget") / record["run_id"] / "budget.db"


def diff_json(out: Path, old: dict, new: dict, query: str = "") -> dict:
    path = f"/-/terbuka/v/budget/{old['run_id']}..{new['run_id']}/_changes.json?_size=1000{query}"
    [response] = site_get(out, path)
    assert response.status_code == 200, response.text
    return response.json()


def by_key(found: list[dict]) -> dict:
    return {
        (r["table_name"], r["row_key"]): (
            r["change"],
            json.loads(r["columns"]) if r["columns"] else None,
            json.loads(r["old"]) if r["old"] else None,
            json.loads(r["new"]) if r["new"] else None,
        )
        for r in found
    }


def independent(old_db: Path, new_db: Path) -> dict:
    """Rows compared by primary key in plain Python: kind and changed columns."""
    found = {}
    for name, key in TABLES.items():
        old = {str(r[key]): r for r in rows(old_db, f"select * from [{name}]")}
        new = {str(r[key]): r for r in rows(new_db, f"select * from [{name}]")}
        for k in new.keys() - old.keys():
            found[(name, k)] = ("added", None)
        for k in old.keys() - new.keys():
            found[(name, k)] = ("removed", None)
        for k in new.keys() & old.keys():
            differing = sorted(c for c in new[k] if new[k][c] != old[k].get(c))
            if differing:
                found[(name, k)] = ("changed", differing)
    return found


def test_a_one_step_diff_is_the_versions_own_changes_table(three):
    out, (a, b, _) = three
    served = diff_json(out, a, b)
    own = rows(db_of(out, b), "select * from _changes")
    assert served["total"] == len(own) > 0
    assert by_key(served["rows"]) == by_key(own)
    assert {r["reason"] for r in served["rows"]} == {r["reason"] for r in own}


def test_the_diff_from_first_to_third_agrees_with_an_independent_diff(three):
    out, (a, _, c) = three
    served = diff_json(out, a, c)
    got = {
        k: (kind, sorted(columns) if columns else None)
        for k, (kind, columns, _, _) in by_key(served["rows"]).items()
        if k[0] in TABLES
    }
    expected = independent(db_of(out, a), db_of(out, c))
    assert got == expected
    assert {"added", "changed", "removed"} <= {kind for kind, _ in expected.values()}


def test_first_to_third_is_the_composition_of_the_two_steps_for_rows_changed_once(three):
    out, (a, b, c) = three
    first, second = by_key(diff_json(out, a, b)["rows"]), by_key(diff_json(out, b, c)["rows"])
    whole = by_key(diff_json(out, a, c)["rows"])
    once = (first.keys() ^ second.keys()) & whole.keys()
    assert len(once) > 10
    for key in once:
        assert whole[key] == (first.get(key) or second[key]), key
    assert set(whole) <= set(first) | set(second)  # nothing changes in a..c that no step changed


def test_filters_paging_csv_and_the_page_with_reasons(three):
    out, (a, b, c) = three
    changed = diff_json(out, a, c, "&change=changed")
    assert changed["rows"] and {r["change"] for r in changed["rows"]} == {"changed"}
    path = f"/-/terbuka/v/budget/{a['run_id']}..{c['run_id']}/_changes"
    page, csv, paged, gone = site_get(
        out, path + "?_lang=en", path + ".csv?table_name=budget_accounts", path + ".json?_size=2",
        f"/-/terbuka/v/budget/20200101T000000Z-abcdef..{c['run_id']}/_changes",
    )  # fmt: skip
    assert page.status_code == 200 and "Reasons given" in page.text
    text = html.unescape(page.text)
    assert NOTE_B in text and NOTE_C in text and f"answers report {b['answers']}" in text
    assert csv.text.splitlines()[0] == "table_name,row_key,key_kind,change,columns,old,new,reason"
    assert all(line.startswith("budget_accounts,") for line in csv.text.splitlines()[1:])
    assert len(paged.json()["rows"]) == 2 and paged.json()["total"] == diff_json(out, a, c)["total"]
    assert gone.status_code == 404


def test_the_reason_is_kept_with_the_run_in_changes_and_in_the_feed(three):
    out, (_, b, c) = three
    assert b["note"] == NOTE_B and b["answers"]
    reasons = {r["reason"] for r in rows(db_of(out, b), "select reason from _changes")}
    assert reasons == {f"{NOTE_B} (answers report {b['answers']})"}
    [feed] = site_get(out, "/-/terbuka/feeds/budget.atom")
    assert f"Reason: {NOTE_B}. Answers report {b['answers']}" in feed.text
    assert f"Reason: {NOTE_C}" in feed.text


def test_answering_a_report_that_does_not_exist_is_bad_input(three, tmp_path):
    out, _ = three
    result = invoke_cli(
        "run", "budget", "--source", str(tmp_path), "--out", str(out), "-q",
        "--note", "a fix", "--answers", "999999",
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"Error: budget: --answers 999999: no such report in {out}/.feedback/feedback.db"
    )


def test_each_published_run_records_the_publication_it_replaced(three):
    out, (a, b, c) = three
    assert a["previous_run_id"] is None  # the first publication replaced none
    assert (b["previous_run_id"], c["previous_run_id"]) == (a["run_id"], b["run_id"])
    kept = json.loads(record_path(out, c).read_text("utf-8"))
    published = swap.publications_dir(out, "budget") / c["run_id"] / "budget" / "run.json"
    assert kept["previous_run_id"] == b["run_id"]
    assert json.loads(published.read_text("utf-8"))["previous_run_id"] == b["run_id"]
    history = {
        r["run_id"]: json.loads(r["record"])["previous_run_id"]
        for r in rows(db_of(out, c), "select run_id, record from _runs")
    }
    assert history == {a["run_id"]: None, b["run_id"]: a["run_id"], c["run_id"]: b["run_id"]}
    changes = rows(db_of(out, c), "select distinct previous_run_id from _changes")
    assert changes == [{"previous_run_id": b["run_id"]}]  # the run compared is the one replaced
    assert lineage_lines(c) == [f"replaces run {b['run_id']}", f"reason: {NOTE_C}"]


def test_unchanged_files_are_shared_between_versions_and_changed_ones_are_not(three):
    out, (a, b, c) = three
    folders = [swap.publications_dir(out, "budget") / r["run_id"] for r in (a, b, c)]
    inode = [
        {p.relative_to(f): p.stat().st_ino for p in f.rglob("*") if p.is_file()} for f in folders
    ]
    shared = {p for p in inode[1] if inode[1][p] == inode[0].get(p)}
    assert shared, "nothing shared between versions 1 and 2"
    for path in shared:
        assert (folders[0] / path).read_bytes() == (folders[1] / path).read_bytes()
    assert Path("budget.db") not in shared and Path("budget/run.json") not in shared
    for path in inode[1].keys() - shared:  # a file with the same bytes is always shared
        old = folders[0] / path
        assert not old.is_file() or old.read_bytes() != (folders[1] / path).read_bytes(), path


def test_a_withdraw_covers_every_version_holding_the_withdrawn_rows(three, tmp_path):
    """Runs last. A fourth publication reverts to the first one's sources, and is withdrawn
    with --rollback: the first and second versions hold some of its rows (Kota Malang, the
    unrevised figures) and go with it; the third, restored, stays; its ``_changes`` old
    values came from the withdrawn second one and are no longer served."""
    out, (a, b, c) = three
    d = run_dataset("budget", [str(out.parent / "src0")], out, show_progress=False)
    assert d["status"] == "published", d.get("error")
    live_modes = {
        p: p.stat().st_mode
        for p in (swap.publications_dir(out, "budget") / c["run_id"]).rglob("*")
        if p.is_file()
    }
    result = invoke_cli("withdraw", "budget", "--out", str(out), "--rollback", "--json")
    assert result.returncode == 0, result.stderr
    publication = json.loads(result.stdout)["publication"]
    assert publication["withdrawn_run_id"] == d["run_id"]
    assert publication["restored_run_id"] == c["run_id"]
    assert publication["also_withdrawn"] == [a["run_id"], b["run_id"]]
    assert swap.publications(out, "budget") == [c["run_id"]]
    v = "/-/terbuka/v/budget"
    first, second, third, own, live_changes, live_sql, live_rows, span = site_get(
        out, f"{v}/{a['run_id']}?_lang=en", f"{v}/{b['run_id']}/budget_lines.json",
        f"{v}/{c['run_id']}.json", f"{v}/{c['run_id']}/_changes.json?_size=1000",
        "/budget/_changes.json", "/budget.json?sql=select+old+from+_changes",
        "/budget/budget_lines.json?_size=1", f"{v}/{a['run_id']}..{c['run_id']}/_changes",
    )  # fmt: skip
    assert first.status_code == second.status_code == span.status_code == 410
    assert f"it holds rows withdrawn with version {d['run_id']}" in html.unescape(first.text)
    assert f'href="/-/terbuka/v/budget/{c["run_id"]}"' in first.text  # the current version
    assert third.status_code == 200 and third.json()["older"] is False
    served = own.json()["rows"]
    assert served and all(r["old"] is None for r in served)  # old values came from b
    assert rows(db_of(out, c), "select count(*) n from _changes where old is not null")[0]["n"]
    assert live_changes.status_code == live_sql.status_code == 403
    assert live_rows.status_code == 200
    for path, mode in live_modes.items():  # the withdrawn copy went private, not the shared file
        assert path.stat().st_mode == mode, path
