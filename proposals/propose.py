"""The offline proposer: a profiled dump → a proposed mapping spec, every choice with its confidence
and evidence (docs/mapping-proposals.md).

Deterministic: the same dump gives the same proposal. Evidence comes from three places — names (in
whatever naming style the export uses, vocabulary.py), value profiles (a column of valid NHI numbers is
an NHI whatever it is called; a date column's values decide dd/mm or mm/dd), and candidate keys by value
overlap — plus the known system profiles: a table whose columns are exactly a registered system's
resource takes that system's hand-written choices."""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import Any

import polars as pl

from checks.canonical import CANONICAL_MODELS, CanonicalField, data_fields
from proposals.profile import ColumnProfile, DumpProfile, TableProfile
from proposals.vocabulary import (
    ABBREVIATIONS,
    ENTITY_SYNONYMS,
    FIELD_SYNONYMS,
    FLAG_DATES,
    FLAG_STATES,
    IDENTIFIER_FIELDS,
    KIND_WORDS,
    NAMED_KINDS,
    ROW_ROLE_WORDS,
    STATUS_NAMES,
    compact,
    naming_style,
    tokens,
)

# Confidence bands the review and the benchmark report by (a wrong high-confidence choice is worse
# than an unmapped column: issue 19 item 4).
HIGH, MEDIUM = 0.85, 0.6
# A table becomes an entity's source only above this score (name and column evidence combined).
ENTITY_THRESHOLD = 0.35
# A column is proposed for a field only at this confidence or above; below it stays unmapped.
FIELD_THRESHOLD = 0.5
_ID_WORDS = ("id", "key", "number", "code", "reference", "guid", "uuid")
_STRONG_ID_WORDS = frozenset({"id", "key", "guid", "uuid"})
_PHONE_KINDS = ("phone:NZ", "phone:AU", "phone:UK")
# Canonical values and the words exports use for them (after lower-casing and dropping non-letters).
VALUE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "did_not_attend": ("dna", "noshow", "didnotattend", "didntattend", "missed", "failedtoattend", "donotattend"),
    "cancelled": ("cancelled", "canceled", "cancel", "cx", "cancelledbyclient", "cancelledbypractice"),
    "completed": ("completed", "attended", "done", "seen", "complete", "finished"),
    "arrived": ("arrived", "arrival", "checkedin", "inclinic", "waiting", "here"),
    "booked": ("booked", "scheduled", "confirmed", "pending", "unconfirmed", "new", "booking"),
    "female": ("f", "female", "woman", "w"),
    "male": ("m", "male", "man"),
    "intersex": ("intersex", "i"),
    "unknown": ("u", "unknown", "notstated", "notknown", "unspecified", "undisclosed"),
    "acc": ("acc", "accclaim"),
    "insured": ("insured", "insurance", "insurer", "thirdparty"),
    "private": ("private", "self", "selfpay", "selffunded"),
    "sms": ("sms", "text", "txt", "textmessage"),
    "email": ("email", "mail"),
    "phone": ("phone", "call", "telephone", "phonecall"),
    "other": ("other", "letter", "post"),
    "outbound": ("outbound", "out", "sent", "outgoing"),
    "inbound": ("inbound", "in", "received", "incoming"),
    "open": ("open", "unpaid", "outstanding", "due"),
    "paid": ("paid", "settled"),
    "closed": ("closed",),
    "credit": ("credit", "creditnote"),
    "void": ("void", "voided", "cancelled", "canceled"),
    "doctor": ("doctor", "gp", "specialist", "medical", "medicalpractitioner"),
    "client": ("client", "patient"),
    "true": ("true", "yes", "y", "t", "1"),
    "false": ("false", "no", "n", "f", "0"),
}
_TO_BOOL_WORDS = frozenset({"true", "false", "yes", "no", "1", "0"})
# Required text fields an export often has no column for, and the value the hand-written specs give them.
REQUIRED_DEFAULTS: dict[tuple[str, str], str] = {
    ("clinical_note", "note_type"): "Clinical note",
    ("referrer", "referral_type"): "doctor",  # the referrers of a practice's exports are doctors
}


@dataclass
class TableChoice:
    table: str
    entity: str | None
    confidence: float
    evidence: list[str]
    id_column: str | None = None
    origin_column: str | None = None
    alternatives: dict[str, float] = field(default_factory=dict)
    joins: dict[str, dict[str, Any]] = field(default_factory=dict)  # alias → {table, left, right[, many, columns]}
    # The rows of the table this entity takes, when one table holds several entities' rows split by a
    # discriminator column: the mapping format's own row filter (`{column, equals: v}` or `{column, in: [..]}`).
    where: dict[str, Any] | None = None
    decide: str | None = None  # a question the person must answer before confirming (the split)


@dataclass
class FieldChoice:
    table: str
    entity: str
    field: str
    column: str | None  # None for a field derived from another output field
    spec: Any  # the field spec in the mapping format
    confidence: float
    evidence: list[str]
    decide: str | None = None  # a question the person must answer before confirming
    model_alternative: str | None = None  # the model-assisted mode's different choice, when it disagrees

    @property
    def band(self) -> str:
        return confidence_band(self.confidence)


@dataclass
class Proposal:
    system: str
    tables: list[TableChoice]
    fields: list[FieldChoice]
    unmapped_columns: dict[str, list[str]]
    unmatched_fields: dict[str, list[str]]
    problems: list[str] = field(default_factory=list)  # why the spec does not validate (empty: it does)
    disagreements: list[dict[str, str]] = field(default_factory=list)
    known_profile: str | None = None
    # The known system's hand-written spec, whole: its sources' joins, `where` filters, unnested cells and
    # dedup rules are part of what the person confirms, not only its field choices.
    known_spec: dict[str, Any] | None = None

    def table(self, name: str) -> TableChoice:
        return next(t for t in self.tables if t.table == name)

    def spec_data(self) -> dict[str, Any]:
        """The proposal as a mapping spec (docs/mapping-spec.md), ready to validate and write."""
        if self.known_spec is not None:
            return copy.deepcopy(self.known_spec) | {"system": self.system}
        entities: dict[str, Any] = {}
        lookups = []
        for choice in self.tables:
            if choice.entity is None or choice.id_column is None:
                lookups.append(choice.table)
                continue
            source: dict[str, Any] = {"table": choice.table, "id": choice.id_column}
            if choice.origin_column:
                source["origin"] = choice.origin_column
            if choice.where:
                source["where"] = dict(choice.where)
            if choice.joins:
                source["joins"] = dict(choice.joins)
            source["fields"] = {
                f.field: f.spec for f in self.fields if f.table == choice.table and f.entity == choice.entity
            }
            rows = f"{choice.table} row where {_where_text(choice.where)}" if choice.where else f"{choice.table} row"
            entities[choice.entity] = {
                "grain": f"one row per {rows} (proposed)",
                "sources": [source],
            }
        data: dict[str, Any] = {
            "format_version": 1,
            "system": self.system,
            "title": f"{self.system} export → canonical practice data (proposed, to be confirmed by a person)",
        }
        if lookups:
            data["lookups"] = sorted(set(lookups))
        data["defaults"] = {"string": ["clean_text"]}
        data["entities"] = entities
        return data

    def sources_of(self, table: str) -> list[TableChoice]:
        """Every choice for a table: one, or one per entity when its rows are split by a discriminator."""
        return [t for t in self.tables if t.table == table]

    def open_questions(self) -> list[TableChoice | FieldChoice]:
        """The questions for the person: a table's split first, then the field choices'."""
        return [t for t in self.tables if t.decide] + [f for f in self.fields if f.decide]

    def summary(self) -> dict[str, Any]:
        """Counts only: what Dagster metadata and logs may carry."""
        bands = {b: sum(1 for f in self.fields if f.band == b) for b in ("high", "medium", "low")}
        return {
            "tables": len({t.table for t in self.tables}),  # a table split among entities counts once
            "entities": sum(1 for t in self.tables if t.entity),
            "split_tables": len({t.table for t in self.tables if t.where}),
            "fields": len(self.fields),
            "fields_by_confidence": bands,
            "open_questions": len(self.open_questions()),
            "unmapped_columns": sum(len(v) for v in self.unmapped_columns.values()),
            "unmatched_fields": sum(len(v) for v in self.unmatched_fields.values()),
            "spec_problems": len(self.problems),
            "model_disagreements": len(self.disagreements),
        }


def _where_text(where: dict[str, Any]) -> str:
    values = where["in"] if "in" in where else [where["equals"]]
    return f"{where['column']} in {', '.join(map(str, values))}"


def confidence_band(confidence: float) -> str:
    return "high" if confidence >= HIGH else "medium" if confidence >= MEDIUM else "low"


@cache
def allowed_values(entity: str, name: str) -> tuple[str, ...]:
    """The values a canonical field accepts (its Pandera `isin` check), empty when free."""
    column = CANONICAL_MODELS[entity].to_schema().columns[name]
    for check in column.checks:
        values = (check.statistics or {}).get("allowed_values")
        if values:
            return tuple(str(v) for v in values)
    return ()


def _singular(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return word


def _entity_words(entity: str) -> set[str]:
    return {entity.replace("_", ""), *ENTITY_SYNONYMS[entity]}


def _table_name_score(table: str, entity: str) -> tuple[float, str]:
    words = [_singular(w) for w in tokens(table)]
    name = compact(words)
    synonyms = _entity_words(entity)
    if name in synonyms:
        return 1.0, f"table name {table!r} means {entity}"
    if words and words[-1] in synonyms and len(words[-1]) >= 4:
        return 0.8, f"table name {table!r} ends in a word for {entity}"
    if any(len(s) >= 5 and s in name for s in synonyms):
        return 0.6, f"table name {table!r} contains a word for {entity}"
    return 0.0, ""


@cache
def _field_names(entity: str, name: str, ref: str | None) -> frozenset[str]:
    """The compact names that say field `name` (with reference `ref`) of `entity`."""
    own = name.replace("_", "")
    names = {own, *FIELD_SYNONYMS.get(name, ())}
    if ref:
        stems = _entity_words(ref) | {name.removesuffix("_id").replace("_", "")}
        names |= {f"{s}{w}" for s in stems for w in _ID_WORDS}
    return frozenset(names)


def _own_words(table: str, entity: str) -> set[str]:
    """Words naming the row's own table or entity (singular and as delivered)."""
    return set(_own_words_of(table, entity))


@lru_cache(maxsize=4096)
def _own_words_of(table: str, entity: str) -> frozenset[str]:
    own = _entity_words(entity) | {_singular(w) for w in tokens(table)} | set(tokens(table))
    return frozenset(own | {compact([_singular(w) for w in tokens(table)])})


# The code a legacy schema writes before each of a table's column names (`SHCD_` in a SHORTCODE table, `PPPU_`
# in PPPU) is learned from the dump by `learn_column_prefixes` at the start of each proposal (table → prefix) and
# passed down as `prefix` (the table's code, None when it has none) to every function that reads a column's name.
# A prefix is learned when at least this share of the table's columns (and three of them) start with it.
_PREFIX_SHARE = 0.6


@cache
def _vocabulary_starts() -> frozenset[str]:
    """Every compact word the vocabulary knows (field and entity names and synonyms): a column prefix that
    begins one of them is a word, not a code (`home_phone`, `home_city` share `home`)."""
    words = {w for names in FIELD_SYNONYMS.values() for w in names} | {w for e in ENTITY_SYNONYMS.values() for w in e}
    words |= {f.name.replace("_", "") for e in CANONICAL_MODELS for f in data_fields(e)}
    words |= {t for e in CANONICAL_MODELS for f in data_fields(e) for t in f.name.split("_")}
    return frozenset(words | set(ABBREVIATIONS.values()))


def learn_column_prefixes(profile: DumpProfile) -> dict[str, str]:
    """Per table, the code its column names start with when most of them share one that is no word of the
    vocabulary (`SHCD_ID`, `SHCD_DESCRIPTION`…; glued too: `LOC_SHCDID`, `shcdDescription`)."""
    learned = {}
    for name, table in profile.tables.items():
        own = {_singular(w) for w in tokens(name)} | set(tokens(name)) | {compact(tokens(name))}
        counts: dict[str, int] = {}
        for column in table.columns:
            words = tokens(column.name)
            if not words:  # a name of noise words only (`Data`) or none
                continue
            if len(words) > 1 and (words[0] in own or _singular(words[0]) in own):
                words = words[1:]
            firsts = {words[0]} if len(words) > 1 else {words[0][:k] for k in range(3, 7) if len(words[0]) > k + 1}
            for first in firsts:
                counts[first] = counts.get(first, 0) + 1
        needed = max(3, _PREFIX_SHARE * len(table.columns))
        starts = _vocabulary_starts()
        found = [
            p
            for p, n in counts.items()
            if n >= needed and len(p) >= 3 and not p.isdigit() and not any(w.startswith(p) for w in starts)
        ]
        if found:
            learned[name] = max(found, key=lambda p: (counts[p], len(p), p))
    return learned


def _without_column_prefix(words: list[str], prefix: str | None) -> list[str]:
    if not prefix or not words:
        return words
    if words[0] == prefix and len(words) > 1:
        return words[1:]
    rest = words[0][len(prefix) :]
    if words[0].startswith(prefix) and len(rest) >= 2:
        return [ABBREVIATIONS.get(rest, rest), *words[1:]]
    return words


def _strip_prefix(words: list[str], table: str, entity: str, prefix: str | None) -> list[str]:
    """Drop the leading words naming the row's own table or entity (`PTNT_LASTNAME`, `ClientLastName`,
    `ClientOrganisationKey`), and the table's learned column code (`SHCD_DESCRIPTION`)."""
    return _without_column_prefix(_strip_own_prefix(words, table, entity), prefix)


def _strip_own_prefix(words: list[str], table: str, entity: str) -> list[str]:
    own = _own_words(table, entity)
    # One prefix only: `ClaimClaimType` is the claim's claim type, not its type.
    cut = next(
        (
            k
            for k in (3, 2, 1)
            if k < len(words) and (compact(words[:k]) in own or _singular(compact(words[:k])) in own)
        ),
        0,
    )
    if cut or len(words) != 1:
        return list(words[cut:])
    # A name written without word breaks (`PATIENTID`, `CLIENTLASTNAME`, `APPTID`): the prefix glued to
    # the rest, in full or abbreviated.
    own |= {short for short, full in ABBREVIATIONS.items() if full in own}
    glued = next((w for w in sorted(own, key=len, reverse=True) if len(w) >= 3 and words[0].startswith(w)), "")
    rest = words[0][len(glued) :]
    return [ABBREVIATIONS.get(rest, rest)] if glued and len(rest) >= 2 else list(words)


def _own_id_words(words: list[str], table: str, entity: str, prefix: str | None) -> list[str]:
    """The words of a column name once every leading word naming the row's own table or entity is dropped:
    `ClientPatientId` in a table of patients (the entity's prefix, then the table's) is its `id`."""
    for _ in range(2):
        stripped = _strip_prefix(words, table, entity, prefix)
        if stripped == words:
            break
        words = stripped
    return words


def name_score(
    column: str, table: str, entity: str, canonical: CanonicalField, prefix: str | None
) -> tuple[float, str]:
    """How well a column's name says `canonical`, and in which style (`prefix`: the table's learned column code)."""
    temporal = canonical.dtype in (pl.Date, pl.Datetime)
    return _name_score(column, table, entity, canonical.name, canonical.ref, temporal, prefix)


def _column_stripped(column: str, table: str, entity: str, prefix: str | None) -> str:
    return _stripped_name(column, table, entity, prefix)


@lru_cache(maxsize=65536)
def _stripped_name(column: str, table: str, entity: str, prefix: str | None) -> str:
    """The compact name of a column once the leading words naming its own table or entity, and the table's
    learned column code `prefix` (part of the cache key: it is learned anew for each proposal), are dropped."""
    return compact(_strip_prefix(tokens(column), table, entity, prefix))


# A pure function of names, asked for every column against every field of every candidate entity (hundreds of
# thousands of times for one dump's proposal): each combination is scored once. `prefix` is the table's learned
# column code, an argument (never module state) so that it is part of the cache key: a proposal of another dump,
# with other learned codes, never reuses a score.
@lru_cache(maxsize=262144)
def _name_score(
    column: str, table: str, entity: str, field_name: str, ref: str | None, temporal: bool, prefix: str | None
) -> tuple[float, str]:
    words = tokens(column)
    whole, stripped = compact(words), _stripped_name(column, table, entity, prefix)
    own = field_name.replace("_", "")
    style = naming_style(column)
    if whole == own:
        return 1.0, f"name {column!r} is the field's name ({style})"
    if stripped == own:
        return 0.95, f"name {column!r} is the field's name after the table prefix ({style})"
    names = _field_names(entity, field_name, ref)
    if field_name == "name" and len(words) == 1 and _singular(whole) in _own_words_of(table, entity):
        return 0.85, f"name {column!r} names the row's own table: its name ({style})"  # `Location` in Locations
    if whole in names or stripped in names:
        return 0.85, f"name {column!r} is a known name for {field_name} ({style})"
    if ref and _says_a_key_to(words, ref):
        # `PPPU_ID_PROVIDER`, `SHCD_ID_LOCATION`: a key word and a word for the referenced entity, in any order.
        return 0.75, f"name {column!r} holds a key word and a word for {ref} ({style})"
    if field_name == "legacy_reference" and compact(_own_id_words(words, table, entity, prefix)) in _CODE_WORDS:
        # `PTNT_PATIENTCODE` beside the row id: the row's own code in the system before.
        return 0.8, f"name {column!r} is the row's own code or number, not its id ({style})"
    if field_name == "name" and stripped in _LABEL_NAMES and not {stripped, "description"} & _field_set(entity):
        # A code list's row (`SHCD_CODE`, `SHCD_DESCRIPTION`): its description is the name it is known by.
        return 0.75, f"name {column!r} is the row's label, and {entity} has no description field ({style})"
    long_names = [n for n in names if len(n) >= 6]
    # `STREETCODE`, `DELETEDID`: a known name followed by a key word is a code of the thing, not the thing.
    if any(
        stripped.endswith(n) or (stripped.startswith(n) and stripped[len(n) :] not in _ID_WORDS) for n in long_names
    ):
        return 0.65, f"name {column!r} contains a known name for {field_name} ({style})"
    if temporal:
        # `start_at`, `issued_on`, `APPT_STARTAT`: the suffix only says "when"; the rest names the field.
        for name in (whole, stripped):
            if name[-2:] in _WHEN_SUFFIXES and len(name) >= 5 and name[:-2] in names:
                return 0.8, f"name {column!r} is a known name for {field_name} and 'when' ({style})"
    return 0.0, ""


# A name's last letters saying only "when" (`start_at`, `issued_on`).
_WHEN_SUFFIXES = frozenset({"at", "on"})


_LABEL_NAMES = frozenset({"description", "label", "caption", "title"})
_CODE_WORDS = frozenset({"code", "number", "reference"})


def _says_a_key_to(words: list[str], entity: str) -> bool:
    return (
        len(words) >= 2
        and bool(set(words) & set(_ID_WORDS))
        and bool({_singular(w) for w in words} & _entity_words(entity))
    )


@cache
def _field_set(entity: str) -> frozenset[str]:
    return frozenset(f.name for f in data_fields(entity))


def _has_field(entity: str, name: str) -> bool:
    return name in _field_set(entity)


# Text fields written in words: a column of whole numbers is never one of them.
_WORDY_FIELDS = frozenset(
    {"address_line_1", "address_line_2", "address_line_3", "city", "state", "first_name", "last_name", "middle_name"}
    | {"preferred_name", "display_name", "organisation_name", "contact_name"}
)


def _all_midnight(column: ColumnProfile) -> bool:
    instants = column.instants or {}
    return bool(instants.get("naive")) and instants.get("midnight") == instants["naive"] and not instants.get("offset")


def _midnight_format(column: ColumnProfile) -> str:
    """The format of a date written as a date-time at midnight, by the column's most common shape
    (`9-9-9 9:9:9.9` → `%Y-%m-%d %H:%M:%S.%f`; the `T` of `2026-03-02T00:00` shapes as `A`)."""
    shape = next(iter(column.shapes), "")
    clock = "%H:%M" + (":%S" if shape.count(":") >= 2 else "") + (".%f" if "." in shape else "")
    return "%Y-%m-%d" + ("T" if "A" in shape else " ") + clock


def value_fit(canonical: CanonicalField, column: ColumnProfile) -> tuple[float, str]:
    """Does the column's value profile fit the field? (+ agrees, 0 says nothing, None refuses)."""
    kind = column.kind
    dtype = canonical.dtype
    if kind == "empty":
        return 0.0, "the column is empty"
    if dtype == pl.Date:
        if kind == "instant" and _all_midnight(column):
            return 0.0, "values are date-times all at midnight: dates"
        return (0.05, "values are dates") if kind == "date" else (-1.0, f"values are {kind}, not dates")
    if dtype == pl.Datetime:
        if kind == "local_datetime":
            return 0.05, "values are dates with a wall-clock time"
        if kind == "date":  # a payment's or a note's day, without its time: the start of that day
            return -0.1, "values are dates without a time of day (read as the day's start)"
        return (0.05, "values are instants") if kind == "instant" else (-1.0, f"values are {kind}, not instants")
    if dtype == pl.Boolean:
        if kind in {"date", "instant", "local_datetime", "time"}:
            return -1.0, f"values are {kind}, not yes/no"
        if kind == "boolean" or (column.enumeration and len(column.enumeration) <= 2):
            return 0.05, "two-valued"
        return -1.0, f"values are {kind}, not yes/no"
    # A column of only 1s and 0s (a quantity column of single visits) profiles as yes/no first.
    whole_numbers = kind == "integer" or column.kinds.get("integer", 0) >= max(column.kinds.get(kind, 0), 1)
    if isinstance(dtype, pl.Decimal):
        if kind in {"money", "decimal"} or whole_numbers:
            return 0.05, f"values are {'whole numbers' if whole_numbers else kind}"
        return -1.0, f"values are {kind}"
    if dtype in (pl.Int64, pl.Int32):
        return (0.05, "values are whole numbers") if whole_numbers else (-1.0, f"values are {kind}")
    expected = NAMED_KINDS.get(canonical.name)
    if expected:
        if kind in expected:
            return 0.05, f"values are {kind}"
        return -0.15, f"values are {kind}, expected {' or '.join(expected)}"
    if canonical.ref:
        return 0.0, ""
    if canonical.name in _WORDY_FIELDS and kind == "integer":
        return -1.0, "values are whole numbers, not words"  # `PTNT_STREETCODE` is no street
    if kind in {"date", "instant", "boolean", "money"}:
        return -1.0, f"values are {kind}"
    if kind.startswith("identifier:") and canonical.name not in {"registration_number", "provider_number"}:
        return -0.2, f"values are {kind}"
    return 0.0, ""


def _column_score_for_entity(profile: TableProfile, entity: str, prefix: str | None) -> tuple[float, int]:
    """Share (and number) of the table's columns whose names say one of the entity's specific fields."""
    generic = {"notes", "created_at", "updated_at", "email", "phone", "name", "title"}
    fields = [f for f in data_fields(entity) if f.name not in generic]
    hits = 0
    for column in profile.columns:
        if any(name_score(column.name, profile.name, entity, f, prefix)[0] >= 0.85 for f in fields):
            hits += 1
    return hits / max(1, len(profile.columns)), hits


def _id_column(
    profile: TableProfile, entity: str, fks: DumpProfile, prefix: str | None
) -> tuple[str | None, str | None, list[str]]:
    """The row id (unique, never empty, named like an id, not a key to another table; else the first
    column when it is unique) and the first-origin column (canonical ids, named for their origin)."""
    origin = next(
        (c.name for c in profile.columns if c.kind == "canonical_id" and "origin" in compact(tokens(c.name))),
        None,
    )
    candidates = []
    for column in profile.columns:
        # An empty table (delivered with its header only) proves nothing by values: a column named
        # exactly like an id may still be its row id.
        if column.name == origin or not (column.unique or (profile.rows == 0 and column.kind == "empty")):
            continue
        if column.kind not in {"integer", "uuid", "text", "enumeration", "canonical_id", "empty"}:
            continue
        words = _own_id_words(tokens(column.name), profile.name, entity, prefix)
        # `id`/`key` name a row id; `number`/`code` more often a business number (invoice_number).
        strong = compact(words) in {"id", "key", "guid", "uuid", "rowid", "recordid"}
        score = 1.0 if strong else 0.6 if compact(words) in _ID_WORDS else 0.0
        # A last word `id`/`key` says a row id more surely than `code`/`number` (`SHCD_ID` over `SHCD_CODE`).
        score += (0.5 if words[-1] in _STRONG_ID_WORDS else 0.4) if words and words[-1] in _ID_WORDS else 0.0
        pointed_by_name = _pointed_at_by_name(profile.name, column.name, words, fks)
        # Values lying inside another table's key prove little when other tables' keys are named after it
        # (`SHCD_ID` of two sites, pointed at by `SHCD_ID_LOCATION`, also falls among appointment ids).
        score -= 0.8 if fks.keys_from(profile.name, column.name) and score < 1.0 and not pointed_by_name else 0.0
        own_fields = [f for f in data_fields(entity) if not f.ref]
        if any(name_score(column.name, profile.name, entity, f, prefix)[0] >= 0.85 for f in own_fields):
            score -= 0.6  # the column says a field of the entity (e.g. invoice_number), not its row id
        if score > 0 and any(
            fk.parent == profile.name and fk.parent_column == column.name and fk.table != profile.name
            for fk in fks.foreign_keys
        ):
            score += 0.3  # other tables' keys point at it (`Invoice Ref` over `Invoice No`): the row id
        if score > 0 or column.position == 0:
            candidates.append((score, -column.position, column.name))
    if not candidates:
        return (
            None,
            origin,
            [
                f"no column of {profile.name} is unique, always present and named like an id: "
                "the person must choose the id"
            ],
        )
    if profile.rows == 0:
        candidates = [c for c in candidates if c[0] >= 1.0]  # by its name alone: only a plain id name
        if not candidates:
            return None, origin, [f"{profile.name} is empty and no column is named like an id"]
        best = max(candidates)
        return best[2], origin, [f"id {best[2]!r}: named like an id (the table is empty: no value to check)"]
    best = max(candidates)
    named = ", named like an id" if best[0] > 0 else ", the table's first column"
    return best[2], origin, [f"id {best[2]!r}: unique, never empty{named}"]


def _pointed_at_by_name(table: str, column: str, words: list[str], fks: DumpProfile) -> bool:
    """Another table's key into this column carries its name (`SHCD_ID_LOCATION` → `SHCD_ID`) and repeats
    there, as a child's key does (a unique column of another table is that table's own id: one-to-one)."""
    stem = compact(words)
    if any(stem in compact(tokens(fk.parent_column)) for fk in fks.keys_from(table, column)):
        return False  # named as the key it points at (`patient_ref` → Patients.patient_ref): a key, not the id
    return len(stem) >= 4 and any(
        fk.parent == table
        and fk.parent_column == column
        and fk.table != table
        and stem in compact(tokens(fk.column))
        and not fks.tables[fk.table].column(fk.column).unique
        for fk in fks.foreign_keys
    )


def _known_system_spec(profile: DumpProfile) -> tuple[str, dict[str, Any]] | None:
    """A registered system whose resources have exactly these tables' columns, with its hand-written spec."""
    import yaml

    from mappings.spec import SPEC_DIR
    from sources.registry import all_systems

    delivered = {name: {c.name for c in t.columns} for name, t in profile.tables.items()}
    for system in all_systems():
        resources = {name: set(r.fields) for name, r in system.resources.items()}
        if (
            resources
            and all(delivered.get(n) == cols for n, cols in resources.items())
            and set(delivered) == set(resources)
        ):
            path = SPEC_DIR / f"{system.spec_name}.yaml"
            if path.exists():
                return system.name, yaml.safe_load(path.read_text(encoding="utf-8"))
    return None


def _enumeration_values(frame: pl.DataFrame, column: str) -> list[str]:
    return sorted(v for v in frame[column].drop_nulls().unique().to_list())


def _value_words(value: str) -> str:
    return "".join(c for c in value.lower() if c.isalnum())


def value_map_for(values: list[str], allowed: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """Source codes → canonical values by their words; the codes no rule reads are returned for the person."""
    mapped: dict[str, str] = {}
    unmapped = []
    for value in values:
        words = _value_words(value)
        target = next((a for a in allowed if words == _value_words(a)), None)
        target = target or next((a for a in allowed if words in VALUE_SYNONYMS.get(a, ())), None)
        if target is None:
            unmapped.append(value)
        else:
            mapped[value] = target
    return mapped, unmapped


def dump_date_format(profile: DumpProfile) -> str | None:
    """The date format the dump's decided date columns agree on (most columns), for columns whose own
    values cannot tell (empty, or every value ambiguous)."""
    decided = [
        c.dates.decided
        for t in profile.tables.values()
        for c in t.columns
        if c.kind == "date" and c.dates and c.dates.decided
    ]
    if not decided:
        return None
    return max(sorted(set(decided)), key=decided.count)


def _decided_format(
    column: ColumnProfile, dump_dates: str | None, evidence: list[str]
) -> tuple[str, str | None, float]:
    """The format a date (or date-and-time) column is read in, a question when its values cannot decide
    it, and the confidence penalty for asking. Evidence is appended to `evidence`."""
    dates = column.dates
    decided = dates.decided if dates else None
    if dates and decided:
        proof = ""
        if dates.day_first:
            proof = f"; {dates.day_first} value(s) read only day-first (a day above 12 first)"
        elif dates.month_first:
            proof = f"; {dates.month_first} value(s) read only month-first (a day above 12 second)"
        evidence.append(f"date format {decided}: every date value reads in it{proof}")
        return decided, None, 0.0
    clock = " %H:%M:%S" if dates and any(f.endswith("%S") for f in dates.formats) else " %H:%M"
    clock = clock if column.kind == "local_datetime" else ""
    dump_guess = dump_dates + clock if dump_dates else None
    if dates:
        # NZ, AU and the UK write the day first; the dump's other date columns win when they agree.
        candidates = sorted(dates.formats, key=lambda f: (not f.startswith("%d"), f))
        guess = dump_guess if dump_guess in dates.formats else candidates[0]
        question = (
            f"{column.name}: every value reads both day-first and month-first ({dates.ambiguous} ambiguous); "
            f"proposed {guess} ("
            + (
                "the dump's other date columns"
                if guess == dump_guess
                else "the practice's country writes the day first"
            )
            + ") — confirm or change"
        )
    else:
        guess = dump_guess or "%Y-%m-%d" + clock
        question = (
            f"{column.name}: no value to tell the date format by; proposed {guess}"
            + (" (the dump's other date columns)" if dump_guess else "")
            + " — confirm or change"
        )
    evidence.append("date format undecided by the values")
    return guess, question, 0.3


def _transforms(
    entity: str,
    canonical: CanonicalField,
    column: ColumnProfile,
    frame: pl.DataFrame,
    country: str,
    zone_mapped: bool,
    dump_dates: str | None = None,
) -> tuple[list[Any], list[str], str | None, float]:
    """The transforms a field needs from this column, evidence for them, a question for the person
    (or None) and a confidence penalty where the choice is uncertain."""
    evidence: list[str] = []
    if canonical.ref:
        return [{"ref": {"entity": canonical.ref}}], evidence, None, 0.0
    dtype = canonical.dtype
    if dtype == pl.Date and column.kind == "instant":
        evidence.append("date-times all at midnight: the date part is the value")
        return [{"parse_date": {"formats": [_midnight_format(column)]}}], evidence, None, 0.0
    if dtype == pl.Date:
        fmt, question, penalty = _decided_format(column, dump_dates, evidence)
        return [{"parse_date": {"formats": [fmt]}}], evidence, question, penalty
    if dtype == pl.Datetime and column.kind in {"local_datetime", "date"} and column.dates:
        fmt, question, penalty = _decided_format(column, dump_dates, evidence)
        params: dict[str, Any] = {"formats": [fmt]}
        if zone_mapped:
            params["zone_field"] = "time_zone"
        evidence.append(
            "wall-clock times: read in " + ("the row's time_zone" if zone_mapped else "the practice's time zone")
        )
        return [{"local_instant": params}], evidence, question, penalty
    if dtype == pl.Datetime:
        naive = (column.instants or {}).get("naive", 0)
        params = {"zone_field": "time_zone"} if zone_mapped and naive else {}
        if naive:
            evidence.append(
                f"{naive} sampled instant(s) carry no offset: read as wall time in "
                + ("the row's time_zone" if params else "the practice's time zone")
            )
        return [{"parse_instant": params} if params else "parse_instant"], evidence, None, 0.0
    if dtype == pl.Boolean:
        values = _enumeration_values(frame, column.name)
        if all(v.strip().lower() in _TO_BOOL_WORDS for v in values):
            return ["to_bool"], evidence, None, 0.0
        mapping, unmapped = value_map_for(values, ("true", "false"))
        question = f"{column.name}: {len(unmapped)} value(s) read neither yes nor no" if unmapped else None
        return (
            [{"value_map": {"map": mapping, "unmapped": "error"}}, "to_bool"],
            evidence,
            question,
            0.1 if unmapped else 0.0,
        )
    if isinstance(dtype, pl.Decimal):
        return [{"to_decimal": {"precision": dtype.precision, "scale": dtype.scale}}], evidence, None, 0.0
    if dtype in (pl.Int64, pl.Int32):
        return ["to_int"], evidence, None, 0.0
    by_name = {
        "email": "email",
        "nhi": "nhi",
        "medicare_number": "medicare",
        "nhs_number": "nhs_number",
        "dva_number": "dva_number",
        "time_zone": "time_zone",
    }
    if canonical.name in by_name:
        return [by_name[canonical.name]], evidence, None, 0.0
    if canonical.name in {"mobile_phone", "home_phone", "work_phone", "phone"}:
        regions = {k.split(":")[1]: n for k, n in column.kinds.items() if k.startswith("phone:")}
        if regions:
            evidence.append("valid phone numbers by country: " + ", ".join(f"{r} {n}" for r, n in regions.items()))
        return ["phone"], evidence, None, 0.0
    if canonical.name == "body_text" and column.kind == "html":
        evidence.append("values are HTML: converted to plain text")
        return ["html_to_text"], evidence, None, 0.0
    allowed = allowed_values(entity, canonical.name)
    if allowed:
        values = _enumeration_values(frame, column.name)
        if all(v in allowed for v in values):
            return [], evidence, None, 0.0
        mapping, unmapped = value_map_for(values, allowed)
        evidence.append(f"value map: {len(mapping)} of {len(values)} distinct value(s) read as {canonical.name} values")
        question = (
            f"{column.name}: {len(unmapped)} value(s) have no canonical {canonical.name} — map them or accept "
            "that such rows are reported as unmapped_value"
            if unmapped
            else None
        )
        return [{"value_map": {"map": mapping, "unmapped": "error"}}], evidence, question, 0.15 if unmapped else 0.0
    return [], evidence, None, 0.0


def _field_spec(column: str, transforms: list[Any]) -> Any:
    return {"column": column, "transforms": transforms} if transforms else column


def _assign_entities(profile: DumpProfile, prefixes: dict[str, str]) -> list[TableChoice]:
    scored: dict[str, list[tuple[float, str, list[str]]]] = {}
    for name, table in profile.tables.items():
        options = []
        for entity in CANONICAL_MODELS:
            by_name, why = _table_name_score(name, entity)
            by_columns, hits = _column_score_for_entity(table, entity, prefixes.get(name))
            # Columns alone name an entity only when several agree (a code + `Description` is no document).
            score = 0.55 * by_name + 0.45 * min(1.0, by_columns * 2) if by_name or hits >= 3 else 0.0
            evidence = [why] if why else []
            if by_columns:
                evidence.append(f"{by_columns:.0%} of its columns are named like {entity} fields")
            options.append((round(score, 4), entity, evidence))
        scored[name] = sorted(options, key=lambda o: (-o[0], o[1]))
    taken: dict[str, str] = {}
    choices: dict[str, TableChoice] = {}
    # Strongest claims first; one table per entity (a second candidate becomes a lookup the person sees).
    claims = sorted(
        ((o[0], t, o[1], o[2]) for t, opts in scored.items() for o in opts), key=lambda c: (-c[0], c[1], c[2])
    )
    for score, table, entity, evidence in claims:
        if table in choices or score < ENTITY_THRESHOLD:
            continue
        if entity in taken:
            continue
        taken[entity] = table
        alternatives = {o[1]: o[0] for o in scored[table][:3] if o[1] != entity}
        choices[table] = TableChoice(table, entity, min(0.99, score), evidence, alternatives=alternatives)
    for table, choice in list(choices.items()):
        if choice.entity is not None and _is_child_by_columns_only(profile, table, choice, choices, prefixes):
            del choices[table]
            del taken[choice.entity]
    for table in profile.tables:
        if table not in choices:
            best = scored[table][0]
            why = f"best match {best[1]} scored {best[0]:.2f}" + (
                f", but {taken[best[1]]} is a closer match" if best[1] in taken else ""
            )
            choices[table] = TableChoice(table, None, 1 - best[0], [f"kept as a lookup: {why}"])
    return [choices[t] for t in profile.tables]


def _is_child_by_columns_only(
    profile: DumpProfile, table: str, choice: TableChoice, choices: dict[str, TableChoice], prefixes: dict[str, str]
) -> bool:
    """A table no name names (only its columns do), whose key lies in another chosen table's unique column,
    and whose entity refers to no such thing (an invoice line refers to its invoice; an organisation does not
    belong to a patient): rows belonging to that table's rows (a patient's addresses), a lookup to join."""
    if any(e.startswith("table name") for e in choice.evidence):
        return False
    refs = {f.ref for f in data_fields(choice.entity or "") if f.ref} if choice.entity else set()
    for fk in profile.keys_from_table(table):
        parent = choices.get(fk.parent)
        if parent is None or parent.entity is None or fk.parent == table or parent.entity in refs:
            continue
        # The key is named as the parent's id or says the parent's entity, and the columns are the parent's
        # fields (an `address` table keyed `ptnt_id`, of `street`, `suburb`, `city`, `postcode`).
        key_words = tokens(fk.column)
        named = compact(key_words) == compact(tokens(fk.parent_column)) or _says_a_key_to(key_words, parent.entity)
        if named and _column_score_for_entity(profile.tables[table], parent.entity, prefixes.get(table))[1] >= 2:
            return True
    return False


def propose(
    tables: dict[str, pl.DataFrame],
    profile: DumpProfile,
    system: str,
    country: str = "NZ",
    use_known_profiles: bool = True,
) -> Proposal:
    """Propose a spec for a dump. `tables` are read only for enumeration codes (value maps) — they
    end up in the spec, which is the customer's own; the profile carries no values."""
    if use_known_profiles:
        known = _known_system_spec(profile)
        if known:
            return _from_known_spec(known[0], known[1], profile, system)
    prefixes = learn_column_prefixes(profile)
    table_choices = _split_by_discriminator(_assign_entities(profile, prefixes), profile, tables, prefixes)
    fields: list[FieldChoice] = []
    used: dict[str, set[str | None]] = {}
    unmatched: dict[str, list[str]] = {}
    for choice in table_choices:
        table = profile.tables[choice.table]
        if choice.entity is None:
            continue
        prefix = prefixes.get(choice.table)
        id_column, origin, id_evidence = _id_column(table, choice.entity, profile, prefix)
        sibling = next((c for c in table_choices if c.table == choice.table and c.id_column), None)
        if choice.where and sibling and sibling.id_column:
            # The rows of one table share its row id, whichever entity takes them (`PROVIDERID` is no referrer
            # word, yet it keys the external providers as it keys the internal ones).
            id_column, origin = sibling.id_column, sibling.origin_column
            id_evidence = [f"id {id_column!r}: the row id of {choice.table}, whose rows {sibling.entity} shares"]
        choice.id_column, choice.origin_column = id_column, origin
        choice.evidence += id_evidence
        if origin:
            choice.evidence.append(f"origin {origin!r}: values are canonical ids of a first origin")
        frame = tables[choice.table]
        if choice.where:  # an entity's share of a split table: its own rows' codes make its value maps
            frame = frame.filter(_where_mask(frame, choice.where))
        chosen = _assign_fields(choice, table, frame, profile, table_choices, country, prefix)
        if id_column is None:
            # No row id: the table cannot be an entity's source, so none of its fields is proposed either
            # (the review lists its columns as unmapped and asks the person for the id).
            choice.entity = None
            continue
        fields += chosen
        discriminator = choice.where["column"] if choice.where else None
        used.setdefault(choice.table, set()).update({id_column, origin, discriminator} | {f.column for f in chosen})
        mapped = {f.field for f in chosen}
        unmatched[choice.entity] = [f.name for f in data_fields(choice.entity) if f.name not in mapped]
    # A split table whose entities lost their id is one lookup, listed once.
    table_choices = [
        c for n, c in enumerate(table_choices) if c.entity or all(d.table != c.table for d in table_choices[:n])
    ]
    unmapped = {
        name: [c.name for c in table.columns if c.name not in used.get(name, set())]
        for name, table in profile.tables.items()
    }
    proposal = Proposal(system, table_choices, fields, unmapped, unmatched)
    proposal.problems = spec_problems(proposal, profile)
    return proposal


# A discriminator column sorts rows into at most this many kinds (a role or a type, not a free code).
_MAX_KINDS = 4
# "external" rows are one entity's, "internal" ones the other's: a yes/no column named by one word says both.
_OPPOSITE_ROLES = {"external": "internal", "internal": "external"}


def _where_mask(frame: pl.DataFrame, where: dict[str, Any]) -> pl.Series:
    values = [str(v) for v in where["in"]] if "in" in where else [str(where["equals"])]
    return frame[where["column"]].cast(pl.String).is_in(values).fill_null(False)


def _entity_of_word(word: str) -> str | None:
    """The one entity a value's words say (`External` → referrer, `Internal` → practitioner), None when no
    entity or several do."""
    said = {e for e, words in ROW_ROLE_WORDS.items() if word in words}
    said |= {e for e, words in ENTITY_SYNONYMS.items() if word in words and e in ROW_ROLE_WORDS}
    return next(iter(said)) if len(said) == 1 else None


def _role_in_name(name: str) -> tuple[str, str] | None:
    """The role word a yes/no column's compact name holds (`pppuisexternal` → external) and its entity."""
    said = {(w, e) for e, words in ROW_ROLE_WORDS.items() for w in words if len(w) >= 6 and w in name}
    return next(iter(said)) if len({e for _w, e in said}) == 1 else None


def _other_side(
    choice: TableChoice, said: str, word: str, table: TableProfile, taken: set[str], prefix: str | None
) -> tuple[str, str] | None:
    """The entity of the rows a discriminator does not name, and why: the table's own entity, the entity of
    the opposite role word (`external` ↔ `internal`), else the free role entity its columns name most."""
    if choice.entity and choice.entity != said:
        return choice.entity, f"the table's own entity, {choice.entity}"
    opposite = _entity_of_word(_OPPOSITE_ROLES.get(word, ""))
    if opposite and opposite != said and opposite not in taken:
        return opposite, f"the opposite of {word!r}: {opposite}"
    scored = [
        (_column_score_for_entity(table, e, prefix)[1], e) for e in ROW_ROLE_WORDS if e != said and e not in taken
    ]
    hits, best = max(scored, default=(0, ""))
    return (best, f"{hits} of its columns are named like {best} fields") if hits >= 2 else None


def _split_by_discriminator(
    choices: list[TableChoice], profile: DumpProfile, tables: dict[str, pl.DataFrame], prefixes: dict[str, str]
) -> list[TableChoice]:
    """One table holding several entities' rows (a providers table of the practice's clinicians and of the
    doctors who refer) is split by a discriminator column: a yes/no or a few-valued column, always filled,
    whose values partition the rows and say the entities — by the values' words (`Internal`/`External`) or,
    for yes/no, by the column's name (`PPPU_ISEXTERNAL`: yes → referrer, no → the other). Each entity takes
    its rows (`where`), so the table becomes one choice per entity. An entity another table already is is
    never split off, and a split below high confidence is a question for the person."""
    out: list[TableChoice] = []
    for n, choice in enumerate(choices):
        # Entities split off an earlier table are taken too: one table per entity, as ever.
        split = _discriminator_split(choice, profile, tables, prefixes.get(choice.table), out + choices[n:])
        out += split or [choice]
    return out


def _discriminator_split(
    choice: TableChoice,
    profile: DumpProfile,
    tables: dict[str, pl.DataFrame],
    prefix: str | None,
    choices: list[TableChoice],
) -> list[TableChoice] | None:
    table, frame = profile.tables[choice.table], tables[choice.table]
    taken = {c.entity for c in choices if c.entity and c.table != choice.table}
    best: tuple[float, str, dict[str, list[str]], list[str], list[str]] | None = None
    for column in table.columns:
        if column.nulls or column.unique or frame.height < 2:
            continue
        values = _enumeration_values(frame, column.name)
        if not 2 <= len(values) <= _MAX_KINDS:
            continue
        words = tokens(column.name)
        if choice.entity:  # `PRAC_PPPUISEXTERNAL`, `PractitionerPppuIsexternal`: the table's own words say no role
            words = _own_id_words(words, table.name, choice.entity, prefix)
        name = compact(words)
        kind_named = bool(set(words) & KIND_WORDS) or name.startswith("is") or "is" in name[:-6]
        sides: dict[str, str] = {}
        evidence: list[str] = []
        by_words = 0
        if len(values) == 2 and all(_value_words(v) in _YES_NO for v in values):
            role = _role_in_name(name)
            yes = [v for v in values if _value_words(v) in VALUE_SYNONYMS["true"]]
            if role is None or len(yes) != 1:
                continue
            word, said = role
            other = _other_side(choice, said, word, table, taken, prefix)
            if other is None:
                continue
            no = next(v for v in values if v != yes[0])
            sides = {yes[0]: said, no: other[0]}
            by_words = 1
            evidence.append(
                f"{column.name!r} is yes/no and its name says {word!r}: {yes[0]!r} rows are {said}, "
                f"{no!r} rows {other[0]} ({other[1]})"
            )
        else:
            named = {v: e for v in values if (e := _entity_of_word(_value_words(v)))}
            entities = set(named.values())
            if not entities:
                continue
            sides = dict(named)
            if len(entities) == 1 and len(values) == 2:
                (said,) = entities
                rest = next(v for v in values if v not in named)
                other = _other_side(choice, said, _value_words(next(iter(named))), table, taken, prefix)
                if other is None:
                    continue
                sides[rest] = other[0]
                evidence.append(f"{rest!r} rows are {other[0]} ({other[1]})")
            else:
                by_words = 2
            evidence.insert(
                0,
                f"{column.name!r} holds {len(values)} value(s), always filled; their words say "
                + ", ".join(f"{v!r} → {e}" for v, e in named.items()),
            )
        entities_of = sorted(set(sides.values()), key=list(CANONICAL_MODELS).index)
        if len(entities_of) < 2 or any(e in taken for e in entities_of):
            continue
        if choice.entity and choice.entity not in entities_of:
            continue
        # Rows of an entity are described by its fields: a side only one value's words (or none) say needs a
        # column named like one of them; values naming both entities are evidence enough.
        if by_words < 2 and any(
            e != choice.entity and not _column_score_for_entity(table, e, prefix)[1] for e in entities_of
        ):
            continue
        if kind_named:
            evidence.append(f"the name {column.name!r} says a kind or a role")
        left = [v for v in values if v not in sides]
        confidence = (
            0.55 + 0.15 * (by_words == 2) + 0.1 * kind_named + 0.1 * (choice.entity is not None) + 0.05 * (not left)
        )
        if left:
            evidence.append(f"{len(left)} value(s) say no entity: those rows belong to none")
        by_entity = {e: [v for v in values if sides.get(v) == e] for e in entities_of}
        if best is None or confidence > best[0]:
            best = (round(min(0.9, confidence), 4), column.name, by_entity, evidence, left)
    if best is None:
        return None
    confidence, column_name, by_entity, evidence, left = best
    rows = Counter(frame[column_name].drop_nulls().to_list())
    split = []
    for entity, values in by_entity.items():
        where: dict[str, Any] = {"column": column_name, "equals": values[0]} if len(values) == 1 else {}
        where = where or {"column": column_name, "in": values}
        share = sum(rows[v] for v in values)
        why = [f"rows split by {column_name!r}: {share} of {frame.height} are {entity}", *evidence]
        own = choice.evidence if entity == choice.entity else []
        question = None
        if confidence < HIGH or left:
            question = (
                f"{choice.table}: rows split by {column_name!r} — "
                + "; ".join(f"{', '.join(map(repr, vs))} → {e}" for e, vs in by_entity.items())
                + (f"; {', '.join(map(repr, left))} → no entity" if left else "")
                + " — confirm"
            )
        alternatives = choice.alternatives if entity == choice.entity else {}
        split.append(
            TableChoice(
                choice.table,
                entity,
                confidence if entity != choice.entity else max(confidence, choice.confidence),
                [*own, *why],
                alternatives=alternatives,
                where=where,
                decide=question if not split else None,  # one question for the split, on its first entity
            )
        )
    return split


def _ref_fit(
    column: ColumnProfile, canonical: CanonicalField, table: str, profile: DumpProfile, choices: list[TableChoice]
) -> tuple[float, str]:
    """A reference field backed by value overlap with the referenced entity's id column."""
    parent = next((c for c in choices if c.entity == canonical.ref), None)
    if parent is None:
        return 0.0, f"no table is proposed as {canonical.ref}"
    for fk in profile.keys_from(table, column.name):
        if fk.parent == parent.table:
            return 0.1, f"{fk.overlap:.0%} of its {fk.distinct} distinct values are {parent.table} keys"
    return -0.3, f"its values are not {parent.table} keys"


def _assign_fields(
    choice: TableChoice,
    table: TableProfile,
    frame: pl.DataFrame,
    profile: DumpProfile,
    choices: list[TableChoice],
    country: str,
    prefix: str | None,
) -> list[FieldChoice]:
    entity = choice.entity
    assert entity is not None
    names = {f.name for f in data_fields(entity)}
    # `starts_local` is derived from `starts_at` (one parse decides both, as the hand-written specs do).
    canonical_fields = [
        f
        for f in data_fields(entity)
        if not (f.name.endswith("_local") and f.name.removesuffix("_local") + "_at" in names)
    ]
    discriminator = choice.where["column"] if choice.where else None  # says which entity, not a field
    skip = {choice.id_column, choice.origin_column, discriminator} | set(_lookup_keys(table, profile, choices))
    names_split = _surname_first_names(table, entity, skip)
    skip |= {f.column for f in names_split}
    # A JSON object column's members compete like columns (`contact_details` → `$.email`).
    members = {
        f"{column.name}.{key}": (column.name, key, member)
        for column in table.columns
        if column.name not in skip and column.members
        for key, member in column.members.items()
        if _JSON_KEY.match(key)
    }
    candidates = [(c.name, c.name, c) for c in table.columns if c.name not in skip] + [
        (pseudo, key, member) for pseudo, (_col, key, member) in members.items()
    ]
    frame = frame.with_columns(
        pl.col(column).str.json_path_match(f"$.{key}").alias(pseudo) for pseudo, (column, key, _m) in members.items()
    )
    # Every (column, field) pair with its score; then the strongest pairs win, one field per column.
    pairs = []
    taken_fields: set[str] = {f.field for f in names_split}
    city = next((f for f in canonical_fields if f.name == "city"), None)
    no_city_column = city is not None and not any(
        name_score(said, table.name, entity, city, prefix)[0] >= 0.85 for _c, said, _p in candidates
    )
    for candidate, said, column in candidates:
        column = replace(column, name=candidate)
        for canonical in canonical_fields:
            if canonical.name in taken_fields:
                continue
            score, why = name_score(said, table.name, entity, canonical, prefix)
            if canonical.name == "city" and no_city_column and _names_a_locality(said, table.name, entity, prefix):
                # With no city column, the suburb is the address's locality (AU addresses write no city).
                score, why = 0.86, f"name {said!r} is the locality, and no column names a city"
            evidence = [why] if why else []
            if score == 0.0:
                identifier_field = IDENTIFIER_FIELDS.get(column.kind)
                if identifier_field == canonical.name:
                    score = 0.85
                    evidence = [f"{column.kind_share:.0%} of values pass the {column.kind.split(':')[1]} check digit"]
                elif canonical.name == "email" and column.kind == "email":
                    score = 0.6
                    evidence = ["values are email addresses"]
                else:
                    continue
            fit, fit_why = value_fit(canonical, column)
            if fit <= -1.0:
                continue
            if canonical.dtype == pl.Boolean and _names_no_flag(said, table.name, entity, prefix):
                continue  # `PTNT_DELETEDID`, `PTNT_DELETED_DATE` say who or when, not yes or no
            if canonical.name in FLAG_STATES and _names_the_opposite(said, table.name, entity, canonical.name, prefix):
                continue  # `inactive` holds `active` but says its opposite (read by `_flags_from_status`)
            if canonical.ref:
                fit, fit_why = _ref_fit(column, canonical, table.name, profile, choices)
            confidence = max(0.0, min(0.99, score + fit))
            if fit_why:
                evidence.append(fit_why)
            if confidence >= FIELD_THRESHOLD:
                pairs.append((confidence, column, canonical, evidence))
    pairs.sort(key=lambda p: (-p[0], p[1].position, p[2].name))
    taken_columns: set[str] = set()
    picked = []
    for confidence, column, canonical, evidence in pairs:
        if column.name in taken_columns or canonical.name in taken_fields:
            continue
        taken_columns.add(column.name)
        taken_fields.add(canonical.name)
        picked.append((confidence, column, canonical, evidence))
    picked = _plain_text_from_rich(picked, canonical_fields, taken_fields)
    # time_zone first, so instants can be read in the row's zone (`zone_field` names an earlier field).
    picked.sort(key=lambda p: (p[2].name != "time_zone", p[1].position))
    zone_mapped = "time_zone" in taken_fields
    out = []
    for confidence, column, canonical, evidence in picked:
        transforms, more, question, penalty = _transforms(
            entity, canonical, column, frame, country, zone_mapped, dump_date_format(profile)
        )
        source, key = (
            (members[column.name][0], members[column.name][1]) if column.name in members else (column.name, "")
        )
        if key:
            transforms = [{"json_path": {"path": f"$.{key}"}}, *transforms]
            evidence = [f"member {key!r} of the JSON in {source!r}", *evidence]
        out.append(
            FieldChoice(
                table.name,
                entity,
                canonical.name,
                source,
                _field_spec(source, transforms),
                round(max(0.0, confidence - penalty), 4),
                evidence + more,
                question,
            )
        )
    out = names_split + out
    split = _split_date_times(
        table, entity, canonical_fields, taken_fields, taken_columns | skip, zone_mapped, profile, prefix
    )
    taken_fields |= {f.field for f in split}
    out += split
    out += _derived_local_times(table.name, entity, taken_fields, zone_mapped)
    out += _flags_from_dates(table, entity, canonical_fields, taken_fields, prefix)
    state_taken = taken_columns | skip | {f.column for f in out}
    out += _flags_from_status(table, frame, entity, canonical_fields, taken_fields, state_taken, prefix)
    out = _status_from_flags(table, frame, entity, out, taken_columns | skip, prefix)
    out += _derived_files(table.name, entity, out)
    out += _lookup_joins(choice, table, profile, choices, taken_fields, prefix)
    out += _child_joins(choice, profile, choices, taken_fields)
    out += _practice_country(choice, out)
    return _required_fillers(choice, out)


_LOCALITY_WORDS = frozenset({"suburb", "locality"})


def _names_no_flag(column: str, table: str, entity: str, prefix: str | None) -> bool:
    """The name ends in a key word (`DELETED_ID`, glued: `DELETEDID`) or a date word (`DELETED_DATE`): it
    says who or when, not yes or no."""
    words = _strip_prefix(tokens(column), table, entity, prefix)
    last = words[-1] if words else ""
    return (
        last in _ID_WORDS
        or last in _DATE_WORDS
        or any(last.endswith(w) and len(last) - len(w) >= 4 for w in _STRONG_ID_WORDS | _DATE_WORDS)
    )


_DATE_WORDS = frozenset({"date", "time", "datetime", "timestamp"})


def _plain_text_from_rich(
    picked: list[tuple[float, ColumnProfile, CanonicalField, list[str]]],
    canonical_fields: list[CanonicalField],
    taken_fields: set[str],
) -> list[tuple[float, ColumnProfile, CanonicalField, list[str]]]:
    """A note's only body column holds HTML (`note_html`): it is the required plain-text body (converted
    by html_to_text) rather than the optional original alone."""
    body_text = next((f for f in canonical_fields if f.name == "body_text"), None)
    if body_text is None or "body_text" in taken_fields:
        return picked
    out = []
    for confidence, column, canonical, evidence in picked:
        if canonical.name == "body_original" and column.kind == "html":
            taken_fields.discard("body_original")
            taken_fields.add("body_text")
            why = "no plain-text body column: this HTML body is the note's text (the original is kept in raw)"
            canonical, evidence = body_text, [*evidence, why]
        out.append((confidence, column, canonical, evidence))
    return out


_FLAG_PREFIXES = ("is", "was", "has", "flag")
_YES_NO = frozenset(VALUE_SYNONYMS["true"] + VALUE_SYNONYMS["false"])
_EVENT_SUFFIXES = ("time", "date", "datetime", "at", "on")


def _status_value(name: str, allowed: tuple[str, ...]) -> str | None:
    """The canonical value a flag's or an event's name says (`IsCancelled` → cancelled, `IsDNA` →
    did_not_attend, `ArrivalTime` → arrived)."""
    for value in allowed:
        words = {_value_words(value), *VALUE_SYNONYMS.get(value, ())}
        if name in words:
            return value
    return None


def _status_from_flags(
    table: TableProfile,
    frame: pl.DataFrame,
    entity: str,
    chosen: list[FieldChoice],
    taken: set[str | None],
    prefix: str | None,
) -> list[FieldChoice]:
    """A status the export spreads over yes/no flags and event times (`IsCancelled`, `IsDNA`,
    `ArrivalTime`) rather than one readable column: a `case` over them, the flags first, else `booked`.
    Used when no column gives the status, or the status column's codes read as no status at all."""
    allowed = allowed_values(entity, "status") if _has_field(entity, "status") else ()
    if "booked" not in allowed:
        return chosen
    current = next((f for f in chosen if f.field == "status"), None)
    if current is not None and current.column is not None:
        status_column = next((c for c in table.columns if c.name == current.column), None)
        if not _unreadable_codes(current.spec) and not (status_column and status_column.kind == "empty"):
            return chosen
    branches: list[tuple[int, dict[str, Any], str, str]] = []
    for column in table.columns:
        if column.name in taken or column.kind == "empty":
            continue
        words = _own_id_words(tokens(column.name), table.name, entity, prefix)
        name = compact(words)
        values = _enumeration_values(frame, column.name)
        if len(values) <= 2 and all(_value_words(v) in _YES_NO for v in values):
            flag = next((name[len(p) :] for p in _FLAG_PREFIXES if name.startswith(p) and len(name) > len(p) + 1), "")
            value = _status_value(flag, allowed)
            yes = [v for v in values if _value_words(v) in VALUE_SYNONYMS["true"]]
            if value is not None and yes:
                branches.append((0, {"column": column.name, "in": yes}, value, column.name))
        elif column.kind in {"instant", "local_datetime", "time", "date"}:
            event = next((name[: -len(x)] for x in _EVENT_SUFFIXES if name.endswith(x) and len(name) > len(x) + 2), "")
            value = _status_value(event, allowed) or _status_value(event + "d", allowed)
            if value is not None and value != "booked":
                branches.append((1, {"column": column.name, "is_null": False}, value, column.name))
    if not branches:
        return chosen
    branches.sort(key=lambda b: (b[0], table.column(b[3]).position))
    spec = {"case": [{"when": b[1], "then": {"value": b[2]}} for b in branches], "else": {"value": "booked"}}
    named = ", ".join(f"{b[3]!r} → {b[2]}" for b in branches)
    why = f"the status is spread over flags and event times ({named}); otherwise booked"
    question = f"status: read from {named} in that order, else booked — confirm the precedence"
    replaced = FieldChoice(table.name, entity, "status", branches[0][3], spec, 0.6, [why], question)
    return [f for f in chosen if f.field != "status"] + [replaced]


def _unreadable_codes(spec: Any) -> bool:
    """A value map that read none of the column's codes (every code left for the person)."""
    transforms = spec.get("transforms", []) if isinstance(spec, dict) else []
    maps = [t["value_map"] for t in transforms if isinstance(t, dict) and "value_map" in t]
    return bool(maps) and not maps[0].get("map")


def _flag_date_names(flag: str) -> set[str]:
    """Compact names of a date column whose presence sets the yes/no field `flag` (`is_archived` ←
    `archived_at`, `is_closed` ← `closed_on`)."""
    stem = flag.removeprefix("is_").replace("_", "")
    names = {f"{stem}{w}" for w in ("at", "on", "date", "time", "datetime")} | {f"date{stem}"}
    return names | set(FIELD_SYNONYMS.get(f"{flag.removeprefix('is_')}_at", ())) | set(FLAG_DATES.get(flag, ()))


def _flags_from_dates(
    table: TableProfile,
    entity: str,
    canonical_fields: list[CanonicalField],
    taken_fields: set[str],
    prefix: str | None,
) -> list[FieldChoice]:
    """A required yes/no field no column says, whose event has a date column (`archived_at`, `closed_on`,
    a date of death for `is_archived`): true where that date is filled (`is_not_null`)."""
    out = []
    for canonical in canonical_fields:
        if canonical.dtype != pl.Boolean or canonical.nullable or canonical.name in taken_fields:
            continue
        names = _flag_date_names(canonical.name)
        dated = [
            c
            for c in table.columns
            if c.kind in {"date", "instant", "local_datetime", "empty"}
            and compact(_own_id_words(tokens(c.name), table.name, entity, prefix)) in names
        ]
        if not dated:
            continue
        column = dated[0]
        why = f"no column says {canonical.name}; {column.name!r} dates the event: true where it is filled"
        taken_fields.add(canonical.name)
        spec = {"column": column.name, "transforms": ["is_not_null"]}
        question = f"{canonical.name}: true where {column.name!r} holds a date — confirm"
        out.append(FieldChoice(table.name, entity, canonical.name, column.name, spec, 0.7, [why], question))
    return out


# A column of a record's state has a handful of values (Active / Inactive / Archived…), not a free code.
_MAX_STATES = 6


def _state_said_by_name(column: str, table: TableProfile, entity: str, flag: str, prefix: str | None) -> str | None:
    """How a column's name relates to the yes/no field `flag`: it says the flag (`archive` for is_archived:
    "same"), its opposite (`active` for is_archived: "opposite"), a state its values must tell (`status`:
    "neutral"), or nothing (None). A state name after a code the table's columns share (`PPPUSTATUS` among
    `PPPUID`, `PPPULASTNAME`…) is a state name; after a word (`marital_status`) it is another field's."""
    if _names_no_flag(column, table.name, entity, prefix):
        return None  # `DELETED_ID`, `ARCHIVE_DATE` say who or when
    name = compact(_own_id_words(tokens(column), table.name, entity, prefix))
    true_words, false_words = FLAG_STATES[flag]
    if name in true_words:
        return "same"
    if name in false_words:
        return "opposite"
    if name in STATUS_NAMES:
        return "neutral"
    for status in STATUS_NAMES:
        code = name.removesuffix(status)
        if code == name or len(code) < 2:
            continue
        sharing = [
            c
            for c in table.columns
            if c.name != column and _column_stripped(c.name, table.name, entity, prefix).startswith(code)
        ]
        if len(sharing) >= 3:
            return "neutral"
    return None


def _read_state(value: str, flag: str, said: str) -> tuple[str | None, bool]:
    """A state value read as the flag's "true" or "false" (None: no rule reads it), and whether it was read
    from a yes/no code under a name that says no state by itself (`status` 1: a guess that 1 is in use)."""
    words = _value_words(value)
    true_words, false_words = FLAG_STATES[flag]
    if words in true_words:
        return "true", False
    if words in false_words:
        return "false", False
    if words not in _YES_NO:
        return None, False
    yes = words in VALUE_SYNONYMS["true"]
    if said == "same":
        return str(yes).lower(), False
    if said == "opposite":
        return str(not yes).lower(), False
    # A status code 1 / 0 (yes / no) says the record is in use or not: active, so not archived.
    if "active" in true_words:
        return str(yes).lower(), True
    if "active" in false_words:
        return str(not yes).lower(), True
    return None, False


def _names_the_opposite(column: str, table: str, entity: str, flag: str, prefix: str | None) -> bool:
    return compact(_own_id_words(tokens(column), table, entity, prefix)) in FLAG_STATES[flag][1]


def _flags_from_status(
    table: TableProfile,
    frame: pl.DataFrame,
    entity: str,
    canonical_fields: list[CanonicalField],
    taken_fields: set[str],
    taken_columns: set[str | None],
    prefix: str | None,
) -> list[FieldChoice]:
    """A yes/no field no column names, read from a column of the record's state: `status` (Active /
    Inactive → is_active), `archive` (True / False → is_archived), `PPPU_STATUS` (codes 1 / 0, a guess
    and a question). The values are read by their words into a value map whose unlisted codes are
    reported (`unmapped: error`), then `to_bool` — as the hand-written specs read such columns."""
    out = []
    for canonical in canonical_fields:
        if canonical.dtype != pl.Boolean or canonical.name in taken_fields or canonical.name not in FLAG_STATES:
            continue
        found = []
        for column in table.columns:
            if column.name in taken_columns or column.kind in {"empty", "date", "instant", "local_datetime", "time"}:
                continue
            said = _state_said_by_name(column.name, table, entity, canonical.name, prefix)
            values = _enumeration_values(frame, column.name) if said else []
            if not values or len(values) > _MAX_STATES:
                continue
            read = {v: _read_state(v, canonical.name, said) for v in values}  # type: ignore[arg-type]
            if not any(state for state, _guess in read.values()):
                continue
            found.append((said != "neutral", -column.position, column, said, read))
        if not found:
            continue
        _named, _pos, column, said, read = max(found, key=lambda f: (f[0], f[1]))
        mapping = {v: state for v, (state, _guess) in read.items() if state}
        unread = len(read) - len(mapping)
        guessed = any(guess for _state, guess in read.values())
        plain = said == "same" and not unread and all(v.strip().lower() in _TO_BOOL_WORDS for v in read)
        transforms: list[Any] = (
            ["to_bool"] if plain else [{"value_map": {"map": mapping, "unmapped": "error"}}, "to_bool"]
        )
        relation = {"same": "says", "opposite": "says the opposite of", "neutral": "holds the state behind"}[said]
        evidence = [
            f"no column is named {canonical.name}; {column.name!r} {relation} it",
            f"{len(mapping)} of {len(read)} distinct value(s) read as yes or no for {canonical.name}",
        ]
        confidence = 0.8 if said != "neutral" else 0.75
        question = None
        if guessed:
            confidence = 0.5
            evidence.append("the codes are yes/no digits under a status name: 1 read as in use (active)")
            question = (
                f"{canonical.name}: read from the codes of {column.name!r} (1 as active, 0 as not) — "
                "confirm what each code means; other codes are reported as unmapped_value"
            )
        if unread:
            confidence = round(confidence - 0.15, 4)
            question = (
                f"{canonical.name}: {unread} value(s) of {column.name!r} read neither yes nor no — map them or "
                "accept that such rows are reported as unmapped_value"
            )
        taken_fields.add(canonical.name)
        taken_columns.add(column.name)
        spec = {"column": column.name, "transforms": transforms}
        out.append(FieldChoice(table.name, entity, canonical.name, column.name, spec, confidence, evidence, question))
    return out


def _names_a_locality(column: str, table: str, entity: str, prefix: str | None) -> bool:
    return _column_stripped(column, table, entity, prefix) in _LOCALITY_WORDS


def _lookup_keys(table: TableProfile, profile: DumpProfile, choices: list[TableChoice]) -> dict[str, list[Any]]:
    """Columns named like keys whose values are keys into lookup tables only (not into an entity's
    table): column → keys. A `country_code` whose values happen to lie in a lookup is no key."""
    lookups = {c.table for c in choices if c.entity is None}
    found: dict[str, list[Any]] = {}
    for column in table.columns:
        words = tokens(column.name)
        if len(words) < 2 or words[-1] not in _ID_WORDS:
            continue
        keys = profile.keys_from(table.name, column.name)
        if keys and all(k.parent in lookups for k in keys):
            found[column.name] = keys
    return found


_LABEL_WORDS = ("name", "description", "label", "title", "value", "text", "display")


def _lookup_joins(
    choice: TableChoice,
    table: TableProfile,
    profile: DumpProfile,
    choices: list[TableChoice],
    taken: set[str],
    prefix: str | None,
) -> list[FieldChoice]:
    """A key into a lookup table whose name says a text field of the entity (`ApptTypeID` → table
    `AppointmentTypes`): the lookup is joined and its label column fills the field."""
    entity = choice.entity
    assert entity is not None
    out = []
    for column, keys in _lookup_keys(table, profile, choices).items():
        key = max(keys, key=lambda k: k.overlap)
        lookup = profile.tables[key.parent]
        words = tokens(column)
        stem = "_".join(words[:-1] if len(words) > 1 and words[-1] in _ID_WORDS else words)
        labels = [c for c in lookup.columns if c.name != key.parent_column and c.kind in {"text", "enumeration"}]
        label = next((c for c in labels if compact(tokens(c.name))[-5:] in {w[-5:] for w in _LABEL_WORDS}), None)
        label = label or (labels[0] if labels else None)
        if label is None:
            continue
        best = (0.0, "", "")
        for canonical in data_fields(entity):
            if canonical.name in taken or canonical.ref or canonical.dtype != pl.String:
                continue
            for name in (stem, "_".join(_singular(w) for w in tokens(key.parent))):
                score, why = name_score(name, table.name, entity, canonical, prefix)
                if score > best[0]:
                    best = (score, canonical.name, why)
        if best[0] < 0.65:
            continue
        alias = "".join(ch for ch in key.parent.lower() if ch.isalnum())
        choice.joins[alias] = {"table": key.parent, "left": column, "right": key.parent_column}
        taken.add(best[1])
        evidence = [
            f"{column!r} is a key into lookup {key.parent} ({key.overlap:.0%} of its {key.distinct} values); "
            f"its {label.name!r} column is joined",
            best[2].replace(f"name {stem!r}", f"the key's name {column!r}"),
        ]
        spec = {"column": f"{alias}.{label.name}"}
        out.append(FieldChoice(table.name, entity, best[1], column, spec, round(min(0.8, best[0] * 0.85), 4), evidence))
    return out


# Required yes/no fields that hold for a row no column speaks about (every other one is false).
_TRUE_UNLESS_SAID = frozenset({"is_active"})


def _child_tables(profile: DumpProfile, parent: str, id_column: str) -> list[tuple[str, str]]:
    """(table, key column) of the tables holding rows of `parent`'s rows: a key whose values lie in the
    parent's id (a patient's addresses, alerts; one or several per patient)."""
    return [
        (fk.table, fk.column)
        for fk in profile.foreign_keys
        if fk.parent == parent and fk.parent_column == id_column and fk.table != parent
    ]


def _child_joins(
    choice: TableChoice, profile: DumpProfile, choices: list[TableChoice], taken: set[str]
) -> list[FieldChoice]:
    """A lookup table holding rows of this entity's rows (a patient's own `address` table keyed by the
    patient's id, one or several per patient) whose columns are named like fields of the entity no column of
    its own table fills: joined one-to-many (`many: concat`, the rows' values joined), its columns filling
    those fields (medium confidence at most, a question: which of several rows counts is the person's)."""
    entity, id_column = choice.entity, choice.id_column
    if entity is None or id_column is None:
        return []
    lookups = {c.table for c in choices if c.entity is None}
    wordy = [
        f for f in data_fields(entity) if f.dtype == pl.String and not f.ref and not allowed_values(entity, f.name)
    ]
    out: list[FieldChoice] = []
    for child, key in _child_tables(profile, choice.table, id_column):
        if child not in lookups:
            continue
        child_profile = profile.tables[child]
        prefix = learn_column_prefixes(profile).get(child)
        matched: list[tuple[float, str, CanonicalField, str]] = []
        for column in child_profile.columns:
            if column.name == key:
                continue
            scored = [
                (name_score(column.name, child, entity, f, prefix), f)
                for f in wordy
                if f.name not in taken
                and f.name not in {m[2].name for m in matched}
                and value_fit(f, column)[0] > -1.0  # a postcode's digits, never a street of whole numbers
            ]
            best = max(scored, key=lambda s: s[0][0], default=None)
            if best and best[0][0] >= 0.85:
                matched.append((best[0][0], column.name, best[1], best[0][1]))
        if len(matched) < 2:  # one name alike proves little; a child table of the entity's own fields says more
            continue
        alias = "".join(ch for ch in child.lower() if ch.isalnum())
        if alias in choice.joins:
            continue
        choice.joins[alias] = {
            "table": child,
            "left": id_column,
            "right": key,
            "many": "concat",
            "columns": [m[1] for m in matched],
        }
        for score, column_name, canonical, why in matched:
            taken.add(canonical.name)
            evidence = [
                f"{child} holds rows of {choice.table}'s rows ({key!r} is {choice.table}'s id); "
                f"joined, its rows' values concatenated",
                why,
            ]
            question = f"{canonical.name}: from {child}.{column_name}, every row of {child} joined — confirm which rows"
            said = f"{alias}.{column_name}"
            confidence = round(min(0.7, score * 0.8), 4)
            spec = {"column": said}
            out.append(FieldChoice(choice.table, entity, canonical.name, said, spec, confidence, evidence, question))
    return out


def _required_fillers(choice: TableChoice, chosen: list[FieldChoice]) -> list[FieldChoice]:
    """Required fields no column says, filled the way the hand-written specs fill them (a constant
    flag, the practice's currency, the site's time zone) — each a question for the person."""
    entity = choice.entity
    assert entity is not None
    mapped = {f.field: f for f in chosen}
    filled: list[FieldChoice] = []
    for canonical in data_fields(entity):
        if canonical.nullable or canonical.name in mapped or choice.id_column is None:
            continue
        if canonical.dtype == pl.Boolean:
            # An export lists the practitioners it still has: active unless a column says otherwise.
            spec: Any = {"value": canonical.name in _TRUE_UNLESS_SAID}
            why = f"no column says {canonical.name}: {str(spec['value']).lower()} for every row"
            confidence = 0.5
        elif canonical.name == "currency":
            spec = {"column": choice.id_column, "transforms": ["practice_currency"]}
            why = "no currency column: the practice's currency (from its country)"
            confidence = 0.75
        elif (entity, canonical.name) in REQUIRED_DEFAULTS:
            spec = {"value": REQUIRED_DEFAULTS[(entity, canonical.name)]}
            why = f"no column says {canonical.name}: {spec['value']!r} for every row"
            confidence = 0.6
        elif canonical.name == "time_zone" and entity == "site":
            spec = {"column": choice.id_column, "transforms": ["site_time_zone"]}
            why = "no time zone column: the site's zone from the customer's configuration"
            confidence = 0.75
        elif canonical.name == "time_zone" and "site_id" in mapped and mapped["site_id"].column:
            spec = {"column": mapped["site_id"].column, "transforms": ["site_time_zone"]}
            why = "no time zone column: the zone of the row's site, from the customer's configuration"
            confidence = 0.75
        else:
            continue
        question = f"{canonical.name} (required): {why} — confirm or map a column"
        filled.append(FieldChoice(choice.table, entity, canonical.name, None, spec, confidence, [why], question))
    # A time zone read from the site comes first: later instants may name it as their zone_field.
    return [f for f in filled if f.field == "time_zone"] + chosen + [f for f in filled if f.field != "time_zone"]


_JSON_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _surname_first_names(table: TableProfile, entity: str, skip: set[str | None]) -> list[FieldChoice]:
    """A name column holding "Surname, Firstname" (TM3) gives both the last and the first name."""
    fields = {f.name for f in data_fields(entity)}
    if not {"first_name", "last_name"} <= fields:
        return []
    for column in table.columns:
        if column.name in skip or column.kind != "surname_first" or "name" not in tokens(column.name)[-1:]:
            continue
        why = f"{column.kind_share:.0%} of {column.name!r} values read 'Surname, Firstname'"
        return [
            FieldChoice(
                table.name,
                entity,
                f"{part}_name",
                column.name,
                {"column": column.name, "transforms": [{"surname_first": {"part": part}}]},
                0.8,
                [why, f"the {part} name is the part {'after' if part == 'first' else 'before'} the comma"],
            )
            for part in ("last", "first")
        ]
    return []


def _derived_files(table: str, entity: str, chosen: list[FieldChoice]) -> list[FieldChoice]:
    """A document's file: its path inside the delivery from the file-name column, and its size and digest
    read from the file itself (what the hand-written specs do for an export without a manifest)."""
    if entity != "document":
        return []
    mapped = {f.field: f for f in chosen}
    out = []
    if "storage_uri" not in mapped and "file_name" in mapped and mapped["file_name"].column:
        column = mapped["file_name"].column
        question = (
            f"storage_uri: the files are read at the path {column!r} names inside the delivery — confirm the folder"
        )
        out.append(
            FieldChoice(
                table,
                entity,
                "storage_uri",
                None,
                {"column": column, "transforms": ["dump_path"]},
                0.6,
                [f"the file named by {column!r}, inside the delivered folder"],
                question,
            )
        )
    if "storage_uri" in mapped or out:
        for name, transform in (("size_bytes", "file_bytes"), ("sha256", "file_digest")):
            if name not in mapped:
                why = f"read from the delivered file ({transform})"
                out.append(
                    FieldChoice(
                        table, entity, name, None, {"field": "storage_uri", "transforms": [transform]}, 0.85, [why]
                    )
                )
    return out


# Entities whose addresses are the practice's own country when the export has no country column; a
# referrer's or an organisation's may lie elsewhere, so theirs is left for the person.
_PRACTICE_COUNTRY_ENTITIES = frozenset({"client", "site"})


def _practice_country(choice: TableChoice, chosen: list[FieldChoice]) -> list[FieldChoice]:
    """No country column: the practice's country, as the hand-written specs of single-country exports say."""
    entity = choice.entity
    if entity not in _PRACTICE_COUNTRY_ENTITIES or choice.id_column is None:
        return []
    if any(f.field == "country_code" or "country" in tokens(f.column or "") for f in chosen):
        return []
    why = "no country column: the practice's country for every row"
    spec = {"column": choice.id_column, "transforms": ["practice_country"]}
    return [FieldChoice(choice.table, entity, "country_code", None, spec, 0.6, [why], f"country_code: {why} — confirm")]


def _split_date_times(
    table: TableProfile,
    entity: str,
    canonical_fields: list[CanonicalField],
    taken_fields: set[str],
    taken_columns: set[str],
    zone_mapped: bool,
    profile: DumpProfile,
    prefix: str | None,
) -> list[FieldChoice]:
    """A date-and-time field the export splits into a day column and a time-of-day column (`APPT_DATE` +
    `START_TIME`, as desktop diaries write them): the two cells joined, then read as the wall-clock time
    in the day's own date order. The day column is the table's only free date column, or the one named
    just `date`; the time column is the one named like the field."""
    fields = [f for f in canonical_fields if f.dtype == pl.Datetime and f.name not in taken_fields]
    free = [c for c in table.columns if c.name not in taken_columns]
    days = [c for c in free if c.kind == "date"]
    times = [c for c in free if c.kind == "time"]
    if not fields or not days or not times:
        return []
    named_date = [c for c in days if _column_stripped(c.name, table.name, entity, prefix) == "date"]
    day = days[0] if len(days) == 1 else named_date[0] if len(named_date) == 1 else None
    if day is None:
        return []
    out = []
    used: set[str] = set()
    for canonical in fields:
        scored = [(name_score(c.name, table.name, entity, canonical, prefix), c) for c in times if c.name not in used]
        best = max(scored, key=lambda s: (s[0][0], -s[1].position), default=None)
        if best is None or best[0][0] < 0.85:
            continue
        (score, why), time = best
        used.add(time.name)
        evidence = [why, f"the day is in {day.name!r} (a date column), the time of day in {time.name!r}"]
        fmt, question, penalty = _decided_format(day, dump_date_format(profile), evidence)
        seconds = any(shape.count(":") == 2 for shape in time.shapes)
        params: dict[str, Any] = {"formats": [f"{fmt} %H:%M:%S" if seconds else f"{fmt} %H:%M"]}
        if zone_mapped:
            params["zone_field"] = "time_zone"
        spec = {"concat": [day.name, time.name], "separator": " ", "transforms": [{"local_instant": params}]}
        # Joining two cells is an inference beyond either name: never more than medium confidence.
        confidence = round(max(0.0, min(score, HIGH) - 0.1 - penalty), 4)
        out.append(FieldChoice(table.name, entity, canonical.name, time.name, spec, confidence, evidence, question))
    return out


def _derived_local_times(table: str, entity: str, mapped: set[str], zone_mapped: bool) -> list[FieldChoice]:
    """`starts_local` from `starts_at`: the same instant on the site's wall clock (as the hand-written specs do)."""
    known = {f.name for f in data_fields(entity)}
    out = []
    for name in sorted(known):
        if not name.endswith("_local"):
            continue
        instant = name.removesuffix("_local") + "_at"
        if instant in mapped:
            params = {"zone_field": "time_zone"} if zone_mapped else {}
            spec = {"field": instant, "transforms": [{"to_local": params} if params else "to_local"]}
            evidence = [f"derived from {instant}: the same instant on the wall clock of the row's time zone"]
            out.append(FieldChoice(table, entity, name, None, spec, 0.9, evidence))
    return out


def _from_known_spec(known: str, data: dict[str, Any], profile: DumpProfile, system: str) -> Proposal:
    """Every table of the dump is exactly a registered system's resource: its hand-written spec is the proposal."""
    from mappings.spec import field_columns, parse_spec

    spec = parse_spec(data, f"mappings/{known}")
    evidence = f"known system profile: every table and column is {known}'s"
    tables, fields = [], []
    for name in profile.tables:
        # A table may feed several entities, each taking its rows by a `where` (Bp VIP.net's providers).
        entities = [e for e, es in spec.entities.items() if any(s.table == name for s in es.sources)] or [None]
        for entity in entities:
            source = next((s for s in spec.entities[entity].sources if s.table == name), None) if entity else None
            raw_source = (
                next((s for s in data["entities"][entity]["sources"] if s["table"] == name), {}) if entity else {}
            )
            id_column = field_columns(source.id)[0] if source and field_columns(source.id) else None
            origin = (
                field_columns(source.origin)[0] if source and source.origin and field_columns(source.origin) else None
            )
            reason = [evidence] if entity else [evidence + f"; {known}'s spec keeps it as a lookup"]
            where = raw_source.get("where") if len(entities) > 1 else None
            joins = dict(raw_source.get("joins") or {})
            tables.append(TableChoice(name, entity, 0.99, reason, id_column, origin, joins=joins, where=where))
            fields += _known_fields(name, entity, source, raw_source, evidence)
    used = (
        {(f.table, f.column) for f in fields}
        | {(t.table, t.id_column) for t in tables}
        | {(t.table, t.origin_column) for t in tables}
        | {(t.table, t.where["column"]) for t in tables if t.where}
    )
    unmapped = {n: [c.name for c in t.columns if (n, c.name) not in used] for n, t in profile.tables.items()}
    unmatched = {
        t.entity: [
            f.name
            for f in data_fields(t.entity)
            if not any(x.field == f.name and x.table == t.table and x.entity == t.entity for x in fields)
        ]
        for t in tables
        if t.entity
    }
    proposal = Proposal(system, tables, fields, unmapped, unmatched, known_profile=known, known_spec=data)
    proposal.problems = spec_problems(proposal, profile)
    return proposal


def _known_fields(
    table: str, entity: str | None, source: Any, raw_source: dict[str, Any], evidence: str
) -> list[FieldChoice]:
    from mappings.spec import field_columns

    out = []
    for field_name, field_data in (raw_source.get("fields") or {}).items():
        columns = field_columns(source.fields[field_name]) if source else []
        column = columns[0] if columns else None
        out.append(FieldChoice(table, entity, field_name, column, field_data, 0.99, [evidence]))  # type: ignore[arg-type]
    return out


def spec_problems(proposal: Proposal, profile: DumpProfile) -> list[str]:
    """Why the proposed spec would not pass mappings/validate.py (empty: it passes), checked against
    the delivered tables and columns (an unseen system is not registered yet)."""
    from mappings.spec import SpecError, parse_spec

    delivered = {name: {c.name for c in t.columns} for name, t in profile.tables.items()}
    try:
        parse_spec(proposal.spec_data(), f"proposal for {proposal.system}", delivered=delivered)
    except SpecError as exc:
        return list(exc.problems)
    return []
