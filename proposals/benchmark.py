"""Proposal quality measured against hand-written specs: renamed, restyled and shuffled variants of a
synthetic export, field-level precision and recall, calibration per confidence band, and every wrong
choice listed (issue 19 item 4; `make bench-proposals` runs it, bench/proposals.py writes the report)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from mappings.spec import field_columns, parse_spec
from proposals.profile import profile_dump
from proposals.propose import Proposal, confidence_band, propose

# Table names a practice's export might use per entity: other words and abbreviations, some of them
# deliberately outside proposals/vocabulary.py so the benchmark does not only measure its own word list.
TABLE_WORDS = {
    "site": ("Locations", "LOC", "Location"),
    "practitioner": ("Providers", "PRAC", "Clinician"),
    "client_organisation": ("ThirdParties", "ORG", "Company"),
    "referrer": ("ReferringDoctors", "REF", "Referrer"),
    "client": ("Patients", "PTNT", "Patient"),
    "condition": ("Cases", "CASE", "Claim"),
    "appointment": ("Bookings", "APPT", "Appointment"),
    "clinical_note": ("TreatmentNotes", "NOTE", "ClinicalNote"),
    "communication": ("Messages", "MSG", "Message"),
    "invoice": ("Invoices", "INV", "Invoice"),
    "invoice_line": ("InvoiceItems", "INVL", "InvoiceLine"),
    "custom_field_definition": ("CustomFields", "CFLD", "CustomField"),
    "custom_field_value": ("CustomFieldValues", "CVAL", "CustomValue"),
}
# Column names another export might use for a canonical field (the "other names" variant).
OTHER_NAMES = {
    "first_name": "GivenName",
    "last_name": "Surname",
    "middle_name": "OtherNames",
    "preferred_name": "KnownAs",
    "date_of_birth": "DOB",
    "sex": "Gender",
    "email": "EmailAddress",
    "mobile_phone": "Mobile",
    "home_phone": "HomePh",
    "work_phone": "WorkPh",
    "address_line_1": "Street",
    "address_line_2": "Suburb",
    "city": "Town",
    "postcode": "PostalCode",
    "nhi": "NHINumber",
    "notes": "Comments",
    "created_at": "DateCreated",
    "starts_at": "StartDateTime",
    "ends_at": "EndDateTime",
    "status": "AppointmentStatus",
    "invoice_number": "InvoiceNo",
    "total_amount": "Total",
    "title": "Salutation",
    "occupation": "JobTitle",
    # Names proposals/vocabulary.py does not know: recall must show what a person has to map by hand.
    "emergency_contact": "ICEContact",
    "referral_source": "HowFound",
    "concession_type": "CardType",
    "gender_identity": "IdentifiesAs2",
    "cancellation_reason": "WhyCancelled",
    "author_name": "Clinician",
    "subject": "Headline",
    "item_code": "FeeCode",
}


@dataclass
class Truth:
    """What the hand-written spec says about each delivered table and column."""

    entity_of: dict[str, str]  # table → entity (tables the spec maps)
    lookups: set[str]
    fields: dict[tuple[str, str], set[str]]  # (table, field or "(id)"/"(origin)") → acceptable columns
    date_fields: dict[tuple[str, str], str]  # (table, field) → the date format the variant was written in
    delivered_dates: str = "%Y-%m-%d"  # the date format the export was written in (the system's declared one)


@dataclass
class Variant:
    name: str
    tables: dict[str, pl.DataFrame]
    truth: Truth


@dataclass
class Score:
    proposed: int = 0
    correct: int = 0
    expected: int = 0
    recalled: int = 0
    wrong: list[dict[str, Any]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # entity.field of the truth not recalled, per variant
    bands: dict[str, list[int]] = field(default_factory=lambda: {"high": [0, 0], "medium": [0, 0], "low": [0, 0]})

    def add(self, other: Score) -> None:
        self.proposed += other.proposed
        self.correct += other.correct
        self.expected += other.expected
        self.recalled += other.recalled
        self.wrong += other.wrong
        self.missed += other.missed
        for band, (n, ok) in other.bands.items():
            self.bands[band][0] += n
            self.bands[band][1] += ok

    @property
    def precision(self) -> float:
        return self.correct / self.proposed if self.proposed else 1.0

    @property
    def recall(self) -> float:
        return self.recalled / self.expected if self.expected else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "proposed": self.proposed,
            "correct": self.correct,
            "expected": self.expected,
            "recalled": self.recalled,
            "calibration": {
                band: {"choices": n, "precision": round(ok / n, 4) if n else None}
                for band, (n, ok) in self.bands.items()
            },
        }


# A field the hand-written spec sets to a constant (`{value: false}`); a proposal setting a constant matches.
CONSTANT = "=(value)"  # "=" like a field reference: no column to rename in a variant
# A field set from the practice's settings (`{column: invoice_id, transforms: [practice_currency]}`): the column
# only carries one row each, any column does, so a proposal setting the same practice setting matches.
PRACTICE_SETTING = "=(practice setting)"


def _practice_setting(transforms: list[str]) -> bool:
    return len(transforms) == 1 and transforms[0].startswith("practice_")


def truth_from_spec(data: dict[str, Any], delivered_dates: str = "%Y-%m-%d") -> Truth:
    spec = parse_spec(data, "ground truth")
    entity_of: dict[str, str] = {}
    fields: dict[tuple[str, str], set[str]] = {}
    for entity, entity_spec in spec.entities.items():
        for source in entity_spec.sources:
            if source.explode:
                # A second entity unnested from a JSON cell of a table (TM3's invoice lines): the proposer
                # proposes one entity per delivered table, so these are outside what it is measured on.
                continue
            entity_of[source.table] = entity
            fields[(source.table, "(id)")] = set(field_columns(source.id))
            if source.origin:
                fields[(source.table, "(origin)")] = set(field_columns(source.origin))
            for name, field_spec in source.fields.items():
                columns = set(field_columns(field_spec))
                if field_spec.field is not None:
                    columns = {f"={field_spec.field}"}
                elif field_spec.has_value and not columns:
                    columns = {CONSTANT}
                elif field_spec.column is not None and _practice_setting([t.name for t in field_spec.transforms]):
                    columns = {PRACTICE_SETTING}
                fields[(source.table, name)] = columns
    return Truth(entity_of, set(spec.lookups), fields, {}, delivered_dates)


def delivered_part(truth: Truth, delivered: set[str]) -> Truth:
    """The truth about the tables the export delivers: a spec that also reads tables from elsewhere (Core
    Plus's API resources beside its CSV export) is measured on the delivered ones only."""
    return Truth(
        {t: e for t, e in truth.entity_of.items() if t in delivered},
        truth.lookups,
        {(t, f): c for (t, f), c in truth.fields.items() if t in delivered},
        truth.date_fields,
        truth.delivered_dates,
    )


def _words(column: str) -> list[str]:
    return [w for w in column.split("_") if w and w != "mig"]


STYLES: dict[str, Callable[[str, str, str], str]] = {
    # (column, entity, table code) → the column's name in that style
    "screaming": lambda c, e, code: "_".join(w.upper() for w in _words(c)),
    "prefixed": lambda c, e, code: f"{code}_" + "".join(w.upper() for w in _words(c)),
    "pascal": lambda c, e, code: "".join(w.title() for w in e.split("_")) + "".join(w.title() for w in _words(c)),
    "camel": lambda c, e, code: _words(c)[0] + "".join(w.title() for w in _words(c)[1:]) if _words(c) else c,
}


def _rename_table(table: str, entity: str | None, style: str) -> str:
    if entity is None or entity not in TABLE_WORDS:
        return table
    plural, code, singular = TABLE_WORDS[entity]
    return {"screaming": plural.upper(), "prefixed": code, "pascal": singular, "camel": plural, "other": plural}.get(
        style, table
    )


def _is_date_field(name: str) -> bool:
    return name.endswith("date") or name == "date_of_birth"


def date_columns(truth: Truth) -> list[tuple[str, str]]:
    """(table, column) of every column the hand-written spec reads as a date (the variants rewrite them)."""
    return [
        (table, column)
        for (table, name), columns in truth.fields.items()
        if _is_date_field(name)
        for column in columns
        if not column.startswith("=")
    ]


def _rewrite_dates(frame: pl.DataFrame, columns: list[str], delivered: str, fmt: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(c).str.strptime(pl.Date, delivered, strict=False).dt.strftime(fmt).alias(c) for c in columns
    )


def make_variant(
    tables: dict[str, pl.DataFrame], truth: Truth, style: str, date_format: str | None, seed: int
) -> Variant:
    """The export with its tables and columns renamed into `style` ("as delivered", "other" names, or a
    naming style), its column order shuffled, and its date columns rewritten in `date_format`."""
    rng = random.Random(seed)
    renamed: dict[str, pl.DataFrame] = {}
    table_names: dict[str, str] = {}
    column_names: dict[str, dict[str, str]] = {}
    for table, frame in tables.items():
        entity = truth.entity_of.get(table)
        new_table = _rename_table(table, entity, style)
        code = TABLE_WORDS.get(entity or "", ("", table.upper(), ""))[1]
        mapping = {}
        for column in frame.columns:
            if style in STYLES and entity:
                mapping[column] = STYLES[style](column, entity, code)
            elif style == "other" and entity:
                canonical = next((f for (t, f), cols in truth.fields.items() if t == table and column in cols), None)
                mapping[column] = OTHER_NAMES.get(canonical or "", column)
            else:
                mapping[column] = column
        if len(set(mapping.values())) != len(mapping):  # a style that merges two names keeps the originals
            mapping = {c: c for c in frame.columns}
        order = list(frame.columns)
        rng.shuffle(order)
        out = frame.select(order).rename(mapping)
        dated = [mapping[c] for t, c in date_columns(truth) if t == table and c in mapping]
        if date_format:
            out = _rewrite_dates(out, dated, truth.delivered_dates, date_format)
        renamed[new_table] = out
        table_names[table] = new_table
        column_names[table] = mapping
    fields = {}
    dates = {}
    for (table, name), columns in truth.fields.items():
        new_columns = {c if c.startswith("=") else column_names[table].get(c, c) for c in columns}
        fields[(table_names[table], name)] = new_columns
        if _is_date_field(name):
            dates[(table_names[table], name)] = date_format or truth.delivered_dates
    new_truth = Truth(
        {table_names[t]: e for t, e in truth.entity_of.items()},
        {table_names.get(t, t) for t in truth.lookups},  # a lookup may not be a table (TM3's errors.txt)
        fields,
        dates,
        truth.delivered_dates,
    )
    label = f"{style}" + (f", dates {date_format}" if date_format else "") + ", shuffled"
    return Variant(label, renamed, new_truth)


def _proposed_columns(choice_spec: Any, column: str | None) -> set[str]:
    if isinstance(choice_spec, dict) and _practice_setting(
        [t if isinstance(t, str) else next(iter(t), "") for t in choice_spec.get("transforms", [])]
    ):
        return {PRACTICE_SETTING}
    if column is not None:
        return {column}
    if isinstance(choice_spec, dict) and "field" in choice_spec:
        return {f"={choice_spec['field']}"}
    if isinstance(choice_spec, dict) and "value" in choice_spec:
        return {CONSTANT}
    if isinstance(choice_spec, dict) and isinstance(choice_spec.get("column"), str):
        return {choice_spec["column"]}
    return set()


def _date_format(spec: Any) -> str | None:
    for transform in spec.get("transforms", []) if isinstance(spec, dict) else []:
        if isinstance(transform, dict) and "parse_date" in transform:
            return (transform["parse_date"].get("formats") or ["%Y-%m-%d"])[0]
    return None


def score(proposal: Proposal, truth: Truth, variant: str) -> Score:
    """Field-level precision and recall: a choice is right when its table is the truth's entity and its
    column is one the hand-written spec reads for that field (and, for dates, in the right format).
    Choices on tables the hand-written spec keeps as lookups are listed as wrong table choices."""
    result = Score()
    proposed: list[tuple[str, str, set[str], float, Any]] = []
    for table in proposal.tables:
        if table.entity is None:
            continue
        if table.table not in truth.entity_of:
            result.wrong.append(
                {
                    "variant": variant,
                    "table": table.table,
                    "choice": f"entity {table.entity}",
                    "expected": "lookup",
                    "confidence": table.confidence,
                }
            )
            continue
        if table.id_column:
            proposed.append((table.table, "(id)", {table.id_column}, table.confidence, None))
        if table.origin_column:
            proposed.append((table.table, "(origin)", {table.origin_column}, table.confidence, None))
    for choice in proposal.fields:
        if choice.table in truth.entity_of:
            proposed.append(
                (
                    choice.table,
                    choice.field,
                    _proposed_columns(choice.spec, choice.column),
                    choice.confidence,
                    choice.spec,
                )
            )
    entity_right = {t.table: t.entity == truth.entity_of.get(t.table) for t in proposal.tables}
    right_pairs = set()
    for table, name, columns, confidence, spec in proposed:
        expected = truth.fields.get((table, name), set()) if entity_right.get(table) else set()
        ok = bool(columns & expected)
        expected_format = truth.date_fields.get((table, name))
        if ok and expected_format and spec is not None and _date_format(spec) not in (expected_format, None):
            ok = False
        band = confidence_band(confidence)
        result.proposed += 1
        result.bands[band][0] += 1
        if ok:
            result.correct += 1
            result.bands[band][1] += 1
            right_pairs.add((table, name))
        else:
            result.wrong.append(
                {
                    "variant": variant,
                    "table": table,
                    "field": name,
                    "choice": sorted(columns),
                    "expected": sorted(expected) or "not mapped",
                    "date_format": _date_format(spec) if spec else None,
                    "confidence": confidence,
                }
            )
    result.expected = len(truth.fields)
    result.recalled = len(right_pairs)
    result.missed = [f"{truth.entity_of[t]}.{name}" for t, name in truth.fields if (t, name) not in right_pairs]
    return result


def run_system(
    tables: dict[str, pl.DataFrame],
    truth_data: dict[str, Any],
    system: str,
    seed: int,
    country: str = "NZ",
    delivered_dates: str = "%Y-%m-%d",
) -> dict[str, Any]:
    """Every variant of one system's export proposed offline and scored; the known-profile shortcut is
    off (a renamed export would not match it anyway), so the names and values do the work.
    `delivered_dates` is the format the export writes its dates in (the system's declared one)."""
    truth = delivered_part(truth_from_spec(truth_data, delivered_dates), set(tables))
    variants = [
        make_variant(tables, truth, "as delivered", None, seed),
        make_variant(tables, truth, "screaming", None, seed + 1),
        make_variant(tables, truth, "prefixed", "%d/%m/%Y", seed + 2),
        make_variant(tables, truth, "pascal", "%m/%d/%Y", seed + 3),
        make_variant(tables, truth, "camel", "%d/%m/%Y", seed + 4),
        make_variant(tables, truth, "other", "%d/%m/%Y", seed + 5),
    ]
    total = Score()
    per_variant = {}
    for variant in variants:
        proposal = propose(variant.tables, profile_dump(variant.tables), system, country, use_known_profiles=False)
        result = score(proposal, variant.truth, variant.name)
        per_variant[variant.name] = result.as_dict() | {"open_questions": len(proposal.open_questions())}
        total.add(result)
    # The known-profile path on the export as delivered: what a customer of a registered system is proposed.
    known = propose(tables, profile_dump(tables), system, country)
    known_score = score(known, truth, "known profile")
    return {
        "overall": total.as_dict(),
        "variants": per_variant,
        "wrong": total.wrong,
        # How many variants missed each hand-written choice (recall's complement), most missed first.
        "missed": dict(Counter(total.missed).most_common()),
        "known_profile": known_score.as_dict() | {"matched": known.known_profile == system},
        "_score": total,
    }


def iso_today() -> str:
    return date.today().isoformat()
