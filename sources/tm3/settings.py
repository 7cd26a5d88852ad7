"""TM3's account export (Blue Zinc; UK and AU) as source resources — an ASSUMED layout (README.md).

Public: on cancellation TM3 exports "a series of CSV files … a mixture of plain text and JSON data", the
set depending on the features the practice used, downloaded with a helper app, with an errors text file
beside it (research/sources.md §3, help.tm3app.com/en/articles/4585360); names show as "Surname,
Firstname" and dates day first (sources-round2.md §2.13, weak). Not public: the file names, the columns,
which cells hold JSON, the encoding. The resources below are our assumption, written by
synthetic/tm3.py; the first real delivery is mapped through the mapping-proposal flow and the confirmed
spec replaces this one. The export's headers are CamelCase (`DateOfBirth`); the readers match a header to
a field whatever its case and separators (sources/tabular.py `match_header`), so fields are snake_case.
"""

from __future__ import annotations

from sources.base import FieldType, ResourceSpec
from sources.raw_contract import ReadOptions

F = FieldType
ERRORS_FILE = "errors.txt"
READ_OPTIONS = ReadOptions(
    encoding=None,  # not public: detected (UTF-8, BOM, cp1252)
    date_formats=("%d/%m/%Y",),
    datetime_formats=("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S"),
)


def _spec(
    name: str,
    grain: str,
    fields: dict[str, FieldType],
    key: str | None = "id",
    not_migrated: dict[str, str] | None = None,
) -> ResourceSpec:
    return ResourceSpec(
        name=name, grain=grain, fields=fields, key=key, description=grain, not_migrated=not_migrated or {}
    )


RESOURCES: dict[str, ResourceSpec] = {
    spec.name: spec
    for spec in (
        _spec("locations", "one row per clinic location", {"id": F.TEXT, "name": F.TEXT, "phone": F.TEXT}),
        _spec(
            "practitioners",
            "one row per practitioner",
            {"id": F.TEXT, "name": F.TEXT, "email": F.TEXT, "active": F.BOOLEAN},
        ),
        _spec(
            "clients",
            "one row per client; name as 'Surname, Firstname', contact details and address as JSON cells",
            {
                "id": F.TEXT,
                "name": F.TEXT,
                "date_of_birth": F.DATE,
                "gender": F.TEXT,
                "contact_details": F.JSON,
                "address": F.JSON,
                "medicare_number": F.TEXT,
                "nhs_number": F.TEXT,
                "archived": F.BOOLEAN,
            },
        ),
        _spec(
            "appointments",
            "one row per appointment; local times; type and notes as a JSON cell",
            {
                "id": F.TEXT,
                "client_id": F.TEXT,
                "practitioner_id": F.TEXT,
                "location_id": F.TEXT,
                "start": F.DATETIME,
                "end": F.DATETIME,
                "status": F.TEXT,
                "details": F.JSON,
            },
        ),
        _spec(
            "notes",
            "one row per clinical note",
            {
                "id": F.TEXT,
                "client_id": F.TEXT,
                "practitioner_id": F.TEXT,
                "appointment_id": F.TEXT,
                "written": F.DATETIME,
                "text": F.TEXT,
            },
        ),
        _spec(
            "invoices",
            "one row per invoice; its lines as a JSON array cell",
            {
                "id": F.TEXT,
                "client_id": F.TEXT,
                "number": F.TEXT,
                "date": F.DATE,
                "status": F.TEXT,
                "tax": F.DECIMAL,
                "total": F.DECIMAL,
                "lines": F.JSON,
            },
        ),
        _spec(
            "payments",
            "one row per payment",
            {
                "id": F.TEXT,
                "invoice_id": F.TEXT,
                "client_id": F.TEXT,
                "paid": F.DATETIME,
                "amount": F.DECIMAL,
                "method": F.TEXT,
            },
        ),
        _spec(
            "export_errors",
            "one row per line of the export's errors file",
            {"message": F.TEXT},
            key=None,
            not_migrated={"message": "describes the export, not a record: counted in the raw read notes for review"},
        ),
    )
}
