"""JSON documents' strings scanned in one batch give the same document and counts."""

import copy
import json
from pathlib import Path

import pytest
import yaml

from terbuka.privacy.policy import load_policy
from terbuka.privacy.prefetch import document_strings
from terbuka.privacy.redactor import Redactor
from terbuka.privacy.scanner import TextScanner

POLICY = Path(__file__).parents[1] / "metadata" / "procurement" / "privacy.yml"

PLANTED = {
    "ocid": "ocds-x-1",
    "id": "1",
    "tender": {
        "title": "Pengadaan laptop, hubungi Bapak Budi Santoso 0812-3456-7890",
        "description": "Kirim ke budi.santoso@example.co.id atau NIK 3174051203850001",
        "items": [{"id": "1", "description": "Laptop 14 inci"}],
    },
    "parties": [
        {
            "id": "p1",
            "name": "CV Maju Jaya",
            "identifier": {"scheme": "ID-NPWP", "id": "3174051203850001"},
            "address": {"streetAddress": "Jl. Melati No. 5 RT 03/RW 04", "locality": "Bandung"},
            "contactPoint": {"name": "Siti Aminah", "telephone": "081234567890"},
        }
    ],
    "awards": [{"id": "a1", "title": "Pemenang: Ibu Sri Wahyuni", "amount": 1}],
}


@pytest.fixture(scope="module")
def policy():
    return load_policy(yaml.safe_load(POLICY.read_text("utf-8")), POLICY)


@pytest.fixture(scope="module")
def documents(ocds_examples):
    docs = [PLANTED]
    for path in sorted(ocds_examples.glob("**/releases/*.json"))[:60]:
        if path.stat().st_size:
            docs += [r for r in json.loads(path.read_text("utf-8")).get("releases", [])][:2]
    return docs


def redacted(policy, documents, prefetch):
    redactor = Redactor(policy, TextScanner(), b"k" * 32)
    redactor.prefetch = prefetch
    out = [
        redactor.document("compiled_releases", "release", copy.deepcopy(d), "ocds-release")
        for d in documents
    ]
    return out, dict(redactor.report)


def test_prefetched_and_walked_documents_are_identical(policy, documents):
    walked, walked_report = redacted(policy, documents, prefetch=False)
    fetched, fetched_report = redacted(policy, documents, prefetch=True)
    assert fetched == walked
    assert fetched_report == walked_report
    text = json.dumps(fetched[0], ensure_ascii=False)
    for planted in ("0812-3456-7890", "budi.santoso@", "Siti Aminah", "Jl. Melati"):
        assert planted not in text


class Recorder:
    """A stand-in scanner that records what it is asked to scan."""

    def __init__(self):
        self.scanned, self.batched = [], []

    def scan(self, value):
        self.scanned.append(value)
        return value, ()

    def scan_many(self, values):
        self.batched += values
        return [(v, ()) for v in values]


def test_the_prefetch_collects_exactly_what_the_walk_scans(policy):
    rules = policy.documents["ocds-release"]
    recorder = Recorder()
    redactor = Redactor(policy, recorder, b"k" * 32)
    redactor.prefetch = False
    document = copy.deepcopy(PLANTED)
    redactor.document("compiled_releases", "release", document, "ocds-release")
    assert recorder.scanned == list(document_strings(document, rules))


def test_after_the_prefetch_the_walk_asks_presidio_nothing(policy, documents, monkeypatch):
    """Scanned strings come from the scanner's cache, kept ones from the identifier memo."""
    from terbuka.privacy.prefetch import prefetch

    rules = policy.documents["ocds-release"]
    redactor = Redactor(policy, TextScanner(), b"k" * 32)
    asked = []
    for document in documents:
        document = copy.deepcopy(document)
        prefetch(redactor.scanner, [document], rules)
        redactor._prefetch_kept([document], rules, "compiled_releases.release")
        with monkeypatch.context() as patch:
            patch.setattr(TextScanner, "_find", lambda self, text, entities: asked.append(text))
            redactor._walk(document, "compiled_releases", "release", rules, ())
    assert asked == []
    assert redactor.report, "the walk still replaces and counts"


def column_rows(documents):
    return [
        {"ocid": f"ocds-x-{i}", "release": json.dumps(d, ensure_ascii=False)}
        for i, d in enumerate(documents)
    ] + [{"ocid": "not-json", "release": "Hubungi Budi Santoso di 081234567890"}]


def test_a_json_column_is_prefetched_in_one_batch_with_the_same_result(
    policy, documents, monkeypatch
):
    """``Redactor.rows`` scans every document of a JSON column together, not one by one."""
    calls = []
    find = TextScanner._find
    monkeypatch.setattr(
        TextScanner,
        "_find",
        lambda self, text, entities: calls.append(text) or find(self, text, entities),
    )
    each = Redactor(policy, TextScanner(), b"k" * 32)
    for row in column_rows(documents):  # what ``rows`` did before: a prefetch per document
        each.document("compiled_releases", "release", row["release"], "ocds-release")
    per_document = len(calls)
    walked = Redactor(policy, TextScanner(), b"k" * 32)
    walked.prefetch = False
    expected = walked.rows("compiled_releases", column_rows(documents))
    calls.clear()
    together = Redactor(policy, TextScanner(), b"k" * 32)
    got = together.rows("compiled_releases", column_rows(documents))
    assert got == expected
    assert dict(together.report) == dict(walked.report)
    assert "081234567890" not in got[-1]["release"]  # a value that is not JSON: free text
    assert len(calls) * 3 < per_document, "the documents' strings went to Presidio together"
