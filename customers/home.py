"""The migration home: where customer configurations, per-customer databases and reports live."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from customers.config import CustomerConfig, CustomerConfigError, load_customer_config

DEFAULT_HOME = Path("var")
HOME_ENV = "MIGRATION_HOME"


def default_home() -> Path:
    """The home named by $MIGRATION_HOME, else ./var (read when called, never at import)."""
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).resolve()


@dataclass(frozen=True)
class MigrationHome:
    """Layout of a migration home:

    config/<customer>.yaml                  registered customer configurations
    customers/<customer>/warehouse.duckdb   raw, staged, ledger and audit schemas of one customer
    customers/<customer>/reports/<run>/     approval and post-migration reports (personal data)

    One folder per customer, so a customer's data is purged by deleting one folder.
    """

    root: Path

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    def config_path(self, customer_id: str) -> Path:
        return self.config_dir / f"{customer_id}.yaml"

    def customer_dir(self, customer_id: str) -> Path:
        return self.root / "customers" / customer_id

    def reports_dir(self, customer_id: str, run_kind: str) -> Path:
        return self.customer_dir(customer_id) / "reports" / run_kind

    def load(self, customer_id: str) -> CustomerConfig:
        """The registered configuration of a customer."""
        path = self.config_path(customer_id)
        if not path.exists():
            raise CustomerConfigError(
                str(path),
                [f"customer {customer_id!r} is not registered; run `practice-migrate customers add FILE`"],
            )
        config = load_customer_config(path)
        if config.customer_id != customer_id:
            raise CustomerConfigError(
                str(path), [f"customer_id: expected {customer_id!r} (the file name), got {config.customer_id!r}"]
            )
        return config

    def customer_ids(self) -> list[str]:
        if not self.config_dir.exists():
            return []
        return sorted(p.stem for p in self.config_dir.glob("*.yaml"))

    def iter_configs(self) -> Iterator[tuple[str, CustomerConfig | CustomerConfigError]]:
        for customer_id in self.customer_ids():
            try:
                yield customer_id, self.load(customer_id)
            except CustomerConfigError as exc:
                yield customer_id, exc

    def register(self, path: Path) -> CustomerConfig:
        """Validate a configuration file and copy it into the home with its paths made absolute
        (a relative dump path is relative to the file it was written in)."""
        config = load_customer_config(path)
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        base = Path(path).resolve().parent
        for kind in ("trial", "live"):
            location = (data.get("source") or {}).get(kind)
            if isinstance(location, dict):
                for key in ("dump", "ca_file"):
                    if location.get(key):
                        location[key] = str((base / location[key]).resolve())
            target_env = (data.get("target") or {}).get(kind)
            if isinstance(target_env, dict) and target_env.get("ca_file"):
                target_env["ca_file"] = str((base / target_env["ca_file"]).resolve())
        self.config_dir.mkdir(parents=True, exist_ok=True)
        destination = self.config_path(config.customer_id)
        destination.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return self.load(config.customer_id)
