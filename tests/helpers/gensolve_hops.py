"""Customers whose source is another customer's embedded Gensolve (the second hop of Cliniko → Gensolve →
Dynamics), and the changes a practice makes in Gensolve during a delta window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import yaml

from customers import CustomerConfig, MigrationHome

# What the practice types into Gensolve after the live extraction (a value a person typed: personal too).
CHANGED_OCCUPATION = "Lighthouse keeper"
NEW_APPOINTMENT_KEY = "gensolve-delta:appointment:new-1"


def register_hop_customer(
    home: Path, customer_id: str, from_customer: str, target: dict[str, Any] | None = None, run: str | None = None
) -> CustomerConfig:
    """Register a customer whose trial and live source is `from_customer`'s embedded Gensolve database."""
    location: dict[str, Any] = {"from_customer": from_customer, **({"run": run} if run else {})}
    data: dict[str, Any] = {
        "customer_id": customer_id,
        "name": f"Practice {customer_id}",
        "country": "NZ",
        "time_zone": "Pacific/Auckland",
        "source": {"system": "gensolve", "trial": location, "live": dict(location)},
        "fallback_owner_email": "owner@example.org",
        "delta": {"window_hours": 24, "poll_minutes": 1, "deletions": "deactivate"},
    }
    if target is not None:
        data["target"] = target
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / f"{customer_id}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return MigrationHome(home).register(path)


def change_practice(database: Path) -> dict[str, str]:
    """In an embedded Gensolve: one client's occupation changed, one appointment added (a copy of the
    first, with a new key), one clinical note deleted. Returns the keys touched, by kind."""
    with duckdb.connect(str(database)) as con:
        client = con.execute("select mig_key from gpm_client order by mig_key limit 1").fetchone()[0]
        con.execute("update gpm_client set occupation = ? where mig_key = ?", [CHANGED_OCCUPATION, client])
        first = con.execute("select mig_key from gpm_appointment order by mig_key limit 1").fetchone()[0]
        con.execute("create temp table _new as select * from gpm_appointment where mig_key = ?", [first])
        con.execute(
            "update _new set mig_key = ?, mig_source_id = ?, mig_origin_id = ?",
            [NEW_APPOINTMENT_KEY, NEW_APPOINTMENT_KEY.rsplit(":", 1)[-1], NEW_APPOINTMENT_KEY],
        )
        con.execute("insert into gpm_appointment select * from _new")
        note = con.execute("select mig_key from gpm_clinical_note order by mig_key limit 1").fetchone()[0]
        con.execute("delete from gpm_clinical_note where mig_key = ?", [note])
    return {"client": client, "appointment": NEW_APPOINTMENT_KEY, "clinical_note": note}
