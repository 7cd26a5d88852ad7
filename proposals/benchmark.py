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

    # table → the entities it feeds, in the spec's order (several when its rows are split by a discriminator)
    entities_of: dict[str, list[str]]
    lookups: set[str]
    # (table, entity, field or "(id)"/"(origin)"/"(where)") → acceptable columns
    fields: dict[tuple[str, str, str], set[str]]
    date_fields: dict[tuple[str, str, str], str]  # (table, entity, field) → the date format the variant wrote
    delivered_dates: str = "%Y-%m-%d"  # the date format the export was written in (the system's declared one)
    # (table, entity) → the discriminator's values that entity's rows hold, for a table split among entities
    where_values: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def entity_of(self, table: str) -> str | None:
        """The first entity a table feeds (the one its renamed variants are named after)."""
        entities = self.entities_of.get(table)
        return entities[0] if entities else None


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


def _split_values(where: Any) -> tuple[str, set[str]] | None:
    """A `where` of one column's values (`{column, equals: v}` / `{column, in: [..]}`): (column, values)."""
    if where is None or where.column is None:
        return None
    if where.equals is not None:
        return where.column, {str(where.equals)}
    if where.isin is not None:
        return where.column, {str(v) for v in where.isin}
    return None


def joined_column(column: str, joined: dict[str, str]) -> str:
    """A joined table's column by its table rather than its alias (`home.suburb` → `address.suburb`): a
    proposal names its joins its own way, the column it reads is the same."""
    alias, _, rest = column.partition(".")
    return f"{joined[alias]}.{rest}" if rest and alias in joined else column


def truth_from_spec(data: dict[str, Any], delivered_dates: str = "%Y-%m-%d") -> Truth:
    spec = parse_spec(data, "ground truth")
    entities_of: dict[str, list[str]] = {}
    fields: dict[tuple[str, str, str], set[str]] = {}
    sources = [(e, s) for e, entity_spec in spec.entities.items() for s in entity_spec.sources if not s.explode]
    # A second entity unnested from a JSON cell of a table (TM3's invoice lines, `explode:`) is outside the
    # measurement: the proposer proposes a table's own rows as entities.
    for entity, source in sources:
        entities_of.setdefault(source.table, []).append(entity)
    where_values: dict[tuple[str, str], set[str]] = {}
    for entity, source in sources:
        split = _split_values(source.where) if len(entities_of[source.table]) > 1 else None
        if split:
            # One table feeding several entities by a discriminator: which rows each takes is a choice scored
            # like a field (a filter of a table that feeds one entity, Profile's site code list, is not).
            fields[(source.table, entity, "(where)")] = {split[0]}
            where_values[(source.table, entity)] = split[1]
        fields[(source.table, entity, "(id)")] = set(field_columns(source.id))
        if source.origin:
            fields[(source.table, entity, "(origin)")] = set(field_columns(source.origin))
        joined = {alias: join.table for alias, join in source.joins.items()}
        for name, field_spec in source.fields.items():
            columns = {joined_column(c, joined) for c in field_columns(field_spec)}
            if field_spec.field is not None:
                columns = {f"={field_spec.field}"}
            elif field_spec.has_value and not columns:
                columns = {CONSTANT}
            elif field_spec.column is not None and _practice_setting([t.name for t in field_spec.transforms]):
                columns = {PRACTICE_SETTING}
            fields[(source.table, entity, name)] = columns
    return Truth(entities_of, set(spec.lookups), fields, {}, delivered_dates, where_values)


def delivered_part(truth: Truth, delivered: set[str]) -> Truth:
    """The truth about the tables the export delivers: a spec that also reads tables from elsewhere (Core
    Plus's API resources beside its CSV export) is measured on the delivered ones only."""
    return Truth(
        {t: e for t, e in truth.entities_of.items() if t in delivered},
        truth.lookups,
        {(t, e, f): c for (t, e, f), c in truth.fields.items() if t in delivered},
        truth.date_fields,
        truth.delivered_dates,
        {(t, e): v for (t, e), v in truth.where_values.items() if t in delivered},
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
    return sorted(
        {
            (table, column)
            for (table, _entity, name), columns in truth.fields.items()
            if _is_date_field(name)
            for column in columns
            if not column.startswith("=")
        }
    )


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
        entity = truth.entity_of(table)
        new_table = _rename_table(table, entity, style)
        code = TABLE_WORDS.get(entity or "", ("", table.upper(), ""))[1]
        mapping = {}
        for column in frame.columns:
            if style in STYLES and entity:
                mapping[column] = STYLES[style](column, entity, code)
            elif style == "other" and entity:
                canonical = next(
                    (f for (t, _e, f), cols in truth.fields.items() if t == table and column in cols), None
                )
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
    for (table, entity, name), columns in truth.fields.items():
        new_columns = {c if c.startswith("=") else column_names[table].get(c, c) for c in columns}
        fields[(table_names[table], entity, name)] = new_columns
        if _is_date_field(name):
            dates[(table_names[table], entity, name)] = date_format or truth.delivered_dates
    new_truth = Truth(
        {table_names[t]: e for t, e in truth.entities_of.items()},
        {table_names.get(t, t) for t in truth.lookups},  # a lookup may not be a table (TM3's errors.txt)
        fields,
        dates,
        truth.delivered_dates,
        {(table_names[t], e): v for (t, e), v in truth.where_values.items()},
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
    proposed: list[tuple[str, str, str, set[str], float, Any]] = []
    for table in proposal.tables:
        if table.entity is None:
            continue
        if table.table not in truth.entities_of:
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
            proposed.append((table.table, table.entity, "(id)", {table.id_column}, table.confidence, None))
        if table.origin_column:
            proposed.append((table.table, table.entity, "(origin)", {table.origin_column}, table.confidence, None))
        if table.where:
            where = {"where": table.where}  # scored as a choice: its column, and its values below
            proposed.append((table.table, table.entity, "(where)", {table.where["column"]}, table.confidence, where))
    joined = {(t.table, t.entity): {a: j["table"] for a, j in t.joins.items()} for t in proposal.tables}
    for choice in proposal.fields:
        if choice.table in truth.entities_of:
            aliases = joined.get((choice.table, choice.entity), {})
            proposed.append(
                (
                    choice.table,
                    choice.entity,
                    choice.field,
                    {joined_column(c, aliases) for c in _proposed_columns(choice.spec, choice.column)},
                    choice.confidence,
                    choice.spec,
                )
            )
    right_pairs = set()
    for table, entity, name, columns, confidence, spec in proposed:
        expected = truth.fields.get((table, entity, name), set())
        ok = bool(columns & expected)
        expected_format = truth.date_fields.get((table, entity, name))
        if ok and expected_format and spec is not None and _date_format(spec) not in (expected_format, None):
            ok = False
        if ok and name == "(where)":
            ok = _where_values(spec["where"]) == truth.where_values.get((table, entity))
        band = confidence_band(confidence)
        result.proposed += 1
        result.bands[band][0] += 1
        if ok:
            result.correct += 1
            result.bands[band][1] += 1
            right_pairs.add((table, entity, name))
        else:
            result.wrong.append(
                {
                    "variant": variant,
                    "table": table,
                    "entity": entity,
                    "field": name,
                    "choice": sorted(columns),
                    "expected": sorted(expected) or "not mapped",
                    "date_format": _date_format(spec) if spec else None,
                    "confidence": confidence,
                }
            )
    result.expected = len(truth.fields)
    result.recalled = len(right_pairs)
    result.missed = [f"{e}.{name}" for t, e, name in truth.fields if (t, e, name) not in right_pairs]
    return result


def _where_values(where: dict[str, Any]) -> set[str]:
    return {str(v) for v in where["in"]} if "in" in where else {str(where["equals"])}


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
