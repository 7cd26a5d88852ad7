"""A generated corpus of damaged dumps: every variant is refused (file, record, field named) or staged with
the damage reported on its record and field — no traceback, no silent change, no planted value in any
message, and reconciliation exact wherever staging runs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from corpus_helpers import SECRET, copy_dump, deep_json, edit_lines, map_field, record, refresh_manifest, set_field
from pipeline_helpers import load_raw, register_customer, resign_manifest

from checks.approval import ApprovalOutcome, stage_and_check
from customers import MigrationHome
from sources.base import RawReadError
from sources.ndjson import BOM_NOTE, UTF8_BOM
from sources.raw_layer import load_raw_resource
from sources.registry import get_system
from store import TableRef, Warehouse, read_partition
from synthetic import GenerationSummary

CLINIKO = get_system("cliniko")
DEEP = 3000  # deeper than Python's json module parses (recursion limit 1000)


@dataclass(frozen=True)
class Damage:
    """One damaged record. `expect` says how it must come out:
    - `read:<code>`: loaded, the raw record's `_read_issues` names `field` with `code` (and, with
      `staged`, the staged field issues name the record, the field and the code);
    - `issue:<canonical field>:<code>` / `reject:<canonical field>:<code>`: staged with that field issue or
      reject on the record;
    - `refused:<text>`: the resource is refused with a message naming the file, the record, `field` and text.
    """

    name: str
    resource: str
    field: str | None
    edit: Callable[[bytes], bytes]
    expect: str
    staged: bool = False


def _phones(value: object) -> Callable[[bytes], bytes]:
    return set_field("patient_phone_numbers", value)


def _custom(value: object) -> Callable[[bytes], bytes]:
    return set_field("custom_fields", value)


def _note(value: object) -> Callable[[bytes], bytes]:
    return set_field("content", value)


def _replace_line(text: bytes) -> Callable[[bytes], bytes]:
    return lambda _line: text


def _with_nul(name: str) -> Callable[[bytes], bytes]:
    return map_field(name, lambda value: f"{value or 'Text'}\u0000{SECRET}")


def _cp1252(name: str) -> Callable[[bytes], bytes]:
    def edit(line: bytes) -> bytes:
        data = json.loads(line)
        data[name] = f"Renée {SECRET}"
        return json.dumps(data, ensure_ascii=False).encode("cp1252")

    return edit


def _nhi(value: str) -> Callable[[bytes], bytes]:
    def edit(line: bytes) -> bytes:
        data = json.loads(line)
        for section in data["custom_fields"]["sections"]:
            for field in section["fields"]:
                if field["name"] == "NHI number":
                    field["value"] = value
        return json.dumps(data).encode()

    return edit


_SHAPE = "read:unexpected_shape"
STAGED: list[Damage] = [
    # Nested fields in every shape they must not have (the documented shapes: sources/cliniko/settings.py).
    Damage("phones_as_string", "patients", "patient_phone_numbers", _phones(f"6421{SECRET}"), _SHAPE, True),
    Damage("phones_as_strings", "patients", "patient_phone_numbers", _phones([f"6421{SECRET}"]), _SHAPE, True),
    Damage("phones_as_object", "patients", "patient_phone_numbers", _phones({"number": SECRET}), _SHAPE, True),
    Damage("phones_as_number", "patients", "patient_phone_numbers", _phones(642112345), _SHAPE, True),
    Damage("phones_nested_list", "patients", "patient_phone_numbers", _phones([[{"number": SECRET}]]), _SHAPE, True),
    Damage("phones_null_element", "patients", "patient_phone_numbers", _phones([None]), _SHAPE, True),
    Damage(
        "phone_number_as_object",
        "patients",
        "patient_phone_numbers",
        _phones([{"phone_type": "Mobile", "number": {"n": SECRET}}]),
        _SHAPE,
        True,
    ),
    Damage(
        "phones_deep",
        "patients",
        "patient_phone_numbers",
        set_field("patient_phone_numbers", raw=deep_json(DEEP)),
        _SHAPE,
        True,
    ),
    Damage("custom_fields_as_string", "patients", "custom_fields", _custom(f"NHI {SECRET}"), _SHAPE, True),
    Damage("custom_fields_as_list", "patients", "custom_fields", _custom([SECRET]), _SHAPE, True),
    Damage("custom_sections_as_string", "patients", "custom_fields", _custom({"sections": SECRET}), _SHAPE, True),
    Damage(
        "custom_fields_list_as_string",
        "patients",
        "custom_fields",
        _custom({"sections": [{"name": "Health identifiers", "fields": SECRET}]}),
        _SHAPE,
        True,
    ),
    Damage(
        "custom_value_as_object",
        "patients",
        "custom_fields",
        _custom({"sections": [{"fields": [{"name": "NHI number", "value": {"v": SECRET}}]}]}),
        "issue:nhi:invalid_identifier",
        True,
    ),
    Damage(
        "custom_fields_deep",
        "patients",
        "custom_fields",
        set_field("custom_fields", raw='{"sections": ' + deep_json(DEEP) + "}"),
        _SHAPE,
        True,
    ),
    Damage("contact_phones_as_string", "contacts", "phone_numbers", set_field("phone_numbers", SECRET), _SHAPE),
    Damage("contact_phones_as_strings", "contacts", "phone_numbers", set_field("phone_numbers", [SECRET]), _SHAPE),
    Damage("note_content_as_string", "treatment_notes", "content", _note(f"<p>{SECRET}</p>"), _SHAPE, True),
    Damage(
        "repeat_rule_as_string", "individual_appointments", "repeat_rule", set_field("repeat_rule", "weekly"), _SHAPE
    ),
    Damage("group_repeat_rule_as_list", "group_appointments", "repeat_rule", set_field("repeat_rule", [1]), _SHAPE),
    Damage("template_content_as_list", "treatment_note_templates", "content", _note([SECRET]), _SHAPE),
    Damage(
        "custom_field_definitions_as_string",
        "settings",
        "patient_custom_fields_definition",
        set_field("patient_custom_fields_definition", SECRET),
        _SHAPE,
    ),
    # NUL characters inside names and text: removed, reported, the rest of the value kept.
    Damage("nul_in_first_name", "patients", "first_name", _with_nul("first_name"), "read:nul_removed", True),
    Damage("nul_in_last_name", "patients", "last_name", _with_nul("last_name"), "read:nul_removed", True),
    Damage("nul_in_contact_name", "contacts", "last_name", _with_nul("last_name"), "read:nul_removed"),
    Damage("nul_in_practitioner_name", "practitioners", "first_name", _with_nul("first_name"), "read:nul_removed"),
    Damage("nul_in_sms_text", "communications", "content", _with_nul("content"), "read:nul_removed", True),
    # Bytes of another encoding: transcoded and reported per field.
    Damage("cp1252_first_name", "patients", "first_name", _cp1252("first_name"), "read:encoding_repaired", True),
    # Values of the right JSON type that do not make sense.
    Damage(
        "impossible_birth_date",
        "patients",
        "date_of_birth",
        set_field("date_of_birth", "31/31/1990"),
        "issue:date_of_birth:invalid_date",
    ),
    Damage(
        "invalid_email", "patients", "email", set_field("email", f"{SECRET}-at-nowhere"), "issue:email:invalid_email"
    ),
    Damage("unknown_sex", "patients", "sex", set_field("sex", SECRET), "issue:sex:unmapped_value"),
    Damage("invalid_nhi", "patients", "custom_fields", _nhi(f"X{SECRET}"), "issue:nhi:invalid_identifier"),
    # Missing required fields and broken references: rejected with a reason.
    Damage(
        "patient_without_last_name",
        "patients",
        "last_name",
        set_field("last_name", delete=True),
        "reject:last_name:required_missing",
    ),
    Damage(
        "appointment_without_start",
        "individual_appointments",
        "starts_at",
        set_field("starts_at", None),
        "reject:starts_at:required_missing",
    ),
    Damage(
        "appointment_of_unknown_patient",
        "individual_appointments",
        "patient",
        set_field("patient", {"links": {"self": "https://api.au1.cliniko.com/v1/patients/999999999999"}}),
        "reject:client_id:missing_reference",
    ),
    Damage(
        "sms_without_patient",
        "communications",
        "patient",
        set_field("patient", None),
        "reject:client_id:required_missing",
    ),
]

REFUSED: list[Damage] = [
    Damage(
        "boolean_as_string",
        "individual_appointments",
        "did_not_arrive",
        set_field("did_not_arrive", SECRET),
        "refused:expected boolean, found string",
    ),
    Damage(
        "integer_as_text",
        "appointment_types",
        "duration_in_minutes",
        set_field("duration_in_minutes", SECRET),
        "refused:expected integer, found string",
    ),
    Damage(
        "status_as_text", "invoices", "status", set_field("status", SECRET), "refused:expected integer, found string"
    ),
    Damage(
        "integer_with_fraction",
        "individual_appointments",
        "cancellation_reason",
        set_field("cancellation_reason", 10.5),
        "refused:expected integer, found number",
    ),
    Damage(
        "quantity_as_text",
        "invoice_items",
        "quantity",
        set_field("quantity", SECRET),
        "refused:expected integer or number, found string",
    ),
    Damage(
        "link_as_string",
        "patients",
        "concession_type",
        set_field("concession_type", f"https://{SECRET}"),
        "refused:expected link, found string",
    ),
    Damage(
        "link_without_links",
        "patients",
        "referring_doctor",
        set_field("referring_doctor", {"links": SECRET}),
        "refused:expected link, found object",
    ),
    Damage(
        "link_object_without_links",
        "individual_appointments",
        "patient_case",
        set_field("patient_case", {"href": f"https://{SECRET}"}),
        "refused:expected link, found object",
    ),
    Damage("truncated_json", "patients", None, lambda line: line[: len(line) // 2], "refused:not valid JSON"),
    Damage(
        "array_not_object",
        "patients",
        None,
        _replace_line(json.dumps([SECRET]).encode()),
        "refused:expected a JSON object, found array",
    ),
    Damage(
        "neither_utf8_nor_cp1252",
        "patients",
        None,
        lambda line: line.replace(b'"first_name":"', b'"first_name":"\x81\x8d'),
        "refused:bytes are neither UTF-8 nor cp1252",
    ),
    Damage(
        "deep_and_truncated",
        "treatment_notes",
        None,
        _replace_line(b'{"id": "1", "content": ' + deep_json(DEEP).encode()[:-5]),
        "refused:record",
    ),
    Damage(
        "scalar_line",
        "contacts",
        None,
        _replace_line(json.dumps(SECRET).encode()),
        "refused:expected a JSON object, found string",
    ),
]


def _assigned(damages: list[Damage]) -> list[tuple[Damage, int]]:
    """Each damage on its own record of its resource (from record 2: record 1 stays clean)."""
    taken: dict[str, int] = {}
    out = []
    for damage in damages:
        taken[damage.resource] = taken.get(damage.resource, 1) + 1
        out.append((damage, 1 if damage.resource == "settings" else taken[damage.resource]))
    return out


ASSIGNED = _assigned(STAGED)


@dataclass
class StagedCorpus:
    dump: Path
    outcome: ApprovalOutcome
    raw_issues: dict[tuple[str, int], str]
    tables: dict[str, pl.DataFrame]
    original: dict[tuple[str, int], dict]


@pytest.fixture(scope="module")
def staged_corpus(
    corpus_practice: GenerationSummary, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StagedCorpus]:
    """Every staged damage in one dump (each on its own record), loaded and staged once, without Dagster."""
    root = tmp_path_factory.mktemp("corpus-staged")
    dump = copy_dump(corpus_practice.out_dir, root / "dump")
    original = {(d.resource, n): record(dump, d.resource, n) for d, n in ASSIGNED}
    by_resource: dict[str, dict[int, Callable[[bytes], bytes]]] = {}
    for damage, number in ASSIGNED:
        by_resource.setdefault(damage.resource, {})[number] = damage.edit
    for resource, edits in by_resource.items():
        edit_lines(dump, resource, edits)
    home = root / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MIGRATION_HOME", str(home))
        config = register_customer(home, "corpus", dump)
        warehouse = load_raw(home, config, "trial")
        outcome = stage_and_check(MigrationHome(home), config, "trial")
    raw_issues = {}
    with warehouse.connect(read_only=True) as con:
        for resource in by_resource:
            rows = con.execute(
                f"select _source_record, _read_issues from raw_cliniko.{resource} where _read_issues is not null"
            ).fetchall()
            raw_issues.update({(resource, n): issues for n, issues in rows})
        tables = {name: read_partition(con, TableRef("staged", name), "trial") for name in ("rejects", "field_issues")}
        tables["client"] = read_partition(con, TableRef("staged", "client"), "trial")
    yield StagedCorpus(dump, outcome, raw_issues, tables, original)


@pytest.mark.parametrize(("damage", "number"), ASSIGNED, ids=[d.name for d, _ in ASSIGNED])
def test_staged_damage_is_reported_on_its_record_and_field(
    staged_corpus: StagedCorpus, damage: Damage, number: int
) -> None:
    kind, *rest = damage.expect.split(":")
    if kind == "read":
        (code,) = rest
        assert f"{damage.field}:{code}" in (staged_corpus.raw_issues.get((damage.resource, number)) or "").split(";")
        if damage.staged:
            issues = staged_corpus.tables["field_issues"].filter(
                (pl.col("source_table") == damage.resource) & (pl.col("source_record") == number)
            )
            assert (damage.field, code) in issues.select("field", "code").rows()
        return
    canonical_field, code = rest
    if kind == "issue":
        found = staged_corpus.tables["field_issues"]
        columns = ("field", "code")
    else:
        found = staged_corpus.tables["rejects"]
        columns = ("field", "reason")
    on_record = found.filter((pl.col("source_table") == damage.resource) & (pl.col("source_record") == number))
    assert (canonical_field, code) in on_record.select(*columns).rows()


def test_no_planted_value_in_any_message_and_reconciliation_is_exact(staged_corpus: StagedCorpus) -> None:
    for name in ("rejects", "field_issues"):
        messages = staged_corpus.tables[name]["message"].drop_nulls().to_list()
        assert messages and not [m for m in messages if SECRET in m]
    counts = staged_corpus.outcome.staging.result.reconciliation
    assert (counts["considered"] == counts["staged"] + counts["merged"] + counts["rejected"]).all()
    # Per raw table: every delivered record was considered by exactly one entity (explosions aside).
    manifest = {
        f["path"].removesuffix(".ndjson"): f.get("records")
        for f in json.loads((staged_corpus.dump / "manifest.json").read_text())["files"]
    }
    considered = counts.filter(pl.col("grain") == "rows").group_by("source_table").agg(pl.col("considered").sum())
    for table, rows in considered.rows():
        assert rows == manifest[table], table
    recon = [r for r in staged_corpus.outcome.results if r.definition.name == "reconciliation"]
    assert recon and all(r.passed for r in recon)


def test_nothing_else_of_a_damaged_record_changes(staged_corpus: StagedCorpus) -> None:
    """A NUL is removed and the rest of the name kept; a mis-shaped phone list leaves the name intact."""
    clients = staged_corpus.tables["client"]
    for damage, number in ASSIGNED:
        if damage.resource != "patients" or not damage.expect.startswith("read:"):
            continue
        before = staged_corpus.original[("patients", number)]
        row = clients.filter(pl.col("source_id") == before["id"])
        assert row.height == 1, damage.name
        if damage.name == "nul_in_first_name":
            assert row["first_name"][0] == f"{before['first_name']}{SECRET}"
        elif damage.name == "nul_in_last_name":
            assert row["last_name"][0] == f"{before['last_name']}{SECRET}"
        elif damage.field in ("patient_phone_numbers", "custom_fields"):
            assert row["last_name"][0] == before["last_name"].strip()
            assert row["date_of_birth"][0].isoformat() == before["date_of_birth"]


@pytest.mark.parametrize("damage", REFUSED, ids=[d.name for d in REFUSED])
def test_refused_damage_names_file_record_and_field_never_the_value(
    corpus_practice: GenerationSummary, tmp_path: Path, damage: Damage
) -> None:
    dump = copy_dump(corpus_practice.out_dir, tmp_path / "dump")
    edit_lines(dump, damage.resource, {3: damage.edit})
    with pytest.raises(RawReadError) as error:
        load_raw_resource(Warehouse(tmp_path / "w.duckdb"), CLINIKO, damage.resource, dump, "trial")
    message = str(error.value)
    assert f"{damage.resource}.ndjson: record 3" in message
    if damage.field:
        assert f"field '{damage.field}'" in message
    assert damage.expect.removeprefix("refused:") in message
    assert SECRET not in message


def test_truncated_delivery_is_refused_by_the_manifest(corpus_practice: GenerationSummary, tmp_path: Path) -> None:
    dump = copy_dump(corpus_practice.out_dir, tmp_path / "dump")
    path = dump / "communications.ndjson"
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"\n".join(lines[:-2]) + b"\n")
    with pytest.raises(RawReadError, match=r"communications\.ndjson: \d+ bytes, the manifest says \d+"):
        load_raw_resource(Warehouse(tmp_path / "w.duckdb"), CLINIKO, "communications", dump, "trial")
    # Re-listed with its new bytes and sha256 but the delivered count: the count still gives it away.
    resign_manifest(path)
    with pytest.raises(RawReadError, match=rf"{len(lines) - 2} records read, the manifest lists {len(lines)}"):
        load_raw_resource(Warehouse(tmp_path / "w.duckdb"), CLINIKO, "communications", dump, "trial")


def test_missing_file_is_refused(corpus_practice: GenerationSummary, tmp_path: Path) -> None:
    dump = copy_dump(corpus_practice.out_dir, tmp_path / "dump")
    (dump / "medical_alerts.ndjson").unlink()
    with pytest.raises(RawReadError, match=r"medical_alerts\.ndjson: file missing"):
        load_raw_resource(Warehouse(tmp_path / "w.duckdb"), CLINIKO, "medical_alerts", dump, "trial")


def test_byte_order_mark_is_read_as_utf8_and_noted(corpus_practice: GenerationSummary, tmp_path: Path) -> None:
    dump = copy_dump(corpus_practice.out_dir, tmp_path / "dump")
    path = dump / "patients.ndjson"
    path.write_bytes(UTF8_BOM + path.read_bytes())
    refresh_manifest(dump)
    summary = load_raw_resource(Warehouse(tmp_path / "w.duckdb"), CLINIKO, "patients", dump, "trial")
    assert summary.rows == corpus_practice.counts["patients"]
    assert summary.notes == (BOM_NOTE,)
    with Warehouse(tmp_path / "w.duckdb").connect(read_only=True) as con:
        first = con.execute("select id from raw_cliniko.patients where _source_record = 1").fetchall()[0][0]
    assert first == record(corpus_practice.out_dir, "patients", 1)["id"]


def test_deep_nesting_in_an_unknown_field_is_kept_and_reported(
    corpus_practice: GenerationSummary, tmp_path: Path
) -> None:
    dump = copy_dump(corpus_practice.out_dir, tmp_path / "dump")
    edit_lines(dump, "patients", {2: set_field("x_nested", raw=deep_json(DEEP))})
    summary = load_raw_resource(Warehouse(tmp_path / "w.duckdb"), CLINIKO, "patients", dump, "trial")
    assert summary.rows == corpus_practice.counts["patients"]
    assert summary.undeclared_fields == {"x_nested": 1}  # the field's name and its records, never the value


def test_a_clean_dump_has_no_read_issue(corpus_practice: GenerationSummary, tmp_path: Path) -> None:
    """The shape and NUL checks flag nothing the API documents (nulls, empty lists, every field present)."""
    warehouse = Warehouse(tmp_path / "w.duckdb")
    for resource in CLINIKO.resources:
        summary = load_raw_resource(warehouse, CLINIKO, resource, corpus_practice.out_dir, "trial")
        assert summary.issue_counts == {}, resource
        assert summary.rows == corpus_practice.counts[resource]
