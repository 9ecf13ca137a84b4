"""ISB/INAPROC feed rows → OCDS 1.1.5 releases (with the bid extension) and side tables.

One contracting process per SPSE package (``kd_tender``, ``kd_nontender``, a pencatatan or
swakelola record, an e-purchasing order); its rows from every endpoint become dated
releases per stage — planning, tender, bids, award, contract, implementation — and rows
of ``bids``, ``participants``, ``amounts`` (every amount with its endpoint and record) and
``officials``. ``docs/inaproc.md`` is the field-by-field table of this module.

Personal fields (NIPs, phones, e-mails, bank accounts and holders, representatives'
names, pokja) are never read into any output: privacy starts at the door.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from ..parse import parse_datetime, parse_number
from ..unusable import UnusableValue, quarantines

CURRENCY = "IDR"
# Which process an endpoint's row belongs to: (ocid kind, key field).
PROCESS_KEYS = {
    **dict.fromkeys(
        ("1013", "1014", "1015", "1070", "1068", "1075", "1073", "1077", "1076"),
        ("t", "kd_tender"),
    ),
    **dict.fromkeys(("1016", "1017", "1081", "1080", "1083", "1082"), ("nt", "kd_nontender")),
    **dict.fromkeys(("1057", "1058"), ("pct", "kd_nontender_pct")),
    **dict.fromkeys(("1059", "1060"), ("swa", "kd_swakelola_pct")),
    "1213": ("ep", "kd_paket"),
    "1061": ("toko", "order_id"),
}
# Endpoints read into the whole-snapshot tables (budget lines, work units, suppliers).
MASTER_TABLES = {
    "1041": "budget_lines",
    "1040": "budget_lines",
    "1039": "budget_lines",
    "1008": "work_units",
    "1025": "work_units",
    "1084": "work_units",
    "1023": "suppliers",
}
METHODS = {
    "tender": "open",
    "tender cepat": "open",
    "seleksi": "open",
    "pengadaan langsung": "direct",
    "penunjukan langsung": "limited",
    "dikecualikan": "limited",
    "e-purchasing": "direct",
}
COMPANY_PREFIX = re.compile(
    r"^\s*(PT|CV|UD|FA|PD|KSO|Firma|Koperasi|Yayasan|Perum|Persero|Perseroan)\b\.?", re.I
)


def code(value: Any) -> str | None:
    """A key as text: ``123``, ``"123"``, ``123.0`` and ``" 123 "`` are the same key."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text or None


def process_key(endpoint: str, row: dict[str, Any]) -> tuple[str, str | None]:
    """``("t:123", None)``, or ``("", problem)`` for a row without its process key."""
    kind, key = PROCESS_KEYS[endpoint]
    value = code(row.get(key))
    if value is None:
        return "", f"no {key}"
    return f"{kind}:{value}", None


# --- supplier kind: privacy's supplier rule table, plus the supplier's name ------------
def supplier_kind(legal_form: Any, npwp16: Any = None, name: Any = None) -> str:
    """``company``, ``individual`` or ``unknown`` (unknown is treated as individual).

    The legal form and the NPWP are read by privacy's one rule table
    (``privacy.suppliers.supplier_kind``: ``Orang Perseorangan`` and ``Konsultan
    Perseorangan`` are individuals, PT, CV, firma, koperasi and ``PT Perorangan``
    companies, an NPWP that is a NIK an individual's). Where neither says, a name that
    starts with a legal form (PT, CV, …) is a company's.
    """
    from terbuka.privacy.suppliers import supplier_kind as rule_table_kind

    kind = rule_table_kind(legal_form, npwp16)
    if kind == "unknown" and name and COMPANY_PREFIX.match(str(name)):
        return "company"
    return kind


def public_npwp(value: Any) -> bool:
    """Whether a company's NPWP may be shown: never one that has a NIK's shape.

    A 16-digit NPWP not starting with 0 is an individual's NIK, whatever the legal form
    says; it is treated as an individual's number (pseudonymised), so a mislabelled
    supplier does not publish a NIK.
    """
    digits = re.sub(r"\D", "", str(value or ""))
    return bool(digits) and not (len(digits) == 16 and not digits.startswith("0"))


@dataclass
class Row:
    """One feed row: its endpoint, where it came from (``file#position``) and its fields."""

    endpoint: str
    record: str
    input: int
    data: dict[str, Any]

    def get(self, key: str) -> Any:
        """A field, with empty strings as ``None``."""
        value = self.data.get(key)
        return None if value == "" else value


@dataclass
class Context:
    """What mapping one process needs to know about the whole snapshot."""

    ocid_prefix: str
    timezone: str | None
    endpoint_names: dict[str, str]
    earlier: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    kinds: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    sikap_names: dict[str, str] = field(default_factory=dict)
    satker_codes: dict[str, str] = field(default_factory=dict)  # kd_satker_str → kd_satker


@dataclass
class Mapped:
    """A process's releases (each with the input it came from), side rows and notes."""

    releases: list[tuple[dict[str, Any], int, str]] = field(default_factory=list)
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # check, message, column
    suppliers: list[dict[str, Any]] = field(default_factory=list)


class ProcessMapper:
    """Maps the rows of one contracting process; one instance per process."""

    def __init__(self, key: str, rows: list[Row], ctx: Context):
        self.key, self.ctx = key, ctx
        self.kind, self.code = key.split(":", 1)
        self.ocid = f"{ctx.ocid_prefix}-{self.kind}-{self.code}"
        self.by: dict[str, list[Row]] = {}
        for row in rows:
            self.by.setdefault(row.endpoint, []).append(row)
        self.out = Mapped()
        self.parties: dict[str, dict[str, Any]] = {}
        self.counter: dict[str, int] = {}
        self.officials: set[tuple[str, str]] = set()

    # --- helpers -----------------------------------------------------------------------

    def first(self, *endpoints: str) -> Row | None:
        """The first row of the first endpoint that has one."""
        for endpoint in endpoints:
            if self.by.get(endpoint):
                return self.by[endpoint][0]
        return None

    def date(self, row: Row | None, *fields: str) -> str | None:
        """The first readable date among ``fields``, ISO 8601 UTC; unreadable ones noted."""
        if row is None:
            return None
        for name in fields:
            value = row.get(name)
            if value is None:
                continue
            parsed, problem = parse_datetime(value, self.ctx.timezone, dayfirst=True)
            if parsed:
                return parsed
            if quarantines(problem):
                raise UnusableValue(row.record, name, str(problem))
            if problem:
                self.note("invalid-date", f"{row.record}: {problem}", name)
        return None

    def number(self, row: Row | None, name: str) -> float | int | None:
        """An amount, or ``None`` (a note when it is there but unreadable)."""
        if row is None:
            return None
        value, problem = parse_number(row.get(name))
        if quarantines(problem):
            raise UnusableValue(row.record, name, str(problem))
        if problem:
            self.note("invalid-amount", f"{row.record}: {problem}", name)
            return None
        return value

    def value(self, amount: Any) -> dict[str, Any] | None:
        """An OCDS Value in rupiah."""
        return None if amount is None else {"amount": amount, "currency": CURRENCY}

    def note(self, check: str, message: str, column: str = "") -> None:
        """A quality note about this process (never quoting a personal value)."""
        self.out.notes.append((check, message, column))

    def amount(self, kind: str, row: Row | None, name: str, stage: str, ref: str = "") -> Any:
        """Read an amount and keep it, with its endpoint and record, in ``amounts``."""
        value = self.number(row, name)
        if value is not None and row is not None:
            self.out.rows.append(
                (
                    "amounts",
                    {
                        "ocid": self.ocid,
                        "kind": kind,
                        "stage": stage,
                        "reference": ref or None,
                        "amount": value,
                        "currency": CURRENCY,
                        "source_endpoint": self.ctx.endpoint_names.get(row.endpoint, row.endpoint),
                        "source_field": name,
                        "source_record": row.record,
                    },
                )
            )
        return value

    def release(self, stage: str, row: Row, date: str | None, tag: list[str], body: dict) -> None:
        """Add one dated release for a stage (``-2``, ``-3`` … when a stage repeats)."""
        self.counter[stage] = self.counter.get(stage, 0) + 1
        suffix = "" if self.counter[stage] == 1 else f"-{self.counter[stage]}"
        release = {
            "ocid": self.ocid,
            "id": f"{self.ocid}-{stage}{suffix}",
            "date": date or self.date(row, "_event_date"),
            "tag": tag,
            "initiationType": "tender",
            "language": "id",
            **body,
        }
        if release["date"] is None:
            del release["date"]
        release["parties"] = copy.deepcopy(list(self.parties.values()))
        self.out.releases.append((release, row.input, row.record))

    # --- parties -----------------------------------------------------------------------

    def buyer(self, row: Row | None) -> dict[str, Any] | None:
        """The work unit (satker) as buyer and procuring entity; public, with its address."""
        if row is None:
            return None
        unit = code(row.get("kd_satker"))
        if unit is None and row.get("kd_satker_str"):
            text = str(row.get("kd_satker_str")).strip()
            unit = self.ctx.satker_codes.get(text, text)
        name = row.get("nama_satker")
        if not unit and not name:
            return None
        party_id = f"ID-SATKER-{unit or name}"
        party = self.parties.setdefault(
            party_id, {"id": party_id, "name": name, "roles": ["buyer", "procuringEntity"]}
        )
        if row.get("alamat_satker") and "address" not in party:
            party["address"] = {
                "streetAddress": row.get("alamat_satker"),
                "countryName": "Indonesia",
            }
        return {"id": party_id, "name": name}

    def supplier(self, row: Row, role: str, id_field: str = "kd_penyedia") -> dict[str, Any] | None:
        """A supplier as a party: NPWP and address only for companies (see ``supplier_kind``)."""
        name = row.get("nama_penyedia")
        sid = code(row.get(id_field))
        if not name and not sid:
            return None
        party_id = f"ID-SPSE-{sid}" if sid else self._by_name(name)
        legal_form = row.get("bentuk_usaha_penyedia")
        npwp16 = (
            row.get("npwp_16_penyedia") or row.get("npwp16_penyedia") or row.get("npwp_penyedia_16")
        )
        known = self.ctx.kinds.get(party_id) or self.ctx.kinds.get(f"NAMA-{_slug(name)}")
        if not legal_form and known:
            kind, legal_form = known[0], known[1]
        else:
            kind = supplier_kind(legal_form, npwp16, name)
        party = self.parties.get(party_id)
        if party is None:
            party = {"id": party_id, "name": name, "roles": []}
            if kind == "company" and public_npwp(row.get("npwp_penyedia")):
                party["identifier"] = {"scheme": "ID-NPWP", "id": str(row.get("npwp_penyedia"))}
            elif sid:
                party["identifier"] = {"scheme": "ID-SPSE", "id": sid}
            self.parties[party_id] = party
        if kind == "company" and row.get("alamat_penyedia") and "address" not in party:
            party["address"] = {"streetAddress": row.get("alamat_penyedia")}
        if role not in party["roles"]:
            party["roles"].append(role)
        self.out.suppliers.append(
            {
                "supplier_id": party_id,
                "name": name,
                "kind": kind,
                "legal_form": legal_form,
                "npwp": row.get("npwp_penyedia"),
                "address": row.get("alamat_penyedia"),
                "source_endpoint": self.ctx.endpoint_names.get(row.endpoint, row.endpoint),
                "source_record": row.record,
            }
        )
        return {"id": party_id, "name": name}

    def _by_name(self, name: Any) -> str:
        """The id of a supplier known only by name: the process's party of that name, if any."""
        wanted = " ".join(str(name).upper().split())
        for party_id, party in self.parties.items():
            if " ".join(str(party.get("name") or "").upper().split()) == wanted:
                return party_id
        return f"NAMA-{_slug(name)}"

    def official(self, row: Row | None, name_field: str, role: str = "ppk") -> None:
        """The PPK named in their public role (names only; NIPs are never read)."""
        if row is None:
            return
        name = row.get(name_field)
        if name_field.startswith("nip_nama"):  # "NIP - Name" in one field: keep the name
            name = re.sub(r"[\d\s./-]{8,}", " ", str(name or "")).strip(" -/|,") or None
        if not name or (role, str(name).strip()) in self.officials:
            return
        self.officials.add((role, str(name).strip()))
        self.out.rows.append(
            (
                "officials",
                {
                    "ocid": self.ocid,
                    "role": role,
                    "name": str(name).strip(),
                    "position": row.get("jabatan_ppk"),
                    "source_endpoint": self.ctx.endpoint_names.get(row.endpoint, row.endpoint),
                    "source_record": row.record,
                },
            )
        )

    # --- the map -----------------------------------------------------------------------

    def map(self) -> Mapped:
        """Every release and side row of this process."""
        {
            "t": self.tender_process,
            "nt": self.nontender_process,
            "pct": self.pencatatan_process,
            "swa": self.swakelola_process,
            "ep": self.epurchasing_process,
            "toko": self.toko_process,
        }[self.kind]()
        return self.out

    def planning(self, row: Row | None, date: str | None, rup_field: str = "kd_rup") -> None:
        """The planning release: RUP package, budget code (MAK), ceiling and source of funds."""
        if row is None:
            return
        rup = code(row.get(rup_field)) or code(row.get("kd_rup_paket"))
        pagu = self.amount("pagu", row, "pagu", "planning")
        budget: dict[str, Any] = {}
        if rup:
            budget["id"] = f"RUP-{rup}"
            budget["projectID"] = rup
        if row.get("mak"):
            budget["description"] = f"MAK {row.get('mak')}"
        if row.get("sumber_dana"):
            budget["description"] = "; ".join(
                p for p in (budget.get("description"), f"Sumber dana {row.get('sumber_dana')}") if p
            )
        if pagu is not None:
            budget["amount"] = self.value(pagu)
        if budget:
            self.release("planning", row, date, ["planning"], {"planning": {"budget": budget}})

    def tender_body(self, row: Row, method_field: str, status: str | None) -> dict[str, Any]:
        """The ``tender`` object common to every kind of process."""
        method_text = str(row.get(method_field) or "")
        method = METHODS.get(method_text.lower())
        if self.kind == "t" and str(row.get("mtd_kualifikasi") or "").lower().startswith("pra"):
            method = "selective"  # prequalification: only qualified firms may bid
        tender: dict[str, Any] = {
            "id": self.code,
            "title": row.get("nama_paket") or row.get("rup_nama_pkt"),
            "status": status,
            "procurementMethod": method,
            "procurementMethodDetails": method_text or None,
        }
        category = str(row.get("jenis_pengadaan") or row.get("kategori_pengadaan") or "")
        if category:
            tender["mainProcurementCategory"] = _from_words(category, CATEGORY_WORDS)
            tender["mainProcurementCategoryDetails"] = category
        buyer = self.buyer(row)
        if buyer:
            tender["procuringEntity"] = buyer
        return {"tender": {k: v for k, v in tender.items() if v not in (None, [])}, "buyer": buyer}

    def tender_process(self) -> None:
        """An SPSE tender: announcement, schedule, registrants and bids, award, e-contract."""
        p, s, n = self.first("1013"), self.first("1014"), self.first("1015")
        base = p or s or n or self.first("1075", "1073", "1077", "1076", "1070", "1068")
        assert base is not None
        if not (p or s or n):
            stages = [e for e in ("1075", "1073", "1077", "1076") if e in self.by]
            check = "contract-without-tender" if stages else "rows-without-tender"
            self.note(
                check, f"kd_tender {self.code} has no announcement or result row", "kd_tender"
            )
        self._conflicts([r for r in (p, s, n) if r], ("hps", "pagu"))
        status_text = str((p or s or Row("", "", 0, {})).get("status_tender") or "")
        status = _tender_status(status_text, (p.get("ket_ditutup") if p else None))
        if s and not p:
            status = "complete"
        created = self.date(p, "tgl_buat_paket")
        announced = self.date(p or s or n, "tgl_pengumuman_tender")
        self.planning(p or s, created or announced, "kd_rup")
        if n and not (p or s):
            self.planning(n, announced, "kd_rup_paket")
        body = self.tender_body(base, "mtd_pemilihan", status)
        tender = body["tender"]
        self.amount("hps", p or s or n, "hps", "tender")
        hps = self.number(p or s or n, "hps")
        if hps is not None:
            tender["value"] = self.value(hps)
        if status_text:
            tender["statusDetails"] = status_text
        _criteria(tender, base)
        self._schedule(tender)
        self._related(body)
        self.official(p, "nama_ppk")
        bids = self._bids(announced or created)
        if bids is not None:
            tender["numberOfTenderers"] = len(bids)
        self._tender_release(base, body, tender, announced or created)
        award = self._award(n, s, "kd_tender")
        self._contracts(award, "1075", "1073", "1077", "1076")
        if status == "complete" and award is None:
            self.note(
                "missing-winner",
                f"tender {self.code} is complete but names no winner",
                "kd_penyedia",
            )

    def nontender_process(self) -> None:
        """An SPSE non-tender (direct or limited procurement) and its e-contract stages."""
        p, s = self.first("1016"), self.first("1017")
        base = p or s or self.first("1081", "1080", "1083", "1082")
        assert base is not None
        if not (p or s):
            self.note(
                "contract-without-tender",
                f"kd_nontender {self.code} has no announcement or result row",
                "kd_nontender",
            )
        self._conflicts([r for r in (p, s) if r], ("hps", "pagu"))
        status_text = str((p or s or Row("", "", 0, {})).get("status_nontender") or "")
        status = _tender_status(status_text, p.get("ket_ditutup") if p else None)
        created = self.date(p, "tgl_buat_paket")
        announced = self.date(p or s, "tgl_pengumuman_nontender")
        self.planning(p or s, created or announced)
        body = self.tender_body(base, "mtd_pemilihan" if (p or s) else "mtd_pengadaan", status)
        tender = body["tender"]
        self.amount("hps", p or s, "hps", "tender")
        hps = self.number(p or s, "hps")
        if hps is not None:
            tender["value"] = self.value(hps)
        if status_text and status_text != "-":
            tender["statusDetails"] = status_text
        self._related(body)
        self.official(p, "nip_nama_ppk")
        # The one supplier invited makes the one offer: a bid when it is priced.
        bid_value = self.number(s, "nilai_terkoreksi") if s else None
        offer = self.number(s, "nilai_penawaran") if s else None
        if s and (offer is not None or bid_value is not None):
            supplier = self.supplier(s, "tenderer")
            detail = {"id": f"{self.code}-{code(s.get('kd_penyedia')) or 1}", "status": "valid"}
            if supplier:
                detail["tenderers"] = [supplier]
            detail["value"] = self.value(bid_value if bid_value is not None else offer)
            self.amount("bid", s, "nilai_penawaran", "bid")
            self.amount("bid_corrected", s, "nilai_terkoreksi", "bid")
            tender["numberOfTenderers"] = 1
            self._bid_rows(
                [(s, detail, supplier, True, offer, bid_value, 1)], [(s, supplier, True, True)]
            )
            body["bids"] = {
                "statistics": [{"id": "bids", "measure": "bids", "value": 1}],
                "details": [detail],
            }
        self._tender_release(base, body, tender, announced or created)
        award = self._award(s, s, "kd_nontender", date_field="tgl_selesai_nontender")
        self._contracts(award, "1081", "1080", "1083", "1082")

    def _recorded(
        self, package: str, realisations: str, kind: str, key: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any], str | None]:
        """A recorded process's package row, the row to describe it by, and its date.

        Without a package row the first realisation stands in, with a note; with one,
        the package is planned on the day it was created.
        """
        p = self.first(package)
        base = p or self.first(realisations)
        assert base is not None
        if p is None:
            self.note(
                "contract-without-tender",
                f"{kind} {self.code} has realisations but no package row",
                key,
            )
        created = self.date(p, "tgl_buat_paket")
        if p:
            self.planning(p, created)
        return p, base, created

    def _recorded_release(
        self,
        p: Row | None,
        base: Row,
        created: str | None,
        body: dict,
        realisations: str,
        supplier: str | None,
    ) -> None:
        """A recorded process's tender release, then its realisations (paid to suppliers or not)."""
        self.official(p, "nama_ppk")
        self.amount("realisation_total", p, "total_realisasi", "implementation")
        self.release("tender", base, created, ["tender"], body)
        self._realisations(
            realisations, supplier, body.get("buyer"), suppliers=supplier is not None
        )

    def pencatatan_process(self) -> None:
        """A recorded non-tender purchase (pencatatan): the package and its realisations."""
        p, base, created = self._recorded("1057", "1058", "pencatatan", "kd_nontender_pct")
        status = _from_words(p.get("status_nontender_pct_ket") if p else None, PCT_STATUS_WORDS)
        if p is None:
            self.planning(base, None, "kd_rup_paket")
        body = self.tender_body(base, "mtd_pemilihan", status)
        tender = body["tender"]
        tender["procurementMethodDetails"] = "Pencatatan non-tender" + (
            f": {base.get('mtd_pemilihan')}" if base.get("mtd_pemilihan") else ""
        )
        tender.setdefault("procurementMethod", "direct")
        self._recorded_release(p, base, created, body, "1058", "nama_penyedia")

    def swakelola_process(self) -> None:
        """Self-managed work (swakelola): no supplier is awarded; realisations are payments."""
        p, base, created = self._recorded("1059", "1060", "swakelola", "kd_swakelola_pct")
        status = _from_words(p.get("status_swakelola_pct_ket") if p else None, PCT_STATUS_WORDS)
        body = self.tender_body(base, "tipe_swakelola_nama", status)
        tender = body["tender"]
        tender["procurementMethod"] = "direct"
        tender["procurementMethodDetails"] = "Swakelola" + (
            f" tipe {code(base.get('tipe_swakelola'))}: {base.get('tipe_swakelola_nama')}"
            if base.get("tipe_swakelola")
            else ""
        )
        self._recorded_release(p, base, created, body, "1060", None)

    def epurchasing_process(self) -> None:
        """An e-catalogue order: a call-off from LKPP's catalogue (a framework agreement)."""
        row = self.first("1213")
        assert row is not None
        ordered = self.date(row, "tgl_order")
        self.planning(row, ordered)
        body = self.tender_body(row, "jenis_instansi", "complete")
        tender = body["tender"]
        tender["procurementMethod"] = "direct"
        tender["procurementMethodDetails"] = "E-Purchasing (katalog elektronik)"
        tender["title"] = row.get("rup_nama_pkt")
        body["relatedProcesses"] = [
            {"id": "katalog", "relationship": ["framework"], "title": "Katalog elektronik LKPP"}
        ]
        self.release("tender", row, ordered, ["tender"], body)
        sikap = code(row.get("kd_penyedia_sikap"))
        supplier = None
        if sikap:
            party_id = f"ID-SIKAP-{sikap}"
            name = self.ctx.sikap_names.get(sikap)
            supplier = {"id": party_id, "name": name} if name else {"id": party_id}
            self.parties.setdefault(
                party_id,
                {
                    "id": party_id,
                    "roles": ["supplier"],
                    "identifier": {"scheme": "ID-SIKAP", "id": sikap},
                }
                | ({"name": name} if name else {}),
            )
        total = self.amount("order", row, "total_harga", "contract")
        self.amount("shipping", row, "ongkir", "contract")
        award_id = f"{self.code}-order"
        award = {"id": award_id, "status": "active", "date": ordered, "value": self.value(total)}
        if supplier:
            award["suppliers"] = [supplier]
        contract = {
            "id": f"{self.code}-order",
            "awardID": award_id,
            "title": row.get("rup_nama_pkt"),
            "status": _order_status(row.get("status_pkt")),
            "value": self.value(total),
            "dateSigned": ordered,
        }
        self.release(
            "award",
            row,
            ordered,
            ["award", "contract"],
            {"awards": [_clean(award)], "contracts": [_clean(contract)]},
        )

    def toko_process(self) -> None:
        """A purchase in an online shop (Toko Daring / Bela): a direct purchase."""
        row = self.first("1061")
        assert row is not None
        when = self.date(row, "tanggal_transaksi")
        body = self.tender_body(row, "marketplace", "complete")
        tender = body["tender"]
        tender["title"] = row.get("order_desc") or f"Pembelian toko daring {self.code}"
        tender["procurementMethod"] = "direct"
        tender["procurementMethodDetails"] = "Toko daring (Bela Pengadaan)" + (
            f": {row.get('marketplace')}" if row.get("marketplace") else ""
        )
        self.release("tender", row, when, ["tender"], body)
        total = self.amount("order", row, "valuasi", "contract")
        award = {
            "id": f"{self.code}-order",
            "status": "active",
            "date": when,
            "value": self.value(total),
        }
        if row.get("merchant_name"):
            ref = {
                "id": f"NAMA-{_slug(row.get('merchant_name'))}",
                "name": row.get("merchant_name"),
            }
            self.parties.setdefault(ref["id"], {**ref, "roles": ["supplier"]})
            award["suppliers"] = [ref]
        contract = {
            "id": f"{self.code}-order",
            "awardID": award["id"],
            "status": "active",
            "value": self.value(total),
        }
        self.release(
            "award",
            row,
            when,
            ["award", "contract"],
            {"awards": [_clean(award)], "contracts": [_clean(contract)]},
        )

    # --- stages shared by tender kinds --------------------------------------------------

    def _tender_release(self, base: Row, body: dict, tender: dict, date: str | None) -> None:
        """The tender's release, dated when announced or created, else at the first e-contract."""
        first_stage = self._first_stage_date()
        self.release("tender", base, date or first_stage, ["tender"], body | {"tender": tender})

    def _first_stage_date(self) -> str | None:
        """The earliest e-contract date: the only date of a contract whose tender is missing."""
        dates = [
            self.date(r, "tgl_sppbj", "tgl_kontrak", "tgl_spmk_spp", "tgl_bap")
            for e in ("1075", "1073", "1077", "1076", "1081", "1080", "1083", "1082")
            for r in self.by.get(e, [])
        ]
        return min((d for d in dates if d), default=None)

    def _conflicts(self, rows: list[Row], fields: tuple[str, ...]) -> None:
        """The same package in several endpoints with different amounts: noted, first kept."""
        for name in fields:
            seen = {self.number(r, name) for r in rows if r.get(name) is not None} - {None}
            if len(seen) > 1:
                endpoints = ", ".join(
                    self.ctx.endpoint_names.get(r.endpoint, r.endpoint) for r in rows
                )
                self.note(
                    "conflicting-values",
                    f"{name} differs between {endpoints}; the first is used",
                    name,
                )

    def _schedule(self, tender: dict[str, Any]) -> None:
        """``JadwalTahapan`` rows as milestones; the bid-submission stage as tenderPeriod."""
        milestones = []
        for row in sorted(self.by.get("1068", []), key=lambda r: str(r.get("tgl_awal") or "")):
            start, end = self.date(row, "tgl_awal"), self.date(row, "tgl_akhir")
            title = row.get("nama_tahapan") or f"Tahap {code(row.get('kd_tahapan'))}"
            milestone = {
                "id": "-".join(
                    c for c in (code(row.get("kd_tahapan")), code(row.get("kd_akt"))) if c
                )
                or row.record,
                "title": title,
                "type": "engagement",
                "dueDate": end,
                "description": f"{start or '?'} – {end or '?'}",
            }
            milestones.append(_clean(milestone))
            if "penawaran" in str(title).lower() and (
                "upload" in str(title).lower() or "pemasukan" in str(title).lower()
            ):
                tender["tenderPeriod"] = _clean({"startDate": start, "endDate": end})
        if milestones:
            tender["milestones"] = milestones

    def _related(self, body: dict[str, Any]) -> None:
        """A re-tender (same RUP package, later code) points to the earlier failed process.

        Several successful packages under one RUP line are common (a plan bought in parts):
        only an earlier process that failed or was cancelled makes this one a re-tender.
        """
        earlier = [
            (ocid, status)
            for ocid, status in self.ctx.earlier.get(self.key) or []
            if status in ("unsuccessful", "cancelled")
        ]
        if not earlier:
            return
        related = []
        for index, (other_ocid, _) in enumerate(earlier, 1):
            related.append(
                {
                    "id": str(index),
                    "relationship": ["unsuccessfulProcess"],
                    "title": "Tender sebelumnya untuk paket RUP yang sama",
                    "scheme": "ocid",
                    "identifier": other_ocid,
                }
            )
        body["relatedProcesses"] = related

    def _bids(self, announced: str | None) -> list[dict[str, Any]] | None:
        """``PesertaTender``: every registrant is a participant; priced rows and winners are bids."""
        rows = self.by.get("1070")
        if not rows:
            return None
        details, bid_rows, participant_rows = [], [], []
        for row in rows:
            offer = self.number(row, "nilai_penawaran")
            corrected = self.number(row, "nilai_terkoreksi")
            winner = code(row.get("pemenang")) == "1"
            is_bid = offer is not None or corrected is not None or winner
            supplier = self.supplier(row, "tenderer" if is_bid else "interestedParty")
            participant_rows.append((row, supplier, is_bid, winner))
            if not is_bid:
                continue
            detail: dict[str, Any] = {
                "id": code(row.get("kd_peserta")) or f"{self.code}-{len(details) + 1}",
                "status": "valid",
            }
            if supplier:
                detail["tenderers"] = [supplier]
            if (corrected if corrected is not None else offer) is not None:
                detail["value"] = self.value(corrected if corrected is not None else offer)
            ref = detail["id"]
            self.amount("bid", row, "nilai_penawaran", "bid", ref)
            self.amount("bid_corrected", row, "nilai_terkoreksi", "bid", ref)
            details.append(detail)
            bid_rows.append((row, detail, supplier, winner, offer, corrected))
        priced = sorted(
            (b for b in bid_rows if b[5] is not None or b[4] is not None),
            key=lambda b: b[5] if b[5] is not None else b[4],
        )
        ranks = {id(b[1]): position for position, b in enumerate(priced, 1)}
        for _, detail, *_ in bid_rows:
            if id(detail) in ranks:
                detail["hasRank"] = True
                detail["rank"] = ranks[id(detail)]
        self._bid_rows([(*b, ranks.get(id(b[1]))) for b in bid_rows], participant_rows)
        date = self.date(self.first("1014", "1015"), "tgl_penetapan_pemenang") or self.date(
            self.first("1013"), "tanggal_status"
        )
        date = date or announced
        statistics = [
            {"id": "bids", "measure": "bids", "value": len(details)},
            {"id": "requests", "measure": "requests", "value": len(rows)},
        ]
        body: dict[str, Any] = {"bids": {"statistics": statistics, "details": details}}
        tenderers = [d["tenderers"][0] for d in details if d.get("tenderers")]
        body["tender"] = {"id": self.code, "numberOfTenderers": len(details)}
        if tenderers:
            body["tender"]["tenderers"] = tenderers
        self.release("bids", rows[0], date, ["tenderUpdate"], body)
        return details

    def _bid_rows(self, bids: list[tuple], participants: list[tuple]) -> None:
        names = self.ctx.endpoint_names
        for row, detail, supplier, winner, offer, corrected, rank in bids:
            self.out.rows.append(
                (
                    "bids",
                    {
                        "ocid": self.ocid,
                        "bid_id": detail["id"],
                        "supplier_id": (supplier or {}).get("id"),
                        "supplier_name": (supplier or {}).get("name"),
                        "value_amount": offer,
                        "corrected_amount": corrected,
                        "currency": CURRENCY,
                        "rank": rank,
                        "winner": bool(winner),
                        "source_endpoint": names.get(row.endpoint, row.endpoint),
                        "source_record": row.record,
                    },
                )
            )
        for position, (row, supplier, is_bid, winner) in enumerate(participants, 1):
            self.out.rows.append(
                (
                    "participants",
                    {
                        "ocid": self.ocid,
                        "participant_id": code(row.get("kd_peserta")) or f"{self.code}-{position}",
                        "supplier_id": (supplier or {}).get("id"),
                        "supplier_name": (supplier or {}).get("name"),
                        "bid": bool(is_bid),
                        "winner": bool(winner),
                        "source_endpoint": names.get(row.endpoint, row.endpoint),
                        "source_record": row.record,
                    },
                )
            )

    def _award(
        self, n: Row | None, s: Row | None, key: str, date_field: str = "tgl_penetapan_pemenang"
    ) -> dict | None:
        """The award: winner, negotiated and contract value, date (``…Selesai…``)."""
        winner_row = n if n and (n.get("nama_penyedia") or n.get("kd_penyedia")) else None
        if winner_row is None:
            winners = [r for r in self.by.get("1070", []) if code(r.get("pemenang")) == "1"]
            winner_row = winners[0] if winners else None
        if winner_row is None:
            return None
        supplier = self.supplier(winner_row, "supplier")
        date = self.date(n or s, date_field) or self.date(s, date_field)
        award_id = f"{self.code}-{code(winner_row.get('kd_penyedia')) or 'award'}"
        if n:
            if self.kind == "t":
                self.amount("bid", n, "nilai_penawaran", "award", award_id)
            negotiated = self.amount("negotiated", n, "nilai_negosiasi", "award", award_id)
            contract_value = self.amount("award_contract", n, "nilai_kontrak", "award", award_id)
            self.amount("pdn", n, "nilai_pdn_kontrak", "award", award_id)
            self.amount("umk", n, "nilai_umk_kontrak", "award", award_id)
        else:
            negotiated = contract_value = None
        award = {
            "id": award_id,
            "status": "active",
            "date": date,
            "value": self.value(contract_value if contract_value is not None else negotiated),
            "suppliers": [supplier] if supplier else None,
        }
        priced = [b for b in self.out.rows if b[0] == "bids" and b[1]["winner"]]
        if priced:
            award["relatedBids"] = [b[1]["bid_id"] for b in priced]
        self.release("award", n or s or winner_row, date, ["award"], {"awards": [_clean(award)]})
        return award

    def _contracts(self, award: dict | None, e1: str, e2: str, e3: str, e4: str) -> None:
        """E-contract stages: SPPBJ, contract, SPMK/SPP, BAP/BAST (with payments), addenda."""
        stages = [(e, r) for e in (e1, e2, e3, e4) for r in self.by.get(e, [])]
        if not stages:
            return
        if award is None:  # a contract whose award the feeds lack: the award is inferred
            award = self._inferred_award(stages[0][1])
        buyer = self.buyer(stages[0][1])
        for endpoint, row in stages:
            contract_id = str(
                row.get("no_sppbj") or row.get("no_kontrak") or f"{self.code}-kontrak"
            )
            supplier = self.supplier(row, "supplier") if row.get("nama_penyedia") else None
            contract: dict[str, Any] = {
                "id": contract_id,
                "awardID": award["id"],
                "title": row.get("nama_paket"),
            }
            status = _from_words(row.get("status_kontrak"), CONTRACT_STATUS_WORDS) or "active"
            if endpoint == e1:
                self._sppbj(row, contract)
            elif endpoint == e2:
                self._signed_contract(row, contract, status)
            elif endpoint == e3:
                self._work_order(row, contract, status)
            else:
                self._handover(row, contract, status, buyer, supplier)

    def _inferred_award(self, row: Any) -> dict[str, Any]:
        """The award of a contract whose award row is missing: its supplier, with a note."""
        supplier = self.supplier(row, "supplier")
        award = {
            "id": f"{self.code}-kontrak",
            "status": "active",
            "suppliers": [supplier] if supplier else None,
        }
        self.note(
            "award-inferred",
            f"{self.key}: contract stages without an award row; award taken from the contract",
            "kd_penyedia",
        )
        self.release(
            "award",
            row,
            self.date(row, "tgl_sppbj", "tgl_kontrak"),
            ["award"],
            {"awards": [_clean(award)]},
        )
        return award

    def _sppbj(self, row: Any, contract: dict[str, Any]) -> None:
        """The supplier's appointment (SPPBJ): a pending contract at the final price."""
        value = self.amount("sppbj", row, "harga_final", "contract", contract["id"])
        contract.update(status="pending", value=self.value(value))
        self.release(
            "sppbj",
            row,
            self.date(row, "tgl_sppbj"),
            ["contract"],
            {"contracts": [_clean(contract)]},
        )

    def _signed_contract(self, row: Any, contract: dict[str, Any], status: str) -> None:
        """The signed contract: value, period, scope, and an amendment when it has an addendum."""
        contract_id = contract["id"]
        value = self.amount("contract", row, "nilai_kontrak", "contract", contract_id)
        self.amount("pdn", row, "nilai_pdn_kontrak", "contract", contract_id)
        self.amount("umk", row, "nilai_umk_kontrak", "contract", contract_id)
        signed = self.date(row, "tgl_kontrak")
        period = {
            "startDate": self.date(row, "tgl_kontrak_awal"),
            "endDate": self.date(row, "tgl_kontrak_akhir"),
        }
        contract.update(
            status=status,
            value=self.value(value),
            dateSigned=signed,
            description=row.get("lingkup_pekerjaan"),
            period=_clean(period) or None,
        )
        tag = ["contract"]
        if str(row.get("apakah_addendum") or "").lower() == "ya":
            amendment = {
                "id": f"addendum-{code(row.get('versi_addendum')) or 1}",
                "rationale": row.get("alasan_addendum"),
            }
            contract["amendments"] = [_clean(amendment)]
            tag = ["contractAmendment"]
        self.official(row, "nama_ppk")
        self.release("contract", row, signed, tag, {"contracts": [_clean(contract)]})

    def _work_order(self, row: Any, contract: dict[str, Any], status: str) -> None:
        """The order to start work (SPMK/SPP): the work period and a delivery milestone."""
        start = self.date(row, "tgl_mulai_pekerjaan")
        end = self.date(row, "tgl_selesai_pekerjaan")
        milestone = self._delivery(row, "no_spmk_spp", "spmk", "SPMK/SPP", "tgl_spmk_spp")
        contract.update(
            status=status,
            period=_clean({"startDate": start, "endDate": end}) or None,
            implementation={"milestones": [milestone]},
        )
        self.release(
            "spmk",
            row,
            self.date(row, "tgl_spmk_spp") or start,
            ["implementation"],
            {"contracts": [_clean(contract)]},
        )

    def _delivery(
        self, row: Any, number: str, default: str, title: str, date_field: str
    ) -> dict[str, Any]:
        """A met delivery milestone: the document's number and date."""
        return _clean(
            {
                "id": str(row.get(number) or default),
                "title": title,
                "type": "delivery",
                "status": "met",
                "dateMet": self.date(row, date_field),
            }
        )

    def _handover(
        self, row: Any, contract: dict[str, Any], status: str, buyer: Any, supplier: Any
    ) -> None:
        """A hand-over (BAP/BAST): the payment as a transaction and a delivery milestone."""
        paid = self.amount("payment", row, "besar_pembayaran", "implementation", contract["id"])
        when = self.date(row, "tgl_bap", "tgl_bast")
        transaction = {
            "id": str(row.get("no_bap") or row.get("no_bast") or f"bap-{row.record}"),
            "source": None,
            "date": when,
            "value": self.value(paid),
            "payer": buyer,
            "payee": supplier,
        }
        milestone = self._delivery(row, "no_bast", "bast", "BAST", "tgl_bast")
        contract.update(
            status=status,
            implementation={
                "transactions": [_clean(transaction)],
                "milestones": [milestone],
            },
        )
        self.release("bast", row, when, ["implementation"], {"contracts": [_clean(contract)]})

    def _realisations(
        self, endpoint: str, name_field: str | None, buyer: Any, suppliers: bool
    ) -> None:
        """Pencatatan/swakelola realisations as transactions of one contract."""
        rows = self.by.get(endpoint, [])
        if not rows:
            return
        refs = []
        if suppliers and name_field:
            for row in rows:
                if row.get(name_field):
                    ref = self.supplier(row, "supplier", id_field="-")
                    if ref and ref not in refs:
                        refs.append(ref)
        award = {"id": f"{self.code}-realisasi", "status": "active", "suppliers": refs or None}
        contract_id = f"{self.code}-realisasi"
        self.release("award", rows[0], None, ["award"], {"awards": [_clean(award)]})
        for row in rows:
            paid = self.amount("payment", row, "nilai_realisasi", "implementation", contract_id)
            payee = None
            if suppliers and name_field and row.get(name_field):
                payee = next((r for r in refs if r["name"] == row.get(name_field)), None)
            transaction = _clean(
                {
                    "id": str(row.get("no_realisasi") or row.record.rsplit("#", 1)[-1]),
                    "date": self.date(row, "tgl_realisasi"),
                    "value": self.value(paid),
                    "payer": buyer,
                    "payee": payee,
                }
            )
            contract = {
                "id": contract_id,
                "awardID": award["id"],
                "status": "active",
                "implementation": {"transactions": [transaction]},
            }
            if row.get("jenis_realisasi"):
                contract["description"] = f"Bukti: {row.get('jenis_realisasi')}"
            self.release(
                "realisasi",
                row,
                transaction.get("date"),
                ["implementation"],
                {"contracts": [_clean(contract)]},
            )


# The feeds' words for a category or status, tried in order: the first found decides.
Words = tuple[tuple[tuple[str, ...], str], ...]
# Consultancy on construction is a service.
CATEGORY_WORDS: Words = (
    (("jasa", "konsultansi"), "services"), (("konstruksi",), "works"), (("barang",), "goods"),
)  # fmt: skip
PCT_STATUS_WORDS: Words = (
    (("batal",), "cancelled"), (("selesai",), "complete"), (("berjalan",), "active"),
)  # fmt: skip
CONTRACT_STATUS_WORDS: Words = (
    (("selesai",), "terminated"), (("berjalan",), "active"), (("batal", "putus"), "cancelled"),
)  # fmt: skip


def _from_words(text: Any, words: Words) -> str | None:
    """The code of the first entry whose words appear in ``text`` (None when none do)."""
    lowered = str(text or "").lower()
    return next((found for keys, found in words if any(k in lowered for k in keys)), None)


def _tender_status(text: str, closed_note: Any) -> str | None:
    lowered = text.lower()
    if "gagal" in lowered or "batal" in lowered:
        return "cancelled" if "batal" in str(closed_note or "").lower() else "unsuccessful"
    return {"berlangsung": "active", "selesai": "complete", "aktif": "active"}.get(lowered)


def _order_status(text: Any) -> str:
    return {"COMPLETED": "terminated", "PAYMENT_OUTSIDE_SYSTEM": "terminated"}.get(
        str(text or "").upper(), "active"
    )


def _slug(name: Any) -> str:
    import hashlib

    normalised = " ".join(str(name or "").upper().split())
    return hashlib.sha256(normalised.encode()).hexdigest()[:12]


def _clean(node: dict[str, Any]) -> dict[str, Any]:
    """Drop ``None``, empty strings and empty containers (OCDS omits what is unknown)."""
    return {k: v for k, v in node.items() if v not in (None, "", [], {})}


def _criteria(tender: dict[str, Any], base: Any) -> None:
    """How bids are evaluated and who qualifies, as SPSE words them (``mtd_*``)."""
    for label, name in (("Evaluasi", "mtd_evaluasi"), ("Kualifikasi", "mtd_kualifikasi")):
        if base.get(name):
            tender["awardCriteriaDetails" if label == "Evaluasi" else "eligibilityCriteria"] = (
                f"{label}: {base.get(name)}"
                + (
                    f" (usaha {base.get('kualifikasi_paket')})"
                    if label == "Kualifikasi" and base.get("kualifikasi_paket")
                    else ""
                )
            )
