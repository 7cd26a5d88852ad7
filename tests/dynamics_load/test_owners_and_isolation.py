"""Owner resolution against the org's users, and one customer's load never reaching another's org (both ways)."""

from __future__ import annotations

import html
from collections.abc import Iterator

import polars as pl
import pytest
from dynamics_load_helpers import (
    CUSTOMER,
    DATAVERSE_OPTIONS,
    FALLBACK_EMAIL,
    TIME_SCALE,
    assert_verified,
    dump_users,
    emulator_rows,
    ledger_operations,
    load,
    ready,
    retarget,
    seed_users,
    staged_counts,
    target_block,
    writes_between,
)
from pipeline_helpers import register_customer, run_pipeline

from customers.endpoints import secret_env_name
from emulators.launcher import RunningEmulators, start_emulators
from synthetic import GenerationSummary
from targets.dynamics import flow
from targets.dynamics.connection import connection_for
from targets.dynamics.loader import LOAD_ORDER
from targets.dynamics.owners import OwnerResolutionError
from targets.dynamics.payloads import record_guid
from targets.dynamics.tables import TABLES

OWN_SECRET = secret_env_name(CUSTOMER, "OWN_ORG_SECRET")
OWNED_TABLES = [t for t in LOAD_ORDER if any(c.kind == "owner" for c in TABLES[t].columns)]


def _practitioners(part: flow.Partition) -> dict[str, str]:
    """Lower-cased e-mail → practitioner canonical id."""
    with part.warehouse.connect(read_only=True) as con:
        rows = con.execute(
            "select lower(email), canonical_id from staged.practitioner where run_kind = ? and email is not null",
            [part.run_kind],
        ).fetchall()
    return dict(rows)


def _owned_counts(part: flow.Partition, practitioner_ids: set[str]) -> dict[tuple[str, str], int]:
    """(practitioner, table) → mapped rows that practitioner owns."""
    counts: dict[tuple[str, str], int] = {}
    with part.warehouse.connect(read_only=True) as con:
        for table in OWNED_TABLES:
            for owner, n in con.execute(
                f"select ownerid, count(*) from dynamics.{table} where run_kind = ? group by ownerid",
                [part.run_kind],
            ).fetchall():
                if owner in practitioner_ids:
                    counts[(owner, table)] = n
    return counts


def test_practitioners_match_enabled_users_by_email_ignoring_case_and_the_rest_fall_back(
    own_part: flow.Partition, own_org: RunningEmulators, load_practice: GenerationSummary
) -> None:
    part, org = own_part, own_org
    control = org.dataverse_control
    users = {u["email"].lower(): u for u in dump_users(load_practice.out_dir) if u.get("email")}
    practitioners = _practitioners(part)
    active = sorted(e for e in practitioners if users.get(e, {}).get("user_active"))
    assert len(practitioners) >= 3 and len(active) >= 2, "the practice needs three practitioners with e-mail"
    matched, unmatched = active[0], active[1]
    disabled = next(e for e in sorted(practitioners) if e not in {matched, unmatched})
    # Users are seeded with upper-cased e-mail; one practitioner has no user, one a disabled one.
    seeded = seed_users(control, users.values(), skip={unmatched}, disable={disabled})

    flow.run(flow.schema_plan(part, apply=True))
    resolution = flow.run(flow.resolve_owners(part))
    outcomes = {
        (r["email"] or "").lower(): (r["outcome"], r["systemuser_id"])
        for r in resolution.practitioners.iter_rows(named=True)
    }
    assert outcomes[matched] == ("matched", seeded[matched])
    assert outcomes[disabled] == ("disabled", seeded[disabled])
    assert outcomes[unmatched] == ("unmatched", None)
    assert resolution.owners == {practitioners[e]: seeded[e] for e, (o, _) in outcomes.items() if o == "matched"}
    assert resolution.fallback_owner == seeded[FALLBACK_EMAIL]

    # The owner report lists who fell back, with the records each would have owned.
    fell_back = {practitioners[disabled], practitioners[unmatched]}
    expected = _owned_counts(part, fell_back)
    assert expected, "the practitioners who fall back own no records"
    report = pl.read_csv(part.reports / "owner-fallback.csv", infer_schema=False)
    reported = {(o, t): int(n) for o, t, n in report.iter_rows() if o in fell_back}
    assert reported == expected
    assert not report.filter(pl.col("ownerid") == practitioners[matched]).height
    listed = dict(
        pl.read_csv(part.reports / "owner-resolution.csv", infer_schema=False)
        .select("practitioner_id", "outcome")
        .iter_rows()
    )
    assert listed[practitioners[disabled]] == "disabled" and listed[practitioners[unmatched]] == "unmatched"
    page = (part.reports / "owner-resolution.html").read_text(encoding="utf-8")
    assert all(p in page for p in fell_back)
    # Practitioners by the name the practice knows them by, the fallback owner by email (issue 25 item 7).
    with part.warehouse.connect(read_only=True) as con:
        names = con.execute(
            "select coalesce(nullif(concat_ws(' ', first_name, last_name), ''), display_name) from staged.practitioner "
            "where run_kind = ?",
            [part.run_kind],
        ).fetchall()
    assert names and all(html.escape(n, quote=True) in page for (n,) in names)
    assert html.escape(part.config.fallback_owner_email) in page

    # Loaded records carry the matched user or, for everyone else, the fallback owner.
    tables = ["account", "contact", "appointment"]
    outcome = load(part, "run-1", tables=tables)
    assert [t.table for t in outcome.tables if t.failed] == []
    with part.warehouse.connect(read_only=True) as con:
        owners = dict(
            con.execute(
                "select canonical_id, ownerid from dynamics.appointment where run_kind = ? and ownerid is not null",
                [part.run_kind],
            ).fetchall()
        )
    stored = {r["activityid"]: r["ownerid"]["id"] for r in emulator_rows(org, "appointment")}
    customer = part.config.customer_id
    actual = {key: stored[record_guid(customer, "appointment", key)] for key in owners}
    wanted = {key: resolution.owners.get(owner, resolution.fallback_owner) for key, owner in owners.items()}
    assert actual == wanted
    assert seeded[matched] in actual.values() and resolution.fallback_owner in actual.values()
    assert seeded[disabled] not in actual.values()
    results = flow.run(flow.verify(part, tables))
    assert all(r.clean and not r.disabled_owner for r in results)


@pytest.mark.parametrize("fallback", ["missing", "disabled"])
def test_a_load_without_an_enabled_fallback_owner_raises_and_sends_nothing(
    ready_part: flow.Partition,
    own_org: RunningEmulators,
    load_practice: GenerationSummary,
    fallback: str,
) -> None:
    # Owners were resolved while the fallback owner was an enabled user (stored with the partition); the
    # org the load now goes to has that user deprovisioned, or disabled (same systemuser id).
    part = retarget(ready_part, own_org, OWN_SECRET)
    control = own_org.dataverse_control
    seeded = seed_users(
        control, dump_users(load_practice.out_dir), fallback=None if fallback == "missing" else "disabled"
    )
    assert (FALLBACK_EMAIL in seeded) == (fallback == "disabled")
    plan = flow.run(flow.schema_plan(part, apply=True))
    assert plan.ready  # only the owner is wrong

    before = control.stats()
    with pytest.raises(OwnerResolutionError, match="fallback_owner_email is not an enabled user"):
        flow.run(flow.resolve_owners(part))
    with pytest.raises(OwnerResolutionError, match="fallback owner"):
        load(part, "run-1")
    assert writes_between(before, control.stats()) == {"created": 0, "updated": 0, "deleted": 0}
    counts = staged_counts(part)
    assert {t: control.dump_table(t) for t in counts} == {t: [] for t in counts}
    assert ledger_operations(part).is_empty()


@pytest.fixture
def own_org(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningEmulators]:
    """An org of its own, with no user but the application user yet (users added to the shared org
    outlive its reset: the emulator re-seeds them)."""
    with start_emulators(time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS) as running:
        monkeypatch.setenv(OWN_SECRET, running.endpoints.client_secret)
        yield running


@pytest.fixture
def own_part(part: flow.Partition, own_org: RunningEmulators) -> flow.Partition:
    """The test's partition, its trial target moved to `own_org`."""
    return retarget(part, own_org, OWN_SECRET)


@pytest.fixture
def other_pair() -> Iterator[RunningEmulators]:
    """A second Entra + Dataverse pair: another customer's org."""
    with start_emulators(time_scale=TIME_SCALE, dataverse_options=DATAVERSE_OPTIONS) as running:
        yield running


def test_a_customers_load_reaches_only_its_own_org(
    ready_part: flow.Partition,
    org: RunningEmulators,
    other_pair: RunningEmulators,
    load_practice: GenerationSummary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    part = ready_part
    # Customer B, in the same migration home, loads to the other org; its secret is in the environment too.
    other_secret = secret_env_name("otherpractice", "DATAVERSE_SECRET")
    monkeypatch.setenv(other_secret, other_pair.endpoints.client_secret)
    other = register_customer(
        part.home.root,
        "otherpractice",
        load_practice.out_dir,
        target=target_block(other_pair.endpoints, other_secret),
    )
    assert connection_for(other, "trial").url == other_pair.endpoints.dataverse_url
    assert connection_for(part.config, "trial").url == org.endpoints.dataverse_url

    tables = ["account", "contact"]
    counts = staged_counts(part, tables)
    outcome = load(part, "run-1", tables=tables)
    assert outcome.written == sum(counts.values())
    assert_verified(part, tables)
    flow.run(flow.rollback(part, "rollback-1", "pytest"))

    assert other_pair.dataverse_control.stats()["requests"] == 0
    assert other_pair.entra_control.stats()["tokens_total"] == 0
    assert all(other_pair.dataverse_control.dump_table(t) == [] for t in tables)
    assert org.dataverse_control.stats()["requests"] > 0  # reset at the start of the test: all A's

    # And the other way round: B's load reaches B's org only; A's org sees no request and issues no token.
    seed_users(other_pair.dataverse_control, dump_users(load_practice.out_dir))
    run_pipeline(part.home.root, other)
    other_part = flow.Partition(part.home, part.home.load(other.customer_id), "trial")
    flow.prepare(other_part)
    ready(other_part)
    before = (org.dataverse_control.stats()["requests"], org.entra_control.stats()["tokens_total"])
    other_counts = staged_counts(other_part, tables)
    assert load(other_part, "run-b", tables=tables).written == sum(other_counts.values())
    assert (org.dataverse_control.stats()["requests"], org.entra_control.stats()["tokens_total"]) == before
    assert all(org.dataverse_control.dump_table(t) == [] for t in tables)  # A's load was rolled back
    assert len(other_pair.dataverse_control.dump_table("contact")) == other_counts["contact"]
