"""Mapping proposals for an export layout the project has not seen: profile → propose → review → confirm
(docs/mapping-proposals.md). Plain Python; the Dagster layer is migration_assets/proposals.py."""
