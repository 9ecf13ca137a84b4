"""Flatten a compiled OCDS release into the published tables.

Real publishers bend the schema: ``tag`` as a string, ``planning`` as an array, ``{}``
where an array belongs, ``currency: ""``, amounts as strings, dates without times or
with impossible years. Flattening never crashes on any of it: each oddity becomes a
null plus a quality note, and everything usable is kept.
"""

from __future__ import annotations

from typing import Any

from ..batch import Batch
from ..parse import parse_datetime, parse_number


class Flattener:
    """Turns one release (compiled or not) into table rows, noting what it had to fix."""

    def __init__(self, batch: Batch, timezone: str | None = None):
        self.batch = batch
        self.timezone = timezone

    # --- value helpers -------------------------------------------------------------

    def date(self, table: str, key: str, column: str, value: Any) -> str | None:
        """ISO 8601 UTC, or ``None`` with a note for a date that cannot be real."""
        if value in (None, ""):
            return None
        parsed, problem = parse_datetime(value, self.timezone)
        if problem:
            self.batch.note(table, key, "invalid-date", problem, column, value)
        return parsed

    def amount(self, table: str, key: str, column: str, value: Any) -> float | None:
        """A number, or ``None`` with a note."""
        if isinstance(value, dict):
            self.batch.note(
                table, key, "invalid-amount", "an object where an amount belongs", column
            )
            return None
        number, problem = parse_number(value)
        if problem:
            self.batch.note(table, key, "invalid-amount", problem, column, value)
        return number

    def currency(self, table: str, key: str, column: str, value: Any) -> str | None:
        """An ISO 4217-looking code; empty strings become ``None`` with a note."""
        if value is None:
            return None
        text = str(value).strip().upper()
        if len(text) == 3 and text.isalpha():
            return text
        self.batch.note(
            table, key, "invalid-currency", "not an ISO 4217 currency code", column, value
        )
        return None

    def integer(self, table: str, key: str, column: str, value: Any) -> int | None:
        """A non-negative whole number, or ``None`` with a note."""
        if value in (None, ""):
            return None
        number, problem = parse_number(value)
        if problem or number is None or number != int(number) or number < 0:
            self.batch.note(
                table, key, "invalid-integer", problem or "not a whole number", column, value
            )
            return None
        return int(number)

    def money(self, table: str, key: str, prefix: str, value: Any) -> dict[str, Any]:
        """``{prefix}_amount`` and ``{prefix}_currency`` from an OCDS Value object."""
        value = as_dict(value)
        return {
            f"{prefix}_amount": self.amount(table, key, f"{prefix}_amount", value.get("amount")),
            f"{prefix}_currency": self.currency(
                table, key, f"{prefix}_currency", value.get("currency")
            ),
        }

    def period(self, table: str, key: str, prefix: str, value: Any) -> dict[str, Any]:
        """``{prefix}_start`` and ``{prefix}_end`` from an OCDS Period object."""
        value = as_dict(value)
        return {
            f"{prefix}_{end}": self.date(table, key, f"{prefix}_{end}", value.get(f"{end}Date"))
            for end in ("start", "end")
        }

    # --- tables --------------------------------------------------------------------

    def release_row(self, release: dict, meta: dict[str, Any]) -> dict[str, Any]:
        """The ``releases`` row: one per release read."""
        ocid, release_id = text(release.get("ocid")), text(release.get("id"))
        key = f"{ocid}/{release_id}"
        return {
            "ocid": ocid,
            "release_id": release_id,
            "date": self.date("releases", key, "date", release.get("date")),
            "tag": joined(release.get("tag")),
            "initiation_type": text(release.get("initiationType")),
            "language": text(release.get("language")),
            "buyer_name": text(as_dict(release.get("buyer")).get("name")),
            "source": meta.get("source"),
            "source_sha256": meta.get("source_sha256"),
            "release_sha256": meta.get("sha256"),
        }

    def compiled(self, compiled: dict, release_count: int, json_value: dict) -> None:
        """All rows derived from one compiled release."""
        ocid = compiled.get("ocid")
        tender = as_dict(compiled.get("tender"), self.batch, "tenders", ocid, "tender")
        buyer = as_dict(compiled.get("buyer"))
        awards = as_list(compiled.get("awards"), self.batch, "awards", ocid, "awards")
        contracts = as_list(compiled.get("contracts"), self.batch, "contracts", ocid, "contracts")
        tender_money = self.money("compiled_releases", ocid, "tender_value", tender.get("value"))
        award_money = [
            self.money("awards", f"{ocid}/{a.get('id')}", "value", a.get("value")) for a in awards
        ]
        same_currency = [
            m["value_amount"]
            for m in award_money
            if m["value_amount"] is not None
            and m["value_currency"] in (None, tender_money["tender_value_currency"])
        ]
        self.batch.add(
            "compiled_releases",
            {
                "ocid": ocid,
                "date": self.date("compiled_releases", ocid, "date", compiled.get("date")),
                "release_count": release_count,
                "buyer_id": text(buyer.get("id")),
                "buyer_name": text(buyer.get("name")),
                "title": text(tender.get("title")),
                "tender_status": text(tender.get("status")),
                "procurement_method": text(tender.get("procurementMethod")),
                **tender_money,
                "awards_count": len(awards),
                "contracts_count": len(contracts),
                "awarded_amount": sum(same_currency) if same_currency else None,
                "release": json_value,
            },
        )
        self.tender(ocid, compiled, tender, buyer)
        self.parties(ocid, compiled)
        for index, (award, money) in enumerate(zip(awards, award_money, strict=True)):
            self.award(ocid, award, money, index)
        for index, contract in enumerate(contracts):
            self.contract(ocid, contract, index)

    def tender(self, ocid: str, compiled: dict, tender: dict, buyer: dict) -> None:
        """The ``tenders`` row, with the planning budget beside the estimate."""
        planning = as_dict(compiled.get("planning"), self.batch, "tenders", ocid, "planning")
        budget = as_dict(planning.get("budget"))
        entity = as_dict(tender.get("procuringEntity"))
        self.batch.add(
            "tenders",
            {
                "ocid": ocid,
                **texts(
                    tender,
                    tender_id="id",
                    **DESCRIBED,
                    procurement_method="procurementMethod",
                    procurement_method_details="procurementMethodDetails",
                    main_procurement_category="mainProcurementCategory",
                ),
                **self.money("tenders", ocid, "value", tender.get("value")),
                **self.money("tenders", ocid, "budget", budget.get("amount")),
                **self.period("tenders", ocid, "tender_period", tender.get("tenderPeriod")),
                **self.period("tenders", ocid, "award_period", tender.get("awardPeriod")),
                "number_of_tenderers": self.integer(
                    "tenders", ocid, "number_of_tenderers", tender.get("numberOfTenderers")
                ),
                "submission_method": joined(tender.get("submissionMethod")),
                "award_criteria": text(tender.get("awardCriteria")),
                **texts(buyer, buyer_id="id", buyer_name="name"),
                **texts(entity, procuring_entity_id="id", procuring_entity_name="name"),
            },
        )
        for index, item in enumerate(
            as_list(tender.get("items"), self.batch, "items", ocid, "tender.items")
        ):
            self.item(ocid, "tender", text(tender.get("id")) or "tender", item, index)

    def parties(self, ocid: str, compiled: dict) -> None:
        """One ``parties`` row per organisation; contact points go to the privacy stage."""
        seen: set[str] = set()
        for index, party in enumerate(
            as_list(compiled.get("parties"), self.batch, "parties", ocid, "parties")
        ):
            party_id = text(party.get("id")) or text(party.get("name")) or f"#{index}"
            if party_id in seen:
                self.batch.note(
                    "parties",
                    f"{ocid}/{party_id}",
                    "duplicate-party-id",
                    "party id repeated; later copy kept as #n",
                    "party_id",
                    party_id,
                )
                party_id = f"{party_id}#{index}"
            seen.add(party_id)
            identifier = as_dict(party.get("identifier"))
            address = as_dict(party.get("address"))
            contact = as_dict(party.get("contactPoint"))
            self.batch.add(
                "parties",
                {
                    "ocid": ocid,
                    "party_id": party_id,
                    "name": text(party.get("name")),
                    "roles": joined(party.get("roles")),
                    **texts(
                        identifier,
                        identifier_scheme="scheme",
                        identifier_id="id",
                        legal_name="legalName",
                    ),
                    **texts(
                        address,
                        street_address="streetAddress",
                        locality="locality",
                        region="region",
                        postal_code="postalCode",
                        country_name="countryName",
                    ),
                    **texts(
                        contact,
                        contact_name="name",
                        contact_email="email",
                        contact_telephone="telephone",
                        contact_fax="faxNumber",
                        contact_url="url",
                    ),
                },
            )

    def award(self, ocid: str, award: dict, money: dict, index: int) -> None:
        """The ``awards`` row, its suppliers, and its items."""
        award_id = text(award.get("id")) or f"#{index}"
        key = f"{ocid}/{award_id}"
        suppliers = as_list(award.get("suppliers"), self.batch, "award_suppliers", key, "suppliers")
        self.batch.add(
            "awards",
            {
                "ocid": ocid,
                "award_id": award_id,
                **texts(award, **DESCRIBED),
                "date": self.date("awards", key, "date", award.get("date")),
                **money,
                **self.period("awards", key, "contract_period", award.get("contractPeriod")),
                "suppliers_count": len(suppliers),
                "supplier_names": " | ".join(text(s.get("name")) or "" for s in suppliers) or None,
            },
        )
        for position, supplier in enumerate(suppliers):
            self.batch.add(
                "award_suppliers",
                {
                    "ocid": ocid,
                    "award_id": award_id,
                    "position": position,
                    "supplier_id": text(supplier.get("id")),
                    "supplier_name": text(supplier.get("name")),
                },
            )
        for index, item in enumerate(
            as_list(award.get("items"), self.batch, "items", key, "items")
        ):
            self.item(ocid, "award", award_id, item, index)

    def contract(self, ocid: str, contract: dict, index: int) -> None:
        """The ``contracts`` row and its items."""
        contract_id = text(contract.get("id")) or f"#{index}"
        key = f"{ocid}/{contract_id}"
        self.batch.add(
            "contracts",
            {
                "ocid": ocid,
                "contract_id": contract_id,
                **texts(contract, award_id="awardID", **DESCRIBED),
                **self.money("contracts", key, "value", contract.get("value")),
                **self.period("contracts", key, "period", contract.get("period")),
                "date_signed": self.date(
                    "contracts", key, "date_signed", contract.get("dateSigned")
                ),
            },
        )
        for position, item in enumerate(
            as_list(contract.get("items"), self.batch, "items", key, "items")
        ):
            self.item(ocid, "contract", contract_id, item, position)

    def item(self, ocid: str, scope: str, parent_id: str, item: dict, index: int) -> None:
        """One ``items`` row."""
        item_key = text(item.get("id")) or f"#{index}"
        key = f"{ocid}/{scope}/{parent_id}/{item_key}"
        classification = as_dict(item.get("classification"))
        unit = as_dict(item.get("unit"))
        unit_value = as_dict(unit.get("value"))
        quantity = item.get("quantity")
        self.batch.add(
            "items",
            {
                "ocid": ocid,
                "scope": scope,
                "parent_id": parent_id,
                "item_key": item_key,
                "description": text(item.get("description")),
                **texts(
                    classification,
                    classification_scheme="scheme",
                    classification_id="id",
                    classification_description="description",
                ),
                "quantity": self.amount("items", key, "quantity", quantity)
                if quantity not in (None, "")
                else None,
                "unit_name": text(unit.get("name")),
                "unit_value_amount": self.amount(
                    "items", key, "unit_value_amount", unit_value.get("amount")
                ),
                "unit_value_currency": self.currency(
                    "items", key, "unit_value_currency", unit_value.get("currency")
                ),
            },
        )


def is_date_key(key: str) -> bool:
    """OCDS names its date fields ``date``, ``…Date`` or ``date…`` (dateSigned, startDate)."""
    return key == "date" or key.endswith("Date") or (key.startswith("date") and key[4:5].isupper())


def normalise_dates(node: Any, flat: Flattener, ocid: str, path: str = "") -> None:
    """Dates in the compiled release as the tables have them: ISO 8601 UTC, or gone.

    An impossible date (``-0001-11-30``) is removed rather than published in the OCDS
    JSON while its table column says null; a quality note records where it was.
    """
    if isinstance(node, list):
        for item in node:
            normalise_dates(item, flat, ocid, path)
        return
    if not isinstance(node, dict):
        return
    for key in list(node):
        value = node[key]
        where = f"{path}.{key}" if path else key
        if isinstance(value, str) and is_date_key(key):
            parsed, problem = parse_datetime(value, flat.timezone)
            if parsed is None:
                del node[key]
                if problem:
                    flat.batch.note(
                        "compiled_releases",
                        ocid,
                        "invalid-date",
                        problem,
                        f"release:{where}",
                        value,
                    )
            else:
                node[key] = parsed
        elif isinstance(value, dict | list):
            normalise_dates(value, flat, ocid, where)


def text(value: Any) -> str | None:
    """A string value, or ``None``; numbers become strings, objects are not text."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    return result or None


# The texts a tender, an award and a contract each give of themselves (column=key).
DESCRIBED = {"title": "title", "description": "description", "status": "status"}


def texts(node: dict, **columns: str) -> dict[str, str | None]:
    """``column: text(node[key])`` for each ``column=key``: an OCDS object's texts as columns."""
    return {column: text(node.get(key)) for column, key in columns.items()}


def joined(value: Any) -> str | None:
    """A list of codes as ``a,b``; a bare string (``tag: "tender"``) as itself."""
    if isinstance(value, list):
        parts = [text(v) for v in value]
        return ",".join(p for p in parts if p) or None
    return text(value)


def as_dict(
    value: Any, batch: Batch | None = None, table: str = "", key: Any = "", path: str = ""
) -> dict:
    """An object, or ``{}``; a one-element array holding an object is unwrapped."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        objects = [v for v in value if isinstance(v, dict)]
        if batch is not None and value:
            batch.note(
                table,
                str(key),
                "wrong-shape",
                f"{path} is an array where an object belongs; first element used",
                path,
            )
        return objects[0] if objects else {}
    if value not in (None, "") and batch is not None:
        batch.note(
            table,
            str(key),
            "wrong-shape",
            f"{path} is a {type(value).__name__} where an object belongs",
            path,
        )
    return {}


def as_list(
    value: Any, batch: Batch | None = None, table: str = "", key: Any = "", path: str = ""
) -> list[dict]:
    """The objects of an array; ``{}`` or a single object where an array belongs is tolerated."""
    if isinstance(value, list):
        objects = [v for v in value if isinstance(v, dict)]
        if len(objects) != len(value) and batch is not None:
            batch.note(
                table, str(key), "wrong-shape", f"{path} holds non-objects; they were skipped", path
            )
        return objects
    if isinstance(value, dict):
        if value and batch is not None:
            batch.note(
                table, str(key), "wrong-shape", f"{path} is an object where an array belongs", path
            )
        return [value] if value else []
    if value not in (None, "") and batch is not None:
        batch.note(
            table,
            str(key),
            "wrong-shape",
            f"{path} is a {type(value).__name__} where an array belongs",
            path,
        )
    return []
