"""Value-free notes on an exception saying where it happened (table, records, field): the only part of
an unexpected error's text that may reach Dagster (migration_assets/step_guard.py)."""

from __future__ import annotations

LOCATION_NOTE_PREFIX = "[where] "


def add_location_note(exc: BaseException, where: str) -> None:
    """Record where `exc` happened. `where` names tables, record numbers and fields — never a value."""
    exc.add_note(LOCATION_NOTE_PREFIX + where)


def location_notes(exc: BaseException) -> list[str]:
    """The locations added with add_location_note, innermost first."""
    return [
        n.removeprefix(LOCATION_NOTE_PREFIX)
        for n in getattr(exc, "__notes__", [])
        if n.startswith(LOCATION_NOTE_PREFIX)
    ]
