"""Records the way the Cliniko API returns them: every field of sources/cliniko/settings.py, links, money."""

from __future__ import annotations

import json
from typing import Any

from sources.cliniko.api_settings import SOURCE_LIST_FIELD
from sources.cliniko.settings import RESOURCES

# Communication categories (research/sources.md §2.6); the generator uses the ones a physio
# practice's log is full of.
COMMUNICATION_CATEGORIES: dict[int, str] = {
    1: "Appointment reminder",
    3: "Invoice",
    4: "Appointment confirmation email",
    7: "SMS messages",
    8: "SMS patient reply",
    10: "Cancelled appointment notification",
    15: "Bulk emails",
}

# Every field of every resource, in settings order, null unless a generator sets it: records carry
# exactly the fields the dump format declares, never more (a test compares key sets) — except the list
# an API extraction read a record from (SOURCE_LIST_FIELD), which the extraction adds, not Cliniko.
_TEMPLATES: dict[str, dict[str, Any]] = {
    name: {field: None for field in spec.fields if field != SOURCE_LIST_FIELD} for name, spec in RESOURCES.items()
}

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def record(resource: str, values: dict[str, Any]) -> dict[str, Any]:
    """A full record of `resource`: the declared fields in order, `values` filled in, the rest null."""
    rec = _TEMPLATES[resource].copy()
    rec.update(values)
    return rec


def dumps(rec: dict[str, Any]) -> str:
    """One compact JSON line (UTF-8 text, non-ASCII kept as is, as an API response body would be)."""
    return _ENCODER.encode(rec)


def money(cents: int) -> str:
    """Money as Cliniko sends it: a decimal string, here always with two places ("90.00")."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def rate(basis_points: int) -> str:
    """A tax rate in percent as a decimal string ("15.00")."""
    return money(basis_points)


class Links:
    """Builds HATEOAS link objects on the account's shard: {"links": {"self": URL}}."""

    def __init__(self, shard: str):
        self.base = f"https://api.{shard}.cliniko.com/v1"

    def to(self, collection: str, record_id: str | None) -> dict[str, dict[str, str]] | None:
        """A link to /<collection>/<id>, or None when there is no related record."""
        if record_id is None:
            return None
        return {"links": {"self": f"{self.base}/{collection}/{record_id}"}}

    def content(self, attachment_id: str) -> dict[str, dict[str, str]]:
        """The download link of a patient attachment's bytes."""
        return {"links": {"self": f"{self.base}/patient_attachments/{attachment_id}/content"}}
