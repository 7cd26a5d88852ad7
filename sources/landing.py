"""The landing area where practices' dumps arrive, and what makes a delivery complete.

Layout under `$MIGRATION_HOME/landing/`:

    <customer>/customer.yaml                 the customer's configuration (validated on arrival)
    <customer>/<trial|live>/<delivery>/      one folder per delivered dump, manifest.json last

A delivery is complete when its manifest lists every file with the bytes and sha256 it has; until
then (still copying, or corrupted) it is reported and nothing runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
CONFIG = "customer.yaml"
RUN_KINDS = ("trial", "live")
_CHUNK = 1024 * 1024


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
    for customer in sorted(p for p in landing.iterdir() if p.is_dir()):
        for run_kind in RUN_KINDS:
            folder = customer / run_kind
            if folder.is_dir():
                deliveries = sorted(
                    (p for p in folder.iterdir() if p.is_dir()), key=lambda p: (p.stat().st_mtime, p.name)
                )
                found += [Delivery(customer.name, run_kind, p, customer / CONFIG) for p in deliveries]
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(delivery: Delivery) -> list[str]:
    """Why the delivery is not complete (empty: it is). Sizes are compared before checksums so a
    half-copied dump is recognised without reading gigabytes."""
    if not delivery.manifest.exists():
        return [f"{delivery.path}: no {MANIFEST} yet (the delivery is incomplete or still copying)"]
    try:
        files = json.loads(delivery.manifest.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError):
        return [f"{delivery.manifest}: not a valid manifest"]
    problems = []
    for entry in files:
        path = delivery.path / entry["path"]
        if not path.is_file():
            problems.append(f"{path}: listed in the manifest but missing")
        elif path.stat().st_size != entry["bytes"]:
            problems.append(f"{path}: {path.stat().st_size} bytes, the manifest says {entry['bytes']} (still copying?)")
    if problems:
        return problems
    return [
        f"{delivery.path / e['path']}: sha256 differs from the manifest (corrupted in transfer)"
        for e in files
        if _sha256(delivery.path / e["path"]) != e["sha256"]
    ]
