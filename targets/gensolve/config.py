"""A customer's `target.trial` / `target.live` block when `target.system: gensolve`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"


class GensolveEnvironment(BaseModel):
    """Where one run kind loads to: the embedded database (a file in the customer's folder) or an Oracle
    database. The user and password are named by environment variable, never written here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    environment: Literal["sandbox", "production"]
    database: Literal["embedded", "oracle"] = "embedded"
    dsn: str | None = Field(default=None, description="Oracle Easy Connect string, e.g. db.example.org:1521/GPM")
    user_env: Annotated[str, Field(pattern=_ENV_NAME)] | None = None
    password_env: Annotated[str, Field(pattern=_ENV_NAME)] | None = None

    @model_validator(mode="after")
    def _oracle_settings(self) -> GensolveEnvironment:
        if self.database == "oracle":
            missing = [name for name in ("dsn", "user_env", "password_env") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"database oracle: expected {', '.join(missing)}")
        elif self.dsn or self.user_env or self.password_env:
            raise ValueError("database embedded: dsn, user_env and password_env belong to database: oracle")
        return self

    @property
    def location(self) -> str:
        """What tells two environments apart (trial and live must differ)."""
        return self.dsn if self.dsn else f"embedded:{self.environment}"
