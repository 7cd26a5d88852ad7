"""One table feeding several entities by a discriminator column (issue 19: Profile's PPPU split by
PPPU_ISEXTERNAL, Bp VIP.net's providers by provider_type): each entity takes its rows with the mapping
format's own `where`, with confidence and evidence, and the review, the spec and the benchmark follow."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml
from proposal_helpers import PROPOSAL_SEED, propose_text

from mappings.spec import SPEC_DIR, parse_spec
from proposals.benchmark import score, truth_from_spec
from proposals.propose import HIGH, Proposal, TableChoice
from proposals.review import render_review, sample_rows

CLIENTS = {"client_id": ["C1", "C2", "C3", "C4"], "last_name": ["Ngata", "Smith", "Brown", "Lee"]}
PROVIDERS = {
    "provider_id": ["P1", "P2", "P3", "R1", "R2"],
    "provider_type": ["Internal", "Internal", "Internal", "External", "External"],
    "title": ["Dr", None, None, "Dr", "Dr"],
    "given_name": ["Aroha", "James", "Priya", "Ian", "Mere"],
    "surname": ["Ngata", "Cole", "Shah", "Fox", "Tane"],
    "organisation": [None, None, None, "City GP", "Hill GP"],
    "email": ["a@clinic.example.org", "j@clinic.example.org", "p@clinic.example.org", None, None],
}
BOOKINGS = {
    "appointment_id": ["A1", "A2", "A3", "A4"],
    "patient_id": ["C1", "C2", "C3", "C4"],
    "provider_id": ["P1", "P2", "P3", "P1"],
    "start": ["2026-03-03T10:00:00", "2026-03-04T10:00:00", "2026-03-05T09:00:00", "2026-03-06T09:00:00"],
}


def _sources(proposal: Proposal, table: str) -> dict[str | None, TableChoice]:
    return {c.entity: c for c in proposal.sources_of(table)}


def test_a_type_column_splits_a_providers_table_into_practitioners_and_referrers() -> None:
    _profile, proposal = propose_text({"Patients": CLIENTS, "Providers": PROVIDERS, "Appointments": BOOKINGS})
    sources = _sources(proposal, "Providers")
    assert set(sources) == {"practitioner", "referrer"}
    assert sources["practitioner"].where == {"column": "provider_type", "equals": "Internal"}
    assert sources["referrer"].where == {"column": "provider_type", "equals": "External"}
    assert sources["referrer"].confidence >= HIGH and any("provider_type" in e for e in sources["referrer"].evidence)
    data = proposal.spec_data()
    referrer = data["entities"]["referrer"]["sources"][0]
    assert referrer["table"] == "Providers" and referrer["where"] == sources["referrer"].where
    assert referrer["fields"]["organisation_name"] == "organisation"
    assert "organisation_name" not in data["entities"]["practitioner"]["sources"][0]["fields"]
    # The discriminator says which entity; it is no field of either, and it is not left unmapped.
    assert all(f.column != "provider_type" for f in proposal.fields)
    assert "provider_type" not in proposal.unmapped_columns["Providers"]
    assert not [p for p in proposal.problems if "practitioner" in p or "referrer" in p]
    summary = proposal.summary()
    assert summary["tables"] == 3 and summary["entities"] == 4 and summary["split_tables"] == 1


def test_a_yes_no_column_named_external_splits_the_rows_and_asks() -> None:
    """`PPPU_ISEXTERNAL` 0/1: its name says which side is the referrer; no value says the practitioner, so the
    split is below high confidence and is a question for the person."""
    pppu = {
        "PPPU_ID": ["1", "2", "3", "101"],
        "PPPU_TITLE": [None, None, None, "Dr"],
        "PPPU_LASTNAME": ["Ngata", "Cole", "Shah", "Fox"],
        "PPPU_FULLNAME": ["Aroha Ngata", "James Cole", "Priya Shah", "Ian Fox"],
        "PPPU_EMAIL": ["a@clinic.example.org", "j@clinic.example.org", None, None],
        "PPPU_ISEXTERNAL": ["0", "0", "0", "1"],
    }
    _profile, proposal = propose_text({"Patients": CLIENTS, "Providers": pppu})
    sources = _sources(proposal, "Providers")
    assert sources["practitioner"].where == {"column": "PPPU_ISEXTERNAL", "equals": "0"}
    assert sources["referrer"].where == {"column": "PPPU_ISEXTERNAL", "equals": "1"}
    questions = [q for q in proposal.open_questions() if isinstance(q, TableChoice)]
    assert len(questions) == 1 and "PPPU_ISEXTERNAL" in (questions[0].decide or "")
    assert sources["referrer"].confidence < HIGH


def test_no_split_without_role_words_or_when_the_other_entity_has_its_own_table() -> None:
    plain = dict(PROVIDERS, provider_type=["Senior", "Junior", "Junior", "Senior", "Junior"])
    _profile, proposal = propose_text({"Patients": CLIENTS, "Providers": plain})
    assert [c.where for c in proposal.sources_of("Providers")] == [None]
    referrers = {"referrer_id": ["R9"], "referrer_name": ["Dr Who"], "referral_type": ["doctor"], "phone": [None]}
    _profile, proposal = propose_text({"Patients": CLIENTS, "Providers": PROVIDERS, "Referrers": referrers})
    if proposal.table("Referrers").entity == "referrer":
        assert all(c.where is None for c in proposal.sources_of("Providers"))


def test_the_review_shows_each_entity_its_own_rows() -> None:
    profile, proposal = propose_text({"Patients": CLIENTS, "Providers": PROVIDERS, "Appointments": BOOKINGS})
    tables = {n: pl.DataFrame(c, schema=dict.fromkeys(c, pl.String)) for n, c in PROVIDERS_DUMP.items()}
    samples = sample_rows(proposal, tables)
    names = {
        e: next(c for c in samples[("Providers", e)] if c.field == "last_name") for e in ("practitioner", "referrer")
    }
    assert names["practitioner"].delivered == ["Ngata", "Cole", "Shah"]
    assert names["referrer"].delivered == ["Fox", "Tane"]
    record = {"proposal_version": "v", "run_kind": "trial", "layout_fingerprint": "f"}
    html = render_review(proposal, profile, samples, record)
    assert "provider_type = External" in html and "(rows)" not in html  # a high-confidence split asks nothing


PROVIDERS_DUMP = {"Patients": CLIENTS, "Providers": PROVIDERS, "Appointments": BOOKINGS}


def test_the_benchmark_scores_the_split_per_table_and_entity() -> None:
    """Houston's hand-written spec reads `providers` twice; its truth is per (table, entity), with the rows
    each takes, and a proposal that names the wrong rows for the referrer is scored wrong there."""
    truth = truth_from_spec(yaml.safe_load((SPEC_DIR / "houston.yaml").read_text(encoding="utf-8")))
    assert truth.entities_of["providers"] == ["practitioner", "referrer"]
    assert truth.where_values[("providers", "referrer")] == {"External"}
    assert ("providers", "referrer", "organisation_name") in truth.fields
    assert ("providers", "practitioner", "organisation_name") not in truth.fields
    providers = dict(PROVIDERS, provider_number=[None] * 5)
    _profile, proposal = propose_text({"providers": providers})
    sub = type(truth)(
        {"providers": truth.entities_of["providers"]},
        set(),
        {k: v for k, v in truth.fields.items() if k[0] == "providers"},
        {},
        truth.delivered_dates,
        truth.where_values,
    )
    right = score(proposal, sub, "split")
    assert not [w for w in right.wrong if w.get("field") == "(where)"]
    for choice in proposal.sources_of("providers"):
        assert choice.where is not None
        choice.where = {"column": "provider_type", "equals": "Internal"}  # both take the internal rows
    wrong = score(proposal, sub, "wrong split")
    assert [w["entity"] for w in wrong.wrong if w.get("field") == "(where)"] == ["referrer"]
    assert wrong.recall < right.recall


def test_a_split_spec_validates_and_keeps_its_filters() -> None:
    _profile, proposal = propose_text(PROVIDERS_DUMP)
    delivered = {n: set(c) for n, c in PROVIDERS_DUMP.items()}
    data = proposal.spec_data()
    data["entities"] = {e: v for e, v in data["entities"].items() if e in {"practitioner", "referrer"}}
    data["lookups"] = ["Appointments", "Patients"]
    spec = parse_spec(data, "split", delivered=delivered)
    wheres = {e: s.sources[0].where for e, s in spec.entities.items() if e in {"practitioner", "referrer"}}
    assert {w.equals for w in wheres.values() if w is not None} == {"Internal", "External"}


def test_a_split_tables_entities_share_its_row_id_and_its_own_words_say_no_role() -> None:
    """`PRAC_` (read as practitioner) before every column says no role, so `PRAC_PPPUISEXTERNAL` says only
    external; `PRAC_PROVIDERID` is no referrer word, yet it keys the referrers' rows as it keys the others."""
    prac = {
        "PRAC_PROVIDERID": ["P1", "P2", "P3", "R1"],
        "PRAC_PPPUISEXTERNAL": ["0", "0", "0", "1"],
        "PRAC_PPPUTITLE": [None, None, None, "Dr"],
        "PRAC_PPPULASTNAME": ["Ngata", "Cole", "Shah", "Fox"],
        "PRAC_PPPUEMAIL": ["a@clinic.example.org", "j@clinic.example.org", None, None],
    }
    _profile, proposal = propose_text({"Patients": CLIENTS, "PRAC": prac})
    sources = _sources(proposal, "PRAC")
    assert set(sources) == {"practitioner", "referrer"}
    assert sources["referrer"].where == {"column": "PRAC_PPPUISEXTERNAL", "equals": "1"}
    assert sources["referrer"].id_column == sources["practitioner"].id_column == "PRAC_PROVIDERID"


def test_a_split_is_shown_on_the_review_page_and_confirmed_into_the_overrides(tmp_path: Path) -> None:
    """Bp VIP.net's providers sheet as delivered (its known profile): the review page shows which rows each
    entity takes, and confirming writes both entities' sources with their row filters."""
    from pipeline_helpers import register_customer

    from customers import MigrationHome
    from proposals.exports import EXPORTS
    from proposals.workflow import confirm_for_customer, propose_for_customer

    dump = EXPORTS["houston"].build(tmp_path / "work", 8, PROPOSAL_SEED)
    home = MigrationHome(tmp_path / "home")
    config = register_customer(home.root, "split-practice", dump, country="AU", system="houston")
    record = propose_for_customer(home, config, "trial")
    providers = {t["entity"]: t for t in record["tables"] if t["table"] == "providers"}
    assert providers["referrer"]["where"] == {"column": "provider_type", "equals": "External"}
    review = (home.customer_dir("split-practice") / "mapping" / "review.html").read_text(encoding="utf-8")
    assert "provider_type = External" in review and "provider_type = Internal" in review
    confirm_for_customer(home, home.load("split-practice"), "Practice Manager")
    overrides = home.load("split-practice").mapping_overrides
    assert overrides["referrer"]["sources"][0]["where"] == {"column": "provider_type", "equals": "External"}
    assert overrides["practitioner"]["sources"][0]["where"] == {"column": "provider_type", "equals": "Internal"}


def test_an_entity_split_off_one_table_is_not_split_off_another() -> None:
    """Two provider tables each with a type column: the referrers are split off the first only (one table per
    entity), so the spec has one source per entity."""
    second = {k.replace("provider", "staff"): v for k, v in PROVIDERS.items()}
    second["staff_id"] = ["S1", "S2", "S3", "S4", "S5"]
    _profile, proposal = propose_text({"Patients": CLIENTS, "Providers": PROVIDERS, "Staff": second})
    referrers = [c.table for c in proposal.tables if c.entity == "referrer"]
    assert len(referrers) == 1
    assert len(proposal.spec_data()["entities"]["referrer"]["sources"]) == 1
