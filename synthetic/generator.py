"""generate_practice: lay out the practice, stream its clients in chunks (in worker processes when large),
and write the Cliniko dump with its manifest and ground truth.

Memory stays bounded at any size: a client's records are generated from that client's own seeded
random source and written as soon as their chunk is done, uniqueness comes from keyed permutations
rather than lookup tables, and defects and attachment entries are spooled to disk. Only the practice
layout (sites, staff, a few thousand DST-day plans) is held for the whole run — 1,000,000 clients
need the same few hundred MB as 100,000.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from synthetic import setup as practice_records
from synthetic.clients import generate_client, registration_day
from synthetic.cliniko import Links, dumps
from synthetic.countries import COUNTRIES
from synthetic.defects import ClientPlan, plan_forced
from synthetic.dump import DumpWriter, prepare_out_dir
from synthetic.forms import practice_form_records
from synthetic.groups import group_records
from synthetic.ids import MAX_CLIENTS, seeded_rng
from synthetic.output import ChunkOut
from synthetic.people import build_pools
from synthetic.practice import Practice, build_practice
from synthetic.timeline import epoch_day

SYSTEMS = ("cliniko",)
CHUNK_CLIENTS = 500  # clients per unit of work: ≈ 15 MB of records in flight per chunk
PARALLEL_FROM = 5_000  # below this, starting worker processes costs more than it saves
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class GenerationSummary:
    """What `generate_practice` wrote."""

    out_dir: Path
    system: str
    country: str
    clients: int
    seed: int
    as_of: date
    counts: dict[str, int]
    defects: int
    seconds: float
    truth_file: Path
    manifest_file: Path


def generate_practice(
    out_dir: Path,
    *,
    system: str = "cliniko",
    country: str = "NZ",
    clients: int = 300,
    defect_rate: float = 0.0,
    seed: int = 1,
    as_of: date = date(2026, 11, 1),
    progress: Progress | None = None,
) -> GenerationSummary:
    """Write one coherent synthetic practice as a source-system dump, with its ground truth.

    Seeded and deterministic: the same arguments give byte-identical files (and manifest) whatever
    the number of worker processes. Scales from 50 to 1,000,000 clients with bounded memory.

    Args:
        out_dir: Folder to write; created, or replaced if it holds a previous synthetic dump.
        system: Source system whose dump format to write; only "cliniko" for now.
        country: "NZ", "AU" or "UK": names, addresses, phones, identifiers, taxes, time zones.
        clients: Number of clients (patients); about 10 appointments each.
        defect_rate: Share of eligible records given each defect kind (0 for a clean dump).
        seed: Seed for every random choice.
        as_of: Day of the extract: history runs ≈ 5 years before it, bookings ≈ 3 months after.
        progress: Called as progress(stage, done, total) while generating.

    Returns:
        A summary with per-resource counts and where the manifest and ground truth are.

    Raises:
        ValueError: An argument is out of range (the message lists the valid values).
        FileExistsError: `out_dir` holds files that are not a synthetic dump.
    """
    return _generate(
        Path(out_dir),
        system=system,
        country=country,
        clients=clients,
        defect_rate=defect_rate,
        seed=seed,
        as_of=as_of,
        progress=progress,
        workers=None,
    )


def validate_arguments(*, system: str, country: str, clients: int, defect_rate: float, seed: int) -> None:
    """Raise ValueError with a clear message for any argument generate_practice cannot honour."""
    if system not in SYSTEMS:
        raise ValueError(f"unknown system {system!r}; valid systems: {', '.join(SYSTEMS)}")
    if country not in COUNTRIES:
        raise ValueError(f"unknown country {country!r}; valid countries: {', '.join(COUNTRIES)}")
    if isinstance(clients, bool) or not isinstance(clients, int) or not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"clients must be a whole number from 1 to {MAX_CLIENTS:,}, not {clients!r}")
    if not isinstance(defect_rate, int | float) or not 0.0 <= defect_rate <= 1.0:
        raise ValueError(f"defect rate must be between 0 and 1, not {defect_rate!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, not {seed!r}")


def _generate(
    out_dir: Path,
    *,
    system: str,
    country: str,
    clients: int,
    defect_rate: float,
    seed: int,
    as_of: date,
    progress: Progress | None,
    workers: int | None,
) -> GenerationSummary:
    validate_arguments(system=system, country=country, clients=clients, defect_rate=defect_rate, seed=seed)
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    prepare_out_dir(out_dir)
    profile = COUNTRIES[country]
    practice = build_practice(
        profile,
        seed=seed,
        clients=clients,
        defect_rate=float(defect_rate),
        as_of_day=epoch_day(as_of),
        pools=build_pools(profile, seed),
    )
    links = Links(profile.shard)
    writer = DumpWriter(out_dir)

    report("practice", 0, 1)
    _write_records(writer, practice_records.setup_records(practice, links))
    _write_records(writer, (("contacts", r) for r in practice_records.contact_records(practice, links)))
    _write_records(writer, practice_form_records(practice))
    report("practice", 1, 1)

    plans = plan_clients(practice)
    done = 0
    report("clients", 0, clients)
    for n, encoded, defects, dst_days, attachments in _chunk_results(practice, links, plans, out_dir, workers):
        for resource, (data, records) in encoded.items():
            writer.write(resource, data, records)
        writer.add_defects(defects)
        writer.dst_days.extend(dst_days)
        writer.add_attachments(attachments)
        done += n
        report("clients", done, clients)

    report("classes", 0, 1)
    _write_records(writer, group_records(practice, links))
    report("classes", 1, 1)

    truth_header = {
        "seed": seed,
        "country": country,
        "clients": clients,
        "defect_rate": defect_rate,
        "as_of": as_of.isoformat(),
        "sites": [{"source_id": s.id, "name": s.name, "time_zone": s.zone} for s in practice.sites],
    }
    manifest, truth = writer.finish(
        country=country, generated_at=f"{as_of.isoformat()}T00:00:00Z", truth_header=truth_header
    )
    return GenerationSummary(
        out_dir=out_dir,
        system=system,
        country=country,
        clients=clients,
        seed=seed,
        as_of=as_of,
        counts=dict(writer.counts),
        defects=writer.defects,
        seconds=time.perf_counter() - started,
        truth_file=truth,
        manifest_file=manifest,
    )


def _write_records(writer: DumpWriter, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Write practice-level records in batches (one write per resource per 2 000 records)."""
    batch: dict[str, list[str]] = {}
    for k, (resource, rec) in enumerate(records, 1):
        batch.setdefault(resource, []).append(dumps(rec))
        if k % 2000 == 0:
            _flush(writer, batch)
    _flush(writer, batch)


def _flush(writer: DumpWriter, batch: dict[str, list[str]]) -> None:
    for resource, lines in batch.items():
        writer.write(resource, ("\n".join(lines) + "\n").encode("utf-8"), len(lines))
    batch.clear()


def plan_clients(p: Practice) -> dict[int, ClientPlan]:
    """Forced defects (one client per kind) and clean 09:00 DST-day visits: two per DST change."""
    plans = plan_forced(p.seed, p.clients, p.defect_rate)
    forced = set(plans)
    rng = seeded_rng(p.seed, "dst-plan")
    for change in p.dst_changes:
        sites = [s.index for s in p.sites if s.zone == change.zone]
        chosen: set[int] = set()
        for _ in range(2):
            i = _dst_client(p, rng, change.day, forced | chosen)
            if i is None:
                break
            chosen.add(i)
            plans.setdefault(i, ClientPlan()).dst_visits.append((change.day, change.kind, rng.choice(sites)))
    return plans


def _dst_client(p: Practice, rng: Any, day: int, excluded: set[int]) -> int | None:
    """A client registered before `day`: random picks first, then the first one found in order."""
    for _ in range(200):
        i = rng.randrange(p.clients)
        if i not in excluded and registration_day(p, i) < day - 1:
            return i
    return next((i for i in range(p.clients) if i not in excluded and registration_day(p, i) < day - 1), None)


ChunkResult = tuple[
    int, dict[str, tuple[bytes, int]], list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, int, str]]
]
_STATE: tuple[Practice, Links, dict[int, ClientPlan], Path] | None = None


def _init_worker(state: tuple[Practice, Links, dict[int, ClientPlan], Path]) -> None:
    global _STATE
    _STATE = state


def _run_chunk(bounds: tuple[int, int]) -> ChunkResult:
    assert _STATE is not None
    p, links, plans, out_dir = _STATE
    out = ChunkOut(out_dir)
    for i in range(*bounds):
        generate_client(p, links, i, plans.get(i), out)
    return bounds[1] - bounds[0], out.encoded(), out.defects, out.dst_days, out.attachments


def _chunk_results(
    p: Practice, links: Links, plans: dict[int, ClientPlan], out_dir: Path, workers: int | None
) -> Iterator[ChunkResult]:
    """Chunk results in client order. With several workers at most two chunks per worker are in
    flight, so a slow disk cannot make finished chunks pile up in memory."""
    bounds = [(s, min(s + CHUNK_CLIENTS, p.clients)) for s in range(0, p.clients, CHUNK_CLIENTS)]
    if workers is None:
        workers = min(os.cpu_count() or 1, 8) if p.clients >= PARALLEL_FROM else 1
    state = (p, links, plans, out_dir)
    if workers <= 1:
        _init_worker(state)
        try:
            yield from (_run_chunk(b) for b in bounds)
        finally:
            _init_worker(None)  # type: ignore[arg-type]
        return
    # spawn, not fork: the caller may run threads (a progress bar) that fork would copy mid-lock.
    with multiprocessing.get_context("spawn").Pool(workers, _init_worker, (state,)) as pool:
        pending: deque[Any] = deque()
        todo = iter(bounds)
        for b in todo:
            pending.append(pool.apply_async(_run_chunk, (b,)))
            if len(pending) >= 2 * workers:
                break
        while pending:
            result = pending.popleft().get()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.apply_async(_run_chunk, (nxt,)))
            yield result
