"""What a desktop export packs into its cells, proposed as the hand-written specs read it: wall-clock
date-times in the export's own date order, "Surname, Firstname" in one cell, JSON objects whose members are
fields — and tables a proposal cannot key (issue 19: proposal quality)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
from proposal_helpers import propose_text

from mappings.transforms.registry import MappingContext, TransformContext, get_transform

CLIENTS = {
    "ClientID": ["C1", "C2", "C3", "C4"],
    "Name": ["Ngata, Aroha", "Smith, Jo", "Brown, Sam", "O'Neil, Kim"],
    "ContactDetails": [
        json.dumps({"email": "a@example.org", "mobile": "021 555 0101"}),
        json.dumps({"email": "j@example.org"}),
        json.dumps({"mobile": "021 555 0103"}),
        json.dumps({"email": "k@example.org", "mobile": "021 555 0104"}),
    ],
}
APPOINTMENTS = {
    "ApptID": ["A1", "A2", "A3"],
    "ClientID": ["C1", "C2", "C3"],
    "Start": ["25/03/2026 09:00", "02/04/2026 10:30", "03/04/2026 14:15"],
}


def _proposal(tables: dict[str, dict[str, list[str | None]]]):
    return propose_text(tables)


def _field(proposal, table: str, name: str):
    return next(f for f in proposal.fields if f.table == table and f.field == name)


def test_a_surname_first_cell_gives_both_names() -> None:
    _profile, proposal = _proposal({"Clients": CLIENTS})
    last, first = _field(proposal, "Clients", "last_name"), _field(proposal, "Clients", "first_name")
    assert last.spec == {"column": "Name", "transforms": [{"surname_first": {"part": "last"}}]}
    assert first.spec == {"column": "Name", "transforms": [{"surname_first": {"part": "first"}}]}
    assert "Surname, Firstname" in last.evidence[0]


def test_json_members_are_proposed_as_fields_and_profiled_without_values() -> None:
    profile, proposal = _proposal({"Clients": CLIENTS})
    members = profile.tables["Clients"].column("ContactDetails").members
    assert members is not None and set(members) == {"email", "mobile"}
    assert members["email"].kind == "email" and members["email"].nulls == 1
    assert "a@example.org" not in json.dumps(profile.as_dict())  # shapes and counts only
    email = _field(proposal, "Clients", "email")
    assert email.column == "ContactDetails"
    assert email.spec["transforms"][0] == {"json_path": {"path": "$.email"}}
    assert _field(proposal, "Clients", "mobile_phone").spec["transforms"][0] == {"json_path": {"path": "$.mobile"}}
    assert proposal.problems == []


def test_wall_clock_date_times_are_read_in_the_order_their_values_prove() -> None:
    profile, proposal = _proposal({"Clients": CLIENTS, "Appointments": APPOINTMENTS})
    start = profile.tables["Appointments"].column("Start")
    assert start.kind == "local_datetime" and start.dates is not None and start.dates.day_first == 1
    starts = _field(proposal, "Appointments", "starts_at")
    assert starts.spec == {"column": "Start", "transforms": [{"local_instant": {"formats": ["%d/%m/%Y %H:%M"]}}]}
    assert starts.decide is None
    # The local wall time follows from the instant, as the hand-written specs derive it.
    assert _field(proposal, "Appointments", "starts_local").spec["field"] == "starts_at"


def test_local_instant_reads_text_in_the_proposed_format_and_names_what_it_cannot() -> None:
    mapping = MappingContext("c", "trial", "template", "NZ", "Pacific/Auckland")
    context = TransformContext(pl.DataFrame(), {}, mapping, "starts_at", "appointment")
    values = pl.Series("starts", ["25/03/2026 09:00", "not a time", None])
    step = get_transform("local_instant").fn(values, context, formats=["%d/%m/%Y %H:%M"])
    # 25 March 2026 09:00 in Auckland (NZDT, +13:00) is 24 March 20:00 UTC.
    assert step.values.to_list()[0] == datetime(2026, 3, 24, 20, 0, tzinfo=UTC)
    assert step.values.to_list()[1:] == [None, None]
    assert step.issues is not None and step.issues.to_list() == [None, "invalid_timestamp", None]


def test_an_empty_table_is_keyed_by_its_id_name_and_an_unkeyed_table_proposes_no_fields() -> None:
    empty_cases = {"id": [], "client_id": [], "claim_number": []}
    unkeyed = {"ClientID": ["C1", "C1", "C2"], "Surname": ["Ngata", "Ngata", "Smith"]}
    _profile, proposal = _proposal({"Clients": CLIENTS, "Cases": empty_cases, "Patients": unkeyed})
    cases = next(t for t in proposal.tables if t.table == "Cases")
    assert (cases.entity, cases.id_column) == ("condition", "id")
    assert "the table is empty" in " ".join(cases.evidence)
    patients = next(t for t in proposal.tables if t.table == "Patients")
    assert patients.entity is None  # no column is unique: no row id, so no entity …
    assert not [f for f in proposal.fields if f.table == "Patients"]  # … and none of its fields
