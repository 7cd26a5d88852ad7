"""The migration home: where customer configurations, per-customer databases and reports live."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from customers.config import (
    CUSTOMER_ID_PATTERN,
    RUN_KINDS,
    CustomerConfig,
    CustomerConfigError,
    DumpSource,
    load_customer_config,
    read_customer_yaml,
)
from customers.endpoints import secret_env_prefix
from store.files import private_dir, private_files

DEFAULT_HOME = Path("var")
SNAPSHOTS_DIR = "snapshots"
MANIFEST = "manifest.json"
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

    def extracts_dir(self, customer_id: str, run_kind: str) -> Path:
        """Where API extractions of a run kind go (sources/cliniko/snapshots.py)."""
        return self.customer_dir(customer_id) / "extracts" / run_kind

    def source_dir(self, config: CustomerConfig, run_kind: str) -> Path:
        """The dump folder the raw layer reads: the delivered dump, or the latest complete API snapshot."""
        if isinstance(config.source_for(run_kind), DumpSource):
            return config.dump_dir(run_kind)
        snapshot = latest_snapshot(self.extracts_dir(config.customer_id, run_kind))
        if snapshot is None:
            raise CustomerConfigError(
                str(config.config_file or config.customer_id),
                [
                    f"source.{run_kind}: the API has not been extracted yet; materialise source/extract for "
                    f"{config.customer_id}|{run_kind} first"
                ],
            )
        return snapshot

    def file_roots(self, config: CustomerConfig, run_kind: str) -> tuple[Path, ...]:
        """The folders a run of `run_kind` may read delivered files from: its dump folder, or the
        customer's API extractions of that run kind. The loader refuses a document anywhere else."""
        if isinstance(config.source_for(run_kind), DumpSource):
            return (config.dump_dir(run_kind),)
        return (self.extracts_dir(config.customer_id, run_kind),)

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

    def placement_problems(self, config: CustomerConfig, present: tuple[str, ...] = RUN_KINDS) -> list[str]:
        """What this home refuses in a configuration that is valid on its own: a dump folder that lies inside
        another customer's folder or the configuration folder, or (for the run kinds in `present`) does not
        exist, and a secret-variable prefix another registered customer already uses (ids differing only
        by '-' and '_')."""
        problems = []
        for kind in RUN_KINDS:
            shared = config.shared_folder(kind)
            if shared is not None:
                # A direct read's shared folder (PPMP's letters) is read like a dump: the same placement rules.
                if kind in present and not shared.is_dir():
                    problems.append(f"source.{kind}.shared_folder: expected an existing folder; {shared} is not one")
                elif self._in_others_folders(config, shared):
                    problems.append(f"source.{kind}.shared_folder: expected a folder outside other customers' folders")
            if not isinstance(config.source_for_or_none(kind), DumpSource):
                continue
            folder = config.dump_dir(kind)
            # A dump is a folder, or for a system delivered as one database file (Gensolve's embedded
            # `gensolve-<run>.duckdb`) that file.
            if kind in present and not folder.exists():
                problems.append(f"source.{kind}.dump: expected an existing folder (or dump file); {folder} is not one")
            elif self._in_others_folders(config, folder):
                problems.append(f"source.{kind}.dump: expected a folder outside other customers' folders")
        prefix = secret_env_prefix(config.customer_id)
        for other in self.customer_ids():
            if other != config.customer_id and secret_env_prefix(other) == prefix:
                problems.append(f"customer_id: its secret prefix {prefix} is already used by customer {other!r}")
        return problems

    def _in_others_folders(self, config: CustomerConfig, folder: Path) -> bool:
        """Whether `folder` lies in the configuration folder or another customer's folder."""
        others = self.root / "customers"
        return folder.is_relative_to(self.config_dir.resolve()) or (
            folder.is_relative_to(others.resolve())
            and not folder.is_relative_to(self.customer_dir(config.customer_id).resolve())
        )

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    def customer_paths(self, customer_id: str) -> tuple[list[Path], list[Path]]:
        """What one customer left on this machine: (paths `purge` removes, dump folders its configuration
        names elsewhere, which purge leaves to the operator).

        Removed: its registered configuration, its folder (warehouse, reports, extracts), its landing
        folder and its configuration copy in the inbox. A configured dump folder outside those is only
        listed: it may be shared, or (a hostile configuration) another customer's.
        """
        if not re.fullmatch(CUSTOMER_ID_PATTERN, customer_id):
            raise ValueError(f"customer id {customer_id!r} is not a slug matching {CUSTOMER_ID_PATTERN}")
        folders = [self.customer_dir(customer_id), self.landing / customer_id]
        owned = [self.config_path(customer_id), *folders, self.inbox / f"{customer_id}.yaml"]
        elsewhere: list[Path] = []
        try:
            config = self.load(customer_id)
        except CustomerConfigError:
            config = None  # not registered, or unreadable: nothing else is known about it
        if config is not None:
            mine = [Path(os.path.realpath(f)) for f in folders]
            for run_kind in ("trial", "live"):
                # Its dump folder, and a direct read's shared folder (PPMP's letters): read, never owned.
                named = [config.shared_folder(run_kind)]
                if isinstance(config.source_for_or_none(run_kind), DumpSource):
                    named.append(config.dump_dir(run_kind))
                for path in filter(None, named):
                    dump = Path(os.path.realpath(path))
                    if dump.exists() and not any(dump.is_relative_to(f) for f in mine) and dump not in elsewhere:
                        elsewhere.append(dump)
        return [p for p in owned if p.exists() or p.is_symlink()], elsewhere

    def purge(self, customer_id: str) -> list[Path]:
        """Remove everything `customer_paths` finds inside the home; returns what was removed. A symlink is
        removed itself, never what it points to."""
        removed, _outside = self.customer_paths(customer_id)
        for path in removed:
            if path.is_symlink() or not path.is_dir():
                path.unlink(missing_ok=True)
            elif path.exists():
                shutil.rmtree(path)
        return removed

    def register_delivery(
        self, customer_id: str, run_kind: str, dump_dir: Path, delivered_config: Path
    ) -> CustomerConfig:
        """Point `customer_id`'s dump for `run_kind` at a newly delivered `dump_dir` (it replaces the previous
        one). A delivery is hostile input (DESIGN.md §6): for a registered customer the registered
        configuration is the only source of truth — the delivery changes its run kind's dump folder and
        nothing else, and the `delivered_config` beside it (the landing folder's customer.yaml) is not read.
        Only a customer not registered yet is registered from `delivered_config`, whose customer_id must be
        `customer_id` (the landing folder's name); after that, `practice-migrate customers add` changes it."""
        registered = self.config_path(customer_id)
        source_file = registered if registered.is_file() else Path(delivered_config)
        data, _notes = read_customer_yaml(source_file)
        if isinstance(data, dict) and data.get("customer_id") != customer_id:
            raise CustomerConfigError(
                str(source_file), [f"customer_id: expected {customer_id!r} (the landing folder's name)"]
            )
        if isinstance(data, dict):
            source = data.setdefault("source", {})
            if isinstance(source, dict):
                location = source.get(run_kind) if isinstance(source.get(run_kind), dict) else {}
                source[run_kind] = {**location, "dump": str(Path(dump_dir).resolve())}
        # Named by the customer, not by the delivered file (every landing folder's is customer.yaml).
        staged = private_dir(self.inbox) / f"{customer_id}.yaml"
        staged.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        private_files([staged])
        # The delivery vouches for its own run kind's folder; the other one may be delivered later.
        return self.register(staged, present=(run_kind,))

    def register(self, path: Path, present: tuple[str, ...] = RUN_KINDS) -> CustomerConfig:
        """Validate a configuration file and copy it into the home with its paths made absolute
        (a relative dump path is relative to the file it was written in)."""
        config = load_customer_config(path)
        problems = self.placement_problems(config, present)
        if problems:
            raise CustomerConfigError(str(path), problems)
        data, _notes = read_customer_yaml(Path(path))
        assert isinstance(data, dict)  # load_customer_config accepted it
        base = Path(path).resolve().parent
        for kind in ("trial", "live"):
            location = (data.get("source") or {}).get(kind)
            if isinstance(location, dict):
                for key in ("dump", "ca_file", "shared_folder"):
                    if location.get(key):
                        location[key] = str((base / location[key]).resolve())
            target_env = (data.get("target") or {}).get(kind)
            if isinstance(target_env, dict) and target_env.get("ca_file"):
                target_env["ca_file"] = str((base / target_env["ca_file"]).resolve())
        private_dir(self.config_dir)  # names dump folders and secret variables: owner-only (issue 15 item 9)
        destination = self.config_path(config.customer_id)
        destination.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        private_files([destination])
        return self.load(config.customer_id)


def latest_snapshot(extracts: Path) -> Path | None:
    """The highest-numbered complete snapshot (one with its manifest) under an extracts folder."""
    folder = extracts / SNAPSHOTS_DIR
    if not folder.is_dir():
        return None
    done = [p for p in folder.iterdir() if p.name.isdigit() and (p / MANIFEST).exists()]
    return max(done, key=lambda p: int(p.name), default=None)
