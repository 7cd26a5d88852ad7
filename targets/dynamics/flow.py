"""The Gensolve/canonical → Dynamics 365 flow for one partition, as plain Python steps.

prepare (map staged → `dynamics.*`, optionally a stratified sample) → schema plan (build, apply on
request) → owner resolution → load → verify (read back, field diff) — and rollback. The Dagster
assets call these; so can a test or an operator's notebook.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from mappings.spec import load_spec
from mappings.staging import StageSummary, stage_partition
from mappings.transforms.registry import MappingContext
from store import TableRef, read_partition, replace_partition_from_frame, table_exists
from store.files import private_dir, private_tree
from targets import ledger
from targets.base import ChecklistItem, Partition
from targets.dynamics import ClientStats, DataverseClient, accounting
from targets.dynamics import acc as acc_billing
from targets.dynamics.connection import connection_for
from targets.dynamics.custom_fields import CustomColumn, custom_columns, custom_values
from targets.dynamics.custom_tables import CLIENT_PRACTITIONER, USER_COLUMNS
from targets.dynamics.loader import LOAD_ORDER, SCHEMA, TARGET, LoadContext, TableLoad, load_partition, read_columns
from targets.dynamics.owners import (
    OWNING_OUTCOMES,
    OwnerResolution,
    OwnerResolutionError,
    check_roles,
    fetch_users,
    resolve,
)
from targets.dynamics.payloads import Resolved, build_payload, record_guid
from targets.dynamics.practitioners import UserDetailsLoad, write_user_details
from targets.dynamics.readback import TableReadback, absent_lookup_targets, compare
from targets.dynamics.relationships import RelationshipLoad, load_relationships
from targets.dynamics.removals import RemovalResult, retire_removed
from targets.dynamics.report import (
    write_diff_report,
    write_invoice_matches,
    write_owner_report,
    write_rollback_failures,
)
from targets.dynamics.rollback import PRICE_LIST_TABLE, RollbackResult, rollback_partition
from targets.dynamics.schema_plan import PlanExtras, SchemaPlan, apply_plan, build_plan
from targets.dynamics.shared_org import refuse_shared_org, remember
from targets.dynamics.tables import TABLES, Column
from targets.sample import restrict_to_sample, stratified_sample

OWNERS = TableRef(SCHEMA, "owner_resolution")
# PrincipalPrivilegeDenied: a record assigned to a user who cannot own it (research/dataverse.md §5.3).
# What a real org answers when a record is assigned to someone who cannot own it or whom the application user cannot
# reach (emulators/dataverse/README.md "Security roles, teams and owners"): PrincipalPrivilegeDenied,
# UserNotAssignedRoles, UserNotAssignedLicense, ReadOnlyUserNotSupported, a disabled user, PrivilegeDenied.
OWNER_REFUSED = ("0x80040231", "0x80042f09", "0x8004d24b", "0x80041d40", "0x80040225", "0x80040220")
# One price list per customer and currency: in an org hosting several practices, one practice's rollback removes
# its own list only, never the one another practice's invoices point at.
PRICE_LIST_NAME = "Practice migration ({currency}, {customer})"


def dataverse_client(part: Partition, *, timeout_seconds: float | None = None, **kwargs: object) -> DataverseClient:
    """A client for this partition's target; ``timeout_seconds`` replaces the per-request timeout."""
    connection = connection_for(part.config, part.run_kind)
    if timeout_seconds is not None:
        connection = replace(connection, timeout_seconds=timeout_seconds)
    return DataverseClient(connection, **kwargs)  # type: ignore[arg-type]


def prepare(part: Partition, sample_clients: int | None = None) -> tuple[StageSummary, dict[str, int] | None]:
    """Map the staged partition onto the Dataverse tables (`dynamics.*`); with `sample_clients`, keep
    only a stratified sample of clients and what hangs off them."""
    spec = load_spec("dynamics365")
    mapping = MappingContext(
        part.config.customer_id, part.run_kind, spec.system, part.config.country, part.config.time_zone
    )
    summary = stage_partition(part.warehouse, spec, mapping)
    kept = None
    if sample_clients is not None:
        with part.warehouse.connect() as con:
            clients = stratified_sample(
                con, part.run_kind, sample_clients, f"{part.config.customer_id}|{part.run_kind}|{spec.version}"
            )
            kept = restrict_to_sample(con, SCHEMA, part.run_kind, clients)
    return summary, kept


def _custom(part: Partition) -> list[CustomColumn]:
    with part.warehouse.connect(read_only=True) as con:
        if not table_exists(con, TableRef("staged", "custom_field_definition")):
            return []
        return custom_columns(con, part.run_kind)


def tables_to_load(part: Partition) -> list[str]:
    """Tables with rows for this partition; business units only for multi-site practices."""
    with part.warehouse.connect(read_only=True) as con:
        counts = {
            t: con.execute(f"select count(*) from {SCHEMA}.{t} where run_kind = ?", [part.run_kind]).fetchall()[0][0]
            for t in LOAD_ORDER
        }
    return [t for t in LOAD_ORDER if counts[t] and not (t == "businessunit" and counts[t] < 2)]


def _plan_inputs(part: Partition, columns: list[CustomColumn]) -> tuple[dict[str, list[Column]], PlanExtras]:
    """The columns the plan adds to tables (custom fields on contact; with `practitioner_relationships`,
    specialty and type on systemuser) and its custom tables, held against the target's `licence_tier`."""
    target = part.config.target_for(part.run_kind)
    extra: dict[str, list[Column]] = {"contact": [c.column for c in columns]}
    custom_tables = ()
    if getattr(target, "practitioner_relationships", False):
        extra["systemuser"] = list(USER_COLUMNS)
        custom_tables = (CLIENT_PRACTITIONER,)
    return extra, PlanExtras(custom_tables, getattr(target, "licence_tier", None))


async def schema_plan(part: Partition, apply: bool = False) -> SchemaPlan:
    """Compare the needed tables, columns and keys with the org; create them when `apply` is set (refused,
    with nothing created, when the licence's custom-table limit would be exceeded)."""
    extra, extras = _plan_inputs(part, _custom(part))
    tables = [TABLES[t] for t in tables_to_load(part)]
    async with dataverse_client(part) as client:
        plan = await build_plan(client, tables, extra, extras)
        _write_plan(part, plan)
        if apply and plan.missing:
            await apply_plan(client, plan)
            plan = await build_plan(client, tables, extra, extras)
    _write_plan(part, plan)
    return plan


def _write_plan(part: Partition, plan: SchemaPlan) -> None:
    private_dir(part.reports)  # owner-only (issue 15 item 9)
    (part.reports / "schema-plan.md").write_text(plan.markdown(), encoding="utf-8")
    (part.reports / "schema-plan.html").write_text(plan.html(), encoding="utf-8")
    private_tree(part.reports)


def _owned_rows(part: Partition) -> pl.DataFrame:
    parts = []
    with part.warehouse.connect(read_only=True) as con:
        for table in LOAD_ORDER:
            if any(c.kind == "owner" for c in TABLES[table].columns):
                parts.append(
                    con.sql(
                        f"select ? as table, ownerid from {SCHEMA}.{table} where run_kind = ?",
                        params=[table, part.run_kind],
                    ).pl()
                )
    return pl.concat(parts) if parts else pl.DataFrame(schema={"table": pl.String, "ownerid": pl.String})


async def resolve_owners(part: Partition) -> OwnerResolution:
    """Match practitioners to enabled users; store the result and write the owner report."""
    with part.warehouse.connect(read_only=True) as con:
        practitioners = read_partition(
            con, TableRef("staged", "practitioner"), part.run_kind, "canonical_id, email, run_kind"
        )
    owned = [t for t in tables_to_load(part) if any(c.kind == "owner" for c in TABLES[t].columns)]
    async with dataverse_client(part) as client:
        users = await fetch_users(client)
        resolution = await check_roles(client, resolve(practitioners, users, part.config.fallback_owner_email), owned)
    stored = resolution.practitioners.select(
        pl.lit(part.run_kind).alias("run_kind"),
        "practitioner_id",
        "outcome",
        "systemuser_id",
        pl.lit(resolution.fallback_owner).alias("fallback_owner"),
        pl.col("practitioner_id")
        .replace_strict(
            {p: ",".join(sorted(t)) for p, t in resolution.fallback_tables.items()},
            default=None,
            return_dtype=pl.String,
        )
        .alias("fallback_tables"),
    )
    with part.warehouse.connect() as con:
        replace_partition_from_frame(con, OWNERS, part.run_kind, stored)
    write_owner_report(
        part.reports, resolution, _owned_rows(part), _practitioner_names(part), part.config.fallback_owner_email
    )
    return resolution


def _practitioner_names(part: Partition) -> dict[str, str]:
    """Practitioner canonical id → the name the practice knows them by, for the owner report (customer folder)."""
    with part.warehouse.connect(read_only=True) as con:
        rows = con.execute(
            "select canonical_id, coalesce(nullif(concat_ws(' ', first_name, last_name), ''), display_name) "
            "from staged.practitioner where run_kind = ?",
            [part.run_kind],
        ).fetchall()
    return {key: name for key, name in rows if name}


def _stored_resolution(part: Partition) -> tuple[dict[str, str], str]:
    with part.warehouse.connect(read_only=True) as con:
        rows = read_partition(con, OWNERS, part.run_kind) if table_exists(con, OWNERS) else pl.DataFrame()
    if rows.is_empty():
        raise RuntimeError("owners are not resolved for this partition: materialise dynamics/owner_resolution first")
    matched = rows.filter(pl.col("outcome").is_in(OWNING_OUTCOMES))
    return dict(zip(matched["practitioner_id"], matched["systemuser_id"], strict=True)), rows["fallback_owner"][0]


def _stored_fallback_tables(part: Partition) -> dict[str, frozenset[str]]:
    """Practitioner → tables whose records the fallback owner gets though the practitioner has a user (the
    user's roles cannot own them); empty for a resolution stored before tables were checked one by one."""
    with part.warehouse.connect(read_only=True) as con:
        rows = read_partition(con, OWNERS, part.run_kind)
    if "fallback_tables" not in rows.columns:
        return {}
    partly = rows.filter(pl.col("outcome").is_in(OWNING_OUTCOMES) & pl.col("fallback_tables").is_not_null())
    return {p: frozenset(t.split(",")) for p, t in partly.select("practitioner_id", "fallback_tables").iter_rows()}


async def _require_fallback_owner(client: DataverseClient, fallback: str) -> None:
    """The stored resolution can be older than the org's users: a fallback owner since disabled or
    removed would have every record that falls back refused, so the load stops before sending anything."""
    users = await fetch_users(client)
    enabled = {u.lower() for u in users.filter(~pl.col("isdisabled"))["systemuser_id"].to_list()}
    if fallback.lower() not in enabled:
        raise OwnerResolutionError(
            "the fallback owner of the stored owner resolution is no longer an enabled user of the target org: "
            "resolve owners again (dynamics/owner_resolution)"
        )


def _currencies(part: Partition) -> set[str]:
    with part.warehouse.connect(read_only=True) as con:
        return {
            r[0]
            for r in con.execute(
                f"select distinct transactioncurrencyid from {SCHEMA}.invoice where run_kind = ? and "
                "transactioncurrencyid is not null",
                [part.run_kind],
            ).fetchall()
        }


@dataclass(frozen=True)
class _LoadRun:
    """The load a price list is created for: where its ledger is and who runs it."""

    part: Partition
    run_id: str
    operator: str


async def _resolve_org(
    client: DataverseClient, customer_id: str, currencies: set[str], load: _LoadRun | None = None
) -> tuple[str | None, dict, dict]:
    """Root business unit, currency GUIDs by ISO code and the customer's price list per currency. A load creates a
    missing price list (its intent ledgered under its own GUID before it is sent, so a
    rollback removes it, killed half-way or not); without a load a missing one stays missing — the
    read-back then reports the difference."""
    units = await client.get_all("businessunits", select=["businessunitid", "_parentbusinessunitid_value"])
    root = next((u["businessunitid"] for u in units if not u.get("_parentbusinessunitid_value")), None)
    rows = await client.get_all("transactioncurrencies", select=["transactioncurrencyid", "isocurrencycode"])
    by_code = {r["isocurrencycode"]: r["transactioncurrencyid"] for r in rows if r["isocurrencycode"] in currencies}
    price_levels = {}
    existing = await client.get_all("pricelevels", select=["pricelevelid", "name"])
    for code, currency in by_code.items():
        name = PRICE_LIST_NAME.format(currency=code, customer=customer_id)
        match = next((p["pricelevelid"] for p in existing if p.get("name") == name), None)
        if match is None and load is not None:
            match = await _create_price_list(client, load, code, name, currency)
        if match is not None:
            price_levels[code] = match
    return root, by_code, price_levels


async def _create_price_list(client: DataverseClient, load: _LoadRun, code: str, name: str, currency: str) -> str:
    part = load.part
    key = f"pricelevel:{code}"
    guid = record_guid(part.config.customer_id, PRICE_LIST_TABLE, code)
    with part.warehouse.connect() as con:
        intent = ledger.Operation(PRICE_LIST_TABLE, key, guid, "create")
        ledger.intend(con, part.run_kind, TARGET, load.run_id, load.operator, [intent])
    body = {"name": name, "transactioncurrencyid@odata.bind": f"/transactioncurrencies({currency})"}
    await client.patch("pricelevels", guid, body)  # an upsert by our GUID: a resent one is harmless
    with part.warehouse.connect() as con:
        operation = ledger.Operation(PRICE_LIST_TABLE, key, guid, "create", http_status=204)
        ledger.record(con, part.run_kind, TARGET, load.run_id, load.operator, [operation])
    return guid


@dataclass
class LoadOutcome:
    """What one load did: per-table counts and the client's request statistics (no values)."""

    tables: list[TableLoad]
    stats: ClientStats
    # Users the org refused records to (403 0x80040231) during the load: their records went to the fallback owner.
    refused_owners: list[str] = field(default_factory=list)
    # Invoices the org already holds through its accounting integration (matched or ambiguous): not created.
    invoice_matches: list[accounting.InvoiceMatch] = field(default_factory=list)
    # Client ↔ practitioner rows written to new_clientpractitioner (target's practitioner_relationships).
    relationships: RelationshipLoad | None = None
    # Practitioners' specialty and type written onto their users (same setting).
    user_details: UserDetailsLoad | None = None

    @property
    def throttled(self) -> int:
        return sum(self.stats.throttled.values())

    @property
    def written(self) -> int:
        return sum(t.written for t in self.tables)


async def load(
    part: Partition,
    run_id: str,
    operator: str,
    tables: list[str] | None = None,
    progress: Callable[[TableLoad], None] | None = None,
    on_table: Callable[[TableLoad], None] | None = None,
    **client_options: object,
) -> LoadOutcome:
    """Load the partition (refuses while the schema plan is not applied, the fallback owner is not an
    enabled user, or the customer's other run kind still has records in the same org: shared_org.py).
    `progress` hears of each chunk, `on_table` of each table once its counts are final."""
    with part.warehouse.connect() as con:
        refuse_shared_org(con, part.config, part.run_kind, TARGET)
        remember(con, part.run_kind, TARGET, str(getattr(part.config.target_for(part.run_kind), "url", "")))
    tables = tables or tables_to_load(part)
    finished: set[str] = set()
    refused_seen = False

    def table_done(result: TableLoad) -> None:
        # Once the org refuses an owner, the second pass below may change this and every later table's
        # counts: those tables are reported after it, with both passes' counts.
        nonlocal refused_seen
        refused_seen = refused_seen or any(k.endswith(OWNER_REFUSED) for k in result.errors)
        if on_table is not None and not refused_seen:
            finished.add(result.table)
            on_table(result)

    owners, fallback = _stored_resolution(part)
    columns = _custom(part)
    with part.warehouse.connect(read_only=True) as con:
        values = custom_values(con, part.run_kind, columns)
    currencies = _currencies(part)
    async with dataverse_client(part, **client_options) as client:
        await client.whoami()
        await _require_fallback_owner(client, fallback)
        await client.detect_capabilities([TABLES[t].name for t in tables])
        extra, extras = _plan_inputs(part, columns)
        plan = await build_plan(client, [TABLES[t] for t in tables], extra, extras)
        if not plan.ready:
            names = ", ".join(f"{i.table}.{i.name} ({i.status})" for i in plan.missing[:10])
            raise SchemaNotReadyError(
                f"{len(plan.missing)} schema plan items are not in the org: {names}; apply the schema plan first"
            )
        matches = await _match_accounting_invoices(part, client) if "invoice" in tables else []
        root, by_code, price_levels = await _resolve_org(
            client, part.config.customer_id, currencies, _LoadRun(part, run_id, operator)
        )
        resolved = _resolved(part, owners, fallback, root, by_code, price_levels)
        ctx = LoadContext(
            part.config.customer_id,
            part.run_kind,
            run_id,
            operator,
            part.warehouse,
            resolved,
            values,
            {"contact": tuple(c.column for c in columns)},
        )
        results = await load_partition(client, ctx, tables, progress, table_done)
        refused, codes = _refused_owners(part, run_id, owners)
        if refused:
            # The org refused to assign records to these users mid-load (a role changed since owner resolution):
            # their records go to the fallback owner — the refused ones now, the rest on this second pass too, so
            # the resolution, the org and the read-back agree.
            _record_refused_owners(part, refused, codes, run_id)
            owners = {p: u for p, u in owners.items() if u not in refused.values()}
            again = replace(ctx, resolved=replace(resolved, owners=owners))
            results = _merged(results, await load_partition(client, again, tables, progress))
        relationships = user_details = None
        if getattr(part.config.target_for(part.run_kind), "practitioner_relationships", False):
            with part.warehouse.connect(read_only=True) as con:
                practitioners = read_partition(con, TableRef("staged", "practitioner"), part.run_kind)
            user_details = await write_user_details(
                client,
                part.warehouse.connect,
                part.run_kind,
                run_id,
                operator,
                practitioners.to_dicts(),
                owners,
                TARGET,
            )
            relationships = await load_relationships(
                client,
                part.warehouse.connect,
                part.config.customer_id,
                part.run_kind,
                run_id,
                operator,
                owners,
                _practitioner_names(part),
                TARGET,
            )
    for result in results:
        if on_table is not None and result.table not in finished:
            on_table(result)
    return LoadOutcome(results, client.stats, sorted(set(refused.values())), matches, relationships, user_details)


async def _match_accounting_invoices(part: Partition, client: DataverseClient) -> list[accounting.InvoiceMatch]:
    """Set aside the invoices the org already holds through its accounting integration (targets/dynamics/
    accounting.py) before any is created, and list them in `invoice-matches.csv`."""
    target = part.config.target_for(part.run_kind)
    columns = tuple(getattr(target, "accounting_match_columns", None) or accounting.DEFAULT_COLUMNS)
    with part.warehouse.connect(read_only=True) as con:
        references = accounting.references(con, part.run_kind)
    org_invoices = await accounting.org_accounting_invoices(client, columns) if references else []
    matches = accounting.match_invoices(references, org_invoices, columns)
    with part.warehouse.connect() as con:
        stored = accounting.set_aside(con, part.run_kind, matches)
    write_invoice_matches(part.reports, stored)
    return matches


def _refused_owners(
    part: Partition, run_id: str, owners: dict[str, str]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Practitioner → systemuser of the records of `run_id` the org refused to assign (OWNER_REFUSED)."""
    with part.warehouse.connect(read_only=True) as con:
        if not table_exists(con, TableRef("ledger", "operation")):
            return {}, {}
        failed = con.execute(
            "select target_table, canonical_id, error_code from ledger.operation where run_kind = ? and run_id = ? "
            "and operation = 'failed' and lower(error_code) in (select unnest(?))",
            [part.run_kind, run_id, list(OWNER_REFUSED)],
        ).fetchall()
        codes: dict[str, set[str]] = {}
        for table in {t for t, _, _ in failed}:
            code_of = {k: c for t, k, c in failed if t == table}
            rows = con.execute(
                f"select canonical_id, ownerid from {TableRef(SCHEMA, table).sql} where run_kind = ? "
                "and canonical_id in (select unnest(?))",
                [part.run_kind, list(code_of)],
            ).fetchall()
            for key, owner in rows:
                if owner is not None:
                    codes.setdefault(owner, set()).add(code_of[key])
    refused = {p: owners[p] for p in sorted(codes) if p in owners}
    return refused, {p: sorted(codes[p]) for p in refused}


def _record_refused_owners(part: Partition, refused: dict[str, str], codes: dict[str, list[str]], run_id: str) -> None:
    """The stored resolution sends these practitioners to the fallback owner from now on (outcome `no_role`), and
    `owner-refusals.csv` says why."""
    with part.warehouse.connect() as con:
        stored = read_partition(con, OWNERS, part.run_kind)
        stored = stored.with_columns(
            pl.when(pl.col("practitioner_id").is_in(list(refused)))
            .then(pl.lit("no_role"))
            .otherwise(pl.col("outcome"))
            .alias("outcome")
        )
        replace_partition_from_frame(con, OWNERS, part.run_kind, stored)
    part.reports.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(
        {
            "practitioner_id": list(refused),
            "systemuser_id": list(refused.values()),
            "reason": [
                f"the org refused to assign records to this user ({', '.join(codes[p])}) during load {run_id}: "
                "their records are owned by the fallback owner"
                for p in refused
            ],
        }
    ).write_csv(part.reports / "owner-refusals.csv")


def _merged(first: list[TableLoad], second: list[TableLoad]) -> list[TableLoad]:
    """One table's counts over both passes: what either pass wrote, what still failed after the second."""
    by_table = {t.table: t for t in second}
    merged = []
    for one in first:
        two = by_table.get(one.table, TableLoad(one.table))
        merged.append(
            replace(
                one,
                created=one.created + two.created,
                updated=one.updated + two.updated,
                failed=two.failed,
                errors=two.errors,
                seconds=one.seconds + two.seconds,
            )
        )
    return merged


async def retire(part: Partition, run_id: str, operator: str, **client_options: object) -> RemovalResult:
    """Deactivate or delete (the customer's `delta.deletions`) loaded records that left the source."""
    async with dataverse_client(part, **client_options) as client:
        return await retire_removed(
            client, part.warehouse, part.run_kind, run_id, operator, part.config.delta.deletions
        )


class SchemaNotReadyError(Exception):
    """Loads are refused while the schema plan has items missing in the org."""


def _resolved(
    part: Partition,
    owners: dict[str, str],
    fallback: str,
    root: str | None,
    by_code: dict[str, str],
    price_levels: dict[str, str],
) -> Resolved:
    """What the loader and the read-back build payloads with: the org's ids, owners per table, file roots."""
    return Resolved(
        part.config.customer_id,
        owners,
        fallback,
        root,
        by_code,
        price_levels,
        part.file_roots,
        _stored_fallback_tables(part),
    )


async def verify(
    part: Partition, tables: list[str] | None = None, on_table: Callable[[TableReadback], None] | None = None
) -> list[TableReadback]:
    """Read every loaded record back and compare it with what the mapping says it must hold; `on_table`
    hears of each table as its read-back is done."""
    tables = tables or tables_to_load(part)
    owners, fallback = _stored_resolution(part)
    columns = _custom(part)
    with part.warehouse.connect(read_only=True) as con:
        values = custom_values(con, part.run_kind, columns)
    results = []
    async with dataverse_client(part) as client:
        root, by_code, price_levels = await _resolve_org(client, part.config.customer_id, _currencies(part))
        resolved = _resolved(part, owners, fallback, root, by_code, price_levels)
        users = await fetch_users(client)
        disabled = frozenset(users.filter(pl.col("isdisabled"))["systemuser_id"].to_list())
        contact_guids: set[str] | None = None
        extra = {"contact": [c.column for c in columns]}
        for name in tables:
            table = TABLES[name].with_columns(extra.get(name, []))
            with part.warehouse.connect(read_only=True) as con:
                rows = read_partition(con, TableRef(SCHEMA, name), part.run_kind)
            payloads = [
                build_payload(table, row, resolved, values.get(str(row["canonical_id"])) if name == "contact" else None)
                for row in rows.iter_rows(named=True)
            ]
            found = await client.get_by_ids(
                table.entity_set,
                table.primary_key,
                [p.guid for p in payloads],
                [c for c in read_columns(table) if c != "document"],
            )
            if name == "contact":
                contact_guids = {str(r["contactid"]).lower() for r in found}
            absent = await absent_lookup_targets(client, table, found)
            results.append(compare(table, payloads, found, contact_guids, disabled, absent))
            if on_table is not None:
                on_table(results[-1])
    write_diff_report(part.reports, results)
    return results


async def checklist(part: Partition) -> list[ChecklistItem]:
    """The post-migration checklist's own items: ACC-billed totals per client, source vs Dynamics
    (targets/dynamics/acc.py)."""
    with part.warehouse.connect(read_only=True) as con:
        if not all(table_exists(con, TableRef("staged", t)) for t in ("invoice", "condition", "client")):
            return [acc_billing.reconcile({}, {})]
        source = acc_billing.source_totals(con, part.run_kind)
        if not source:  # nothing billed to ACC: only the mapping could have put ACC invoices in the org
            return [acc_billing.reconcile({}, {})]
        matched = acc_billing.matched_invoices(con, part.run_kind)
        clients = read_partition(con, TableRef("staged", "client"), part.run_kind, "canonical_id, run_kind")
    async with dataverse_client(part) as client:
        target = await acc_billing.target_totals(
            client, part.config.customer_id, clients["canonical_id"].to_list(), matched
        )
    return [acc_billing.reconcile(source, target)]


async def rollback(
    part: Partition, run_id: str, operator: str, load_run_id: str | None = None, **client_options: object
) -> RollbackResult:
    """Reverse the partition's loads (or only the load run `load_run_id`) and export the audit log."""
    async with dataverse_client(part, **client_options) as client:
        result = await rollback_partition(
            client,
            part.warehouse,
            part.run_kind,
            run_id,
            operator,
            load_run_id,
            {"contact": tuple(c.column for c in _custom(part))},
        )
    export_audit(part)
    write_rollback_failures(part.reports, result.failures)
    return result


def export_audit(part: Partition) -> list[Path]:
    """The partition's audit log as CSV and Parquet in its reports folder (it holds pre-images)."""
    with part.warehouse.connect() as con:
        paths = [ledger.export_audit(con, part.run_kind, part.reports, fmt) for fmt in ("csv", "parquet")]
    private_tree(part.reports)  # pre-images are personal data: owner-only (issue 15 item 9)
    return paths


def run(coroutine: object) -> object:
    """Run a flow step from synchronous code (a Dagster asset body)."""
    return asyncio.run(coroutine)  # type: ignore[arg-type]
