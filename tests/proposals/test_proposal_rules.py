"""General rules of the offline proposer for exports whose names and values are not the canonical ones
(issue 19: per-system precision and recall): legacy column codes, key names, amounts with their currency,
flags derived from dates, a status spread over flags, an HTML note body, invoices called accounts."""

from __future__ import annotations

from proposal_helpers import propose_text

from checks.canonical import data_fields
from proposals.patterns import value_kinds
from proposals.propose import FieldChoice, Proposal, learn_column_prefixes, name_score


def _field(proposal: Proposal, table: str, name: str) -> FieldChoice | None:
    return next((f for f in proposal.fields if f.table == table and f.field == name), None)


def _entity(proposal: Proposal, table: str) -> str | None:
    return proposal.table(table).entity


CLIENTS = {
    "client_id": ["C1", "C2", "C3", "C4"],
    "last_name": ["Ngata", "Smith", "Brown", "Lee"],
    "archived_at": [None, "2026-01-02T10:00:00Z", None, None],
}


def _child_of_clients(table: str, id_column: str, columns: dict[str, list[str | None]]) -> Proposal:
    """A table of rows keyed `<initial><n>`, each belonging to one of CLIENTS, beside CLIENTS."""
    rows = len(next(iter(columns.values())))
    keyed = {id_column: [f"{table[0]}{n}" for n in range(1, rows + 1)], "client_id": CLIENTS["client_id"][:rows]}
    return propose_text({"Clients": CLIENTS, table: keyed | columns})[1]


def test_amounts_with_a_country_qualified_currency_are_money() -> None:
    for text in ("NZ$60.00", "A$1,200.50", "NZD 90.00", "£5.00"):
        assert "money" in value_kinds(text), text
    assert "money" not in value_kinds("NZ60.00")
    proposal = _child_of_clients("Invoices", "invoice_id", {"total": ["NZ$90.00", "NZ$45.50", "NZ$1,120.00"]})
    total = _field(proposal, "Invoices", "total_amount")
    assert total is not None and total.column == "total"


def test_a_when_suffix_and_a_team_member_key() -> None:
    """`start_at`/`end_at` are the start and end; `team_member_id` is a key to the practitioner."""
    _profile, proposal = propose_text(
        {
            "Clients": CLIENTS,
            "TeamMembers": {
                "team_member_id": ["P1", "P2"],
                "first_name": ["Aroha", "James"],
                "last_name": ["Ngata", "Cole"],
                "email": ["a@example.org", "j@example.org"],
            },
            "Bookings": {
                "booking_id": ["A1", "A2", "A3"],
                "client_id": ["C1", "C2", "C3"],
                "team_member_id": ["P1", "P2", "P1"],
                "start_at": ["2026-03-03T10:00:00", "2026-03-04T10:00:00", "2026-03-05T09:00:00"],
                "end_at": ["2026-03-03T10:45:00", "2026-03-04T10:45:00", "2026-03-05T09:45:00"],
            },
        }
    )
    assert _entity(proposal, "TeamMembers") == "practitioner"
    assert _field(proposal, "Bookings", "starts_at").column == "start_at"
    assert _field(proposal, "Bookings", "ends_at").column == "end_at"
    assert _field(proposal, "Bookings", "practitioner_id").column == "team_member_id"


def test_flags_derive_from_the_date_of_their_event() -> None:
    """No `is_archived` column but an `archived_at` one: archived where it holds a date; a case's
    `closed_on` closes it; a column named for who deleted a row (`deleted_id`) is no flag."""
    _profile, proposal = propose_text(
        {
            "Clients": CLIENTS | {"deleted_id": ["0", "0", "0", "7"]},
            "Cases": {
                "case_id": ["K1", "K2", "K3"],
                "client_id": ["C1", "C2", "C3"],
                "case_title": ["Knee", "Back", "Neck"],
                "closed_on": [None, "2026-02-01", None],
            },
        }
    )
    archived = _field(proposal, "Clients", "is_archived")
    assert archived.spec == {"column": "archived_at", "transforms": ["is_not_null"]}
    assert archived.decide  # a question for the person
    closed = _field(proposal, "Cases", "is_closed")
    assert closed.spec == {"column": "closed_on", "transforms": ["is_not_null"]}
    # A case has no title field: its title is the name it is known by.
    assert _field(proposal, "Cases", "name").column == "case_title"


def test_a_date_of_death_archives_the_patient() -> None:
    _profile, proposal = propose_text(
        {"Patients": {"PatientID": ["1", "2", "3"], "Surname": ["A", "B", "C"], "DOD": [None, None, "2025-04-01"]}}
    )
    assert _field(proposal, "Patients", "is_archived").spec == {"column": "DOD", "transforms": ["is_not_null"]}


def test_a_status_spread_over_flags_and_an_event_time() -> None:
    _profile, proposal = propose_text(
        {
            "Clients": CLIENTS,
            "Appointments": {
                "ApptID": ["A1", "A2", "A3", "A4"],
                "ClientID": ["C1", "C2", "C3", "C4"],
                "Start": ["2026-03-03T10:00:00", "2026-03-04T10:00:00", "2026-03-05T09:00:00", "2026-03-06T09:00:00"],
                "IsCancelled": ["0", "1", "0", "0"],
                "IsDNA": ["0", "0", "1", "0"],
                "ArrivalTime": ["2026-03-03T09:55:00", None, None, None],
            },
        }
    )
    status = _field(proposal, "Appointments", "status")
    assert status.spec["else"] == {"value": "booked"}
    cases = {c["then"]["value"]: c["when"] for c in status.spec["case"]}
    assert cases == {
        "cancelled": {"column": "IsCancelled", "in": ["1"]},
        "did_not_attend": {"column": "IsDNA", "in": ["1"]},
        "arrived": {"column": "ArrivalTime", "is_null": False},
    }
    assert [c["then"]["value"] for c in status.spec["case"]][-1] == "arrived"  # the flags decide first
    assert status.decide


def test_an_html_body_is_the_notes_plain_text() -> None:
    bodies = ["<p>Better.</p>", "<p>Same.</p><p>Exercises.</p>", "<b>Worse</b>"]
    proposal = _child_of_clients("TreatmentNotes", "note_id", {"note_html": bodies})
    body = _field(proposal, "TreatmentNotes", "body_text")
    assert body.spec == {"column": "note_html", "transforms": ["html_to_text"]}
    assert _field(proposal, "TreatmentNotes", "body_original") is None


def test_a_legacy_schemas_column_code_is_learned() -> None:
    """Every column of a code list starts with its code (`SHCD_`): the row id is `SHCD_ID` (an id over a
    code, and the key appointments name after it), its description the site's name; an object id (`OID`)
    keys a table; a key word beside an entity word (`PPPU_ID_PROVIDER`) is a reference."""
    sites = {
        "SHCD_ID": ["501", "502"],
        "SHCD_CODE": ["S1", "S2"],
        "SHCD_DESCRIPTION": ["Harbour Clinic", "Hill Clinic"],
        "SHCD_TYPE": ["40", "40"],
    }
    tables = {
        "Locations": sites,
        "Providers": {"PPPU_ID": ["1", "2"], "PPPU_LASTNAME": ["Ngata", "Cole"], "PPPU_FULLNAME": ["A N", "J C"]},
        "Patient": {
            "PTNT_ID": ["1001", "1002", "1003"],
            "PTNT_PATIENTCODE": ["PC1", "PC2", "PC3"],
            "PTNT_SURNAME": ["A", "B", "C"],
        },
        "Bookings": {
            "OID": [str(n) for n in range(490, 520)],
            "PTNT_ID": ["1001", "1002", "1003"] * 10,
            "PPPU_ID_PROVIDER": ["1", "2"] * 15,
            "SHCD_ID_LOCATION": ["501", "502"] * 15,
        },
    }
    profile, proposal = propose_text(tables)
    assert learn_column_prefixes(profile)["Locations"] == "shcd"
    site = proposal.table("Locations")
    assert site.entity == "site" and site.id_column == "SHCD_ID"
    assert _field(proposal, "Locations", "name").column == "SHCD_DESCRIPTION"
    assert proposal.table("Bookings").id_column == "OID"
    assert _field(proposal, "Bookings", "practitioner_id").column == "PPPU_ID_PROVIDER"
    assert _field(proposal, "Bookings", "site_id").column == "SHCD_ID_LOCATION"
    assert _field(proposal, "Patient", "legacy_reference").column == "PTNT_PATIENTCODE"
    assert _field(proposal, "Patient", "referred_by_client_id") is None
    # Shared words are no code: `home_phone`, `home_city`… keep their `home`.
    # A name of noise words only (`Data`) holds no prefix and breaks nothing.
    clients = {"client_id": ["1", "2"], "home_phone": ["1", "2"], "home_city": ["a", "b"], "Data": ["x", "y"]}
    words, _ = propose_text({"Clients": clients})
    assert "Clients" not in learn_column_prefixes(words)


def test_a_learned_column_code_is_an_argument_of_the_name_score() -> None:
    """The learned code is passed down, not kept in module state: the same column scored for the same table
    with and without the code gives each its own answer, whichever is asked first (the cache keys on it)."""
    name = next(f for f in data_fields("site") if f.name == "name")
    with_code = name_score("SHCD_DESCRIPTION", "Locations", "site", name, "shcd")
    without_code = name_score("SHCD_DESCRIPTION", "Locations", "site", name, None)
    assert with_code[0] >= 0.75 and "label" in with_code[1]
    assert without_code[0] < with_code[0]
    assert name_score("SHCD_DESCRIPTION", "Locations", "site", name, "shcd") == with_code


def test_invoices_called_accounts() -> None:
    _profile, proposal = propose_text(
        {
            "Clients": CLIENTS,
            "Accounts": {
                "account_id": ["I1", "I2", "I3"],
                "account_no": ["1001", "1002", "1003"],
                "client_id": ["C1", "C2", "C3"],
                "total": ["90.00", "45.00", "30.00"],
            },
            "AccountItems": {
                "item_id": ["L1", "L2", "L3"],
                "account_id": ["I1", "I1", "I2"],
                "amount": ["60.00", "30.00", "45.00"],
            },
        }
    )
    accounts = proposal.table("Accounts")
    assert accounts.entity == "invoice" and accounts.id_column == "account_id"
    assert _field(proposal, "Accounts", "invoice_number").column == "account_no"
    assert _entity(proposal, "AccountItems") == "invoice_line"
    assert _field(proposal, "AccountItems", "invoice_id").column == "account_id"


def test_dates_written_as_midnight_date_times_and_codes_that_are_no_words() -> None:
    """A SQL Server `datetime` date of birth (`1951-02-02 00:00:00.000`) is a date read in its own format; a
    `STREETCODE` (a code of the street, whole numbers) is no street address; a date-time with a time of day
    is no date of birth."""
    _profile, proposal = propose_text(
        {
            "Patients": {
                "PatientID": ["1", "2", "3"],
                "Surname": ["A", "B", "C"],
                "DOB": ["1951-02-02 00:00:00.000", "1980-03-25 00:00:00.000", None],
                "StreetCode": ["1010", "6011", "3204"],
                "Street": ["1 Main St", "2 High St", None],
            },
        }
    )
    dob = _field(proposal, "Patients", "date_of_birth")
    assert dob.spec == {"column": "DOB", "transforms": [{"parse_date": {"formats": ["%Y-%m-%d %H:%M:%S.%f"]}}]}
    assert _field(proposal, "Patients", "address_line_1").column == "Street"
    assert not any(f.column == "StreetCode" for f in proposal.fields if f.field.startswith("address"))
    timed = {
        "PatientID": ["1", "2"],
        "Surname": ["A", "B"],
        "DOB": ["2026-03-02 09:30:00.000", "2026-03-03 00:00:00.000"],
    }
    _profile, proposal = propose_text({"Patients": timed})
    assert _field(proposal, "Patients", "date_of_birth") is None


def test_a_key_named_as_the_key_it_points_at_is_no_row_id() -> None:
    """Each invoice of its own patient: `patient_ref` is unique in Invoices and payments' `patient_ref`
    repeats it, but it is named as the Patients key it points at — the row id stays `invoice_ref`."""
    _profile, proposal = propose_text(
        {
            "Patients": {"patient_ref": ["P1", "P2", "P3"], "surname": ["A", "B", "C"]},
            "Invoices": {
                "patient_ref": ["P1", "P2", "P3"],
                "invoice_ref": ["V1", "V2", "V3"],
                "total": ["10.00", "20.00", "30.00"],
            },
            "Payments": {
                "payment_ref": ["Y1", "Y2", "Y3", "Y4"],
                "invoice_ref": ["V1", "V2", "V3", "V3"],
                "patient_ref": ["P1", "P2", "P3", "P3"],
                "amount": ["10.00", "20.00", "15.00", "15.00"],
            },
        }
    )
    assert proposal.table("Invoices").id_column == "invoice_ref"
    assert _field(proposal, "Invoices", "client_id").column == "patient_ref"
