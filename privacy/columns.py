"""Which personal data a column holds, from its name and a sample of its values.

Presidio's structured support (presidio-structured) is the model: decide per column,
then apply one operator to the whole column. It looks at values only and gives one
entity per column, which is wrong for free text; here the column name counts too
(``nik``, ``no_hp``, ``nama_pelapor``, ``alamat``), values are checked with the same
recognizers as free text, and a column whose values are sentences is left to ``scan``.

A column is treated as holding an entity when its name says so (and its values do not
contradict it), or when at least ``VALUE_SHARE`` of the sampled values *are* that entity
(one finding covering almost the whole cell), whatever the column is called.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SAMPLE = 200
VALUE_SHARE = 0.3
FULL_CELL = 0.8


def name_tokens(words: str) -> re.Pattern[str]:
    """Any of the space-separated ``words`` as whole tokens of a normalised column name."""
    return re.compile(rf"(?:^|_)(?:{'|'.join(words.split())})(?:_|$)")


# Column-name tokens (names are lower-cased and split on anything not a letter or digit).
NAME_RULES: list[tuple[str, re.Pattern]] = [
    ("PERSON", re.compile(r"(?:^|_)pemilik_rek")),  # the account holder's name
    ("NIP", re.compile(r"(?:^|_)nip(?:_|$)|nomor_induk_pegawai")),
    ("KK", name_tokens("kk no_kk nkk kartu_keluarga")),
    ("NIK", name_tokens("nik ktp e_ktp nomor_induk_kependudukan national_id")),
    ("NPWP", re.compile(r"npwp|(?:^|_)tax_id(?:_|$)")),
    # Identity documents other than the KTP/KK: passport, driving licence, health cover.
    (
        "ID_DOCUMENT",
        name_tokens(
            "paspor passport no_paspor nomor_paspor passport_number no_sim nomor_sim sim_a "
            "sim_c bpjs no_bpjs nomor_bpjs no_kis no_jkn nomor_jkn driving_licence "
            "driver_license drivers_license"
        ),
    ),
    ("EMAIL_ADDRESS", name_tokens("email e_mail surel mail")),
    (
        "PHONE_NUMBER",
        name_tokens(
            "telp telepon telpon tlp phone hp handphone ponsel wa whatsapp "
            "fax faks mobile telephone no_telp no_hp"
        ),
    ),
    # Not "account" or "rekening" alone: in budget data those are budget accounts
    # (kode/nama rekening, account_name).
    (
        "BANK_ACCOUNT",
        name_tokens(
            "no_rek norek no_rekening nomor_rekening rek_bank rekening_bank "
            "bank_account account_number account_no iban"
        ),
    ),
    ("DATE_OF_BIRTH", re.compile(r"(?:tgl|tanggal)_lahir|birth|(?:^|_)(?:dob|ttl)(?:_|$)")),
    ("AGE", name_tokens("umur usia age")),
    ("ADDRESS", name_tokens("alamat address domisili street jalan")),
    (
        "PERSON",
        re.compile(
            r"(?:^|_)(?:nama|name)_(?:lengkap|pelapor|pemohon|pengadu|ppk|pokja|pemilik|wakil|kontak"
            r"|pic|petugas|pegawai|pejabat|penerima|pengirim|ibu|ayah|wali|direktur|pengurus)"
            r"|^(?:full_name|first_name|last_name|nama_lengkap|pelapor|pengadu|pemohon"
            r"|contact_name|contact_person|narahubung|wakil_sah_penyedia|pic)$"
            r"|(?:^|_)pemilik_rek"
        ),
    ),
]
# Tokens that make a column public whatever else its name says (an office's address,
# a budget account code, the name of a bank or a package).
PUBLIC_TOKENS = name_tokens(
    "kode kd akun belanja anggaran satker kantor instansi dinas lpse klpd paket kegiatan program "
    "barang bank_name nama_bank nama_rek_bank id tender rup kontrak spk nomor_paket nib npsn"
)
# Generic name columns (``nama``, ``name``, ``buyer_name``) hold organisations as often
# as people: they count as PERSON only when their values agree.
WEAK_PERSON = re.compile(r"(?:^|_)(?:nama|name)$")
FREE_TEXT_LENGTH = 40
# Long opaque numbers (12+ digits, or 10+ in dash/space-separated groups) that no
# recognizer claims, in a column whose name says nothing: package codes and tender ids
# are shorter, so these are most likely account numbers. Treated as such (fail closed).
LONG_NUMBER = re.compile(r"^\d{12,20}$|^(?=(?:\D*\d){10,20}\D*$)\d{2,6}(?:[- ]\d{2,8}){1,5}$")
NUMBER_ID = re.compile(r"^(?=(?:\D*\d){8,20}\D*$)\d[\d -]*\d$")
LONG_NUMBER_SHARE = 0.5
# ``Rekening Bantuan``, ``rek_penerima``: "rekening" alone may be a budget account, but
# then its values are dotted codes (5.1.02.01); bare 8–20 digit numbers are bank accounts.
# Not a balance or an amount (``saldo_rekening``).
WEAK_BANK_NAME = name_tokens("rekening rek account acct")
AMOUNT_NAME = name_tokens("saldo nilai jumlah total amount balance nominal")


@dataclass(frozen=True)
class Detection:
    """What a column holds: the entity, where that came from, and the share of values."""

    entity: str = ""
    source: str = ""  # "name", "values", "name+values"; "" when nothing was found
    share: float = 0.0
    free_text: bool = False

    def as_dict(self) -> dict[str, Any]:
        """For ``terbuka scan --json`` and the privacy report (never a value)."""
        return {
            "entity": self.entity,
            "source": self.source,
            "share": round(self.share, 3),
            "free_text": self.free_text,
        }


def normalise(column: str) -> str:
    """``No. HP (WA)`` → ``no_hp_wa``."""
    return "_".join(re.findall(r"[a-z0-9]+", column.lower()))


def entity_from_name(column: str) -> str:
    """The entity a column's name announces, or ``""``."""
    name = normalise(column)
    for entity, rule in NAME_RULES:
        if rule.search(name):
            if entity in ("ADDRESS", "BANK_ACCOUNT", "PERSON") and PUBLIC_TOKENS.search(name):
                if not (entity == "PERSON" and "pemilik_rek" in name):
                    continue
            return entity
    return ""


# Columns that name organisations or places, when privacy.yml gives them no role: kept and
# searched for identifiers only (a supplier called ``BANGUN PUTRA PRATAMA`` is not a
# person). A person's token in the same name (``wakil``, ``pemilik``, ``pic``) wins.
ORGANISATION_COLUMN = name_tokens(
    "penyedia supplier suppliers vendor rekanan pemenang winner satker klpd instansi dinas opd "
    "skpd sekolah school buyer agency perusahaan company organisasi organisation organization "
    "lembaga puskesmas universitas tenderer"
)
PLACE_COLUMN = name_tokens(
    "kelurahan desa kecamatan kabupaten kota provinsi wilayah lokasi region city district "
    "neighbourhood neighborhood borough locality"
)


def role_from_name(column: str) -> str:
    """``organisation`` or ``place`` when a column's name says so (and no person's token)."""
    name = normalise(column)
    if entity_from_name(column):
        return ""
    if ORGANISATION_COLUMN.search(name):
        return "organisation"
    if PLACE_COLUMN.search(name):
        return "place"
    return ""


def cell_entity(value: str, scanner: Any) -> str:
    """The entity a whole cell is, if one finding covers almost all of it."""
    text = value.strip()
    if not text:
        return ""
    cache = scanner.__dict__.setdefault("_cell_entities", {})
    if text in cache:
        return cache[text]
    found = ""
    for finding in scanner.findings(text):
        if (finding.end - finding.start) >= FULL_CELL * len(text):
            found = finding.entity_type
            break
    if len(cache) > 100_000:
        cache.clear()
    cache[text] = found
    return found


def cell_entities(values: list[str], scanner: Any) -> list[str]:
    """``cell_entity`` for many values, with one Presidio call per batch when possible."""
    if not hasattr(scanner, "findings_many"):
        return [cell_entity(v, scanner) for v in values]
    texts = [v.strip() for v in values]
    entities = []
    for text, found in zip(texts, scanner.findings_many(texts), strict=True):
        entity = ""
        for finding in found:
            if text and (finding.end - finding.start) >= FULL_CELL * len(text):
                entity = finding.entity_type
                break
        entities.append(entity)
    return entities


def detect_column(column: str, values: Iterable[Any], scanner: Any) -> Detection:
    """Decide what ``column`` holds from its name and up to ``SAMPLE`` of its values."""
    sample = []
    numeric = 0  # values typed as numbers: amounts and counts, not account numbers
    for value in values:
        if value in (None, ""):
            continue
        numeric += isinstance(value, int | float) and not isinstance(value, bool)
        sample.append(str(value))
        if len(sample) >= SAMPLE:
            break
    named = entity_from_name(column)
    if (
        not named
        and WEAK_PERSON.search(normalise(column))
        and not PUBLIC_TOKENS.search(normalise(column))
    ):
        named = "PERSON?"
    free_text = bool(sample) and (
        sum(len(v) > FREE_TEXT_LENGTH and v.count(" ") >= 4 for v in sample) > len(sample) / 2
    )
    counted = Counter(cell_entities(sample, scanner)) if sample else Counter()
    counted.pop("", None)
    entity, hits = counted.most_common(1)[0] if counted else ("", 0)
    share = hits / len(sample) if sample else 0.0
    if named == "PERSON?":
        named = "PERSON" if sample and counted.get("PERSON", 0) >= VALUE_SHARE * len(sample) else ""
    if named and (not sample or counted.get(named) or not free_text):
        if named == "PERSON" and sample and _mostly_organisations(sample):
            named = ""
        else:
            both = counted.get(named, 0) / len(sample) if sample else 0.0
            return Detection(named, "name+values" if both else "name", both, free_text)
    if entity and share >= VALUE_SHARE and not free_text:
        return Detection(entity, "values", share, free_text)
    if sample and not PUBLIC_TOKENS.search(normalise(column)):
        values = [v.strip() for v in sample]
        numbers = sum(bool(LONG_NUMBER.match(v)) for v in values) / len(values)
        ids = sum(bool(NUMBER_ID.match(v)) for v in values) / len(values)
        # Round figures (…000) are amounts: ``1250000000000`` rupiah is not an account.
        round_figures = sum(v.endswith("000") for v in values) / len(values)
        if (
            numbers >= LONG_NUMBER_SHARE
            and ids >= 0.9
            and round_figures <= 0.2
            and numeric <= len(values) / 2
        ):
            return Detection("BANK_ACCOUNT", "long numbers", numbers, free_text)
        name = normalise(column)
        if (
            WEAK_BANK_NAME.search(name)
            and not AMOUNT_NAME.search(name)
            and ids >= 0.9
            and round_figures <= 0.2
        ):
            return Detection("BANK_ACCOUNT", "name+values", ids, free_text)
    return Detection("", "", share, free_text)


_ORGANISATION = re.compile(
    r"^(?:CV|PT|UD|PD|Fa|Firma|Toko|Koperasi|Yayasan|Perum|Perumda|KSO)\b\.?|\bTbk\b",
    re.IGNORECASE,
)


def _mostly_organisations(sample: list[str]) -> bool:
    return sum(bool(_ORGANISATION.search(v.strip())) for v in sample) > len(sample) / 2
