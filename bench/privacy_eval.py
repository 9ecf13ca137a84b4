"""Evaluate terbuka's personal-data detection and measure its speed.

    .venv/bin/python bench/privacy_eval.py [--rows 3000] [--speed-rows 100000] [--seed 1]

1. A labelled Indonesian corpus generated here (Faker's ``id_ID`` locale for names,
   addresses, e-mails, phones and companies; NIK, KK, NIP, NPWP and bank accounts made
   by this script), as a table with structured columns and two free-text columns, once
   with meaningful headers and once with meaningless ones (``c01``, ``c02`` …). It goes
   through the same code as ``terbuka redact``. For each entity type: recall (planted
   values that no longer appear in the output), precision (placeholders that stand for a
   planted value), F2; and the share of non-personal control values (kode RUP, tender
   ids, account codes, contract numbers, amounts, dates, company names, package titles)
   left unchanged.
2. ``../shared/data/pii/synth_dataset_v2.json`` (English, labelled spans): recall,
   precision and F2 per entity type at span level. Then ``--rows`` sentences that name a
   person without an honorific ("Laporan dari …", "… melaporkan"): names left readable;
   and ``--rows`` sentences with a phone number (mobile, landline, ``wa.me`` link) after
   procurement wording (contract numbers, kode RUP, amounts, dates; Indonesian and
   English): phones left readable, and those codes kept. Then the leak and precision
   corpora of ``tests/test_identifiers.py``: identifiers valid by structure in every
   context left readable, and real-shaped codes (RUP, SPK, satker, rekening, amounts,
   dates) kept — the goal is ≥ 99 %.
3. Real Indonesian sentences: the validation splits of the NER corpora in
   ``../shared/data/pii/ner`` (never their held-out test splits), through the same scanner:
   person names fully replaced, and organisation and place names left untouched, per
   corpus (idner and NERGrit are normally capitalised, NER-P is lower-cased).
4. Throughput on ``--speed-rows`` rows with two free-text columns, against a plain
   compiled-regex pass over the same texts in the same run.

``--no-model`` switches the shipped NER model off (``ner_model: null``), to compare.

Goals (issue 3): leak ≤ 0.5 % for NIK, NPWP, phone, e-mail and bank account values,
≤ 3 % for names and street addresses, ≥ 98 % of controls unchanged, throughput ≥ 0.25×
the regex pass.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

ROOT = Path(__file__).resolve().parents[1]
SYNTH = ROOT.parent / "shared" / "data" / "pii" / "synth_dataset_v2.json"
NER_CORPORA = ROOT.parent / "shared" / "data" / "pii" / "ner"
PROVINCES = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
             61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 94]  # fmt: skip
BANKS = ["BCA", "BRI", "BNI", "Mandiri", "BTN", "BSI", "Bank Jatim", "CIMB Niaga"]
TITLES = ["Pembangunan Jalan Lingkungan", "Rehabilitasi Gedung SD Negeri", "Pengadaan Alat Kesehatan",
          "Normalisasi Saluran Drainase", "Pengadaan Laptop dan Printer", "Jasa Kebersihan Kantor",
          "Belanja Modal Peralatan", "Pemeliharaan Jembatan", "Pengadaan Obat dan BMHP"]  # fmt: skip
UNITS = ["Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas Kesehatan", "Dinas Pendidikan",
         "Badan Penanggulangan Bencana Daerah", "Sekretariat Daerah", "RSUD Kota"]  # fmt: skip
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]  # fmt: skip
BOILERPLATE = [
    "Jalan rusak dan berlubang di depan sekolah, mohon segera diperbaiki.",
    "Lampu penerangan jalan mati sejak seminggu yang lalu.",
    "Sampah menumpuk di pinggir sungai dan menimbulkan bau.",
    "Saluran air tersumbat sehingga terjadi genangan saat hujan.",
    "Pelayanan di puskesmas sangat lambat, antrean panjang.",
    "Pekerjaan proyek belum selesai padahal kontrak sudah berakhir.",
    "Tidak ada",
    "-",
    "Sudah ditindaklanjuti oleh dinas terkait.",
    "Mohon informasi jadwal pengambilan dokumen.",
]
MEANINGFUL = ["nama_pelapor", "nik", "no_kk", "npwp", "nip_petugas", "telepon", "email",
              "no_rekening", "alamat", "isi_laporan", "keterangan", "kode_rup", "kode_tender",
              "kode_rekening", "no_kontrak", "nilai_kontrak", "tanggal", "penyedia", "nama_paket",
              "satker"]  # fmt: skip
ENTITY_OF = {
    "nama_pelapor": "PERSON", "nik": "NIK", "no_kk": "KK", "npwp": "NPWP",
    "nip_petugas": "NIP", "telepon": "PHONE_NUMBER", "email": "EMAIL_ADDRESS",
    "no_rekening": "BANK_ACCOUNT", "alamat": "ADDRESS",
}  # fmt: skip
CONTROL_COLUMNS = ["kode_rup", "kode_tender", "kode_rekening", "no_kontrak", "nilai_kontrak",
                   "tanggal", "penyedia", "nama_paket", "satker"]  # fmt: skip
TARGETS = ["NIK", "KK", "NPWP", "NIP", "PHONE_NUMBER", "EMAIL_ADDRESS", "BANK_ACCOUNT",
           "PERSON", "ADDRESS"]  # fmt: skip
GOALS = {"NIK": 0.005, "NPWP": 0.005, "PHONE_NUMBER": 0.005, "EMAIL_ADDRESS": 0.005,
         "BANK_ACCOUNT": 0.005, "PERSON": 0.03, "ADDRESS": 0.03}  # fmt: skip


class Corpus:
    """Generates rows with planted personal values and control values, all remembered."""

    def __init__(self, seed: int):
        from faker import Faker

        self.rng = random.Random(seed)
        self.fake = Faker("id_ID")
        self.fake.seed_instance(seed)

    # -- personal values
    def nik(self) -> str:
        r = self.rng
        day = r.randint(1, 28) + (40 if r.random() < 0.5 else 0)
        digits = (
            f"{r.choice(PROVINCES)}{r.randint(1, 79):02d}{r.randint(1, 40):02d}{day:02d}"
            f"{r.randint(1, 12):02d}{r.randint(40, 99):02d}{r.randint(1, 9999):04d}"
        )
        return digits if r.random() < 0.85 else " ".join(re.findall(r"\d{4}", digits))

    def kk(self) -> str:
        r = self.rng
        return (
            f"{r.choice(PROVINCES)}{r.randint(1, 79):02d}{r.randint(1, 40):02d}"
            f"{r.randint(1, 28):02d}{r.randint(1, 12):02d}{r.randint(5, 23):02d}{r.randint(1, 9999):04d}"
        )

    def nip(self) -> str:
        r = self.rng
        birth = date(r.randint(1960, 1995), r.randint(1, 12), r.randint(1, 28))
        value = (
            f"{birth:%Y%m%d}{r.randint(birth.year + 20, 2022)}{r.randint(1, 12):02d}"
            f"{r.randint(1, 2)}{r.randint(1, 999):03d}"
        )
        if r.random() < 0.4:
            value = f"{value[:8]} {value[8:14]} {value[14]} {value[15:]}"
        return value

    def npwp(self) -> str:
        r = self.rng
        d = "".join(str(r.randint(0, 9)) for _ in range(15))
        style = r.random()
        if style < 0.6:
            return f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"
        if style < 0.8:
            return d
        return "0" + d

    def phone(self) -> str:
        r = self.rng
        if r.random() < 0.5:
            return self.fake.phone_number()
        number = f"8{r.choice('1235789')}{r.randint(1, 9)}{r.randint(1000000, 99999999)}"
        return r.choice(
            [
                "0" + number,
                f"+62 {number[:3]}-{number[3:7]}-{number[7:]}",
                f"0{number[:3]}-{number[3:7]}-{number[7:]}",
                "62" + number,
                f"+62 {number[:3]} {number[3:7]} {number[7:]}",
            ]
        )

    def email(self) -> str:
        return self.fake.free_email() if self.rng.random() < 0.6 else self.fake.email()

    def bank(self) -> str:
        r = self.rng
        digits = "".join(str(r.randint(0, 9)) for _ in range(r.choice([10, 13, 15])))
        if r.random() < 0.3:
            digits = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
        return digits

    def person(self) -> str:
        return self.fake.name()

    def address(self) -> str:
        value = self.fake.street_address()
        if self.rng.random() < 0.5:
            value += f" RT {self.rng.randint(1, 15):02d}/RW {self.rng.randint(1, 12):02d}"
        return value

    # -- controls
    def controls(self) -> dict[str, str]:
        r = self.rng
        day = date(2023, 1, 1) + timedelta(days=r.randint(0, 700))
        amount = r.randint(5, 5000) * 1_000_000
        return {
            "kode_rup": str(r.randint(20_000_000, 49_999_999)),
            "kode_tender": str(r.randint(1_000_000, 99_999_999_999)),
            "kode_rekening": f"5.{r.randint(1, 2)}.{r.randint(1, 3):02d}.{r.randint(1, 20):02d}."
            f"{r.randint(1, 20):02d}.{r.randint(1, 60):04d}",
            "no_kontrak": f"{r.randint(1, 999):03d}/{r.choice(['SPK', 'SP', 'KONTRAK'])}/"
            f"{r.choice(['DPU', 'DINKES', 'DISDIK', 'BPBD'])}/{day.year}",
            "nilai_kontrak": r.choice(
                [
                    f"Rp {amount:,}".replace(",", "."),
                    str(amount),
                    f"Rp {amount:,},00".replace(",", "."),
                ]
            ),
            "tanggal": r.choice(
                [
                    day.isoformat(),
                    f"{day.day} {MONTHS[day.month - 1]} {day.year}",
                    f"{day:%d/%m/%Y}",
                ]
            ),
            "penyedia": self.fake.company(),
            "nama_paket": f"{r.choice(TITLES)} {self.fake.city()}",
            "satker": r.choice(UNITS),
        }

    def row(self) -> tuple[dict[str, str], list[tuple[str, str, str]], list[tuple[str, str]]]:
        """Cells by meaningful column, planted (column, entity, value), controls (column, value)."""
        r = self.rng
        cells: dict[str, str] = {}
        planted: list[tuple[str, str, str]] = []
        makers = {
            "PERSON": self.person, "NIK": self.nik, "KK": self.kk, "NPWP": self.npwp,
            "NIP": self.nip, "PHONE_NUMBER": self.phone, "EMAIL_ADDRESS": self.email,
            "BANK_ACCOUNT": self.bank, "ADDRESS": self.address,
        }  # fmt: skip
        for column, entity in ENTITY_OF.items():
            value = makers[entity]()
            cells[column] = value
            planted.append((column, entity, value))
        controls = self.controls()
        cells.update(controls)
        kept = list(controls.items())
        # free text 1: a complaint, with personal data most of the time
        if r.random() < 0.7:
            name, phone, nik = self.person(), self.phone(), self.nik()
            honorific = r.choice(["Bapak ", "Ibu ", "Sdr. ", "", "", ""])
            parts = [
                (f"Saya {honorific}{name}", [("PERSON", name)]),
                (f"warga {self.address()}", []),
                (r.choice(BOILERPLATE[:6]), []),
                (f"Hubungi saya di {phone}", [("PHONE_NUMBER", phone)]),
            ]
            if r.random() < 0.4:
                parts.append((f"NIK {nik}", [("NIK", nik)]))
            if r.random() < 0.3:
                email = self.email()
                parts.append((f"atau e-mail {email}", [("EMAIL_ADDRESS", email)]))
            if r.random() < 0.2:
                account = self.bank()
                parts.append(
                    (f"dana dikirim ke rekening {r.choice(BANKS)} {account} a.n. {name}",
                     [("BANK_ACCOUNT", account)])
                )  # fmt: skip
            address = parts[1][0][len("warga ") :]
            parts[1] = (parts[1][0], [("ADDRESS", address)])
            cells["isi_laporan"] = ". ".join(p[0] for p in parts) + "."
            planted += [("isi_laporan", e, v) for _, spans in parts for e, v in spans]
        else:
            cells["isi_laporan"] = r.choice(BOILERPLATE)
        # free text 2: a note about the contract, mostly controls, sometimes a person
        control = self.controls()
        note = (
            f"Paket kode RUP {control['kode_rup']} kontrak {control['no_kontrak']} senilai "
            f"{control['nilai_kontrak']} tanggal {control['tanggal']} dikerjakan oleh "
            f"{control['penyedia']}"
        )
        kept += [
            ("keterangan", control[k])
            for k in ("kode_rup", "no_kontrak", "nilai_kontrak", "tanggal", "penyedia")
        ]
        if r.random() < 0.3:
            official = self.person()
            note += f", diperiksa oleh Bapak {official}"
            planted.append(("keterangan", "PERSON", official))
        if r.random() < 0.5:
            note = r.choice(BOILERPLATE[6:])
            kept = [k for k in kept if k[0] != "keterangan"]
            planted = [p for p in planted if p[0] != "keterangan"]
        cells["keterangan"] = note
        return cells, planted, kept


def build(rows: int, seed: int):
    corpus = Corpus(seed)
    return [corpus.row() for _ in range(rows)]


def evaluate_table(data, headers: list[str], workers: int) -> dict:
    """Run the rows through ``terbuka redact``'s code; score leaks, precision, controls."""
    from terbuka.privacy import Redactor, TextScanner
    from terbuka.privacy.csvfile import CsvTable, redact_table
    from terbuka.privacy.policy import load_policy

    rename = dict(zip(MEANINGFUL, headers, strict=True))
    table = CsvTable(
        headers, [[cells[c] for c in MEANINGFUL] for cells, _, _ in data], ",", "utf-8"
    )
    redactor = Redactor(load_policy({"default": "scan"}), TextScanner(), b"bench-key")
    kept_columns, out = redact_table(table, redactor, workers)
    position = {c: i for i, c in enumerate(kept_columns)}
    leaked, planted_n, tags, true_tags = Counter(), Counter(), Counter(), Counter()
    controls_total = controls_kept = 0
    for (_cells, planted, kept), row in zip(data, out, strict=True):
        output = {
            c: str(row[position[rename[c]]] or "") for c in MEANINGFUL if rename[c] in position
        }
        per_cell: dict[str, Counter] = defaultdict(Counter)
        for column, entity, value in planted:
            planted_n[entity] += 1
            if value in output.get(column, ""):
                leaked[entity] += 1
            else:
                per_cell[column][entity] += 1
        for column, text in output.items():
            for tag in re.findall(r"<([A-Z_]+)>", text):
                tags[tag] += 1
            for tag, n in Counter(re.findall(r"<([A-Z_]+)>", text)).items():
                true_tags[tag] += min(n, per_cell[column][tag])
        for column, value in kept:
            controls_total += 1
            controls_kept += value in output.get(column, "")
    result = {}
    for entity in TARGETS:
        recall = 1 - leaked[entity] / planted_n[entity] if planted_n[entity] else 0.0
        precision = true_tags[entity] / tags[entity] if tags[entity] else 1.0
        result[entity] = {
            "planted": planted_n[entity],
            "leaked": leaked[entity],
            "leak": leaked[entity] / planted_n[entity] if planted_n[entity] else 0.0,
            "recall": recall,
            "precision": precision,
            "f2": f2(precision, recall),
        }
    result["controls"] = {"total": controls_total, "kept": controls_kept / controls_total}
    result["columns"] = {
        c: f"{d.entity or '-'} ({d.source or '-'})"
        for (_, c), d in sorted(redactor.detections.items())
    }
    return result


def f2(precision: float, recall: float) -> float:
    """F-beta with beta 2: recall weighs four times as much as precision."""
    return 5 * precision * recall / (4 * precision + recall) if precision + recall else 0.0


ENGLISH = {"PERSON": "PERSON", "STREET_ADDRESS": "ADDRESS", "PHONE_NUMBER": "PHONE_NUMBER",
           "EMAIL_ADDRESS": "EMAIL_ADDRESS", "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN_CODE",
           "IP_ADDRESS": "IP_ADDRESS"}  # fmt: skip


def evaluate_english() -> dict | None:
    """Span-level recall/precision/F2 on presidio-research's synthetic English sentences."""
    if not SYNTH.exists():
        return None
    from terbuka.privacy import TextScanner

    scanner = TextScanner(language="en")
    data = json.loads(SYNTH.read_text("utf-8"))
    found, total, tp_pred, predicted = Counter(), Counter(), Counter(), Counter()
    for item in data:
        text = item["full_text"]
        spans = item["spans"]
        results = scanner.findings(text)
        for span in spans:
            entity = ENGLISH.get(span["entity_type"])
            if not entity:
                continue
            total[entity] += 1
            start, end = span["start_position"], span["end_position"]
            if any(
                r.entity_type == entity
                and min(end, r.end) - max(start, r.start) >= 0.5 * (end - start)
                for r in results
            ):
                found[entity] += 1
        for r in results:
            predicted[r.entity_type] += 1
            if any(
                ENGLISH.get(s["entity_type"]) == r.entity_type
                and min(s["end_position"], r.end) > max(s["start_position"], r.start)
                for s in spans
            ):
                tp_pred[r.entity_type] += 1
    out = {}
    for entity in sorted(set(total) | set(predicted)):
        recall = found[entity] / total[entity] if total[entity] else 0.0
        precision = tp_pred[entity] / predicted[entity] if predicted[entity] else 1.0
        out[entity] = {
            "spans": total[entity],
            "found": found[entity],
            "predicted": predicted[entity],
            "recall": recall,
            "precision": precision,
            "f2": f2(precision, recall),
        }
    return out


# Sentences that name a person without an honorific: the name cues are weaker words.
PLAIN_NAME_TEMPLATES = [
    "Laporan dari {name} tentang jalan rusak.", "Mohon ditindaklanjuti. Hormat saya, {name}",
    "Terima kasih, {name}", "Diterima oleh {name} pada 12 Maret 2024.", "cc: {name}",
    "{name} melaporkan lampu mati.", "Menurut {name}, pelayanan lambat.", "Salam, {name}",
    "Dikirim oleh {name}", "Kemarin {name} menyampaikan keluhan di kantor kelurahan.",
]  # fmt: skip
NOBLE_TITLES = {"Cut", "Puti", "Sutan", "Raden"}  # kept in the text, like Ir. or Dr.


def names_without_honorifics(rows: int, seed: int) -> dict:
    """Faker ``id_ID`` names in sentences without an honorific: how many stay readable.

    A name leaks when one of its words (not a title or degree) is still in the output.
    """
    from faker import Faker

    from terbuka.privacy import TextScanner

    fake, rng, scanner = Faker("id_ID"), random.Random(seed), TextScanner()
    fake.seed_instance(seed)
    leaked: Counter = Counter()
    for _ in range(rows):
        template, name = rng.choice(PLAIN_NAME_TEMPLATES), fake.name()
        words = [w.strip(",") for w in name.split()]
        words = [w for w in words if "." not in w and len(w) >= 3 and w not in NOBLE_TITLES]
        redacted, _ = scanner.scan(template.format(name=name))
        if any(re.search(rf"\b{re.escape(w)}\b", redacted) for w in words):
            leaked[template] += 1
    return {"rows": rows, "leaked": sum(leaked.values()), "by_template": dict(leaked)}


def real_sentences() -> dict | None:
    """Person recall and organisation/place names kept on the NER validation splits.

    A person counts as found when every character of the name is inside a PERSON
    finding; an organisation or place counts as kept when no finding touches it.
    """
    if not NER_CORPORA.exists():
        return None
    from terbuka.privacy import TextScanner
    from terbuka.privacy.models.train_ner import load, spans

    scanner = TextScanner()
    scanner.scan("Kemarin Agus Setiawan datang.")  # loads the model before timing
    out = {}
    for name, sentences in load(NER_CORPORA, "dev").items():
        texts, golds = zip(*(spans(w, t) for w, t in sentences), strict=True)
        start = time.perf_counter()
        findings = scanner.findings_many(list(texts))
        seconds = time.perf_counter() - start
        people = found = others = kept = 0
        for text, gold, items in zip(texts, golds, findings, strict=True):
            hidden = {c for f in items if f.entity_type == "PERSON" for c in range(f.start, f.end)}
            for s, e, label in gold:
                if label == "PERSON":
                    people += 1
                    found += {c for c in range(s, e) if not text[c].isspace()} <= hidden
                else:
                    others += 1
                    kept += not any(f.start < e and s < f.end for f in items)
        out[name] = {
            "sentences": len(texts),
            "people": people,
            "person_recall": found / people if people else 0.0,
            "org_loc": others,
            "org_loc_kept": kept / others if others else 0.0,
            "sentences_per_s": len(texts) / seconds if seconds else 0.0,
        }
    return out


# Phone numbers after procurement wording, in Indonesian and English sentences.
WORDING_BEFORE = [
    "", "Kontrak nomor {no_kontrak} senilai {nilai_kontrak}.", "kontrak {no_kontrak}",
    "Paket kode RUP {kode_rup} tanggal {tanggal}.", "Kode RUP {kode_rup}", "tanggal {tanggal}",
    "Nilai kontrak {nilai_kontrak};", "The contract {no_kontrak} was signed on {tanggal}.",
]  # fmt: skip
PHONE_SENTENCES = [
    "Beliau bisa dihubungi di {phone}.", "Hubungi saya di {phone}", "{phone} (pelapor)",
    "WA {phone}", "Chat https://wa.me/{wa} segera.", "You can reach me at {phone}.",
    "kontak: {phone}",
]  # fmt: skip
AREA_CODES = ["21", "22", "24", "31", "61", "274", "341", "361", "411", "511", "651", "711",
              "751", "911", "967"]  # fmt: skip


def landline(rng: random.Random) -> str:
    """A landline with a real area code, in one of the ways people write it."""
    area, number = rng.choice(AREA_CODES), str(rng.randint(2_000_000, 8_999_999))
    return rng.choice(
        [f"(0{area}) {number[:3]} {number[3:]}", f"0{area}-{number}", f"+62 {area} {number}"]
    )


def phones_in_context(rows: int, seed: int) -> dict:
    """Phones after procurement wording: how many stay readable, how many codes are kept.

    A phone leaks when its last seven digits are still in the output's digits.
    """
    from terbuka.privacy import TextScanner

    corpus, rng, scanner = Corpus(seed + 2), random.Random(seed + 2), TextScanner()
    texts, phones, codes = [], [], []
    for _ in range(rows):
        phone = corpus.phone() if rng.random() < 0.75 else landline(rng)
        controls = corpus.controls()
        wording = rng.choice(WORDING_BEFORE)
        sentence = rng.choice(PHONE_SENTENCES)
        wa = "62" + re.sub(r"\D", "", phone).removeprefix("62").lstrip("0")
        texts.append(f"{wording.format(**controls)} {sentence.format(phone=phone, wa=wa)}".strip())
        phones.append(re.sub(r"\D", "", wa if "{wa}" in sentence else phone))
        codes.append([v for k, v in controls.items() if "{" + k + "}" in wording])
    leaked = kept = total = 0
    for (out, _), phone, kept_codes in zip(scanner.scan_many(texts), phones, codes, strict=True):
        leaked += phone[-7:] in re.sub(r"\D", "", out)
        total += len(kept_codes)
        kept += sum(code in out for code in kept_codes)
    return {"rows": rows, "leaked": leaked, "codes": total, "codes_kept": kept}


def identifier_corpora() -> dict:
    """The two corpora of ``tests/test_identifiers.py`` through the scanner, as its tests do.

    The leak corpus: identifiers valid by structure in every context (after procurement
    wording, in URLs and file names, split by zero-width spaces, in full-width digits).
    The precision corpus: real-shaped codes of the same shapes (RUP, SPK, satker,
    rekening, amounts, dates), each of which must come out unchanged.
    """
    from terbuka.privacy import TextScanner

    sys.path.insert(0, str(ROOT / "tests"))
    from test_identifiers import leak_corpus, leaked, precision_corpus

    scanner = TextScanner()
    identifiers = leak_corpus()
    found = scanner.scan_many([text for _, _, text in identifiers])
    leaks = sum(leaked(value, out) for (_, value, _), (out, _) in zip(identifiers, found, strict=True))  # fmt: skip
    codes = precision_corpus()
    found = scanner.scan_many([text for _, text in codes])
    kept = sum(code in out for (code, _), (out, _) in zip(codes, found, strict=True))
    return {"identifiers": len(identifiers), "leaked": leaks, "codes": len(codes), "codes_kept": kept}  # fmt: skip


def print_identifiers(result: dict) -> None:
    """The identifier leak and the precision corpus figures, with their goals."""
    print(leak_summary(
        "Identifiers by structure and codes of the same shapes (tests/test_identifiers.py)",
        "identifiers", result["leaked"], result["identifiers"], 0.005,
    ))  # fmt: skip
    share = result["codes_kept"] / result["codes"]
    verdict = "ok" if share >= 0.99 else "MISSED (≥99%)"
    print(
        f"precision corpus: codes, amounts and dates kept: {result['codes_kept']} of "
        f"{result['codes']} ({100 * share:.2f}%)  {verdict}"
    )


PLAIN = re.compile(r"\d[\d\s().+-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+")


def throughput(rows: int, seed: int, workers: int) -> dict:
    """terbuka's scan of two free-text columns vs one compiled-regex pass, same texts."""
    from terbuka.privacy import Redactor, TextScanner
    from terbuka.privacy.csvfile import CsvTable, redact_table
    from terbuka.privacy.policy import load_policy

    print(f"generating {rows} rows …", file=sys.stderr)
    corpus = Corpus(seed + 1)
    texts = []
    for _ in range(rows):
        cells, _, _ = corpus.row()
        texts.append([cells["isi_laporan"], cells["keterangan"]])
    distinct = len({t for pair in texts for t in pair})
    start = time.perf_counter()
    for a, b in texts:
        PLAIN.sub("<X>", a)
        PLAIN.sub("<X>", b)
    regex_seconds = time.perf_counter() - start
    naive_rows = min(rows, 2000)
    from terbuka.privacy.analyzer import build_anonymizer, shared_analyzer

    analyzer, anonymizer = shared_analyzer(), build_anonymizer()
    start = time.perf_counter()
    for pair in texts[:naive_rows]:
        for text in pair:
            found = analyzer.analyze(text=text, language="id")
            anonymizer.anonymize(text=text, analyzer_results=found)
    naive_seconds = (time.perf_counter() - start) * rows / naive_rows
    results = {}
    for n in sorted({1, workers}):
        table = CsvTable(["isi_laporan", "keterangan"], texts, ",", "utf-8")
        policy = load_policy({"default": "scan"})
        redactor = Redactor(policy, TextScanner(), b"bench-key")
        redactor.scanner._cache.clear()
        start = time.perf_counter()
        redact_table(table, redactor, n)
        results[n] = time.perf_counter() - start
    return {
        "rows": rows,
        "texts": 2 * rows,
        "distinct_texts": distinct,
        "regex_rows_per_s": rows / regex_seconds,
        "terbuka_rows_per_s": {n: rows / s for n, s in results.items()},
        "ratio": {n: regex_seconds / s for n, s in results.items()},
        "naive_presidio_rows_per_s": rows / naive_seconds,
        "naive_ratio": regex_seconds / naive_seconds,
        "naive_rows_measured": naive_rows,
    }


def leak_summary(title: str, what: str, leaked: int, rows: int, goal: float) -> str:
    """A section's heading and its leak line, with the verdict against ``goal``."""
    share = leaked / rows if rows else 0.0
    verdict = "ok" if share <= goal else f"MISSED (≤{goal:.1%})"
    return f"\n== {title}\n{what} left readable: {leaked} ({100 * share:.2f}%)  {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--speed-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--no-model", action="store_true", help="switch the NER model off")
    args = parser.parse_args()
    if args.no_model:
        from terbuka.privacy.analyzer import config

        config()["ner_model"] = None  # before any analyzer is built

    report: dict = {}
    data = build(args.rows, args.seed)
    for label, headers in (
        ("meaningful headers", MEANINGFUL),
        ("meaningless headers", [f"c{i + 1:02d}" for i in range(len(MEANINGFUL))]),
    ):
        report[label] = evaluate_table(data, headers, args.workers)
    report["english (synth_dataset_v2)"] = evaluate_english()
    report["names without honorifics"] = names_without_honorifics(args.rows, args.seed)
    report["phones in context"] = phones_in_context(args.rows, args.seed)
    report["identifiers and codes"] = identifier_corpora()
    report["real sentences"] = real_sentences()
    if args.speed_rows:
        report["throughput"] = throughput(args.speed_rows, args.seed, args.workers)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for label in ("meaningful headers", "meaningless headers"):
        result = report[label]
        print(f"\n== Indonesian corpus, {label}: {args.rows} rows (seed {args.seed})")
        print(
            f"{'entity':<15}{'planted':>8}{'leaked':>8}{'leak %':>8}{'recall':>8}{'prec.':>8}{'F2':>7}  goal"
        )
        for entity in TARGETS:
            r = result[entity]
            goal = GOALS.get(entity)
            verdict = (
                "" if goal is None else ("ok" if r["leak"] <= goal else f"MISSED (≤{goal:.1%})")
            )
            print(
                f"{entity:<15}{r['planted']:>8}{r['leaked']:>8}{100 * r['leak']:>7.2f}%"
                f"{r['recall']:>8.3f}{r['precision']:>8.3f}{r['f2']:>7.3f}  {verdict}"
            )
        controls = result["controls"]
        verdict = "ok" if controls["kept"] >= 0.98 else "MISSED (≥98%)"
        print(f"controls kept: {100 * controls['kept']:.2f}% of {controls['total']}  {verdict}")
        print("columns: " + ", ".join(f"{c}={d}" for c, d in result["columns"].items()))
    english = report["english (synth_dataset_v2)"]
    if english:
        print("\n== English: synth_dataset_v2.json (span level, offline recognizers only)")
        print(f"{'entity':<15}{'spans':>7}{'found':>7}{'recall':>8}{'prec.':>8}{'F2':>7}")
        for entity, r in english.items():
            print(
                f"{entity:<15}{r['spans']:>7}{r['found']:>7}{r['recall']:>8.3f}"
                f"{r['precision']:>8.3f}{r['f2']:>7.3f}"
            )
    else:
        print(f"\n(English corpus skipped: {SYNTH} not found)")
    phones = report["phones in context"]
    title = f"Phone numbers after procurement wording: {phones['rows']} sentences"
    print(leak_summary(title, "phones", phones["leaked"], phones["rows"], 0.005))
    print(f"codes, amounts and dates before them kept: {phones['codes_kept']} of {phones['codes']}")
    print_identifiers(report["identifiers and codes"])
    plain = report["names without honorifics"]
    title = f"Names without honorifics: {plain['rows']} sentences (Faker id_ID names)"
    print(leak_summary(title, "names", plain["leaked"], plain["rows"], 0.03))
    for template, n in sorted(plain["by_template"].items(), key=lambda kv: -kv[1]):
        print(f"  {n:>5}  {template}")
    real = report["real sentences"]
    if real:
        model = "off" if args.no_model else "on"
        print(f"\n== Real sentences: NER validation splits (model {model})")
        print(
            f"{'corpus':<9}{'sent.':>7}{'people':>8}{'recall':>8}{'org/loc':>9}{'kept':>8}{'sent/s':>8}"
        )
        for corpus, r in real.items():
            print(
                f"{corpus:<9}{r['sentences']:>7}{r['people']:>8}{r['person_recall']:>8.3f}"
                f"{r['org_loc']:>9}{r['org_loc_kept']:>8.3f}{r['sentences_per_s']:>8.0f}"
            )
        print("goal on capitalised text (idner, nergrit): recall ≥ 0.85 with ≥ 0.95 kept")
    speed = report.get("throughput")
    if speed:
        print(
            f"\n== Throughput: {speed['rows']} rows × 2 free-text columns "
            f"({speed['distinct_texts']} distinct of {speed['texts']} texts)"
        )
        print(f"plain compiled-regex pass: {speed['regex_rows_per_s']:,.0f} rows/s")
        print(
            f"naive Presidio (analyze + anonymize per text, no batching or triggers; "
            f"first {speed['naive_rows_measured']} rows): "
            f"{speed['naive_presidio_rows_per_s']:,.0f} rows/s = {speed['naive_ratio']:.3f}× regex"
        )
        for n, rate in speed["terbuka_rows_per_s"].items():
            ratio = speed["ratio"][n]
            verdict = "ok" if ratio >= 0.25 else "MISSED (≥0.25×)"
            print(f"terbuka, {n} process(es): {rate:,.0f} rows/s = {ratio:.3f}× regex  {verdict}")


if __name__ == "__main__":
    main()
