"""`practice-migrate generate`: write a synthetic practice dump with a progress bar and a short summary."""

from __future__ import annotations

import argparse
import importlib
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from synthetic.countries import COUNTRIES
from synthetic.generator import SYSTEMS, generate_practice, validate_arguments

_STAGES = {"practice": "Practice set-up", "clients": "Clients", "classes": "Group classes"}
# Vendor exports written from the neutral small practice (synthetic/template.py) in each system's
# assumed layout: system → (module, writer, countries, title).
VENDOR_EXPORTS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "tm3": ("synthetic.tm3", "write_tm3_export", ("AU",), "TM3 export (assumed layout)"),
    "cloudappts": ("synthetic.cloudappts", "write_cloudappts_export", ("NZ",), "Cloud Appts export (assumed layout)"),
    "comsense": ("synthetic.comsense", "write_comsense_export", ("AU",), "Comsense export (assumed layout)"),
    "freehand": ("synthetic.freehand", "write_freehand_export", ("UK",), "Freehand export (assumed layout)"),
    "gumnut": ("synthetic.gumnut", "write_gumnut_export", ("AU",), "Gumnut export (assumed layout)"),
    "ppmp": ("synthetic.ppmp", "write_ppmp_extract", ("AU",), "PPMP PMPDATA extract (assumed layout)"),
    "medtech": ("synthetic.medtech", "write_medtech_extract", ("NZ",), "Medtech32 table extract (assumed layout)"),
    "frontdesk": (
        "synthetic.frontdesk",
        "write_frontdesk_export",
        ("AU",),
        "Front Desk decrypted export (assumed layout)",
    ),
    "houston": (
        "synthetic.houston",
        "write_houston_export",
        ("AU",),
        "Bp VIP.net / Houston VIP export (assumed layout)",
    ),
    "mypractice": (
        "synthetic.mypractice",
        "write_mypractice_export",
        ("NZ",),
        "MyPractice (NZ) export (assumed layout)",
    ),
    "peak": ("synthetic.peak", "write_peak_export", ("NZ",), "Peak (NZ) export (assumed layout)"),
    "wintaps": ("synthetic.wintaps", "write_wintaps_export", ("UK",), "Wintaps (UK) export (assumed layout)"),
}


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"defect rate must be between 0 and 1, got {text}")
    return value


def _clients(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of clients, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"clients must be at least 1, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the `generate` subcommand's options on `parser`.

    Args:
        parser: The subcommand's parser (argparse exits with code 2 on malformed values).
    """
    parser.add_argument(
        "--system",
        default="cliniko",
        choices=[*SYSTEMS, "template", *VENDOR_EXPORTS, "pracsuite", "profile", "coreplus"],
        help="source system whose dump to write (coreplus: the emulator's practice.json and the CSV export)",
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        default="xlsx",
        choices=["xlsx", "csv"],
        help="--system template: one workbook or CSV files (default xlsx); --system profile: csv writes the "
        "export wizard's files instead of bcp's",
    )
    parser.add_argument("--country", required=True, choices=sorted(COUNTRIES), help="NZ, AU or UK flavour")
    parser.add_argument("--clients", required=True, type=_clients, help="number of clients (patients)")
    parser.add_argument(
        "--defects",
        default=0.0,
        type=_rate,
        metavar="RATE",
        help="share of eligible records given each defect kind, 0–1 (default 0: clean)",
    )
    parser.add_argument("--seed", default=1, type=int, help="random seed (default 1)")
    parser.add_argument(
        "--as-of",
        default=date(2026, 11, 1),
        type=_as_of,
        metavar="YYYY-MM-DD",
        help="day of the extract (default 2026-11-01)",
    )
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="folder to write (empty, or a previous dump)")


def run(args: argparse.Namespace) -> int:
    """Generate the practice described by parsed `args`.

    Args:
        args: Namespace produced by a parser set up with `add_arguments`.

    Returns:
        0 on success, 2 when an argument cannot be honoured (the reason is printed on stderr).
    """
    err = Console(stderr=True)
    if args.system in ("template", "pracsuite", "profile") or args.system in VENDOR_EXPORTS:
        return _run_export(args, err)
    if args.system == "coreplus":
        return _run_coreplus(args, err)
    as_of = args.as_of if isinstance(args.as_of, date) else None
    try:
        if as_of is None:
            as_of = _as_of(str(args.as_of))
        validate_arguments(
            system=args.system,
            country=args.country,
            clients=args.clients,
            defect_rate=args.defects,
            seed=args.seed,
        )
    except (ValueError, argparse.ArgumentTypeError) as exc:
        err.print(f"[red]practice-migrate generate: error:[/red] {exc}")
        return 2

    from practice_migrate.progress_bar import stage_bars

    with stage_bars(_STAGES, console=err) as progress:
        try:
            summary = generate_practice(
                args.out_dir,
                system=args.system,
                country=args.country,
                clients=args.clients,
                defect_rate=args.defects,
                seed=args.seed,
                as_of=as_of,
                progress=progress,
            )
        except (ValueError, FileExistsError) as exc:
            err.print(f"[red]practice-migrate generate: error:[/red] {exc}")
            return 2

    title = f"{summary.system} dump, {summary.country}, {summary.clients:,} clients, seed {summary.seed}"
    out = _print_summary(title, "resource", summary.counts, summary.defects, summary.truth_file)
    out.print(f"Manifest: {summary.manifest_file}  ·  {summary.seconds:.1f} s", soft_wrap=True)
    return 0


def _print_summary(title: str, kind: str, counts: dict[str, int], defects: int, truth: Path) -> Console:
    """The counts per resource (or table) and the ground truth's place, on stdout."""
    table = Table(title=title)
    table.add_column(kind)
    table.add_column("records", justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    out = Console()
    out.print(table)
    out.print(f"Injected defects: {defects:,}  (ground truth: {truth})", soft_wrap=True)  # a path is copied whole
    return out


def _run_export(args: argparse.Namespace, err: Console) -> int:
    """A filled generic template (synthetic/template.py: NZ or AU), a vendor export (VENDOR_EXPORTS, e.g.
    synthetic/tm3.py: AU) or the practice a PracSuite emulator serves (synthetic/pracsuite.py: AU) from the
    neutral small practice; with --defects > 0 one record of each defect kind (the rate does not scale them)."""
    from synthetic.template import DEFECT_KINDS, write_filled_template

    export = VENDOR_EXPORTS.get(args.system)
    countries = export[2] if export else {"pracsuite": ("AU",), "profile": ("NZ",)}.get(args.system, ("NZ", "AU"))
    if args.country not in countries:
        err.print(f"[red]practice-migrate generate: error:[/red] --system {args.system} writes {', '.join(countries)}")
        return 2
    if args.defects > 0 and args.clients < len(DEFECT_KINDS):
        err.print(f"[red]practice-migrate generate: error:[/red] defects need at least {len(DEFECT_KINDS)} clients")
        return 2
    if args.system == "pracsuite":
        from synthetic.pracsuite import write_practice

        written = write_practice(args.out_dir, clients=args.clients, seed=args.seed, defects=args.defects > 0)
        title = f"PracSuite practice (its emulator's practice.json), AU, {args.clients:,} clients, seed {args.seed}"
        out = _print_summary(title, "list", written.counts, written.defects, written.truth_file)
        serve = f"Serve it: practice-migrate emulators --pracsuite --pracsuite-practice {written.practice_file}"
        out.print(serve, soft_wrap=True)
        return 0
    if args.system == "profile":
        from synthetic.profile import write_profile_extract

        style = "wizard" if args.fmt == "csv" else "bcp"
        summary = write_profile_extract(
            args.out_dir, clients=args.clients, seed=args.seed, defects=args.defects > 0, style=style
        )
        title = f"Profile SQL Server extract ({style}), NZ, {args.clients:,} clients, seed {args.seed}"
    elif export:
        module, writer, _countries, name = export
        write_export = getattr(importlib.import_module(module), writer)
        summary = write_export(args.out_dir, clients=args.clients, seed=args.seed, defects=args.defects > 0)
        title = f"{name}, {args.country}, {args.clients:,} clients, seed {args.seed}"
    else:
        summary = write_filled_template(
            args.out_dir,
            clients=args.clients,
            seed=args.seed,
            fmt=args.fmt,
            defects=args.defects > 0,
            country=args.country,
        )
        title = f"template ({args.fmt}), {args.country}, {args.clients:,} clients, seed {args.seed}"
    _print_summary(title, "table", summary.counts, summary.defects, summary.truth_file)
    return 0


def _run_coreplus(args: argparse.Namespace, err: Console) -> int:
    """A Core Plus practice (synthetic/coreplus.py: the neutral small practice, AU): `practice.json` for the emulator
    (`practice-migrate emulators --coreplus --coreplus-practice OUT_DIR/practice.json`), `export/*.csv` (what the API
    lacks) and `ground_truth.json` (the DST-day appointments; with --defects > 0 one record of each defect kind)."""
    from synthetic.coreplus import DEFECT_KINDS, MIN_DEFECT_CLIENTS, TRUTH_FILE, write_export, write_practice

    if args.country != "AU":
        err.print("[red]practice-migrate generate: error:[/red] --system coreplus writes AU")
        return 2
    defects = args.defects > 0
    if defects and args.clients < MIN_DEFECT_CLIENTS:
        err.print(f"[red]practice-migrate generate: error:[/red] defects need at least {MIN_DEFECT_CLIENTS} clients")
        return 2
    args.out_dir.mkdir(parents=True, exist_ok=True)
    built = {"clients": args.clients, "seed": args.seed, "defects": defects}
    data = write_practice(args.out_dir / "practice.json", **built)
    export = write_export(args.out_dir / "export", **built)
    counts = {k: len(v) for k, v in data.items()} | {f"export/{k}": len(v) for k, v in export.items()}
    title = f"Core Plus practice (emulator) and CSV export (assumed layout), AU, {args.clients:,} clients"
    _print_summary(title, "records", counts, len(DEFECT_KINDS) if defects else 0, args.out_dir / TRUTH_FILE)
    return 0
