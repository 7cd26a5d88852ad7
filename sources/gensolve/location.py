"""Where a Gensolve practice is read from when it is extracted (`source.<run kind>` of a customer whose
`source.system` is gensolve) rather than delivered as a `dump:` (a database file or a CSV export).

Every location here is taken into a numbered snapshot by the `source/extract` step
(sources/gensolve/extraction.py) before the raw layer reads it; a later extraction of the same location
is a delta (changed rows, deleted ids). Secrets are never written: only the names of the environment
variables that hold them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sources.locations import ENV_NAME_PATTERN, StrictModel

# customers/config.py's customer id pattern, repeated: customers/ imports this module when it loads.
_CUSTOMER_ID = r"^[a-z0-9][a-z0-9_-]*$"


class GensolveExtractionError(Exception):
    """An extraction that cannot run; the message names the location and what is wrong, never a value."""


class GensolveExtractedSource(StrictModel):
    """A Gensolve location the source/extract step snapshots (the system's `SourceExtraction` model)."""


class GensolveHopSource(GensolveExtractedSource):
    """The embedded Gensolve database another customer of this migration home loaded (the second hop of
    Cliniko → Gensolve → Dynamics). The extraction copies it, read-only, into this customer's own
    extracts: the raw layer never reads inside another customer's folder."""

    from_customer: Annotated[str, Field(pattern=_CUSTOMER_ID)] = Field(
        description="the customer whose `gensolve-<run>.duckdb` this customer migrates onwards"
    )
    run: Literal["trial", "live"] | None = Field(
        default=None, description="which of its embedded databases; default: the same run kind as this run"
    )


class GensolveOracleSource(GensolveExtractedSource):
    """A GPM Oracle schema read through python-oracledb (thin mode). The DSN is the Easy Connect string;
    the user and password come from the environment variables named here."""

    oracle_dsn: str = Field(min_length=3, description="Oracle Easy Connect string, e.g. db.example.org:1521/GPM")
    user_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)]
    password_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)]


LOCATION_MODELS = (GensolveHopSource, GensolveOracleSource)
