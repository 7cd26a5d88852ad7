"""The Cliniko API as a customer's source location (`source.<run kind>` with `api_key_env`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from sources.locations import ENV_NAME_PATTERN, StrictModel


class ClinikoApiSource(StrictModel):
    """Extraction through the Cliniko API. The key itself is never in the file: only the name of the
    environment variable that holds it."""

    api_key_env: Annotated[str, Field(pattern=ENV_NAME_PATTERN)]
    user_agent: str = Field(min_length=3, description="'APP (contact email)', mandatory for Cliniko")
    base_url: str | None = Field(default=None, description="override of https://api.<shard>.cliniko.com/v1")
    ca_file: Path | None = None

    @field_validator("base_url")
    @classmethod
    def _cliniko_host(cls, value: str | None) -> str | None:
        """The URL must be https on Cliniko's real hosts (customers/endpoints.py)."""
        # Imported here: customers/ imports this model when it is imported itself.
        from customers.endpoints import url_problem

        problem = None if value is None else url_problem(value, "cliniko")
        if problem:
            raise ValueError(problem)
        return value
