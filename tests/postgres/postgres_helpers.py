"""What the PostgreSQL suite's tests share with its conftest: the production home and direct SQL on it."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import psycopg2

REPO = Path(__file__).resolve().parents[2]
PRODUCTION_PROFILE = REPO / "deploy" / "dagster.yaml"


@dataclass(frozen=True)
class ProductionHome:
    """A DAGSTER_HOME with the production profile and the DAGSTER_PG_* variables of its own database."""

    dagster_home: Path
    env: dict[str, str]
    database: str

    def sql(self, query: str) -> list[tuple]:
        """Rows of a query on this instance's database: what Dagster stored, read past Dagster."""
        with closing(connect(self.env, self.database)) as con, con.cursor() as cur:
            cur.execute(query)
            return cur.fetchall()


def connect(env: dict[str, str], database: str) -> psycopg2.extensions.connection:
    return psycopg2.connect(
        host=env["DAGSTER_PG_HOST"],
        port=int(env["DAGSTER_PG_PORT"]),
        user=env["DAGSTER_PG_USER"],
        password=env["DAGSTER_PG_PASSWORD"],
        dbname=database,
    )
