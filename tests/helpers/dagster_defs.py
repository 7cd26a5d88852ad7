"""The code location's Definitions, resolved once when a test module imports this (outside any instance).

Resolving a repository reads the *current* instance's definitions-state storage (a ContextVar Dagster sets
when an instance is entered). Resolved inside one test's `instance_for_test`, a later resolution can find a
storage whose temporary folder is already gone ("unable to open database file"); resolved here, at import,
no instance is current and every test reuses the same resolved jobs, sensors and schedules.
"""

from __future__ import annotations

from migration_assets.definitions import defs

DEFINITIONS = defs()
REPOSITORY = DEFINITIONS.get_repository_def()
