"""A yes/no field read from a column of the record's state (issue 19): `status` Active / Inactive is a
practitioner's `is_active`, `archive` True / False a client's `is_archived`, a legacy `PPPU_STATUS` of codes
1 / 0 a guess asked as a question — each a value map whose unlisted codes are reported, as the hand-written
specs read them; a state named for something else (`smoking_status`) is no record's state."""

from __future__ import annotations

import polars as pl
from proposal_helpers import propose_text

from proposals.propose import FieldChoice, Proposal
from proposals.review import sample_rows

CLIENTS = {
    "client_id": ["C1", "C2", "C3", "C4"],
    "first_name": ["Aroha", "James", "Priya", "Mele"],
    "last_name": ["Ngata", "Cole", "Shah", "Tui"],
}
PRACTITIONERS = {
    "practitioner_id": ["P1", "P2", "P3", "P4"],
    "first_name": ["Hana", "Tom", "Ana", "Sam"],
    "last_name": ["Rewi", "Hale", "Lima", "Moss"],
    "email": ["h@example.org", "t@example.org", "a@example.org", "s@example.org"],
}


def _field(proposal: Proposal, table: str, name: str) -> FieldChoice:
    return next(f for f in proposal.fields if f.table == table and f.field == name)


def _canonical(proposal: Proposal, tables: dict[str, dict[str, list[str | None]]], table: str, name: str) -> list:
    """The field's values as the proposed spec's field spec computes them (the review's evaluator), with issues."""
    frames = {n: pl.DataFrame(c, schema=dict.fromkeys(c, pl.String)) for n, c in tables.items()}
    entity = proposal.table(table).entity
    cell = next(c for c in sample_rows(proposal, frames)[(table, entity)] if c.field == name)
    return list(zip(cell.canonical, cell.issues, strict=True))


def test_a_status_of_state_words_is_the_practitioners_is_active() -> None:
    tables = {"Clients": CLIENTS, "Practitioners": PRACTITIONERS | {"status": ["Active", "Inactive", "Active", None]}}
    _profile, proposal = propose_text(tables)
    is_active = _field(proposal, "Practitioners", "is_active")
    assert is_active.column == "status"
    assert is_active.spec == {
        "column": "status",
        "transforms": [{"value_map": {"map": {"Active": "true", "Inactive": "false"}, "unmapped": "error"}}, "to_bool"],
    }
    assert is_active.band == "medium" and is_active.decide is None
    assert "status" not in proposal.unmapped_columns["Practitioners"]
    assert _canonical(proposal, tables, "Practitioners", "is_active")[:3] == [
        ("True", None),
        ("False", None),
        ("True", None),
    ]


def test_an_archive_column_of_yes_no_words_is_the_clients_is_archived() -> None:
    """`archive` is no known name of is_archived (`archived` is); its True / False values say the flag itself.
    An `active` column says the opposite of archived: its Yes is not archived."""
    tables = {
        "Clients": CLIENTS | {"archive": ["False", "True", "False", "False"]},
        "Practitioners": PRACTITIONERS | {"inactive": ["No", "Yes", "No", "No"]},
    }
    _profile, proposal = propose_text(tables)
    is_archived = _field(proposal, "Clients", "is_archived")
    assert is_archived.spec == {"column": "archive", "transforms": ["to_bool"]}
    assert is_archived.confidence >= 0.6 and is_archived.decide is None
    assert [v for v, _ in _canonical(proposal, tables, "Clients", "is_archived")] == ["False", "True", "False", "False"]
    is_active = _field(proposal, "Practitioners", "is_active")
    assert is_active.column == "inactive"
    assert [v for v, _ in _canonical(proposal, tables, "Practitioners", "is_active")] == [
        "True",
        "False",
        "True",
        "True",
    ]


def test_a_legacy_status_of_codes_is_a_guess_asked_and_unread_codes_are_reported() -> None:
    """`PPPU_STATUS` after the table's learned code `PPPU_`: digits 1 / 0 read as in use or not (low
    confidence, a question); a code no rule reads (3) stays out of the map and its row is unmapped_value."""
    tables = {
        "Clients": CLIENTS,
        "Providers": {
            "PPPU_ID": ["11", "12", "13", "14"],
            "PPPU_FIRSTNAME": ["Hana", "Tom", "Ana", "Sam"],
            "PPPU_LASTNAME": ["Rewi", "Hale", "Lima", "Moss"],
            "PPPU_EMAIL": ["h@example.org", "t@example.org", "a@example.org", "s@example.org"],
            "PPPU_STATUS": ["1", "1", "0", "3"],
        },
    }
    _profile, proposal = propose_text(tables)
    assert proposal.table("Providers").entity == "practitioner"
    is_active = _field(proposal, "Providers", "is_active")
    assert is_active.column == "PPPU_STATUS"
    assert is_active.spec["transforms"][0] == {"value_map": {"map": {"0": "false", "1": "true"}, "unmapped": "error"}}
    assert is_active.band == "low" and is_active.decide is not None
    assert "unmapped_value" in is_active.decide
    assert _canonical(proposal, tables, "Providers", "is_active") == [
        ("True", None),
        ("True", None),
        ("False", None),
        (None, "unmapped_value"),
    ]


def test_a_state_of_something_else_or_of_free_codes_is_no_flag() -> None:
    """`smoking_status` Yes / No is the client's smoking, not their record's state; a `status` of codes no
    rule reads (`Gold`, `Silver`) says nothing: the flags stay the constants the hand-written specs give."""
    tables = {
        "Clients": CLIENTS | {"smoking_status": ["Yes", "No", "No", "Yes"]},
        "Practitioners": PRACTITIONERS | {"status": ["Gold", "Silver", "Gold", "Silver"]},
    }
    _profile, proposal = propose_text(tables)
    assert _field(proposal, "Clients", "is_archived").spec == {"value": False}
    assert _field(proposal, "Practitioners", "is_active").spec == {"value": True}
