"""CSV exports open safely in a spreadsheet: formulas neutralised, numbers left alone."""

import csv
import io
import sqlite3
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from terbuka.datasette_plugins.csv_safety import CsvRewriter, neutralise


def test_neutralise_cells():
    for dangerous in [
        "=1+1",
        "+62 812 3456",
        "-2+3",
        "@SUM(A1)",
        "\tcmd",
        "\rcmd",
        "-",
        '=HYPERLINK("x")',
    ]:
        assert neutralise(dangerous) == "'" + dangerous
    for safe in ["-12.5", "-5", "+7", "1e+20", "-3.5E-4", ".5", "", "plain", "a=b", "'=x"]:
        assert neutralise(safe) == safe


CELL = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["=1+1", "-5", "+62 8", '"q"', "a,b", "x\ny", "\r\n", "@x", "\t", "-12.5e3"]),
)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=1, max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
)
def test_rewriter_never_loses_or_splits_a_record_whatever_the_chunks(rows, cuts):
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    data = out.getvalue().encode("utf-8")
    rewriter = CsvRewriter()
    pieces, start = [], 0
    for cut in sorted(set(min(c, len(data)) for c in cuts)):
        pieces.append(rewriter.feed(data[start:cut]))
        start = cut
    pieces.append(rewriter.feed(data[start:], final=True))
    result = list(csv.reader(io.StringIO(b"".join(pieces).decode("utf-8"), newline="")))
    expected = [[neutralise(c) for c in r] for r in rows]
    # csv cannot tell an all-empty single-column row from an empty line; compare what it can.
    assert [r for r in result if r != [""] and r] == [r for r in expected if r != [""] and r]


def test_sql_csv_export_is_neutralised(demo_site_client):
    sql = (
        "select '=1+1' as formula, -5 as negative, -12.5 as decimal, '+62 812 3456' as phone, "
        "'@SUM(A1)' as at, char(9) || 'tab' as tab, '-2+3' as minus_text, 'plain' as text"
    )
    response = demo_site_client.get("/procurement.csv?sql=" + quote(sql) + "&_dl=1", timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header, row = list(csv.reader(io.StringIO(response.text)))
    assert dict(zip(header, row, strict=True)) == {
        "formula": "'=1+1", "negative": "-5", "decimal": "-12.5", "phone": "'+62 812 3456",
        "at": "'@SUM(A1)", "tab": "'\ttab", "minus_text": "'-2+3", "text": "plain",
    }  # fmt: skip


def test_streamed_table_export_keeps_every_row(demo_site_client, published_demo):
    out, _ = published_demo
    with sqlite3.connect(out / "procurement.db") as conn:
        expected = conn.execute(
            "select ocid, title, description, value_amount from tenders order by ocid"
        ).fetchall()
    response = demo_site_client.get(
        "/procurement/tenders.csv?_stream=on&_size=max&_sort=ocid&_col=title&_col=description&_col=value_amount",
        timeout=60,
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(expected)
    for row, (ocid, title, description, amount) in zip(rows, expected, strict=True):
        assert row["ocid"] == ocid
        assert row["title"] == neutralise(title or "")
        assert row["description"] == neutralise(description or "")
        assert (float(row["value_amount"]) if row["value_amount"] else None) == amount


def test_json_is_untouched(demo_site_client):
    sql = quote("select '=1+1' as formula")
    data = demo_site_client.get("/procurement.json?_shape=array&sql=" + sql, timeout=30).json()
    assert data == [{"formula": "=1+1"}]


def test_files_served_with_a_length_pass_untouched():
    """A data package CSV offered for download keeps the bytes its hash was computed on."""
    import asyncio

    from terbuka.datasette_plugins.csv_safety import asgi_wrapper

    body = b"a,b\r\n=1+1,-5\r\n"

    async def app(scope, receive, send, length=True):
        headers = [[b"content-type", b"text/csv; charset=utf-8"]]
        if length:
            headers.append([b"content-length", str(len(body)).encode()])
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def streamed(scope, receive, send):
        await app(scope, receive, send, length=False)

    async def run(inner):
        sent = []

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "path": "/dataset/x/resource/1/download/t.csv",
            "query_string": b"",
        }
        await asgi_wrapper(None)(inner)(scope, None, send)
        return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")

    assert asyncio.run(run(app)) == body
    assert asyncio.run(run(streamed)) == b"a,b\r\n'=1+1,-5\r\n"
