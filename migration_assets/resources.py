"""Resources: where the migration home is (customer configs, per-customer databases, reports)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from customers import CustomerConfig, CustomerConfigError, MigrationHome


class MigrationHomeResource(dg.ConfigurableResource):
    """The migration home folder (`$MIGRATION_HOME`, default ./var in the Makefile)."""

    path: str

    @property
    def home(self) -> MigrationHome:
        return MigrationHome(Path(self.path).resolve())

    def customer(self, customer_id: str) -> CustomerConfig:
        """The customer's validated configuration; an invalid one fails the step with its problems."""
        try:
            return self.home.load(customer_id)
        except CustomerConfigError as exc:
            raise dg.Failure(description=str(exc)) from None
