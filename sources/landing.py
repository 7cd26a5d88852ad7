"""The landing area where practices' dumps arrive, and what makes a delivery complete.

Layout under `$MIGRATION_HOME/landing/`:

    <customer>/customer.yaml                 the customer's configuration (validated on arrival)
    <customer>/<trial|live>/<delivery>/      one folder per delivered dump, manifest.json last

A delivery is complete when its manifest lists every file with the bytes and sha256 it has; until
then (still copying, or corrupted) it is reported and nothing runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sources.manifest import MANIFEST_FILE as MANIFEST
from sources.manifest import ManifestError, read_manifest, verify_files
from store.files import private_dir

CONFIG = "customer.yaml"
RUN_KINDS = ("trial", "live")


@dataclass(frozen=True)
class Delivery:
    customer_id: str
    run_kind: str
    path: Path
    config: Path

    @property
    def manifest(self) -> Path:
        return self.path / MANIFEST

    def fingerprint(self) -> str | None:
        """Identity of the delivery's content: the manifest's sha256 (it holds every file's)."""
        return hashlib.sha256(self.manifest.read_bytes()).hexdigest() if self.manifest.exists() else None


def scan(landing: Path) -> list[Delivery]:
    """Every delivery folder of every customer folder, oldest first within a customer and run kind."""
    found = []
    if not landing.exists():
        return found
    private_dir(landing)  # deliveries are patient data: the landing area is owner-only (issue 15 item 9)
    for customer in sorted(p for p in landing.iterdir() if p.is_dir()):
        for run_kind in RUN_KINDS:
            folder = customer / run_kind
            if folder.is_dir():
                deliveries = sorted(
                    (p for p in folder.iterdir() if p.is_dir()), key=lambda p: (p.stat().st_mtime, p.name)
                )
                found += [Delivery(customer.name, run_kind, p, customer / CONFIG) for p in deliveries]
    return found


def verify(delivery: Delivery) -> list[str]:
    """Why the delivery is not complete (empty: it is): the same check the raw layer runs on a dump
    staged directly (sources/manifest.py)."""
    if not delivery.manifest.exists():
        return [f"{delivery.path}: no {MANIFEST} yet (the delivery is incomplete or still copying)"]
    try:
        entries = read_manifest(delivery.path)
    except ManifestError as exc:
        return exc.problems
    return verify_files(delivery.path, entries)
