"""A table holding rows of an entity's rows (Profile's `address`, keyed by the patient's id) is joined into
that entity one-to-many (`many: concat`) rather than proposed as an entity of its own (issue 19)."""

from __future__ import annotations

import polars as pl
from proposal_helpers import propose_text

from mappings.spec import parse_spec
from proposals.benchmark import joined_column
from proposals.review import sample_rows

PATIENT = {
    "ptnt_id": ["1001", "1002", "1003"],
    "ptnt_firstname": ["Aroha", "James", "Priya"],
    "ptnt_surname": ["Ngata", "Cole", "Shah"],
    "ptnt_dob": ["1980-03-25", "1975-04-03", "1990-12-01"],
}
ADDRESS = {
    "oid": ["1", "2", "3", "4"],
    "ptnt_id": ["1001", "1002", "1003", "1001"],
    "street": ["1 Queen St", "2 King St", "3 Hill Rd", "9 Bay Rd"],
    "suburb": ["Ponsonby", "Te Aro", "Riccarton", "Devonport"],
    "city": ["Auckland", "Wellington", "Christchurch", "Auckland"],
    "postcode": ["1011", "6011", "8011", "0624"],
}


def test_a_patients_address_table_is_joined_not_an_entity() -> None:
    _profile, proposal = propose_text({"patient": PATIENT, "address": ADDRESS})
    assert proposal.table("address").entity is None
    client = proposal.table("patient")
    join = next(iter(client.joins.values()))
    assert join["table"] == "address" and join["many"] == "concat"
    assert join["left"] == "ptnt_id" and join["right"] == "ptnt_id"
    alias = next(iter(client.joins))
    fields = {f.field: f for f in proposal.fields if f.table == "patient"}
    assert fields["city"].spec == {"column": f"{alias}.city"}
    assert fields["postcode"].spec == {"column": f"{alias}.postcode"}
    assert fields["city"].confidence < 0.85 and fields["city"].decide  # which rows count is the person's
    delivered = {"patient": set(PATIENT), "address": set(ADDRESS)}
    spec = parse_spec(proposal.spec_data(), "child join", delivered=delivered)
    assert spec.entities["client"].sources[0].joins[alias].many == "concat"


def test_the_review_samples_concatenate_a_keys_rows() -> None:
    _profile, proposal = propose_text({"patient": PATIENT, "address": ADDRESS})
    dump = {"patient": PATIENT, "address": ADDRESS}
    tables = {n: pl.DataFrame(c, schema=dict.fromkeys(c, pl.String)) for n, c in dump.items()}
    cells = {c.field: c for c in sample_rows(proposal, tables)[("patient", "client")]}
    assert cells["city"].canonical == ["Auckland; Auckland", "Wellington", "Christchurch"]


def test_the_benchmark_reads_a_joined_column_by_its_table() -> None:
    assert joined_column("home.suburb", {"home": "address"}) == "address.suburb"
    assert joined_column("ptnt_street1", {"home": "address"}) == "ptnt_street1"
