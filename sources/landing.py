"""The landing area where practices' dumps arrive, and what makes a delivery complete.

Layout under `$MIGRATION_HOME/landing/`:

    <customer>/customer.yaml                 the customer's configuration (validated on arrival); read only
                                             until the customer is registered, then the registered one rules
    <customer>/<trial|live>/<delivery>/      one folder per delivered dump, manifest.json last
    <customer>/<trial|live>/<name>.duckdb    or one database file (a Gensolve embedded database)

A delivery is complete by its source system's rule (sources/completeness.py): for a system that
delivers a manifest, when it lists every file with the bytes and sha256 it has; for a vendor export
without one, when the expected files are there and the checksums the sensor computes itself stay the
same between two looks. Until then (still copying, or corrupted) it is reported and nothing runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sources.completeness import MANIFEST_RULE, CompletenessRule, rule_of
from sources.manifest import MANIFEST_FILE as MANIFEST
from store.files import private_dir

CONFIG = "customer.yaml"
# A delivery that is one file rather than a folder: a database the system's reader opens whole.
DATABASE_DELIVERY_SUFFIXES = (".duckdb",)
RUN_KINDS = ("trial", "live")


@dataclass(frozen=True)
class Delivery:
    customer_id: str
    run_kind: str
    path: Path
    config: Path
    rule: CompletenessRule = field(default=MANIFEST_RULE, compare=False)

    @property
    def manifest(self) -> Path:
        return self.path / MANIFEST

    def fingerprint(self) -> str | None:
        """Identity of the delivery's content: the manifest's sha256 (it holds every file's), or for a
        system without a manifest the sha256 of every file's path, size and sha256."""
        return self.rule.fingerprint(self.path)


def rule_for_config(config: Path) -> CompletenessRule:
    """The completeness rule of the source system a customer file names; the manifest rule when the
    file cannot be read yet (it is validated, and its problems reported, after completeness)."""
    from customers.yaml_reader import YamlRefusedError, read_yaml
    from sources.registry import get_system, system_names

    try:
        data, _notes = read_yaml(config)
    except (OSError, YamlRefusedError):
        return MANIFEST_RULE
    source = data.get("source") if isinstance(data, dict) else None
    system = source.get("system") if isinstance(source, dict) else None
    if not isinstance(system, str) or system not in system_names():
        return MANIFEST_RULE
    return rule_of(get_system(system).completeness)


def scan(landing: Path, registered: Path | None = None) -> list[Delivery]:
    """Every delivery (a folder, or a database file) of every customer folder, oldest first within a
    customer and run kind. A customer with a configuration in the `registered` folder (`<customer>.yaml`)
    is judged by that configuration's source system, never by the customer.yaml its delivery brought."""
    found = []
    if not landing.exists():
        return found
    private_dir(landing)  # deliveries are patient data: the landing area is owner-only (issue 15 item 9)
    for customer in sorted(p for p in landing.iterdir() if p.is_dir()):
        for run_kind in RUN_KINDS:
            folder = customer / run_kind
            if folder.is_dir():
                deliveries = sorted(
                    (p for p in folder.iterdir() if p.is_dir() or _is_database_file(p)),
                    key=lambda p: (p.stat().st_mtime, p.name),
                )
                governing = registered / f"{customer.name}.yaml" if registered is not None else None
                rule = rule_for_config(
                    governing if governing is not None and governing.is_file() else customer / CONFIG
                )
                found += [Delivery(customer.name, run_kind, p, customer / CONFIG, rule) for p in deliveries]
    return found


def _governing_config(customer: Path, registered: Path | None) -> Path:
    """The registered configuration of the customer folder's customer where there is one, else the
    customer.yaml delivered in its landing folder."""
    own = registered / f"{customer.name}.yaml" if registered is not None else None
    return own if own is not None and own.is_file() else customer / CONFIG


def _is_database_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink() and path.suffix in DATABASE_DELIVERY_SUFFIXES


def verify(delivery: Delivery) -> list[str]:
    """Why the delivery is not complete (empty: it is), by its system's rule: for a manifest, the same
    check the raw layer runs on a dump staged directly (sources/manifest.py)."""
    return delivery.rule.problems(delivery.path)
