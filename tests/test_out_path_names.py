"""An ``--out`` folder whose name has ``*``, ``?``, ``[``, ``$`` or spaces publishes correctly.

Frictionless expands such a path string as a glob, and GX/pydantic read it as a URL:
a folder called ``data [2024]`` once opened no package (an internal error) or another
one, and SQLite's URI ended a served path at `?`. Publishing, the package's own
validation, a re-run and serving (the live plugin's connections) must all work.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import site_get

from terbuka.pipelines.runner import run_dataset
from terbuka.publish.datapackage import validate_package

SPSE = (
    "kd_tender;nama_paket;hps;pagu;tgl_pengumuman_tender;status_tender;kd_satker;nama_satker\n"
    "9001;Jalan Desa;1.250.000,00;2.000.000,00;12/03/2024;Selesai;S1;Dinas PU\n"
    "9002;Jembatan;2.250.000,00;3.000.000,00;13/03/2024;Aktif;S1;Dinas PU\n"
)


@pytest.mark.parametrize("name", ["data [2024]", "site*?", "a $HOME b", "dua  spasi"])
def test_an_out_folder_with_glob_and_url_characters(tmp_path, name):
    source = tmp_path / "tender ke-1.csv"
    source.write_text(SPSE, encoding="utf-8")
    (tmp_path / "site-decoy").mkdir()  # something a glob `site*?` would also match
    out = tmp_path / name
    record = run_dataset("procurement", [str(source)], out, show_progress=False)
    assert record["status"] == "published", record.get("error")
    with sqlite3.connect(out / "procurement.db") as db:
        assert db.execute("select count(*) from releases").fetchone()[0] == 2
    package = out / "procurement" / "datapackage.json"
    assert validate_package(package) == []
    assert json.loads(package.read_text())["name"] == "procurement"
    again = run_dataset("procurement", [str(source)], out, show_progress=False, force=True)
    assert again["status"] == "published", again.get("error")
    [table] = site_get(out, "/procurement/releases.json?_shape=array")
    assert table.status_code == 200 and len(table.json()) == 2
    # nothing written beside the folder (an SQLite URI cut at `?` once created `site*`)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "site-decoy", source.name])
