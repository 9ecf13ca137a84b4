"""The supplier rule table: what of a supplier is published depends on its legal form.

The winner of a contract is the fact a journalist looks for, and winners are announced
publicly by regulation (Perpres 16/2018 jo. 12/2021): a supplier's name is always kept.
What else is published depends on whether the supplier is a company or a person:

- a **company**'s name, address and NPWP (15 or 16 digits) are public business
  information, and the NPWP lets readers follow repeat winners;
- an **individual** supplier (``Orang Perseorangan``, ``Konsultan Perseorangan``, a sole
  trader) keeps the name, but both NPWP forms become keyed-hash pseudonyms — since 2024
  an individual's 16-digit NPWP *is* their NIK (PMK 112/2022) — and the address, often a
  home, is dropped;
- when neither the legal form nor the NPWP says which (``unknown``), the supplier is
  treated as an individual: privacy fails closed.

The kind comes from the declared legal form (``bentuk_usaha_penyedia``) or, where that
is missing, from the NPWP's taxpayer-type digits. Where the two disagree, the more
protective reading (individual) wins. ``docs/privacy.md`` carries the same table with
the reasons; ``tests/test_suppliers.py`` checks every cell of it.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["company", "individual", "unknown"]
KINDS: tuple[Kind, ...] = ("company", "individual", "unknown")

# Legal forms as written in LKPP/SPSE/SIKaP exports (``Perseroan Terbatas (PT)``, ``CV``,
# ``Orang Perseorangan``), matched on lower-cased words. A ``PT Perorangan`` (UU 11/2020,
# PP 8/2021) is a legal entity with an entity's NPWP: a company, despite its last word.
_ONE_PERSON_COMPANY = re.compile(r"\b(?:pt|perseroan)(?: terbatas)?(?: pt)? perorangan\b")
_INDIVIDUAL_FORMS = re.compile(
    r"\b(?:perseorangan|perorangan|orang pribadi|individu(?:al)?|ud|usaha dagang|pribadi"
    r"|sole proprietor(?:ship)?)\b"
)
_COMPANY_FORMS = re.compile(
    r"\b(?:pt|cv|perseroan(?: terbatas)?|persekutuan komanditer|firma|fa|koperasi|yayasan"
    r"|perum|perumda|bumn|bumd|bumdes|kso|konsorsium|badan usaha|badan hukum|tbk"
    r"|perkumpulan|company|corporation|ltd|llc)\b"
)

# NPWP taxpayer type: the first two digits of the 15-digit form (the 16-digit form is a
# ``0`` before them, or the NIK of a resident individual). 01-03: badan (entity);
# 00: government treasurer (bendahara); 04 and 06: individual entrepreneur; 05: employee;
# 07-09: individual. Other prefixes: unknown.
COMPANY_TYPES = frozenset({"00", "01", "02", "03"})
INDIVIDUAL_TYPES = frozenset({"04", "05", "06", "07", "08", "09"})

# Column roles the table speaks about; other roles (``person``, ``free-text``…) follow the
# descriptor's own operator.
ROLES = ("organisation", "place", "identifier")
# (kind, role) -> (operator, reason). Operators are privacy.yml's: keep, redact, hash.
RULES: dict[tuple[Kind, str], tuple[str, str]] = {
    ("company", "organisation"): ("keep", "a company's name is public business information"),
    ("company", "place"): ("keep", "a company's registered address is public business information"),
    ("company", "identifier"): ("keep", "a company's NPWP is public; it lets readers follow repeat winners"),
    ("individual", "organisation"): ("keep", "winners are announced publicly by regulation"),
    ("individual", "place"): ("redact", "an individual's address is usually a home address"),
    ("individual", "identifier"): ("hash", "a person's NPWP (16 digits: the NIK) becomes a pseudonym"),
    ("unknown", "organisation"): ("keep", "winners are announced publicly by regulation"),
    ("unknown", "place"): ("redact", "not known to be a company: treated as an individual"),
    ("unknown", "identifier"): ("hash", "not known to be a company: treated as an individual"),
}  # fmt: skip


def _digits(value: object) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def _luhn_ok(digits: str) -> bool:
    """The NPWP's ninth digit is a Luhn check digit over the first eight (python-stdnum)."""
    from stdnum import luhn

    return luhn.is_valid(digits)


def npwp_kind(npwp: object) -> Kind:
    """``company``, ``individual`` or ``unknown`` from an NPWP's own digits.

    15 digits: the taxpayer type is the first two digits, and the check digit must hold.
    16 digits: a leading ``0`` then the 15-digit form, or else the holder's NIK
    (individuals since 2024) — a valid NIK structure means an individual.
    """
    from .recognizers.nik import valid_nik

    digits = _digits(npwp)
    if len(digits) == 16:
        if not digits.startswith("0"):
            return "individual" if valid_nik(digits) else "unknown"
        digits = digits[1:]
    if len(digits) != 15 or not _luhn_ok(digits[:9]):
        return "unknown"
    if digits[:2] in COMPANY_TYPES:
        return "company"
    if digits[:2] in INDIVIDUAL_TYPES:
        return "individual"
    return "unknown"


def form_kind(legal_form: object) -> Kind:
    """``company``, ``individual`` or ``unknown`` from a declared legal form."""
    text = " ".join(re.findall(r"[a-z]+", str(legal_form or "").lower()))
    if not text:
        return "unknown"
    if _INDIVIDUAL_FORMS.search(_ONE_PERSON_COMPANY.sub("pt", text)):
        return "individual"
    if _COMPANY_FORMS.search(text):
        return "company"
    return "unknown"


def supplier_kind(legal_form: object = None, npwp: object = None) -> Kind:
    """The supplier's kind from its legal form, else its NPWP; the protective one wins.

    An NPWP that is an individual's (or a NIK) makes the supplier an individual whatever
    the declared form: keeping it would publish a person's number.
    """
    by_form = form_kind(legal_form)
    by_npwp = npwp_kind(npwp) if _digits(npwp) else "unknown"
    if "individual" in (by_form, by_npwp):
        return "individual"
    if by_form == "company":
        return "company"
    return by_npwp


def supplier_action(kind: Kind, role: str) -> str | None:
    """The operator for a supplier column of ``role`` (``None``: the descriptor decides)."""
    rule = RULES.get((kind, role))
    return rule[0] if rule else None


def rule_table() -> list[dict[str, str]]:
    """The rule table as rows (kind, role, operator, reason), for docs and the report."""
    return [
        {"kind": kind, "role": role, "operator": operator, "reason": reason}
        for (kind, role), (operator, reason) in RULES.items()
    ]
