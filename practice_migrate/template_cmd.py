"""`practice-migrate template`: write the generic new-system template, or validate a filled one."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--country", choices=["NZ", "AU", "UK"], default="NZ", help="the practice's country")
    parser.add_argument("--format", dest="fmt", choices=["xlsx", "csv"], default="xlsx", help="one workbook or CSVs")
    parser.add_argument(
        "target",
        nargs="+",
        metavar="OUT | validate DIR|FILE",
        help="the folder to write the empty template into, or `validate` and a filled template",
    )


def run(args: argparse.Namespace) -> int:
    from practice_migrate.progress_bar import stage_bars
    from sources.template.workbook import validate_template, write_template

    if args.target[0] == "validate":
        if len(args.target) != 2:
            print("usage: practice-migrate template validate DIR|FILE")
            return 2
        with stage_bars({"tables": "tables read", "references": "references checked"}) as progress:
            problems = validate_template(Path(args.target[1]), progress)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problems" if problems else "the template can be migrated (source_system: template)")
        return 1 if problems else 0
    if len(args.target) != 1:
        print("usage: practice-migrate template [--country NZ] [--format xlsx|csv] OUT")
        return 2
    for path in write_template(Path(args.target[0]), country=args.country, fmt=args.fmt):
        print(f"wrote {path}")
    return 0
