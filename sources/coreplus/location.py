"""The Core Plus API as a customer's source location (`source.<run kind>` with `consumer_id_env` …)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from sources.locations import ENV_NAME_PATTERN, StrictModel

EnvName = Annotated[str, Field(pattern=ENV_NAME_PATTERN)]


class CoreplusApiSource(StrictModel):
    """Extraction through the Core Plus API (sources/coreplus/README.md). The add-on's consumer id, consumer
    secret and access token are never in the file: only the names of the environment variables holding them."""

    base_url: str = Field(description="the add-on's API URL, e.g. https://<server>/API/Core/v2 (§2.3)")
    consumer_id_env: EnvName
    consumer_secret_env: EnvName
    access_token_env: EnvName
    appointments_from: dt.date = Field(description="first day of the appointment windows read (inclusive)")
    appointments_to: dt.date = Field(description="last day of the appointment windows read (inclusive)")
    window_days: int = Field(default=28, ge=1, le=366, description="days per appointment request")
    ca_file: Path | None = None
    export: Path | None = Field(
        default=None,
        description="absolute path of the folder holding the practice's CSV export (referrers.csv, clinical_notes.csv, "
        "payments.csv; assumed layout, sources/coreplus/README.md), copied into each snapshot",
    )

    @field_validator("base_url")
    @classmethod
    def _coreplus_host(cls, value: str) -> str:
        """The URL must be https on a Core Plus host (customers/endpoints.py) or one the operator allows."""
        # Imported here: customers/ imports this model when it is imported itself.
        from customers.endpoints import url_problem

        problem = url_problem(value, "coreplus")
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("export")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_absolute():
            raise ValueError("expected an absolute path (the folder of the practice's CSV export)")
        return value

    @model_validator(mode="after")
    def _window_in_order(self) -> Self:
        if self.appointments_to < self.appointments_from:
            raise ValueError("appointments_to is before appointments_from")
        return self
