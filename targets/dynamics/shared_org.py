"""A customer's trial and live never load into one org: the load pre-flight refuses it while the other run kind's
records are still there.

A record's GUID and the invoices' price list ("Practice migration (<currency>, <customer>)") depend on the customer
and the canonical id, not on the run kind (payloads.py, flow.PRICE_LIST_NAME). In one org the trial's records *are*
the live's: a live load would update the trial's records in place, and rolling the trial back would then delete what
the live run holds — its patients, and the price list its invoices use (which a real org refuses only because the
relationship is Restrict, record by record). So a load of one run kind into an org is refused while the other run
kind has records there that are not rolled back; once they are, the load goes ahead.

The customer configuration already refuses the same URL for trial and live (customers/config.py); this also
catches the org a run kind actually loaded into, recorded at its load (`ledger.target_org`) — the configuration may
have changed since, or name the same org differently (host case, a trailing slash, the default port).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import duckdb

from customers.config import CustomerConfig
from store import TableRef
from targets import ledger

ORGS = TableRef("ledger", "target_org")
_DDL = (
    "create schema if not exists ledger",
    f"""create table if not exists {ORGS.sql} (
        run_kind varchar not null, target varchar not null, org varchar not null,
        first_loaded_at timestamptz not null, primary key (run_kind, target, org))""",
)


class SharedOrgError(Exception):
    """A load into the org the customer's other run kind still holds records in (names run kinds, never values)."""


def org_identity(url: str) -> str:
    """One spelling per org: scheme, lower-case host and a port only when it is not 443."""
    parts = urlsplit(url.strip())
    port = f":{parts.port}" if parts.port not in (None, 443) else ""
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}{port}"


def _other(run_kind: str) -> str:
    return "live" if run_kind == "trial" else "trial"


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    for statement in _DDL:
        con.execute(statement)


def remember(con: duckdb.DuckDBPyConnection, run_kind: str, target: str, url: str) -> None:
    """Record that `run_kind` loads into the org at `url` (before its first write, so a killed load counts)."""
    _ensure(con)
    con.execute(
        f"insert into {ORGS.sql} values (?, ?, ?, ?) on conflict do nothing",
        [run_kind, target, org_identity(url), datetime.now(UTC)],
    )


def refuse_shared_org(con: duckdb.DuckDBPyConnection, config: CustomerConfig, run_kind: str, target: str) -> None:
    """The pre-flight: raise SharedOrgError when the other run kind of this customer has records, not rolled back, in
    the org `run_kind` is about to load into (recorded there by an earlier load, or configured there now)."""
    _ensure(con)
    other = _other(run_kind)
    ours = org_identity(str(getattr(config.target_for(run_kind), "url", "")))
    theirs = {
        row[0]
        for row in con.execute(
            f"select org from {ORGS.sql} where run_kind = ? and target = ?", [other, target]
        ).fetchall()
    }
    configured = getattr(config.target_for(other), "url", None)
    if configured:
        theirs.add(org_identity(str(configured)))
    if ours not in theirs:
        return
    left = ledger.records_to_roll_back(con, other, target).height
    if left:
        raise SharedOrgError(
            f"the {run_kind} load is refused: the customer's {other} run still has {left} records in the same "
            f"Dataverse org, and both runs key their records alike (one record per customer and canonical id). "
            f"Roll the {other} run back first (dynamics_rollback, partition {config.customer_id}|{other}), or point "
            f"target.{run_kind}.url at the {run_kind} org."
        )
