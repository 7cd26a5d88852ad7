"""The PracSuite API as a customer's source location (`source.<run kind>` with the keys' variable names)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from sources.locations import ENV_NAME_PATTERN, StrictModel


class PracsuiteApiSource(StrictModel):
    """Extraction through the PracSuite API. The keys themselves are never in the file: only the names of
    the environment variables that hold them (the vendor key Smartsoft issues, the clinic's account key)."""

    vendor_key_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)]
    account_key_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)]
    base_url: str | None = Field(default=None, description="override of https://api.pracsuite.com/v1")
    ca_file: Path | None = None

    @field_validator("base_url")
    @classmethod
    def _pracsuite_host(cls, value: str | None) -> str | None:
        """The URL must be https on PracSuite's real host (customers/endpoints.py)."""
        # Imported here: customers/ imports this model when it is imported itself.
        from customers.endpoints import url_problem

        problem = None if value is None else url_problem(value, "pracsuite")
        if problem:
            raise ValueError(problem)
        return value
