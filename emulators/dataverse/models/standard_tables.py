"""The standard Dataverse tables the migration writes, with their real logical names, keys and rules."""
# Sources: research/dataverse.md §2.2 (entity sets, primary keys, CreateMultiple support), §2.6 (lookups
# and navigation properties), §7 (appointment, task, email, annotation, invoice, business unit, users).

from __future__ import annotations

from collections.abc import Callable

from . import cascades
from . import tables_activities as activities
from . import tables_billing as billing
from . import tables_core as core
from .schema import TableDef

BUILDERS: list[Callable[[], TableDef | list[TableDef]]] = [
    core.contact,
    core.account,
    activities.appointment,
    activities.task,
    activities.email,
    activities.activityparty,
    activities.annotation,
    activities.attachment,
    billing.invoice,
    billing.invoicedetail,
    billing.catalogue,
    core.organisation,
    core.sdk_messages,
]


def standard_tables() -> dict[str, TableDef]:
    """Fresh definitions of every standard table, keyed by logical name, each lookup with its relationships."""
    tables: dict[str, TableDef] = {}
    for build in BUILDERS:
        built = build()
        for table in built if isinstance(built, list) else [built]:
            tables[table.logical] = cascades.apply(table)
    return tables
