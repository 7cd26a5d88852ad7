"""`practice-migrate mapping propose|confirm`: a mapping proposal for a delivered dump, confirmed by a person
(the same steps as the `mapping/proposal` and `mapping/confirmation` assets; docs/mapping-proposals.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from customers import CustomerConfigError, MigrationHome, default_home


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, default=None, help="migration home (default: $MIGRATION_HOME, else ./var)")
    sub = parser.add_subparsers(dest="mapping_command", required=True, metavar="ACTION")
    propose = sub.add_parser(
        "propose",
        help="profile a delivered dump and propose a mapping spec with a review page",
        description="Propose for a registered customer's dump (--customer), or for any dump folder/workbook "
        "(--dump with --system and --out). Writes proposal.json, proposed.yaml and review.html.",
    )
    propose.add_argument("--customer", help="a registered customer: its dump of --run, written under its folder")
    propose.add_argument("--run", choices=("trial", "live"), default="trial")
    propose.add_argument("--dump", type=Path, help="a folder of CSV files or an .xlsx workbook (without --customer)")
    propose.add_argument("--system", help="the system the dump comes from (with --dump)")
    propose.add_argument("--country", choices=("NZ", "AU", "UK"), default="NZ", help="with --dump (default NZ)")
    propose.add_argument("--out", type=Path, help="where to write the proposal (with --dump)")
    propose.add_argument(
        "--model-assisted",
        action="store_true",
        help="also ask the OpenAI-compatible endpoint in PROPOSALS_MODEL_URL (sent names, shapes and counts only)",
    )
    confirm = sub.add_parser("confirm", help="confirm a customer's latest proposal and write the confirmed spec")
    confirm.add_argument("--customer", required=True)
    confirm.add_argument("--accepted-by", required=True, help="who reviewed and accepts the proposal")
    confirm.add_argument(
        "--edits", type=Path, help="YAML file of changes in the overrides format {entity: {field: spec}}"
    )
    confirm.add_argument("--destination", choices=("overrides", "system"), default="overrides")


@contextmanager
def _working(what: str) -> Iterator[None]:
    """A bar on stderr while a proposal is worked out: the proposal reports no steps, so it pulses until done."""
    from practice_migrate.progress_bar import stage_bars

    with stage_bars() as progress:
        progress(what, 0, None)
        yield
        progress(what, 1, 1)


def run(args: argparse.Namespace) -> int:
    from mappings.spec import SpecError
    from proposals.model_assist import ModelAssistError
    from proposals.tables import DumpReadError
    from proposals.workflow import (
        ConfirmationError,
        confirm_for_customer,
        mapping_dir,
        propose_for_customer,
        propose_for_dump,
    )

    home = MigrationHome((args.home or default_home()).resolve())
    try:
        if args.mapping_command == "propose":
            if args.customer:
                config = home.load(args.customer)
                with _working(f"profiling the {args.run} dump of {args.customer}"):
                    record = propose_for_customer(home, config, args.run, args.model_assisted)
                out = mapping_dir(home, args.customer)
            else:
                if not (args.dump and args.system and args.out):
                    print("mapping propose: give --customer, or --dump with --system and --out", file=sys.stderr)
                    return 2
                with _working(f"profiling {args.dump.name}"):
                    record = propose_for_dump(
                        args.dump, args.system, args.country, args.out, model_assisted=args.model_assisted
                    )
                out = args.out
            summary = record["summary"]
            print(
                f"proposal {record['proposal_version']}: {summary['entities']} entities, {summary['fields']} fields "
                f"({summary['open_questions']} open questions, {summary['spec_problems']} spec problems); "
                f"review {out / 'review.html'}"
            )
            return 0
        edits = yaml.safe_load(args.edits.read_text(encoding="utf-8")) if args.edits else None
        if edits is not None and not isinstance(edits, dict):
            print(f"{args.edits}: expected a mapping {{entity: {{field: spec}}}}", file=sys.stderr)
            return 2
        confirmation = confirm_for_customer(home, home.load(args.customer), args.accepted_by, edits, args.destination)
        print(f"confirmed: spec {confirmation['spec_version']} written to {confirmation['written_to']}")
        return 0
    except (CustomerConfigError, SpecError, ConfirmationError, DumpReadError, ModelAssistError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
